// verify(token, options)'s memo (issue 21): the same options object, or an equal one, reaches its
// pooled verifier without serialising the options again, and any change to them since (at any
// depth, member order included) is seen: the answer is always the one fresh options would give.
// "Without serialising" is observed directly: JSON.stringify is counted while verify runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mintTestIdentity, verify, createVerifier } from '../index.node.js';

const now = 1767225600;
const a = mintTestIdentity({ job: 'web', audience: 'vault.io', now, ttl: 3600 });
const b = mintTestIdentity({ job: 'api', audience: ['vault.io', 'aws'], now, ttl: 3600 });
const at = now + 1;
const iss = a.payload.iss;
const code = (fn) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e.code;
  }
};

/** How many times JSON.stringify ran during `fn()`, and what `fn` returned. */
function counted(fn) {
  const real = JSON.stringify;
  let n = 0;
  JSON.stringify = (...args) => {
    n++;
    return real(...args);
  };
  try {
    const value = fn();
    return { n, value };
  } finally {
    JSON.stringify = real;
  }
}

const clone = (v) => JSON.parse(JSON.stringify(v));

test('the same options object: later calls do not serialise the options, and answer the same', () => {
  const options = { jwks: clone(a.jwks), issuer: iss, audience: 'vault.io', now: at };
  const first = verify(a.token, options);
  const again = counted(() => verify(a.token, options));
  assert.equal(again.n, 0);
  assert.equal(again.value, first, 'the cached (frozen) answer');
  // Other options: serialised once, then recognised in a new object with another `now`.
  const [jwks1, jwks2] = [clone(b.jwks), clone(b.jwks)];
  const fresh = counted(() => verify(b.token, { ...options, jwks: jwks1, audience: 'aws', now: at + 5 }));
  assert.ok(fresh.n > 0, 'new options are serialised once');
  const fresh2 = counted(() => verify(b.token, { ...options, jwks: jwks2, audience: 'aws', now: at + 6 }));
  assert.equal(fresh2.n, 0, 'an equal new object, with another now, is recognised');
  assert.equal(fresh2.value.payload.sub, b.payload.sub);
});

test('an equal options object (a new object each call, as `{ ...base, now }` makes) is not serialised', () => {
  const base = { jwks: JSON.stringify(a.jwks), issuer: iss, audience: ['vault.io'] };
  verify(a.token, { ...base, now: at });
  for (let i = 0; i < 3; i++) {
    const r = counted(() => verify(a.token, { jwks: JSON.stringify(a.jwks), issuer: iss, audience: ['vault.io'], now: at + i }));
    assert.equal(r.n, 1, 'only the test\'s own JSON.stringify of the JWKS');
    assert.equal(r.value.payload.sub, a.payload.sub);
  }
});

test('a mutation at any depth is seen: the answer is what the mutated options give', () => {
  const options = { jwks: clone(a.jwks), issuer: iss, audience: 'vault.io', now: at };
  assert.equal(code(() => verify(a.token, options)), 'ok');
  // Another key's modulus/point in place, deep inside jwks.
  options.jwks.keys[0].x = b.jwks.keys[0].x;
  assert.equal(code(() => verify(a.token, options)), 'ERR_JWS_SIGNATURE_INVALID');
  options.jwks.keys[0].x = a.jwks.keys[0].x;
  assert.equal(code(() => verify(a.token, options)), 'ok');
  // A member replaced at the top.
  options.audience = 'aws';
  assert.equal(code(() => verify(a.token, options)), 'ERR_JWT_AUDIENCE_MISMATCH');
  // An array grown in place.
  options.audience = ['aws'];
  assert.equal(code(() => verify(a.token, options)), 'ERR_JWT_AUDIENCE_MISMATCH');
  options.audience.push('vault.io');
  assert.equal(code(() => verify(a.token, options)), 'ok');
  // A member added, then deleted.
  options.subject = 'someone-else';
  assert.equal(code(() => verify(a.token, options)), 'ERR_JWT_SUBJECT_MISMATCH');
  delete options.subject;
  assert.equal(code(() => verify(a.token, options)), 'ok');
  // The key set emptied in place.
  const kept = options.jwks.keys.pop();
  assert.notEqual(code(() => verify(a.token, options)), 'ok');
  options.jwks.keys.push(kept);
  assert.equal(code(() => verify(a.token, options)), 'ok');
  // An unknown option added later is refused as it is on a first call.
  options.audiences = 'x';
  assert.equal(code(() => verify(a.token, options)), 'ERR_OPTIONS_INVALID');
});

