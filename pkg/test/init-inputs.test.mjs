// The browser entry's init() takes every kind of input a bundler or a page has for the module
// (issue 21): the bytes (ArrayBuffer, Uint8Array), a compiled WebAssembly.Module, a Response and
// a promise of one (what `fetch` returns). A URL is fetched, which Node cannot do for file: URLs;
// the bundler tests in tests/www load it from a URL in Chromium. Each kind runs in its own
// process, since the module loads once per process. Anything else is refused with
// ERR_OPTIONS_INVALID, and a later call with a good input still loads.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { PKG } from './helpers.mjs';
import { thumbprint } from '../index.node.js';

const entry = pathToFileURL(join(PKG, 'index.browser.js')).href;
const wasm = pathToFileURL(join(PKG, 'dist', 'jwtgate_bg.wasm')).href;

/** Runs `body` (an async function body) in a fresh Node with `jwtgate` and `bytes` in scope. */
function run(body) {
  const src = `import * as jwtgate from ${JSON.stringify(entry)};
import { readFileSync } from 'node:fs';
const bytes = readFileSync(new URL(${JSON.stringify(wasm)}));
const out = await (async () => { ${body} })();
console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// After loading, the engine answers: the thumbprint of RFC 7517's example P-256 key, as the Node
// entry computes it.
const JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
const answers = `return jwtgate.thumbprint(${JSON.stringify(JWK)});`;
const expected = thumbprint(JWK);
const inputs = {
  'Uint8Array (a Buffer)': 'bytes',
  ArrayBuffer: 'bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)',
  'WebAssembly.Module': 'new WebAssembly.Module(bytes)',
  Response: "new Response(bytes, { headers: { 'content-type': 'application/wasm' } })",
  'a promise of a Response': "Promise.resolve(new Response(bytes, { headers: { 'content-type': 'application/wasm' } }))",
};

for (const [kind, expr] of Object.entries(inputs)) {
  test(`init() loads the module from ${kind}`, () => {
    const thumb = run(`await jwtgate.init(${expr}); await jwtgate.init(); ${answers}`);
    assert.equal(thumb, expected);
  });
}

test('init() refuses other inputs with ERR_OPTIONS_INVALID naming what it takes; a good input then loads', () => {
  const out = run(`const refused = [];
for (const bad of [42, null, {}, { module_or_path: bytes }, [1, 2]]) {
  try { await jwtgate.init(bad); refused.push('loaded'); } catch (e) { refused.push([e.code, e.message]); }
}
await jwtgate.init(bytes);
return { refused, thumb: (() => { ${answers} })() };`);
  assert.equal(out.refused.length, 5);
  for (const [code, message] of out.refused) {
    assert.equal(code, 'ERR_OPTIONS_INVALID');
    assert.match(message, /init\(\) takes a URL .*WebAssembly\.Module, not (number|null|Object|Array)$/);
  }
  assert.equal(out.thumb, expected);
});
