// Third-party notices (issue 21): every crate compiled into each .wasm is in its notice, checked
// against Cargo.lock by scripts/check-notices.mjs (no cargo-about needed here; it is needed
// only to regenerate: `bash scripts/notices.sh`), and the npm modules' notices are packed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKG, ROOT } from './helpers.mjs';
import { MODULES, problems, resolvedCrates } from '../../scripts/check-notices.mjs';

test('each module\'s notice names exactly the crates Cargo.lock compiles into it, with their licences', () => {
  assert.deepEqual(problems(), []);
});

test('the check fails for a crate added, removed, upgraded or relicensed without regenerating', () => {
  const real = (file) => readFileSync(join(ROOT, file), 'utf8');
  const edited = (target, edit) => (file) => (file === target ? edit(real(file)) : real(file));
  const file = 'pkg/notices/jwtgate_bg.wasm.md';
  const row = /^\| wasm-bindgen \| (\S+) \| (.+) \|$/m;
  assert.match(real(file), row);
  // Removed from the notice (as if Cargo.lock gained it).
  assert.deepEqual(problems(edited(file, (t) => t.replace(row, ''))), [
    `${file}: wasm-bindgen ${real(file).match(row)[1]} is compiled into jwtgate_bg.wasm (Cargo.lock) but not in the notice`,
  ]);
  // A crate Cargo.lock no longer has.
  assert.deepEqual(problems(edited(file, (t) => t.replace(row, (r) => `${r}\n| left-pad | 1.0.0 | MIT |`))), [
    `${file}: left-pad 1.0.0 is in the notice but no longer compiled into jwtgate_bg.wasm (Cargo.lock)`,
  ]);
  // Another version, another licence.
  assert.equal(problems(edited(file, (t) => t.replace(row, '| wasm-bindgen | 0.0.1 | $2 |'))).length, 2);
  assert.match(problems(edited(file, (t) => t.replace(row, '| wasm-bindgen | $1 | GPL-3.0 |')))[0], /noticed as "GPL-3.0", its manifest says/);
  // Every module is checked, each against its own features (the Envoy module has no wasm-bindgen).
  assert.ok(![...resolvedCrates('envoy').keys()].some((c) => c.startsWith('wasm-bindgen ')));
  assert.ok([...resolvedCrates('envoy').keys()].some((c) => c.startsWith('proxy-wasm ')));
  assert.match(problems(edited('notices/jwtgate_envoy.wasm.md', () => ''))[0], /proxy-wasm|is compiled into jwtgate_envoy\.wasm/);
});

test('the npm tarball carries the notices of both its modules', () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' }));
  const files = packed[0].files.map((f) => f.path);
  for (const { file } of MODULES.filter((m) => m.file.startsWith('pkg/'))) {
    assert.ok(files.includes(file.slice('pkg/'.length)), `${file} packed: ${files.join(', ')}`);
  }
});
