// Envoy jwt_authn's provider fields the filter implements under the same names, checked against
// jwt_authn's semantics (authenticator.cc, jwks_cache.cc): `subjects`, `max_lifetime`
// (as `max_lifetime_seconds`), `forward_payload_header` (+ `pad_forward_payload_header`),
// object claims in headers as padded standard base64 (`addJWTClaimToHeader`: `Base64::encode`),
// `stat_prefix`, and the verified identity as filter state (`wasm.jwtgate.*`), where jwt_authn
// writes dynamic metadata, which a wasm filter cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider, remoteProvider, jwksServer, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const ED = keyPair('EdDSA', 'ed');
const auth = (t) => [['authorization', `Bearer ${t}`]];
const token = (claims = {}) => mint(ED, nomadClaims(T0, claims));
const one = (provider = {}, extra = {}) => {
  const e = envoy({ providers: [inlineProvider(jwks(ED), provider)], ...extra }, { workers: 1 });
  assert.equal(e.loadError, null, e.loadError);
  return e;
};

test('subjects: a sub outside the StringMatcher is a 401 invalid_token (jwt_authn: Jwt verification fails)', () => {
  const e = one({ subjects: { prefix: 'global:default:' } });
  assert.equal(e.send({ headers: auth(token()) }).state, 'continued');
  const r = e.send({ headers: auth(token({ sub: 'global:prod:mongo' })) });
  assert.equal(r.reply.status, 401);
  assert.deepEqual(r.json, { code: 'ERR_JWT_SUBJECT_MISMATCH', message: 'sub "global:prod:mongo" does not match subjects: prefix "global:default:"' });
  assert.match(r.replyHeader('www-authenticate'), /error="invalid_token"/);
  const missing = e.send({ headers: auth(token({ sub: undefined })) });
  assert.equal(missing.json.code, 'ERR_JWT_SUBJECT_MISMATCH');
  assert.equal(missing.json.message, 'token has no sub; subjects requires prefix "global:default:"');
  for (const [matcher, ok] of [
    [{ exact: 'global:default:mongo:db:mongo:default' }, true],
    [{ suffix: ':mongo:default' }, true],
    [{ contains: ':db:' }, true],
    [{ contains: ':web:' }, false],
    [{ exact: 'GLOBAL:default:mongo:db:mongo:default', ignore_case: true }, true],
  ]) {
    assert.equal(one({ subjects: matcher }).send({ headers: auth(token()) }).state, ok ? 'continued' : 'replied', JSON.stringify(matcher));
  }
});

test('max_lifetime_seconds: exp is required and exp - now must be below it (the remaining lifetime, as jwt_authn computes it)', () => {
  // nomadClaims: iat = nbf = T0, exp = T0 + 3600; the host's clock is T0.
  assert.equal(one({ max_lifetime_seconds: 3601 }).send({ headers: auth(token()) }).state, 'continued');
  const r = one({ max_lifetime_seconds: 3600 }).send({ headers: auth(token()) });
  assert.equal(r.reply.status, 401);
  assert.deepEqual(r.json, { code: 'ERR_JWT_LIFETIME_EXCEEDED', message: 'token expires in 3600 s, max_lifetime_seconds is 3600' });
  // Issued two hours ago with three left: exp - iat is 5 h, the remaining 3 h are what counts.
  const old = token({ iat: T0 - 7200, nbf: T0 - 7200, exp: T0 + 10_799 });
  assert.equal(one({ max_lifetime_seconds: 10_800 }).send({ headers: auth(old) }).state, 'continued');
  // Without exp: refused (the core already requires exp in the standard profile; with a Vault
  // role, which does not, max_lifetime_seconds does).
  const noExp = one({ max_lifetime_seconds: 3600 }).send({ headers: auth(token({ exp: undefined })) });
  assert.equal(noExp.reply.status, 401);
  assert.equal(noExp.json.code, 'ERR_JWT_CLAIM_MISSING');
  const role = { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['vault.io'] };
  const vault = one({ audiences: [], vault: { role }, max_lifetime_seconds: 3600 });
  assert.equal(vault.send({ headers: auth(token({ exp: undefined, nbf: undefined })) }).json?.message, 'token has no exp; max_lifetime_seconds (3600) requires one');
});

