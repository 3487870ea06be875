// Recovery after a trap (issue 18): a wasm trap inside any call (stack exhaustion, `unreachable`,
// an out-of-bounds access, wasm-bindgen's "recursive use of an object detected") is answered with
// JwtgateError ERR_INTERNAL, the instance is replaced, and the next call, verifiers created
// before the trap and new verifiers all work. Runs the package's test variant (feature
// `test-trap`, see trap-package.mjs); the released module has no trapping export
// (artifacts.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { trapPackage, trapOnMarkedTokens } from './trap-package.mjs';

let copy;
let api;
let engine;
let glue;
const now = 1800000000;
let m;
let options;

before(async () => {
  copy = trapPackage();
  const load = (f) => import(pathToFileURL(join(copy.dir, f)).href);
  api = await load('index.node.js');
  engine = await load('src/engine.js');
  glue = await load('dist/jwtgate.js');
  trapOnMarkedTokens(glue);
  m = api.mintTestIdentity({ alg: 'EdDSA', audience: 'vault.io', now, ttl: 3600 });
  options = { jwks: m.jwks, audience: 'vault.io' };
});
after(() => copy?.remove());

// What each kind of trap throws, as V8 reports it (the `cause` of ERR_INTERNAL).
const KINDS = [
  ['unreachable', WebAssembly.RuntimeError, /unreachable/],
  ['stack', RangeError, /call stack/i],
  ['memory', WebAssembly.RuntimeError, /out of bounds/],
  ['borrow', Error, /recursive use of an object/],
];

for (const [kind, type, message] of KINDS) {
  test(`after a trap (${kind}): ERR_INTERNAL, then every verifier works on a fresh engine`, () => {
    const mine = api.createVerifier(options);
    assert.equal(mine.verify(m.token, { now }).payload.aud, 'vault.io');
    assert.equal(api.verify(m.token, { ...options, now }).payload.aud, 'vault.io');
    const generation = engine.generation();

    assert.throws(
      () => mine.verify(`trap:${kind}`, { now }),
      (e) => {
        assert.ok(e instanceof api.JwtgateError, String(e));
        assert.equal(e.code, 'ERR_INTERNAL');
        assert.match(e.message, /engine discarded its state and was restarted/);
        assert.ok(e.cause instanceof type, `cause ${e.cause?.name}: ${e.cause?.message}`);
        assert.match(e.cause.message, message);
        return true;
      },
    );
    assert.equal(engine.generation(), generation + 1, 'one restart');

    // The verifier made before the trap rebuilt itself from its options (its cache starts empty).
    assert.equal(mine.verify(m.token, { now }).payload.aud, 'vault.io');
    assert.deepEqual(
      [mine.cacheStats().len, mine.cacheStats().hits, mine.cacheStats().misses],
      [1, 0, 1],
    );
    assert.throws(() => mine.verify(`${m.token}x`, { now }), (e) => e instanceof api.JwtgateError && e.code !== 'ERR_INTERNAL');
    // verify()'s pool was dropped and refills; new verifiers, module functions and a second
    // verifier in the same engine all work.
    assert.equal(api.verify(m.token, { ...options, now }).payload.aud, 'vault.io');
    const fresh = api.createVerifier(options);
    assert.equal(fresh.verify(m.token, { now }).payload.aud, 'vault.io');
    assert.equal(api.inspect(m.token).header.alg, 'EdDSA');
    assert.equal(api.jwksInfo(m.jwks).keys.length, 1);
    assert.equal(engine.generation(), generation + 1, 'no further restart');
    fresh.free();
    mine.free();
  });
}

test('a trap inside verify() (a pooled verifier) restarts too; the same call then works', () => {
  const generation = engine.generation();
  assert.throws(() => api.verify('trap:memory', { ...options, now }), (e) => e.code === 'ERR_INTERNAL');
  assert.throws(() => api.verify('trap:stack', { ...options, now }), (e) => e.code === 'ERR_INTERNAL');
  assert.equal(engine.generation(), generation + 2);
  assert.equal(api.verify(m.token, { ...options, now }).payload.aud, 'vault.io');
});

test('a JwtgateError is an answer, not a trap: no restart', () => {
  const generation = engine.generation();
  assert.throws(() => api.verify(m.token, { ...options, audience: 'other', now }), (e) => e.code === 'ERR_JWT_AUDIENCE_MISMATCH');
  assert.throws(() => api.createVerifier({ ...options, limits: { maxJsonDepth: 'deep' } }), (e) => e.code === 'ERR_OPTIONS_INVALID');
  assert.equal(engine.generation(), generation);
});

test('a freed verifier says so instead of touching wasm', () => {
  const v = api.createVerifier(options);
  v.free();
  v.free();
  assert.throws(() => v.verify(m.token, { now }), (e) => e.code === 'ERR_OPTIONS_INVALID' && /freed/.test(e.message));
});

test('a gate made before a trap decides the same afterwards (rebuilt from its configuration)', async () => {
  const { cases, requestOf } = await import('./gate-cases.mjs');
  const { case: c, golden } = cases().find((x) => !(x.case.fetches ?? []).length && x.case.expect?.verdict === 'allow');
  const gate = api.createGate(c.config);
  assert.equal(JSON.stringify(await gate.decide(requestOf(c), { now: c.now })), golden);
  const generation = engine.generation();
  assert.throws(() => api.verify('trap:unreachable', { ...options, now }), (e) => e.code === 'ERR_INTERNAL');
  assert.equal(engine.generation(), generation + 1);
  assert.equal(JSON.stringify(await gate.decide(requestOf(c), { now: c.now })), golden);
  gate.free();
});
