// createRemoteVerifier against a local HTTP server: keys that rotate by themselves (no `kid`
// passed anywhere), the cooldown on unknown kids (counted in requests), stale keys served while
// the issuer fails, discovery, aborts, options and redirects. The key lifecycle's clock is a
// fake one the tests move (`clock`), so no test sleeps through a cooldown.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteVerifier, mintTestIdentity, JwtgateError } from '../index.node.js';
import { serve } from './helpers.mjs';

const code = (c) => (e) => e instanceof JwtgateError && e.code === c;

/** A clock for the key lifecycle, in ms, moved by the test. */
function fakeClock(start = 1_767_225_600_000) {
  const clock = () => clock.now;
  clock.now = start;
  return clock;
}

/** Lets a background refresh (stale keys were served) reach the server and finish. */
async function settle(hits, path, count) {
  for (let i = 0; i < 200 && (hits[path] ?? 0) < count; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
}

const identity = (kid) => mintTestIdentity({ audience: 'vault.io', kid });

test('keys rotate by themselves: an unknown kid refetches once the cooldown allows it', async () => {
  const a = identity('key-a');
  const b = identity('key-b');
  let served = a.jwks;
  const s = await serve({ '/jwks': () => ({ body: served }) });
  const clock = fakeClock();
  const rv = createRemoteVerifier({ jwksUrl: `${s.base}/jwks`, audience: 'vault.io', clock });
  try {
    assert.equal((await rv.verify(a.token)).key.kid, 'key-a');
    assert.equal((await rv.verify(a.token)).key.kid, 'key-a');
    assert.equal(s.hits['/jwks'], 1, 'fetched once, then served from the keys at hand');
    // The issuer rotates to key-b; a token signed with it arrives 30 s after our fetch.
    served = b.jwks;
    clock.now += 30_000;
    assert.equal((await rv.verify(b.token)).key.kid, 'key-b');
    assert.equal(s.hits['/jwks'], 2);
    // key-a is gone from the issuer: its tokens now fail, without another fetch (cooldown).
    await assert.rejects(rv.verify(a.token), code('ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(s.hits['/jwks'], 2);
  } finally {
    rv.free();
    await s.close();
  }
});

test('the cooldown bounds refetches for unknown kids, and concurrent misses share one request', async () => {
  const a = identity('key-a');
  const stranger = identity('nobody-has-this');
  const s = await serve({ '/jwks': { body: a.jwks } });
  const clock = fakeClock();
  const rv = createRemoteVerifier({ jwksUrl: `${s.base}/jwks`, audience: 'vault.io', clock });
  try {
    await rv.verify(a.token);
    clock.now += 1_000;
    await assert.rejects(rv.verify(stranger.token), code('ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(s.hits['/jwks'], 1, '1 s after the fetch: no refetch');
    clock.now += 30_000;
    await assert.rejects(rv.verify(stranger.token), code('ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(s.hits['/jwks'], 2, 'after the cooldown: one refetch');
    clock.now += 10_000;
    for (let i = 0; i < 5; i++) await assert.rejects(rv.verify(stranger.token), code('ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(s.hits['/jwks'], 2, 'a stream of unknown kids inside the cooldown: no request');
    clock.now += 60_000;
    const all = await Promise.allSettled(Array.from({ length: 8 }, () => rv.verify(stranger.token)));
    assert.ok(all.every((r) => r.status === 'rejected' && r.reason.code === 'ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(s.hits['/jwks'], 3, 'eight concurrent misses: one request');
    assert.equal((await rv.verify(a.token)).key.kid, 'key-a');
  } finally {
    rv.free();
    await s.close();
  }
});

test('stale keys are served while the issuer fails, with backoff, then refused when too old', async () => {
  const a = identity('key-a');
  let status = 200;
  const s = await serve({ '/jwks': () => ({ status, body: status === 200 ? a.jwks : { error: 'down' } }) });
  const clock = fakeClock();
  const rv = createRemoteVerifier({ jwksUrl: `${s.base}/jwks`, audience: 'vault.io', clock, maxStale: 3_600_000 });
  try {
    await rv.verify(a.token);
    status = 503;
    clock.now += 11 * 60_000; // past the 10 min cache age
    assert.equal((await rv.verify(a.token)).key.kid, 'key-a', 'stale keys served at once');
    await settle(s.hits, '/jwks', 2);
    assert.equal(s.hits['/jwks'], 2, 'and a refresh was attempted');
    clock.now += 500;
    await rv.verify(a.token);
    await settle(s.hits, '/jwks', 3);
    assert.equal(s.hits['/jwks'], 2, 'no retry inside the 1 s backoff');
    clock.now += 1_000;
    await rv.verify(a.token);
    await settle(s.hits, '/jwks', 3);
    assert.equal(s.hits['/jwks'], 3, 'retried after the backoff');
    clock.now += 3_600_000; // past cache age + max stale
    await assert.rejects(rv.verify(a.token), (e) => {
      assert.equal(e.code, 'ERR_FETCH_FAILED');
      assert.match(e.message, /HTTP 503/);
      return true;
    });
    // The issuer recovers: keys again.
    status = 200;
    clock.now += 300_000;
    assert.equal((await rv.verify(a.token)).key.kid, 'key-a');
  } finally {
    rv.free();
    await s.close();
  }
});

test('discovery: the issuer names the JWKS, and is the expected iss', async () => {
  let issuer;
  let token;
  let other;
  const s = await serve({
    '/.well-known/openid-configuration': () => ({ body: { issuer, jwks_uri: `${issuer}/keys` } }),
    '/keys': () => ({ body: { keys: [...token.jwks.keys, ...other.jwks.keys] } }),
  });
  issuer = s.base;
  token = mintTestIdentity({ audience: 'vault.io', issuer });
  // Signed with a key the issuer publishes, but naming another issuer.
  other = mintTestIdentity({ audience: 'vault.io', issuer: 'https://elsewhere.example' });
  const rv = createRemoteVerifier({ issuer, audience: 'vault.io', clock: fakeClock() });
  try {
    assert.equal((await rv.verify(token.token)).payload.iss, issuer);
    assert.deepEqual([s.hits['/.well-known/openid-configuration'], s.hits['/keys']], [1, 1]);
    await assert.rejects(rv.verify(other.token), code('ERR_JWT_ISSUER_MISMATCH'));
  } finally {
    rv.free();
    await s.close();
  }
});

test('AbortSignal: per call stops waiting, on the verifier stops everything', async () => {
  const a = identity('key-a');
  const s = await serve({ '/jwks': { body: a.jwks, delay: 300 } });
  try {
    const rv = createRemoteVerifier({ jwksUrl: `${s.base}/jwks`, audience: 'vault.io' });
    const c = new AbortController();
    const waiting = rv.verify(a.token, { signal: c.signal });
    setTimeout(() => c.abort(new Error('user left')), 20);
    await assert.rejects(waiting, (e) => e.code === 'ERR_FETCH_ABORTED' && e.cause?.message === 'user left');
    // The fetch itself went on for the other callers.
    assert.equal((await rv.verify(a.token)).key.kid, 'key-a');
    assert.equal(s.hits['/jwks'], 1);
    await assert.rejects(rv.verify(a.token, { signal: AbortSignal.abort() }), code('ERR_FETCH_ABORTED'));
    rv.free();
    await assert.rejects(rv.verify(a.token), code('ERR_OPTIONS_INVALID'));

    const shutdown = new AbortController();
    const rv2 = createRemoteVerifier({ jwksUrl: `${s.base}/jwks`, audience: 'vault.io', signal: shutdown.signal });
    const pending = rv2.verify(a.token);
    setTimeout(() => shutdown.abort(), 20);
    await assert.rejects(pending, code('ERR_FETCH_ABORTED'));
    await assert.rejects(rv2.verify(a.token), code('ERR_FETCH_ABORTED'));
    assert.equal(s.hits['/jwks'], 2, 'no request after the verifier was aborted');
    rv2.free();
  } finally {
    await s.close();
  }
});

test('createRemoteVerifier validates its options before any request', async () => {
  const s = await serve({ '/jwks': { body: { keys: [] } } });
  try {
    const url = `${s.base}/jwks`;
    const bad = [
      {},
      { audience: 'vault.io' },
      { issuer: ['https://a.example', 'https://b.example'] },
      { jwksUrl: 'ftp://keys.example/jwks' },
      { jwksUrl: 'not a url' },
      { jwksUrl: url, cooldown: -5 },
      { jwksUrl: url, cacheMaxAge: 'x' },
      { jwksUrl: url, maxStale: 1.5 },
      { jwksUrl: url, timeout: 0 },
      { jwksUrl: url, headers: 'Authorization: Bearer s3cret' },
      { jwksUrl: url, signal: {} },
      { jwksUrl: url, clock: 5 },
      { jwksUrl: url, allowCrossOriginRedirects: 1 },
      { jwksUrl: url, jwks: { keys: [] } },
      { jwksUrl: url, now: 5 },
      { jwksUrl: url, bogus: true },
      { jwksUrl: url, algorithms: ['none'] },
      { jwksUrl: url, clockTolerance: 'x' },
    ];
    for (const options of bad) {
      assert.throws(() => createRemoteVerifier(options), (e) => {
        assert.equal(e.code, 'ERR_OPTIONS_INVALID', `${JSON.stringify(options)}: ${e.message}`);
        assert.ok(!e.message.includes('s3cret'));
        return true;
      });
    }
    assert.throws(() => createRemoteVerifier(null), code('ERR_OPTIONS_INVALID'));
    const rv = createRemoteVerifier({ jwksUrl: url });
    await assert.rejects(rv.verify(42), code('ERR_OPTIONS_INVALID'));
    await assert.rejects(rv.verify('x', { now: 'later' }), code('ERR_OPTIONS_INVALID'));
    await assert.rejects(rv.verify('x', { signal: 'stop' }), code('ERR_OPTIONS_INVALID'));
    await assert.rejects(rv.verify('x', { audience: 'x' }), code('ERR_OPTIONS_INVALID'));
    rv.free();
    assert.deepEqual(s.hits, {}, 'nothing was fetched');
  } finally {
    await s.close();
  }
});

test('cross-origin redirects are refused by default; headers are sent', async () => {
  const a = identity('key-a');
  const attacker = identity('key-a');
  const other = await serve({ '/jwks': { body: attacker.jwks } });
  const s = await serve({
    '/away': { status: 302, headers: { location: `${other.base}/jwks` } },
    '/private': (req) => (req.headers.authorization === 'Bearer t0ken' ? { body: a.jwks } : { status: 401 }),
  });
  try {
    const refused = createRemoteVerifier({ jwksUrl: `${s.base}/away`, audience: 'vault.io' });
    await assert.rejects(refused.verify(attacker.token), (e) => e.code === 'ERR_FETCH_FAILED' && /another origin/.test(e.message));
    assert.equal(other.hits['/jwks'], undefined);
    refused.free();
    const followed = createRemoteVerifier({ jwksUrl: `${s.base}/away`, audience: 'vault.io', allowCrossOriginRedirects: true });
    assert.equal((await followed.verify(attacker.token)).key.kid, 'key-a');
    followed.free();
    const withAuth = createRemoteVerifier({ jwksUrl: `${s.base}/private`, audience: 'vault.io', headers: { Authorization: 'Bearer t0ken' } });
    assert.equal((await withAuth.verify(a.token)).key.kid, 'key-a');
    withAuth.free();
    const without = createRemoteVerifier({ jwksUrl: `${s.base}/private`, audience: 'vault.io' });
    await assert.rejects(without.verify(a.token), (e) => e.code === 'ERR_FETCH_FAILED' && /HTTP 401/.test(e.message) && !/t0ken/.test(e.message));
    without.free();
  } finally {
    await s.close();
    await other.close();
  }
});
