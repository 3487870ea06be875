// Issue 17: every header named in any provider's `claim_to_headers` is the filter's to set. A
// copy sent by the client is removed from every request let through — bypass rules, CORS
// preflights, allow_missing without a token, a request resumed after a key fetch — and the
// header carries a value only when a verified token supplied it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, remoteProvider, jwksServer, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const NOMAD = keyPair('ES256', 'nomad');
const CI = keyPair('EdDSA', 'ci');
const CLAIMED = ['x-nomad-job', 'x-nomad-namespace', 'x-ci-sub'];
// Every claimed header, twice and in mixed case, as a client trying to impersonate would send.
const spoofed = CLAIMED.flatMap((h) => [[h, 'admin'], [h.toUpperCase(), 'root']]);
const nomadToken = mint(NOMAD, nomadClaims(T0));
const ciToken = mint(CI, { iss: 'https://ci.example', aud: 'deploy', sub: 'pipeline-7', exp: T0 + 600 });
const auth = (t) => [['authorization', `Bearer ${t}`]];

const providers = () => [
  {
    name: 'nomad', issuer: 'https://nomad.example:4646', audiences: ['vault.io'], jwks: jwks(NOMAD),
    claim_to_headers: [
      { header_name: 'x-nomad-job', claim_name: 'nomad_job_id' },
      { header_name: 'x-nomad-namespace', claim_name: 'nomad_namespace' },
    ],
  },
  {
    name: 'ci', issuer: 'https://ci.example', audiences: ['deploy'], jwks: jwks(CI),
    claim_to_headers: [{ header_name: 'x-ci-sub', claim_name: 'sub' }],
  },
];

function gate() {
  const e = envoy({
    providers: providers(),
    bypass_cors_preflight: true,
    rules: [{ prefix: '/v1/sys/health', action: 'bypass' }, { prefix: '/public/', action: 'allow_missing' }],
  }, { workers: 1 });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  return e;
}

function assertNone(r, what) {
  assert.equal(r.state, 'continued', `${what}: ${r.json && r.json.message}`);
  for (const h of CLAIMED) assert.equal(r.headerCount(h), 0, `${what}: ${h} = ${r.header(h)}`);
}

test('bypass rule: spoofed claim headers are removed', () => {
  const e = gate();
  assertNone(e.send({ path: '/v1/sys/health', headers: spoofed }), 'bypass');
  // A token on a bypass path is not verified, so it supplies no claim either.
  assertNone(e.send({ path: '/v1/sys/health', headers: [...auth(nomadToken), ...spoofed] }), 'bypass with a token');
  assert.equal(e.metric('jwtgate.bypassed'), 2n);
});

test('CORS preflight: spoofed claim headers are removed', () => {
  const e = gate();
  const preflight = [['origin', 'https://ui.example'], ['access-control-request-method', 'POST']];
  assertNone(e.send({ method: 'OPTIONS', path: '/v1/secret', headers: [...preflight, ...spoofed] }), 'preflight');
  assert.equal(e.metric('jwtgate.cors_preflight_bypassed'), 1n);
});

test('allow_missing without a token: spoofed claim headers are removed; with a token, only its own are set', () => {
  const e = gate();
  assertNone(e.send({ path: '/public/a', headers: spoofed }), 'allow_missing');
  const r = e.send({ path: '/public/a', headers: [...auth(nomadToken), ...spoofed] });
  assert.equal(r.state, 'continued');
  assert.equal(r.headerCount('x-nomad-job'), 1);
  assert.equal(r.header('x-nomad-job'), 'mongo');
  assert.equal(r.header('x-nomad-namespace'), 'default');
  assert.equal(r.headerCount('x-ci-sub'), 0, "another provider's claim header never passes");
});

test('a verified token: its claims replace every spoofed copy; an absent claim removes the header', () => {
  const e = gate();
  const ci = e.send({ path: '/deploy', headers: [...auth(ciToken), ...spoofed] });
  assert.equal(ci.state, 'continued', ci.json && ci.json.message);
  assert.equal(ci.headerCount('x-ci-sub'), 1);
  assert.equal(ci.header('x-ci-sub'), 'pipeline-7');
  assert.equal(ci.headerCount('x-nomad-job'), 0);
  assert.equal(ci.headerCount('x-nomad-namespace'), 0);
  const noNamespace = mint(NOMAD, nomadClaims(T0, { nomad_namespace: undefined }));
  const r = e.send({ path: '/v1/x', headers: [...auth(noNamespace), ...spoofed] });
  assert.equal(r.header('x-nomad-job'), 'mongo');
  assert.equal(r.headerCount('x-nomad-namespace'), 0);
});

test('refused requests never go upstream, whatever claim headers they carry', () => {
  const e = gate();
  for (const req of [
    { path: '/v1/x', headers: spoofed },
    { path: '/v1/x', headers: [...auth(mint(NOMAD, nomadClaims(T0 - 7200))), ...spoofed] },
    { path: '/public/a', headers: [['authorization', 'Bearer x.y.z'], ...spoofed] },
    { path: '/v1/sys/health/..%2Fx', headers: spoofed },
  ]) {
    const r = e.send(req);
    assert.equal(r.state, 'replied', req.path);
  }
});

test('a request resumed after a key fetch, and one decided on stale keys: claim headers from the token only', () => {
  const server = jwksServer(() => jwks(NOMAD));
  const e = envoy({
    providers: [remoteProvider({ claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }] }, { cache_duration_seconds: 60 })],
  }, { workers: 1, clusters: { nomad_jwks: server.handler } });
  const paused = e.request({ headers: [...auth(nomadToken), ['x-nomad-job', 'admin'], ['X-Nomad-Job', 'root']] });
  assert.equal(paused.state, 'paused');
  e.settle();
  assert.equal(paused.state, 'continued');
  assert.equal(paused.headerCount('x-nomad-job'), 1);
  assert.equal(paused.header('x-nomad-job'), 'mongo');
  // Past the cache duration with the JWKS host down: decided on the stale keys at once.
  server.respond = () => ({ status: 503, body: 'no healthy upstream' });
  e.advance(61_000);
  const stale = e.request({ headers: [...auth(mint(NOMAD, nomadClaims(T0 + 61))), ['x-nomad-job', 'admin']] });
  assert.equal(stale.state, 'continued');
  assert.equal(stale.headerCount('x-nomad-job'), 1);
  assert.equal(stale.header('x-nomad-job'), 'mongo');
});
