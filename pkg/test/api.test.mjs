// The JS API surface: error class, codes, options handling, minting (cross-checked with jose).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import * as jwtgate from '../index.node.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { b64d, ROOT } from './helpers.mjs';

const { codes, JwtgateError, mintTestIdentity } = jwtgate;

test('codes is frozen, generated from the Rust list, and keyed without ERR_', () => {
  assert.ok(Object.isFrozen(codes));
  assert.equal(codes.JWT_EXPIRED, 'ERR_JWT_EXPIRED');
  assert.equal(codes.BOUND_CLAIM_MISMATCH, 'ERR_BOUND_CLAIM_MISMATCH');
  for (const [k, v] of Object.entries(codes)) assert.equal(v, `ERR_${k}`);
  assert.ok(Object.keys(codes).length >= 40);
});

test('JwtgateError carries code, claim, expected, actual', () => {
  const e = new JwtgateError({ code: 'ERR_JWT_EXPIRED', message: 'token is expired', claim: 'exp', expected: 'a', actual: 'b' });
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'JwtgateError');
  assert.equal(e.code, 'ERR_JWT_EXPIRED');
  assert.equal(e.claim, 'exp');
  assert.equal(e.expected, 'a');
  assert.equal(e.actual, 'b');
});

test('Node import needs no init(), and init() exists for browser parity', async () => {
  assert.equal(typeof jwtgate.init, 'function');
  await jwtgate.init();
  assert.equal(typeof mintTestIdentity({}).token, 'string');
});

test('toSeconds accepts seconds and Dates, refuses junk with ERR_OPTIONS_INVALID', () => {
  assert.equal(jwtgate.toSeconds(1700000000.9), 1700000000);
  assert.equal(jwtgate.toSeconds(new Date('2024-01-01T00:00:00Z')), 1704067200);
  for (const bad of ['1700000000', NaN, new Date('x'), {}]) {
    assert.throws(() => jwtgate.toSeconds(bad), (e) => e instanceof JwtgateError && e.code === 'ERR_OPTIONS_INVALID');
  }
});

