// Token extraction and the local replies for requests that never reach the core: headers are
// bytes (non-UTF-8 must not trap), repeated credentials are refused, oversized values are
// refused before parsing, replies carry a sanitised challenge and a JSON body. The path check
// itself is in paths.test.mjs, claim headers on every path in claim-headers.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const pair = keyPair('ES256');
const token = mint(pair, nomadClaims(T0));
const config = (extra = {}, provider = {}) => ({ providers: [inlineProvider(jwks(pair), provider)], ...extra });

function assertNoTrap(e) {
  for (const wk of e.workers) assert.equal(wk.vm.failed, false, wk.vm.failure);
  assert.deepEqual(e.unexpectedHostcalls, []);
}

test('no token: 401 with a bare Bearer challenge (RFC 6750 §3.1) and ERR_TOKEN_MISSING', () => {
  const e = envoy(config({ realm: 'payments' }));
  const r = e.send({ path: '/v1/secret' });
  assert.equal(r.reply.status, 401);
  assert.equal(r.replyHeader('www-authenticate'), 'Bearer realm="payments"');
  assert.equal(r.replyHeader('content-type'), 'application/json');
  assert.deepEqual(r.json, { code: 'ERR_TOKEN_MISSING', message: 'token is missing' });
  assert.equal(e.metric('jwtgate.denied'), 1n);
  assert.equal(e.metric('jwtgate.denied.err_token_missing'), 1n);
});

test('another scheme in Authorization is not a bearer token', () => {
  const e = envoy(config());
  const r = e.send({ headers: [['authorization', 'Basic dXNlcjpwYXNz']] });
  assert.equal(r.json.code, 'ERR_TOKEN_MISSING');
});

