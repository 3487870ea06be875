// The package's wasm modules as built: sizes (reported, see issue 7's targets), and the splits
// that keep test-identity minting and the gate out of the verifier module.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { PKG } from './helpers.mjs';
import { TRAP_DIST } from './trap-package.mjs';

const file = (name) => readFileSync(join(PKG, 'dist', name));
// GNU gzip -9 when installed (what issue 7's targets use; a few % smaller than zlib's level 9).
function gzipSize(bytes) {
  const r = spawnSync('gzip', ['-9', '-c'], { input: bytes, maxBuffer: 1 << 26 });
  return r.status === 0 ? [r.stdout.length, 'gzip -9'] : [gzipSync(bytes, { level: 9 }).length, 'zlib level 9'];
}
const exportsOf = (bytes) => WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
const importsOf = (bytes) => WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => i.name);

test('sizes of the package wasm modules, raw and gzip -9 (reported; targets in issue 7)', (t) => {
  const lazy = { 'jwtgate_mint_bg.wasm': 'mintTestIdentity', 'jwtgate_gate_bg.wasm': 'createGate' };
  for (const [name, target] of [['jwtgate_bg.wasm', 160_000], ['jwtgate_mint_bg.wasm', null], ['jwtgate_gate_bg.wasm', null]]) {
    const bytes = file(name);
    const [gz, how] = gzipSize(bytes);
    const goal = target ? `; target ≤ ${target / 1000} KB gzip -9 (KB = 1000 B) (${gz <= target ? 'met' : 'not met'})` : `; loaded by ${lazy[name]} only`;
    t.diagnostic(`dist/${name}: ${bytes.length} B raw, ${gz} B ${how}${goal}`);
    assert.ok(bytes.length > 0);
  }
});

test('the verifier module has no minting and no host randomness; the mint module has nothing else', () => {
  const main = file('jwtgate_bg.wasm');
  const mint = file('jwtgate_mint_bg.wasm');
  assert.ok(exportsOf(main).includes('verifier_verify'));
  assert.ok(!exportsOf(main).includes('mintTestIdentity'));
  assert.ok(!importsOf(main).some((n) => /getRandomValues|crypto/i.test(n)), importsOf(main).join(', '));
  assert.ok(exportsOf(mint).includes('mintTestIdentity'));
  assert.ok(!exportsOf(mint).some((n) => /verifier|inspect|authorize/i.test(n)), exportsOf(mint).join(', '));
  assert.ok(importsOf(mint).some((n) => /getRandomValues/.test(n)), importsOf(mint).join(', '));
});

test('the gate is in its own module only: the verifier module has none of it, the gate module nothing else', () => {
  const main = exportsOf(file('jwtgate_bg.wasm'));
  const gate = exportsOf(file('jwtgate_gate_bg.wasm'));
  assert.ok(gate.includes('gate_decide') && gate.includes('gate_pollTimeout'), gate.join(', '));
  assert.ok(!main.some((n) => /^gate_/.test(n)), main.filter((n) => /gate/.test(n)).join(', '));
  assert.ok(!gate.some((n) => /verifier|inspect|authorize|mint/i.test(n)), gate.join(', '));
  assert.ok(!importsOf(file('jwtgate_gate_bg.wasm')).some((n) => /getRandomValues|crypto/i.test(n)));
});

test('the trapping test export is only in the test variant, never in the released module', () => {
  const trapping = (bytes) => exportsOf(bytes).filter((n) => /trap/i.test(n));
  assert.deepEqual(trapping(file('jwtgate_bg.wasm')), []);
  assert.deepEqual(trapping(file('jwtgate_mint_bg.wasm')), []);
  assert.deepEqual(trapping(file('jwtgate_gate_bg.wasm')), []);
  assert.doesNotMatch(readFileSync(join(PKG, 'dist', 'jwtgate.js'), 'utf8'), /__trapForTest/);
  // The same check finds it where it is built (pkg/scripts/build.sh, feature test-trap).
  const test = readFileSync(join(TRAP_DIST, 'jwtgate_bg.wasm'));
  assert.deepEqual(trapping(test), ['verifier___trapForTest']);
});

test('the released glue can replace its instance (engine restart after a trap)', () => {
  assert.match(readFileSync(join(PKG, 'dist', 'jwtgate.js'), 'utf8'), /export function __wbg_reset_state\b/);
});