test('mintTestIdentity: Nomad-shaped claims, EdDSA token verifies with jose', async () => {
  const m = mintTestIdentity({ namespace: 'prod', job: 'api', group: 'web', task: 'server', identity: 'vault_default', audience: 'vault.io', ttl: 600, now: 1800000000, issuer: 'https://nomad.example.com', extraClaims: { team: 'db' } });
  const [h, p] = m.token.split('.');
  assert.deepEqual(JSON.parse(b64d(h)), m.header);
  assert.deepEqual(JSON.parse(b64d(p)), m.payload);
  assert.equal(m.header.alg, 'EdDSA');
  assert.equal(m.header.typ, 'JWT');
  assert.match(m.header.kid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(m.payload.sub, 'global:prod:api:web:server:vault_default');
  assert.equal(m.payload.nomad_namespace, 'prod');
  assert.equal(m.payload.nomad_job_id, 'api');
  assert.equal(m.payload.nomad_task, 'server');
  assert.equal(m.payload.iat, 1800000000);
  assert.equal(m.payload.nbf, 1800000000);
  assert.equal(m.payload.exp, 1800000600);
  assert.deepEqual(m.payload.extra_claims, { team: 'db' });
  assert.equal(m.jwks.keys[0].kid, m.header.kid);
  assert.equal(m.jwks.keys[0].use, 'sig');
  assert.equal(m.jwks.keys[0].d, undefined, 'the public JWKS has no private part');
  const key = await jose.importJWK(m.jwks.keys[0], 'EdDSA');
  const { payload } = await jose.jwtVerify(m.token, key, {
    audience: 'vault.io',
    issuer: 'https://nomad.example.com',
    currentDate: new Date(1800000100 * 1000),
  });
  assert.equal(payload.jti, m.payload.jti);
  // The private JWK is a usable key pair with the public one: jose signs, jose verifies.
  const priv = await jose.importJWK(m.privateJwk, 'EdDSA');
  const other = await new jose.SignJWT({ a: 1 }).setProtectedHeader({ alg: 'EdDSA' }).sign(priv);
  await jose.jwtVerify(other, key);
});

test('mintTestIdentity: RS256 (Nomad 1.7+, AWS) verifies with jose', async () => {
  const m = mintTestIdentity({ alg: 'RS256', audience: ['aws', 'vault.io'] });
  assert.equal(m.header.alg, 'RS256');
  assert.equal(Buffer.from(m.jwks.keys[0].n, 'base64url').length, 256);
  const key = await jose.importJWK(m.jwks.keys[0], 'RS256');
  const { payload } = await jose.jwtVerify(m.token, key, { audience: 'aws' });
  assert.deepEqual(payload.aud, ['aws', 'vault.io']);
});

test('mintTestIdentity: default identity has no exp and no iss; fresh keys each call', () => {
  const a = mintTestIdentity({ identity: 'default', audience: 'nomadproject.io', ttl: null });
  const b = mintTestIdentity({ identity: 'default', audience: 'nomadproject.io', ttl: 0 });
  assert.equal(a.payload.exp, undefined);
  assert.equal(b.payload.exp, undefined);
  assert.equal(a.payload.iss, undefined);
  assert.notEqual(a.jwks.keys[0].x, b.jwks.keys[0].x);
  assert.notEqual(a.payload.jti, b.payload.jti);
});

test('mintTestIdentity: bad options throw ERR_OPTIONS_INVALID', () => {
  for (const bad of [{ colour: 'red' }, { alg: 'HS256' }, { service: 'web' }, { job: '' }]) {
    assert.throws(() => mintTestIdentity(bad), (e) => e instanceof JwtgateError && e.code === 'ERR_OPTIONS_INVALID', JSON.stringify(bad));
  }
});

test('createVerifier caches verified tokens inside their window only', () => {
  const now = 1800000000;
  const m = mintTestIdentity({ audience: 'vault.io', ttl: 600, now });
  const v = jwtgate.createVerifier({ jwks: m.jwks, audience: 'vault.io' });
  const first = v.verify(m.token, { now });
  assert.equal(v.verify(m.token, { now: now + 1 }), first, 'the same (frozen) answer');
  assert.ok(Object.isFrozen(first.payload));
  const { bytes, ...counts } = v.cacheStats();
  assert.deepEqual(counts, { len: 1, capacity: 1000, hits: 1, misses: 1, maxBytes: jwtgate.DEFAULT_CACHE_BYTES });
  assert.ok(bytes > first.report.checks.length && bytes <= jwtgate.DEFAULT_CACHE_BYTES, `${bytes} bytes`);
  assert.throws(() => v.verify(m.token, { now: now + 600 }), (e) => e.code === 'ERR_JWT_EXPIRED');
  assert.throws(() => v.verify(m.token, { now: now - 100 }), (e) => e.code === 'ERR_JWT_NOT_YET_VALID');
  // A failure is never cached: the same bad token fails again through the full path.
  assert.throws(() => v.verify(`${m.token}x`, { now }), JwtgateError);
  const off = jwtgate.createVerifier({ jwks: m.jwks, audience: 'vault.io', cacheSize: 0 });
  off.verify(m.token, { now });
  off.verify(m.token, { now });
  assert.deepEqual(off.cacheStats(), { len: 0, capacity: 0, hits: 0, misses: 2, bytes: 0, maxBytes: 0 });
});

test('verify() keys its verifiers by options: other options never reuse an answer', () => {
  const now = 1800000000;
  const m = mintTestIdentity({ audience: 'vault.io', ttl: 600, now });
  assert.equal(jwtgate.verify(m.token, { jwks: m.jwks, audience: 'vault.io', now }).payload.aud, 'vault.io');
  assert.throws(() => jwtgate.verify(m.token, { jwks: m.jwks, audience: 'aws', now }), (e) => e.code === 'ERR_JWT_AUDIENCE_MISMATCH');
  const other = mintTestIdentity({ kid: m.header.kid, now });
  assert.throws(() => jwtgate.verify(m.token, { jwks: other.jwks, audience: 'vault.io', now }), (e) => e.code === 'ERR_JWS_SIGNATURE_INVALID');
  assert.throws(() => jwtgate.verify(m.token, { jwks: m.jwks, audience: 'vault.io', bogus: 1, now }), (e) => e.code === 'ERR_OPTIONS_INVALID');
  assert.throws(() => jwtgate.verify(m.token, { jwks: m.jwks, audience: 'vault.io', limits: { maxTokenLength: 10 }, now }), (e) => e.code === 'ERR_OPTIONS_INVALID' && /unknown field `maxTokenLength`/.test(e.message));
});

test('suggestTrustPolicy scopes aud and sub (to the Nomad job) for the provider', () => {
  const { token } = jwtgate.mintTestIdentity({ alg: 'EdDSA', job: 'mongo', group: 'db', task: 'server', audience: ['sts.amazonaws.com'] });
  const policy = jwtgate.suggestTrustPolicy(token, {
    providerUrl: 'https://nomad.example.com',
    clientIds: ['sts.amazonaws.com'],
    accountId: '123456789012',
  });
  const [statement] = policy.Statement;
  assert.equal(statement.Action, 'sts:AssumeRoleWithWebIdentity');
  assert.equal(statement.Principal.Federated, 'arn:aws:iam::123456789012:oidc-provider/nomad.example.com');
  assert.deepEqual(statement.Condition.StringEquals, { 'nomad.example.com:aud': 'sts.amazonaws.com' });
  // Nomad's sub is region:namespace:job:group:task:identity; the policy keeps the job and widens the rest.
  assert.deepEqual(statement.Condition.StringLike, { 'nomad.example.com:sub': 'global:default:mongo:*' });
  assert.throws(
    () => jwtgate.suggestTrustPolicy('eyJhbGciOiJFZERTQSJ9.e30.c2ln', { providerUrl: 'https://nomad.example.com' }),
    (e) => e.code === 'ERR_JWT_CLAIM_MISSING',
  );
});

test('renderPolicies renders the tutorial policy for the verified alias (was a TypeError: it called a module function the wasm does not export)', () => {
  const c = JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'e2e', 'nomad-vault-tutorial.json'), 'utf8'));
  const v = c.vault;
  const r = jwtgate.renderPolicies(c.token, { jwks: c.jwks, role: v.role, roleName: v.role_name, config: v.config, policies: v.policies, accessor: v.accessor, now: c.now });
  assert.equal(r.alias.name, 'mongo');
  assert.ok(JSON.stringify(r.rendered).includes('kv/data/default/mongo/*'), JSON.stringify(r.rendered));
  assert.deepEqual(r.dropped, []);
});

