// The verified-token caches are bounded in bytes (issue 18): 16 pooled verifiers x 1,000 cached
// 15 KB tokens once took 560 MiB of wasm memory, which never shrinks. Measured as the module's
// memory (`memory.buffer.byteLength`), never as time.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as jwtgate from '../index.node.js';
import { memoryBytes } from '../src/engine.js';

const MiB = 1024 * 1024;
const now = 1800000000;
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'EdDSA', use: 'sig' }] });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const header = b64({ alg: 'EdDSA', kid: 'k', typ: 'JWT' });
/** A signed token of about 15 KB (the default max_token_len is 16 KiB). */
function bigToken(i) {
  const payload = b64({ iss: 'i', sub: `job-${i}`, aud: 'a', iat: now, exp: now + 3600, blob: 'x'.repeat(11100) });
  const input = `${header}.${payload}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}
const tokens = Array.from({ length: 1200 }, (_, i) => bigToken(i));

test('one verifier: its cache stays within cacheBytes, and the memory with it', () => {
  assert.ok(tokens[0].length > 15000 && tokens[0].length < 16 * 1024);
  const cacheBytes = 4 * MiB;
  const v = jwtgate.createVerifier({ jwks, audience: 'a', cacheBytes });
  const before = memoryBytes();
  for (const t of tokens) v.verify(t, { now });
  const st = v.cacheStats();
  assert.equal(st.maxBytes, cacheBytes);
  assert.ok(st.bytes <= cacheBytes, `${st.bytes} bytes cached`);
  assert.ok(st.len > 0 && st.len < tokens.length, `${st.len} entries`);
  // The memory the cache needed, plus a little for the work of one verification.
  const grown = memoryBytes() - before;
  assert.ok(grown <= cacheBytes + 2 * MiB, `wasm memory grew ${grown} bytes`);
  v.free();
});

// Each shape in a process of its own: memory freed by an earlier cache would be reused and
// hide what the next one holds.
const PROBE = `
import { generateKeyPairSync, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as jwtgate from ${JSON.stringify(new URL('../index.node.js', import.meta.url).href)};
import { memoryBytes } from ${JSON.stringify(new URL('../src/engine.js', import.meta.url).href)};
const now = ${now};
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'EdDSA' }] });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const header = b64({ alg: 'EdDSA', kid: 'k' });
const shapes = {
  long: () => ({ blob: 'x'.repeat(11100) }),
  members: () => Object.fromEntries(Array.from({ length: 120 }, (_, j) => ['c' + j, 'v' + j])),
  nested: () => ({ n: Array.from({ length: 40 }, (_, j) => ({ a: [j, j, j], b: { c: j } })) }),
};
const v = jwtgate.createVerifier({ jwks, audience: 'a', cacheBytes: 64 * 1024 * 1024 });
const before = memoryBytes();
for (let i = 0; i < 1000; i++) {
  const input = header + '.' + b64({ sub: 'job-' + i, aud: 'a', exp: now + 3600, ...shapes[process.argv[1]]() });
  v.verify(input + '.' + sign(null, Buffer.from(input), privateKey).toString('base64url'), { now });
}
const { len, bytes } = v.cacheStats();
console.log(JSON.stringify({ len, bytes, grown: memoryBytes() - before }));
`;

test('the weight of a cached answer is not less than the memory it holds', (t) => {
  for (const shape of ['long', 'members', 'nested']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, shape], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { len, bytes, grown } = JSON.parse(r.stdout);
    t.diagnostic(`${shape}: 1000 answers weigh ${bytes} B, wasm memory grew ${grown} B (${(grown / bytes).toFixed(2)})`);
    assert.equal(len, 1000, shape);
    assert.ok(grown <= bytes, `${shape}: memory grew ${grown} bytes for ${bytes} bytes of weights`);
  }
});

test('verify() pool: every configuration cached, the total within the pool budget', () => {
  const before = memoryBytes();
  for (let c = 0; c < 16; c++) {
    const options = { jwks, audience: ['a', `config-${c}`] };
    for (const t of tokens.slice(0, 300)) jwtgate.verify(t, { ...options, now });
  }
  // 16 verifiers x 2 MiB (pooled verifiers' share), whatever each was asked to hold.
  const grown = memoryBytes() - before;
  assert.ok(grown <= 32 * MiB + 2 * MiB, `wasm memory grew ${grown} bytes`);
});

test('the process-wide budget: grants never sum past TOTAL_CACHE_BYTES', () => {
  assert.equal(jwtgate.DEFAULT_CACHE_BYTES, 8 * MiB);
  assert.equal(jwtgate.TOTAL_CACHE_BYTES, 64 * MiB);
  const held = [];
  for (let i = 0; i < 12; i++) held.push(jwtgate.createVerifier({ jwks, audience: 'a' }));
  const grants = held.map((v) => v.cacheStats().maxBytes);
  // The pool gave up its share first; then the budget ran out: 8 full grants, the rest nothing.
  assert.deepEqual(grants, [...Array(8).fill(8 * MiB), 0, 0, 0, 0]);
  held[0].free();
  const next = jwtgate.createVerifier({ jwks, audience: 'a', cacheBytes: 16 * MiB });
  assert.equal(next.cacheStats().maxBytes, 8 * MiB, 'what free() returned');
  // A verifier without cache space still verifies.
  assert.equal(held[11].verify(tokens[0], { now }).payload.sub, 'job-0');
  assert.equal(held[11].cacheStats().len, 0);
  for (const v of [...held, next]) v.free();
  assert.equal(jwtgate.createVerifier({ jwks, audience: 'a' }).cacheStats().maxBytes, 8 * MiB);
  assert.throws(() => jwtgate.createVerifier({ jwks, cacheBytes: -1 }), (e) => e.code === 'ERR_OPTIONS_INVALID');
});
