// Structured errors (issue 21): the core throws an object, not JSON text, and JwtgateError
// carries `expected`/`actual` as JSON values (the human text stays in `message`) and, for a
// claim failure after a verified signature, the token's `payload` (as jose's
// JWTClaimValidationFailed does). Expected values come from the sample token's own claims.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jwtgate from '../index.node.js';
import { wasm } from '../src/engine.js';

const sample = (f) => readFileSync(new URL(`../../tests/fixtures/sample/${f}`, import.meta.url), 'utf8');
const jwks = sample('jwks.json');
const token = sample('token.jwt').trim();
const now = Number(sample('now.txt'));
const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

function thrown(call) {
  try {
    call();
  } catch (e) {
    assert.ok(e instanceof jwtgate.JwtgateError, String(e));
    return e;
  }
  assert.fail('accepted');
}

test('the core throws a failure as an object, not as text', () => {
  const v = new wasm.Verifier();
  v.configure(JSON.stringify({ jwks, audience: ['not-this'] }));
  try {
    v.verify(new TextEncoder().encode(token), now);
    assert.fail('accepted');
  } catch (e) {
    assert.equal(typeof e, 'object');
    assert.ok(!(e instanceof Error));
    assert.equal(e.code, 'ERR_JWT_AUDIENCE_MISMATCH');
    assert.deepEqual(e.expected, ['not-this']);
    assert.ok(Array.isArray(e.report.checks));
  } finally {
    v.free();
  }
});

test('an audience mismatch: expected and actual are the values, payload the verified claims', () => {
  const e = thrown(() => jwtgate.verify(token, { jwks, audience: 'not-this', now }));
  assert.equal(e.code, 'ERR_JWT_AUDIENCE_MISMATCH');
  assert.equal(e.claim, 'aud');
  assert.deepEqual(e.expected, ['not-this']);
  assert.deepEqual(e.actual, claims.aud);
  assert.deepEqual(e.payload, claims);
  assert.match(e.message, /not-this/);
  assert.equal(e.report.checks.find((c) => c.id === 'signature').outcome, 'pass');
});

test('expiry: the bound and the instant as numbers', () => {
  const at = claims.exp + 100;
  const e = thrown(() => jwtgate.verify(token, { jwks, clockTolerance: 5, now: at }));
  assert.equal(e.code, 'ERR_JWT_EXPIRED');
  assert.deepEqual(e.expected, { exp: claims.exp, leeway: 5 });
  assert.deepEqual(e.actual, { now: at });
  assert.equal(e.payload.sub, claims.sub);
});

test('an issuer mismatch and a missing claim: actual is absent when the token has none', () => {
  const m = jwtgate.mintTestIdentity({ job: 'web', issuer: 'https://nomad.example', audience: 'x' });
  const e = thrown(() => jwtgate.verify(m.token, { jwks: m.jwks, issuer: ['https://a', 'https://b'], now: m.payload.iat }));
  assert.equal(e.code, 'ERR_JWT_ISSUER_MISMATCH');
  assert.deepEqual(e.expected, ['https://a', 'https://b']);
  assert.equal(e.actual, 'https://nomad.example');
  assert.equal(e.payload.nomad_job_id, 'web');
  const absent = thrown(() => jwtgate.verify(token, { jwks, issuer: 'https://a', now }));
  assert.equal(absent.claim, 'iss');
  assert.equal('iss' in claims, false);
  assert.equal('actual' in absent, false);
  const r = thrown(() => jwtgate.verify(token, { jwks, requiredClaims: ['exp', 'team'], now }));
  assert.equal(r.code, 'ERR_JWT_CLAIM_MISSING');
  assert.equal(r.claim, 'team');
  assert.equal('actual' in r, false);
  assert.deepEqual(r.payload, claims);
});

test('a Vault bound claim: the role value and the claim value as JSON values', () => {
  const role = JSON.parse(sample('role.json'));
  role.bound_claims = { nomad_namespace: ['prod', 'staging'] };
  const e = thrown(() => jwtgate.verify(token, { jwks, role, config: sample('config.json'), now }));
  assert.equal(e.code, 'ERR_BOUND_CLAIM_MISMATCH');
  assert.deepEqual(e.expected, ['prod', 'staging']);
  assert.equal(e.actual, claims.nomad_namespace);
  assert.equal(e.payload.nomad_job_id, claims.nomad_job_id);
});

test('no payload when the signature did not verify; no values for a non-claim error', () => {
  const [h, p, s] = token.split('.');
  const forged = `${h}.${p}.${s.slice(0, -4)}AAAA`;
  const e = thrown(() => jwtgate.verify(forged, { jwks, audience: 'not-this', now }));
  assert.notEqual(e.code, 'ERR_JWT_AUDIENCE_MISMATCH');
  for (const k of ['payload', 'expected', 'actual', 'claim']) assert.equal(k in e, false, k);
  assert.ok(e.report.checks.length > 0);
  const j = thrown(() => jwtgate.jwksInfo('{"keys": 1}'));
  for (const k of ['payload', 'expected', 'actual', 'claim', 'report']) assert.equal(k in j, false, k);
  assert.match(j.code, /^ERR_/);
});
