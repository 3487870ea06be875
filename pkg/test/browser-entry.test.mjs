// The browser entry's loading contract, run in Node (own process: module state is not shared
// with the Node entry): `init()` loads the verifier only; `mintTestIdentity` needs `initMint()`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jwtgate from '../index.browser.js';

const dist = (name) => readFileSync(new URL(`../dist/${name}`, import.meta.url));

test('browser entry: mint fails with ERR_MINT_FAILED until initMint(), then mints', async () => {
  await jwtgate.init(dist('jwtgate_bg.wasm'));
  assert.throws(() => jwtgate.mintTestIdentity({}), (e) => e instanceof jwtgate.JwtgateError && e.code === 'ERR_MINT_FAILED' && /initMint/.test(e.message));
  await jwtgate.initMint(dist('jwtgate_mint_bg.wasm'));
  await jwtgate.initMint(); // idempotent
  const m = jwtgate.mintTestIdentity({ job: 'mongo', audience: 'vault.io', now: 1767225600, ttl: 3600 });
  const v = jwtgate.verify(m.token, { jwks: m.jwks, audience: 'vault.io', now: 1767225601 });
  assert.equal(v.payload.nomad_job_id, 'mongo');
});
