// createGate's own wasm module (dist/jwtgate_gate_bg.wasm) through the browser entry, run in
// Node (own process: module state is not shared with the Node entry): `init()` loads the
// verifier only; a gate made before the gate module is loaded checks its configuration on its
// first `decide`, which loads the module (from next to the glue, or what `initGate` was given).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jwtgate from '../index.browser.js';
import { cases, requestOf, scriptedFetch } from './gate-cases.mjs';

const dist = (name) => readFileSync(new URL(`../dist/${name}`, import.meta.url));
const allow = cases().find((x) => x.name === 'allow/bearer-standard.json');

test('browser entry: the gate module is loaded by the gate only, and decides as the Node entry does', async () => {
  await jwtgate.init(dist('jwtgate_bg.wasm'));
  // Not loaded yet: creating a gate does not need it, and a bad configuration is refused by
  // the first decide instead.
  const bad = jwtgate.createGate({ providers: [], no_such_member: 1 });
  // Node cannot fetch the default file: URL, so the load fails and says what to call.
  await assert.rejects(bad.decide({ path: '/' }), (e) => e instanceof jwtgate.JwtgateError && e.code === 'ERR_NOT_INITIALISED' && /initGate/.test(e.message));
  await jwtgate.initGate(dist('jwtgate_gate_bg.wasm'));
  await jwtgate.initGate(); // idempotent
  await assert.rejects(bad.decide({ path: '/' }), (e) => e instanceof jwtgate.JwtgateError && /no_such_member/.test(e.message));
  // Loaded: createGate checks the configuration at once, as in Node.
  assert.throws(() => jwtgate.createGate({ providers: [], no_such_member: 1 }), (e) => e instanceof jwtgate.JwtgateError && /no_such_member/.test(e.message));
  const c = allow.case;
  const served = scriptedFetch(c);
  const gate = jwtgate.createGate(c.config, { fetch: served.fetch });
  try {
    const d = await gate.decide(requestOf(c), { now: c.now });
    assert.equal(JSON.stringify(d), allow.golden);
  } finally {
    gate.free();
  }
});