test('different options never share a verifier: alternating configurations, more than the memo holds', () => {
  const configs = ['vault.io', 'aws', 'a', 'b', 'c', 'd', 'e', 'f'].map((audience) => ({ jwks: a.jwks, issuer: iss, audience, now: at }));
  for (let round = 0; round < 3; round++) {
    for (const options of configs) {
      assert.equal(code(() => verify(a.token, options)), options.audience === 'vault.io' ? 'ok' : 'ERR_JWT_AUDIENCE_MISMATCH', `${round} ${options.audience}`);
    }
  }
  // Options that differ only deep inside the key (same kid, another public key).
  const other = { jwks: clone(a.jwks), issuer: iss, audience: 'vault.io', now: at };
  other.jwks.keys[0].x = b.jwks.keys[0].x;
  assert.equal(code(() => verify(a.token, other)), 'ERR_JWS_SIGNATURE_INVALID');
  assert.equal(code(() => verify(a.token, configs[0])), 'ok');
});

test('options that are not plain data are serialised on every call, and still right', () => {
  class Keys {
    constructor(jwks) {
      this.jwks = jwks;
    }
    toJSON() {
      return this.jwks;
    }
  }
  const options = { jwks: new Keys(a.jwks), issuer: iss, audience: 'vault.io', now: at };
  assert.equal(code(() => verify(a.token, options)), 'ok');
  assert.ok(counted(() => verify(a.token, options)).n > 0);
  options.jwks.jwks = b.jwks;
  assert.equal(code(() => verify(a.token, options)), 'ERR_JWKS_NO_MATCHING_KEY');
});

test('the one-shot answer equals createVerifier\'s', () => {
  const options = { jwks: a.jwks, issuer: iss, audience: 'vault.io' };
  const v = createVerifier(options);
  try {
    const one = verify(a.token, { ...options, now: at });
    const two = v.verify(a.token, { now: at });
    assert.deepEqual({ ...one, report: one.report }, { ...two, report: two.report });
  } finally {
    v.free();
  }
});

test('deeply frozen options are recognised without a walk, and a getter is read on every call', () => {
  const deepFreeze = (o) => {
    if (typeof o === 'object' && o !== null) {
      for (const v of Object.values(o)) deepFreeze(v);
      Object.freeze(o);
    }
    return o;
  };
  const frozen = deepFreeze({ jwks: clone(a.jwks), issuer: iss, audience: ['vault.io'] });
  assert.equal(code(() => verify(a.token, { ...frozen, now: at })), 'ok');
  assert.equal(counted(() => verify(a.token, { ...frozen, now: at + 1 })).n, 0);
  // A frozen options object equal to remembered ones: recognised, then remembered as itself.
  const frozenTop = deepFreeze({ jwks: clone(a.jwks), issuer: iss, audience: ['vault.io'], now: at });
  for (let i = 0; i < 2; i++) {
    const r = counted(() => verify(a.token, frozenTop));
    assert.equal(r.n, 0);
    assert.equal(r.value.payload.sub, a.payload.sub);
  }
  // Frozen at the top but not inside: still walked, so a change inside is seen.
  const shallow = Object.freeze({ jwks: clone(a.jwks), issuer: iss, audience: 'vault.io', now: at });
  assert.equal(code(() => verify(a.token, shallow)), 'ok');
  shallow.jwks.keys[0].x = b.jwks.keys[0].x;
  assert.equal(code(() => verify(a.token, shallow)), 'ERR_JWS_SIGNATURE_INVALID');

  let audience = 'vault.io';
  const withGetter = { jwks: a.jwks, issuer: iss, now: at };
  Object.defineProperty(withGetter, 'audience', { get: () => audience, enumerable: true });
  assert.equal(code(() => verify(a.token, withGetter)), 'ok');
  audience = 'aws';
  assert.equal(code(() => verify(a.token, withGetter)), 'ERR_JWT_AUDIENCE_MISMATCH');
  audience = 'vault.io';
  assert.equal(code(() => verify(a.token, withGetter)), 'ok');
});

test('a JWKS member named __proto__ (as JSON.parse makes it) is kept as a member', () => {
  const jwks = JSON.parse(JSON.stringify(a.jwks).replace('"kty"', '"__proto__":{"x":1},"kty"'));
  assert.ok(Object.hasOwn(jwks.keys[0], '__proto__'));
  const options = { jwks, issuer: iss, audience: 'vault.io', now: at };
  const viaMemo = code(() => verify(a.token, options));
  const v = createVerifier({ jwks: JSON.stringify(jwks), issuer: iss, audience: 'vault.io' });
  try {
    assert.equal(viaMemo, code(() => v.verify(a.token, { now: at })));
  } finally {
    v.free();
  }
});