test('forward_payload_header: the payload segment as sent, padded on request; a client copy never passes', () => {
  const t = token({ nomad_task: 'x' });
  const payload = t.split('.')[1];
  const e = one({ forward_payload_header: 'X-Jwt-Payload' }, { rules: [{ prefix: '/open', action: 'allow_missing' }] });
  const r = e.send({ headers: [...auth(t), ['x-jwt-payload', 'spoofed']] });
  assert.equal(r.header('x-jwt-payload'), payload);
  assert.equal(r.headerCount('x-jwt-payload'), 1);
  const open = e.send({ path: '/open', headers: [['x-jwt-payload', 'spoofed']] });
  assert.equal(open.state, 'continued');
  assert.equal(open.header('x-jwt-payload'), undefined);
  const padded = one({ forward_payload_header: 'x-jwt-payload', pad_forward_payload_header: true }).send({ headers: auth(t) });
  const expected = payload + '='.repeat((4 - (payload.length % 4)) % 4);
  assert.equal(padded.header('x-jwt-payload'), expected);
  assert.deepEqual(JSON.parse(Buffer.from(expected, 'base64url')), JSON.parse(Buffer.from(payload, 'base64url')));
});

test('object and array claims in headers are padded standard base64 of their JSON, as jwt_authn writes them', () => {
  const meta = { k: '~~~?!' }; // JSON whose base64 has "+" and padding
  const meta2 = { k: '~~?!' }; // and "/"
  const e = one({ claim_to_headers: [{ header_name: 'x-meta', claim_name: 'meta' }, { header_name: 'x-meta2', claim_name: 'meta2' }, { header_name: 'x-aud', claim_name: 'aud' }] });
  const r = e.send({ headers: auth(token({ meta, meta2 })) });
  const expected = Buffer.from(JSON.stringify(meta)).toString('base64');
  assert.match(expected, /\+.*=$/);
  assert.equal(r.header('x-meta'), expected);
  assert.equal(r.header('x-meta2'), Buffer.from(JSON.stringify(meta2)).toString('base64'));
  assert.match(r.header('x-meta2'), /\//);
  assert.equal(r.header('x-aud'), Buffer.from('["vault.io"]').toString('base64'));
});

test('stat_prefix: every counter is jwtgate.<stat_prefix>.<name>', () => {
  const e = one({}, { stat_prefix: 'vault_api' });
  e.send({ headers: auth(token()) });
  e.send({});
  assert.equal(e.metric('jwtgate.vault_api.allowed'), 1n);
  assert.equal(e.metric('jwtgate.vault_api.denied'), 1n);
  assert.equal(e.metric('jwtgate.vault_api.denied.err_token_missing'), 1n);
  assert.ok(!e.metrics.has('jwtgate.allowed'));
});

const state = (r) => Object.fromEntries([...(r.filterState ?? new Map())].map(([k, v]) => [k, v.toString()]));

test('filter_state: true publishes the decision and the verified identity as wasm.jwtgate.* for later filters', () => {
  const e = one({}, { filter_state: true });
  const r = e.send({ headers: auth(token()) });
  assert.equal(r.state, 'continued');
  assert.deepEqual(state(r), {
    'wasm.jwtgate.decision': 'allowed',
    'wasm.jwtgate.provider': 'nomad',
    'wasm.jwtgate.sub': 'global:default:mongo:db:mongo:default',
    'wasm.jwtgate.iss': 'https://nomad.example:4646',
    'wasm.jwtgate.nomad_namespace': 'default',
    'wasm.jwtgate.nomad_job_id': 'mongo',
    'wasm.jwtgate.nomad_task': 'mongo',
    'wasm.jwtgate.nomad_allocation_id': '5b2f5c34-0000-4000-8000-000000000001',
  });
  // A later filter reads it back as a property (RBAC's filter_state matcher, CEL `filter_state`).
  const denied = e.send({ headers: auth(token({ exp: T0 - 3600, iat: T0 - 7200, nbf: T0 - 7200 })) });
  assert.equal(denied.reply.status, 401);
  assert.deepEqual(state(denied), { 'wasm.jwtgate.decision': 'denied', 'wasm.jwtgate.code': 'ERR_JWT_EXPIRED' });
  assert.deepEqual(state(e.send({})), { 'wasm.jwtgate.decision': 'denied', 'wasm.jwtgate.code': 'ERR_TOKEN_MISSING' });
  // Off by default: nothing is written.
  assert.equal(one().send({ headers: auth(token()) }).filterState, undefined);
  assert.deepEqual(e.unexpectedHostcalls, []);
});

test('filter_state on a request paused for the keys is written on its own stream when it resumes', () => {
  const server = jwksServer(jwks(ED));
  const e = envoy({ providers: [remoteProvider()], filter_state: true }, { workers: 1, clusters: { nomad_jwks: server.handler } });
  const r = e.request({ headers: auth(token()) });
  assert.equal(r.state, 'paused');
  e.settle();
  assert.equal(r.state, 'continued');
  assert.equal(state(r)['wasm.jwtgate.nomad_job_id'], 'mongo');
  assert.deepEqual(e.unexpectedHostcalls, []);
});