test('tokens reach the core as UTF-8 whatever their characters and length (encodeInto boundary)', () => {
  const now = 1800000000;
  const m = mintTestIdentity({ audience: 'vault.io', ttl: 600, now });
  const v = jwtgate.createVerifier({ jwks: m.jwks, audience: 'vault.io', cacheSize: 0 });
  const code = (token) => {
    try {
      v.verify(token, { now });
      return 'verified';
    } catch (e) {
      assert.ok(e instanceof JwtgateError);
      return `${e.code}: ${e.message}`;
    }
  };
  const [h, p, s] = m.token.split('.');
  // Non-ASCII characters and a lone surrogate (written as U+FFFD, EF BF BD, as wasm-bindgen's
  // own copy writes it) are refused at their first UTF-8 byte.
  const at4 = (c) => `${h}.${p}.${s.slice(0, 4)}${c}${s.slice(5)}`;
  assert.match(code(at4('é')), /^ERR_JWS_BASE64: segment 3 \(signature\).*byte 0xc3 at offset 4$/);
  assert.match(code(at4('\ud800')), /^ERR_JWS_BASE64: segment 3 \(signature\).*byte 0xef at offset 4$/);
  assert.match(code(`${h}.${p}.${'😀'.repeat(3)}`), /^ERR_JWS_BASE64: .*byte 0xf0 at offset 0$/);
  // The reused buffer never carries bytes of one token into the next: a long token (past the
  // buffer, its own allocation), then a shorter one, then the real one.
  assert.match(code(`${m.token}${'A'.repeat(40000)}`), /^ERR_(LIMIT_EXCEEDED|JWS_BASE64)/);
  assert.match(code(`${h}.${p}.${s}${'A'.repeat(3000)}`), /^ERR_/);
  assert.match(code(`${h}.${p}.${s.slice(0, -2)}`), /^ERR_/);
  assert.equal(code(m.token), 'verified');
  assert.equal(code(`${m.token}`), 'verified');
});