test('two Authorization headers (coalesced by Envoy into one value) are refused', () => {
  const e = envoy(config());
  const r = e.send({ headers: [['authorization', `Bearer ${token}`], ['authorization', `Bearer ${token}`]] });
  assert.equal(r.reply.status, 401);
  assert.equal(r.json.code, 'ERR_TOKEN_MULTIPLE');
  assert.match(r.replyHeader('www-authenticate'), /^Bearer realm="jwtgate", error="invalid_token", error_description="more than one token/);
  assertNoTrap(e);
});

test('a repeated custom token header is refused (first-value semantics would hide the second)', () => {
  const e = envoy(config({}, { from_headers: [{ name: 'X-Nomad-Token' }] }));
  const r = e.send({ headers: [['x-nomad-token', token], ['x-nomad-token', 'other']] });
  assert.equal(r.json.code, 'ERR_TOKEN_MULTIPLE');
  assert.match(r.json.message, /header x-nomad-token repeated/);
});

test('non-UTF-8 bytes in the Authorization header: 401, no trap, description sanitised', () => {
  const e = envoy(config());
  const value = Buffer.concat([Buffer.from('Bearer eyJ'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('.x.y')]);
  const r = e.send({ headers: [['authorization', value]] });
  assert.equal(r.reply.status, 401);
  assert.equal(r.json.code, 'ERR_JWS_MALFORMED');
  const challenge = r.replyHeader('www-authenticate');
  assert.match(challenge, /error="invalid_token"/);
  assert.ok(/^[\x20-\x7e]*$/.test(challenge), challenge);
  assertNoTrap(e);
  // The worker keeps serving.
  assert.equal(e.send({}).json.code, 'ERR_TOKEN_MISSING');
});

test('non-UTF-8 bytes in unrelated headers do not matter', () => {
  const e = envoy(config({ rules: [{ prefix: '/public', action: 'bypass' }] }));
  const r = e.send({ path: '/public/x', headers: [['x-latin1', Buffer.from([0xe9, 0xe8])]] });
  assert.equal(r.state, 'continued');
  assertNoTrap(e);
});

test('an oversized token is refused before parsing (ERR_LIMIT_EXCEEDED), without a trap', () => {
  const e = envoy(config());
  const huge = 'a'.repeat(7_000);
  const r = e.send({ headers: [['authorization', `Bearer ${huge}.${huge}.${huge}`]] });
  assert.equal(r.reply.status, 401);
  assert.equal(r.json.code, 'ERR_LIMIT_EXCEEDED');
  assert.match(r.json.message, /more than max_token_len \(16384\)/);
  assert.ok(r.reply.body.length < 400, 'the body never echoes the token');
  assertNoTrap(e);
  // Past Envoy's 60 KiB header limit the codec answers 431 and the filter never runs.
  const giant = e.send({ headers: [['authorization', `Bearer ${'a'.repeat(70_000)}`]] });
  assert.equal(giant.reply.status, 431);
  assert.equal(e.metric('jwtgate.denied'), 1n);
});

test('a configured smaller limit applies', () => {
  const e = envoy(config({ limits: { maxTokenLen: 100 } }));
  const r = e.send({ headers: [['authorization', `Bearer ${token}`]] });
  assert.equal(r.json.code, 'ERR_LIMIT_EXCEEDED');
});

test('control characters in the credential are refused and never reflected', () => {
  const e = envoy(config());
  const r = e.send({ headers: [['authorization', 'Bearer abc\tdef.ghi.jkl']] });
  assert.equal(r.reply.status, 401);
  for (const [, v] of r.reply.headers) assert.ok(!/[\r\n\0]/.test(v));
  assert.ok(!r.reply.body.includes('abc'));
});

test('token from a query parameter and from a cookie', () => {
  const e = envoy(config({}, { from_headers: [], from_params: ['access_token'], from_cookies: ['nomad_jwt'] }));
  const p = e.send({ path: '/x?access_token=not-a-jwt&y=1' });
  assert.equal(p.json.code, 'ERR_JWS_MALFORMED');
  const c = e.send({ headers: [['cookie', 'a=1; nomad_jwt=not-a-jwt']] });
  assert.equal(c.json.code, 'ERR_JWS_MALFORMED');
  const both = e.send({ path: '/x?access_token=one.two.three', headers: [['cookie', 'nomad_jwt=four.five.six']] });
  assert.equal(both.json.code, 'ERR_TOKEN_MULTIPLE');
  assert.match(both.json.message, /query parameter access_token, cookie nomad_jwt/);
});

test('a malformed token gets the core error code, status 401 and the invalid_token challenge', () => {
  const e = envoy(config());
  for (const [t, code] of [
    ['abc', 'ERR_JWS_MALFORMED'],
    ['a.b', 'ERR_JWS_MALFORMED'],
    [`${token}.extra`, 'ERR_JWS_MALFORMED'],
  ]) {
    const r = e.send({ headers: [['authorization', `Bearer ${t}`]] });
    assert.equal(r.reply.status, 401, t);
    assert.equal(r.json.code, code, `${t}: ${r.json.message}`);
    assert.match(r.replyHeader('www-authenticate'), /error="invalid_token", error_description="[^"]+"$/);
  }
  assertNoTrap(e);
});

test('rules: bypass and allow_missing let requests through; allow_missing strips spoofed claim headers', () => {
  const e = envoy(config(
    { rules: [{ prefix: '/healthz', action: 'bypass' }, { prefix: '/public', action: 'allow_missing' }] },
    { claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }] },
  ));
  assert.equal(e.send({ path: '/healthz' }).state, 'continued');
  const r = e.send({ path: '/public/a', headers: [['x-nomad-job', 'spoofed']] });
  assert.equal(r.state, 'continued');
  assert.equal(r.header('x-nomad-job'), undefined);
  // allow_missing still refuses a bad token.
  assert.equal(e.send({ path: '/public/a', headers: [['authorization', 'Bearer x.y.z']] }).reply.status, 401);
  // No rule matched: a token is required.
  assert.equal(e.send({ path: '/other' }).reply.status, 401);
  assert.equal(e.metric('jwtgate.bypassed'), 1n);
});

test('rules match methods; CORS preflights bypass when configured', () => {
  const e = envoy(config({ bypass_cors_preflight: true, rules: [{ prefix: '/', methods: ['GET'], action: 'allow_missing' }] }));
  assert.equal(e.send({ method: 'GET', path: '/a' }).state, 'continued');
  assert.equal(e.send({ method: 'POST', path: '/a' }).reply.status, 401);
  const pre = e.send({ method: 'OPTIONS', path: '/a', headers: [['origin', 'https://ui'], ['access-control-request-method', 'POST']] });
  assert.equal(pre.state, 'continued');
  assert.equal(e.send({ method: 'OPTIONS', path: '/a' }).reply.status, 401);
  assert.equal(e.metric('jwtgate.cors_preflight_bypassed'), 1n);
});

test('paths not in normal form never ride on a bypass or allow_missing rule: 400 before any rule', () => {
  const e = envoy(config({ rules: [{ prefix: '/healthz', action: 'bypass' }, { prefix: '/public/', action: 'allow_missing' }] }));
  assert.equal(e.send({ path: '/healthz' }).state, 'continued');
  for (const path of ['/healthz/../v1/secret', '/healthz/%2e%2e/v1/secret', '/healthz//x', '/public/./a', '/public/%2F..%2Fadmin', '/public\\..\\admin']) {
    const r = e.send({ path });
    assert.equal(r.reply?.status, 400, path);
    assert.equal(r.json.code, 'ERR_REQUEST_INVALID', path);
  }
  assert.equal(e.metric('jwtgate.bypassed'), 1n);
});
