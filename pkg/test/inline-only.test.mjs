// scripts/wasm-inline-only.mjs with the wasm-opt flags both builds pass (pkg/scripts/build.sh,
// scripts/build-envoy.sh): only the functions it names may be inlined. A small module stands in
// for the real one: `main` calls a tiny `__multi3` and a tiny Rust-mangled helper twice each.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PKG } from './helpers.mjs';

const ROOT = join(PKG, '..');
const WASM_OPT = join(PKG, 'node_modules', '.bin', 'wasm-opt');
const FLAGS = ['--no-inline', '--pass-arg=no-inline@~*', '--always-inline-max-function-size=200'];

const WAT = `(module
  (func $__multi3 (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func $_ZN3foo6helper17h0123456789abcdefE (param i64) (result i64) (i64.add (local.get 0) (i64.const 7)))
  (func (export "main") (param i64 i64) (result i64)
    (i64.add
      (call $_ZN3foo6helper17h0123456789abcdefE (call $__multi3 (local.get 0) (local.get 1)))
      (call $_ZN3foo6helper17h0123456789abcdefE (call $__multi3 (local.get 1) (local.get 0))))))`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The calls left in `main` after wasm-opt -Oz with the build's flags. */
function callsAfterOptimising(input, dir) {
  const out = join(dir, 'out.wasm');
  run(WASM_OPT, [...FLAGS, '-Oz', input, '-o', out]);
  const text = run(WASM_OPT, [out, '--print']);
  const main = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out))).exports.main;
  assert.equal(main(3n, 5n), 2n * (15n + 7n), 'the optimised module computes the same');
  return (text.match(/\(call /g) ?? []).length;
}

test('only the named functions are inlined; every other one stays a call', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inline-only-'));
  writeFileSync(join(dir, 'm.wat'), WAT);
  const named = join(dir, 'named.wasm');
  run(WASM_OPT, [join(dir, 'm.wat'), '-g', '-o', named]); // -g keeps the name section
  const prepared = join(dir, 'prepared.wasm');
  const said = run('node', [join(ROOT, 'scripts', 'wasm-inline-only.mjs'), named, prepared, '__multi3']);
  assert.match(said, /1 of 1 named functions left inlinable/);

  // Same code, only names changed.
  const before = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(named)));
  const after = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(prepared)));
  assert.deepEqual(after, before);

  // The helper's two calls stay; __multi3's two are inlined.
  assert.equal(callsAfterOptimising(prepared, dir), 2);
  // Without the rewrite, the same flags protect nothing (no name starts with "~"): all inlined.
  assert.equal(callsAfterOptimising(named, dir), 0);
});

test('a module without names, or a name it does not hold, is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inline-only-'));
  writeFileSync(join(dir, 'm.wat'), WAT);
  const bare = join(dir, 'bare.wasm');
  run(WASM_OPT, [join(dir, 'm.wat'), '-o', bare]); // no -g: no name section
  const r = spawnSync('node', [join(ROOT, 'scripts', 'wasm-inline-only.mjs'), bare, join(dir, 'x.wasm'), '__multi3'], {
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no function names to select from/);

  const named = join(dir, 'named.wasm');
  run(WASM_OPT, [join(dir, 'm.wat'), '-g', '-o', named]);
  const said = run('node', [join(ROOT, 'scripts', 'wasm-inline-only.mjs'), named, join(dir, 'y.wasm'), '__nothing']);
  assert.match(said, /0 of 1 named functions left inlinable/);
});
