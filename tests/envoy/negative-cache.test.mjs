// The filter's cache of rejected tokens: a replayed bad token is answered without verifying it
// again (jwtgate.cache_miss counts verifications), with exactly the reply a fresh verification
// would give at that instant, and only for failures that time cannot cure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const ED = keyPair('EdDSA', 'ed');
const OTHER = keyPair('EdDSA', 'ed'); // same kid, different key: a bad signature
const cfg = () => ({ providers: [inlineProvider(jwks(ED))] });
const auth = (t) => [['authorization', `Bearer ${t}`]];
const path = '/v1/kv/data/default/mongo/config';

test('an expired token is verified once; replays answer as a fresh verification at their instant would', () => {
  const e = envoy(cfg(), { workers: 1 });
  const expired = mint(ED, nomadClaims(T0 - 7200));
  const first = e.send({ path, headers: auth(expired) });
  assert.equal(first.reply?.status, 401);
  assert.equal(first.json.code, 'ERR_JWT_EXPIRED');
  assert.equal(e.metric('jwtgate.cache_miss'), 1n);
  e.advance(30_000);
  const again = e.send({ path, headers: auth(expired) });
  assert.equal(e.metric('jwtgate.cache_miss'), 1n, 'answered from the rejection cache');
  // The reference: a filter that has never seen the token, at the same instant.
  const fresh = envoy(cfg(), { workers: 1, nowMs: T0 * 1000 + 30_000 }).send({ path, headers: auth(expired) });
  assert.deepEqual(again.json, fresh.json);
  assert.equal(again.replyHeader('www-authenticate'), fresh.replyHeader('www-authenticate'));
  assert.notDeepEqual(again.json, first.json, 'the message names the instant evaluated');
  assert.equal(e.metric('jwtgate.denied'), 2n);
  assert.equal(e.metric('jwtgate.denied.err_jwt_expired'), 2n);
});

test('a bad signature is remembered for at most a minute, per token', () => {
  const e = envoy(cfg(), { workers: 1 });
  const forged = mint(OTHER, nomadClaims(T0));
  for (let i = 0; i < 3; i++) {
    const r = e.send({ path, headers: auth(forged) });
    assert.equal(r.json.code, 'ERR_JWS_SIGNATURE_INVALID');
  }
  assert.equal(e.metric('jwtgate.cache_miss'), 1n);
  // Another token is its own entry; the good token is still allowed.
  assert.equal(e.send({ path, headers: auth(mint(OTHER, nomadClaims(T0))) }).json.code, 'ERR_JWS_SIGNATURE_INVALID');
  assert.equal(e.send({ path, headers: auth(mint(ED, nomadClaims(T0))) }).state, 'continued');
  assert.equal(e.metric('jwtgate.cache_miss'), 3n);
  e.advance(60_000);
  assert.equal(e.send({ path, headers: auth(forged) }).json.code, 'ERR_JWS_SIGNATURE_INVALID');
  assert.equal(e.metric('jwtgate.cache_miss'), 4n, 'verified again once the window closed');
});

test('a token that is not valid yet is never remembered: it is allowed once its nbf passes', () => {
  const e = envoy(cfg(), { workers: 1 });
  const early = mint(ED, nomadClaims(T0 + 600));
  for (let i = 0; i < 2; i++) assert.equal(e.send({ path, headers: auth(early) }).json.code, 'ERR_JWT_NOT_YET_VALID');
  assert.equal(e.metric('jwtgate.cache_miss'), 2n, 'verified every time');
  e.advance(600_000);
  assert.equal(e.send({ path, headers: auth(early) }).state, 'continued');
});

test('cache_bytes bounds what a worker caches: accepted and rejected answers heavier than the budget are verified each time', () => {
  const good = mint(ED, nomadClaims(T0));
  const forged = mint(OTHER, nomadClaims(T0));
  const sendTwice = (e, t) => {
    e.send({ path, headers: auth(t) });
    e.send({ path, headers: auth(t) });
  };
  // Default budget (8 MiB): the replay of each token is answered from the cache.
  const roomy = envoy(cfg(), { workers: 1 });
  sendTwice(roomy, good);
  sendTwice(roomy, forged);
  assert.equal(roomy.metric('jwtgate.cache_miss'), 2n);
  assert.equal(roomy.metric('jwtgate.cache_hit'), 1n);
  // A budget smaller than one token's weight: nothing is kept, every request is verified.
  const tight = envoy({ ...cfg(), cache_bytes: 512 }, { workers: 1 });
  sendTwice(tight, good);
  sendTwice(tight, forged);
  assert.equal(tight.metric('jwtgate.cache_miss'), 4n);
  assert.equal(tight.metric('jwtgate.cache_hit'), 0n);
  // Answers stay the same whether cached or not.
  assert.equal(tight.send({ path, headers: auth(good) }).state, 'continued');
  assert.equal(tight.send({ path, headers: auth(forged) }).json.code, 'ERR_JWS_SIGNATURE_INVALID');
});

test('cache_bytes is refused when it is not a non-negative integer', () => {
  const e = envoy({ ...cfg(), cache_bytes: 'lots' }, { workers: 1 });
  assert.equal(e.loaded, false);
  const lines = e.logsMatching(/^jwtgate: rejecting plugin configuration: /);
  assert.equal(lines.length, 1, JSON.stringify(e.logs));
  assert.match(lines[0].msg, /invalid filter configuration at \/cache_bytes: /);
});
