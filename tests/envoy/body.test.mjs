// Issue 17: a request paused for a key fetch must not leak upstream through its body or
// trailers. By default Envoy turns the headers' Pause into StopAllIterationAndWatermark and
// holds the body; with the Wasm PluginConfig `allow_on_headers_stop_iteration: true` (Envoy >=
// 1.35) the body and trailers reach the filter while the headers are stopped, and a Continue
// from those callbacks releases the whole request. A client forces the pause with an unknown
// `kid`. Both host settings, with forged and genuine tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envoy } from './host.mjs';
import { miniModule } from './mini-wasm.mjs';
import { envoy, remoteProvider, jwksServer, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const A = keyPair('ES256', 'key-a');
const B = keyPair('ES256', 'key-b');
const EVIL = keyPair('ES256', 'key-evil');
const bearer = (pair, claims = {}) => ['authorization', `Bearer ${mint(pair, nomadClaims(T0, claims))}`];

function setup(allowOnHeadersStopIteration, { load = true } = {}) {
  const server = jwksServer(() => server.doc);
  server.doc = jwks(A);
  const e = envoy({
    providers: [remoteProvider({ claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }] })],
    rules: [{ prefix: '/v1/sys/health', action: 'bypass' }],
  }, { workers: 1, clusters: { nomad_jwks: server.handler }, allowOnHeadersStopIteration });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  if (load) {
    e.advance(1000); // the first tick loads key A
    assert.equal(server.calls, 1);
    e.advance(30_000); // past the unknown-kid cooldown
  }
  return { e, server };
}

const post = (headers, extra = {}) => ({
  method: 'POST', path: '/v1/kv/data/default/mongo/config', headers: [...headers, ['x-nomad-job', 'admin']],
  body: '{"data":{"password":"hunter2"}}', ...extra,
});

for (const allow of [false, true]) {
  const mode = allow ? 'allow_on_headers_stop_iteration' : 'default stop-all';
  // [what, the token, the JWKS the refetch finds, the refusal]
  const forged = [
    ['an unknown kid signed by an attacker key', () => bearer(EVIL), jwks(A), 'ERR_JWKS_NO_MATCHING_KEY'],
    ['a rotated kid with a forged signature', () => ['authorization', `Bearer ${mint(EVIL, nomadClaims(T0), { kid: 'key-b' })}`], jwks(A, B), 'ERR_JWS_SIGNATURE_INVALID'],
  ];
  for (const [what, make, doc, code] of forged) {
    test(`${mode}: a POST with body and trailers and ${what} pauses for the refetch and never leaks`, () => {
      const { e, server } = setup(allow);
      server.doc = doc;
      const r = e.request(post([make()], { trailers: [['x-checksum', 'abc']] }));
      assert.equal(r.state, 'paused', 'the unknown kid forces a refetch');
      assert.equal(server.calls, 2);
      assert.equal(r.leaked, false);
      e.settle();
      assert.equal(r.state, 'replied');
      assert.equal(r.reply.status, 401);
      assert.equal(r.json.code, code);
      assert.equal(r.leaked, false);
      r.finish();
      assert.equal(r.leaked, false);
    });
  }

  test(`${mode}: a body arriving before any key set was loaded is held until the decision`, () => {
    const { e } = setup(allow, { load: false });
    const r = e.request(post([bearer(EVIL)]));
    assert.equal(r.state, 'paused');
    assert.equal(r.leaked, false);
    e.settle();
    assert.equal(r.reply?.status, 401);
    assert.equal(r.leaked, false);
  });

  test(`${mode}: a genuine rotated key: paused, then the request and its body go upstream with the verified claims`, () => {
    const { e, server } = setup(allow);
    server.doc = jwks(A, B);
    const r = e.request(post([bearer(B)], { trailers: [['x-checksum', 'abc']] }));
    assert.equal(r.state, 'paused');
    e.settle();
    assert.equal(r.state, 'continued', r.json && r.json.message);
    assert.equal(r.leaked, false);
    assert.equal(r.held, null, 'body and trailers delivered after the resume');
    assert.equal(r.header('x-nomad-job'), 'mongo');
    assert.equal(r.header('authorization'), undefined);
  });

  test(`${mode}: bodies of requests decided at once flow through (allowed, bypassed) or stop (refused)`, () => {
    const { e } = setup(allow);
    const ok = e.request(post([bearer(A)], { trailers: [['x-checksum', 'abc']] }));
    assert.equal(ok.state, 'continued');
    assert.equal(ok.held, null);
    assert.equal(ok.leaked, false);
    const bypass = e.request({ method: 'POST', path: '/v1/sys/health', body: 'x' });
    assert.equal(bypass.state, 'continued');
    assert.equal(bypass.held, null);
    const refused = e.request(post([bearer(A, { exp: T0 - 7200, iat: T0 - 9000, nbf: T0 - 9000 })]));
    assert.equal(refused.reply.status, 401);
    assert.equal(refused.leaked, false);
  });
}

// The host's own behaviour, on a module whose callbacks return constants: the detection above
// can fail. Headers Pause (1), body and trailers Continue (0), as the filter did before issue 17.
test('stand-in host: a body Continue while the headers are stopped leaks only with allow_on_headers_stop_iteration', () => {
  const wasm = miniModule({ stream: { proxy_on_request_headers: 1, proxy_on_request_body: 0, proxy_on_request_trailers: 0 } });
  const leaky = new Envoy({ wasm, config: '{}', workers: 1, allowOnHeadersStopIteration: true });
  assert.equal(leaky.loadError, null);
  const a = leaky.request({ method: 'POST', body: 'x' });
  assert.equal(a.state, 'continued');
  assert.equal(a.leaked, true);
  const t = leaky.request({ method: 'POST', trailers: [['k', 'v']] });
  assert.equal(t.leaked, true);
  const held = new Envoy({ wasm, config: '{}', workers: 1 });
  const b = held.request({ method: 'POST', body: 'x', trailers: [['k', 'v']] });
  assert.equal(b.state, 'paused');
  assert.equal(b.leaked, false);
  assert.notEqual(b.held, null, 'held until the stream resumes');
  // Pause from the body callback keeps the headers stopped in either mode.
  const safe = miniModule({ stream: { proxy_on_request_headers: 1, proxy_on_request_body: 1, proxy_on_request_trailers: 1 } });
  const c = new Envoy({ wasm: safe, config: '{}', workers: 1, allowOnHeadersStopIteration: true })
    .request({ method: 'POST', body: 'x', trailers: [['k', 'v']] });
  assert.equal(c.state, 'paused');
  assert.equal(c.leaked, false);
  assert.equal(c.held, null, 'delivered while the headers were stopped');
});
