// Remote JWKS through a cluster: requests pause while the keys load and resume after; one VM
// fetches for all (shared data + CAS); refresh from the tick before expiry; an unknown kid
// triggers one refetch per cooldown; failures retry with backoff, then answer 503 (or 401);
// keys past their cache duration keep deciding requests at once while the refresh fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, remoteProvider, jwksServer, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const A = keyPair('ES256', 'key-a');
const B = keyPair('EdDSA', 'key-b');
const bearer = (pair, claims = {}) => [['authorization', `Bearer ${mint(pair, nomadClaims(T0, claims))}`]];
const headers = [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }];

function setup({ remote = {}, extra = {}, workers = 1, doc = jwks(A), provider = {} } = {}) {
  const server = jwksServer(() => server.doc);
  server.doc = doc;
  const e = envoy({ providers: [remoteProvider({ claim_to_headers: headers, ...provider }, remote)], ...extra }, {
    workers, clusters: { nomad_jwks: server.handler },
  });
  assert.equal(e.loadError, null);
  return { e, server };
}

test('a request arriving before the keys pauses, the fetch goes through the cluster, then it resumes', () => {
  const { e, server } = setup();
  const r = e.request({ headers: bearer(A) });
  assert.equal(r.state, 'paused');
  assert.equal(e.callouts.length, 1);
  const call = e.callouts[0];
  assert.equal(call.cluster, 'nomad_jwks');
  assert.equal(call.headers[':method'], 'GET');
  assert.equal(call.headers[':path'], '/.well-known/jwks.json');
  assert.equal(call.headers[':authority'], 'nomad.example:4646');
  assert.equal(call.timeoutMs, 1000);
  e.settle();
  assert.equal(r.state, 'continued', JSON.stringify(r.reply && r.json));
  assert.equal(r.header('x-nomad-job'), 'mongo');
  assert.equal(r.header('authorization'), undefined);
  assert.equal(server.calls, 1);
  assert.equal(e.metric('jwtgate.jwks_fetch_success'), 1n);
  assert.equal(e.metric('jwtgate.paused'), 1n);
  // The next request uses the loaded keys without pausing.
  const next = e.request({ headers: bearer(A) });
  assert.equal(next.state, 'continued');
  assert.equal(server.calls, 1);
});

test('many concurrent requests on several workers share one fetch', () => {
  const { e, server } = setup({ workers: 3 });
  const streams = [];
  for (let i = 0; i < 30; i++) streams.push(e.request({ headers: bearer(A, { nomad_job_id: `job${i}` }) }));
  assert.ok(streams.every((s) => s.state === 'paused'));
  e.settle();
  assert.equal(server.calls, 1, 'one fetch for all workers');
  // Workers that did not fetch pick the document up from shared data on their next tick.
  e.advance(1000);
  streams.forEach((s, i) => {
    assert.equal(s.state, 'continued', `stream ${i}: ${s.reply && s.json?.message}`);
    assert.equal(s.header('x-nomad-job'), `job${i}`);
  });
  assert.equal(server.calls, 1);
  assert.equal(e.callouts.length, 1);
});

test('the first tick prefetches, so the first request does not wait', () => {
  const { e, server } = setup({ workers: 2 });
  e.advance(1000);
  assert.equal(server.calls, 1);
  e.advance(1000); // the other worker adopts the shared copy
  for (let w = 0; w < 2; w++) assert.equal(e.request({ worker: w, headers: bearer(A) }).state, 'continued');
  assert.equal(e.metric('jwtgate.paused'), 0n);
});

test('refresh happens on the tick before expiry; requests never pause for it', () => {
  const { e, server } = setup({ remote: { cache_duration_seconds: 300, refresh_before_seconds: 30 } });
  e.advance(1000);
  assert.equal(server.calls, 1);
  e.advance(268_000); // 269 s after the fetch: not yet
  assert.equal(server.calls, 1);
  e.advance(2_000); // 271 s: within 30 s of expiry
  assert.equal(server.calls, 2);
  server.doc = jwks(B);
  e.advance(300_000);
  assert.ok(server.calls >= 3);
  const r = e.request({ headers: bearer(B) });
  assert.equal(r.state, 'continued');
  assert.equal(e.metric('jwtgate.paused'), 0n);
});

test('rotation: an unknown kid triggers one refetch, then the cooldown holds', () => {
  const { e, server } = setup({ remote: { kid_refetch_cooldown_seconds: 30 } });
  e.advance(1000);
  assert.equal(e.request({ headers: bearer(A) }).state, 'continued');
  e.advance(30_000); // past the cooldown since that fetch
  server.doc = jwks(A, B); // the issuer rotated in key B
  const r = e.request({ headers: bearer(B) });
  assert.equal(r.state, 'paused');
  e.settle();
  assert.equal(r.state, 'continued');
  assert.equal(server.calls, 2);
  // A kid nobody knows: just refetched, so no new fetch within the cooldown.
  const C = keyPair('ES256', 'key-c');
  const c1 = e.send({ headers: bearer(C) });
  assert.equal(c1.reply.status, 401);
  assert.equal(c1.json.code, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(server.calls, 2);
  e.advance(31_000);
  const before = server.calls;
  const c2 = e.request({ headers: bearer(C) });
  e.settle();
  assert.equal(server.calls, before + 1, 'one refetch after the cooldown');
  assert.equal(c2.reply.status, 401);
  const c3 = e.send({ headers: bearer(C) });
  assert.equal(c3.json.code, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(server.calls, before + 1);
});

const failures = [
  ['a 503 from the JWKS host', () => ({ status: 503, body: 'no healthy upstream' }), /status 503/],
  ['a connection reset', () => ({ reset: true }), /reset/],
  ['a timeout (Envoy answers 504)', () => ({ hang: true }), /status 504/],
  ['a document that is not JSON', () => ({ status: 200, body: '<html>' }), /JSON|JWKS/],
];

for (const [what, respond, reason] of failures) {
  test(`fetch failure (${what}): retries with backoff, then 503 ERR_JWKS_UNAVAILABLE`, () => {
    const { e, server } = setup();
    server.respond = respond;
    const r = e.request({ headers: bearer(A) });
    assert.equal(r.state, 'paused');
    e.settle();
    for (let i = 0; i < 6 && r.state === 'paused'; i++) e.advance(1000);
    assert.equal(r.state, 'replied');
    assert.equal(server.calls, 3, 'one attempt plus two retries');
    assert.equal(r.reply.status, 503);
    assert.equal(r.json.code, 'ERR_JWKS_UNAVAILABLE');
    assert.match(r.json.message, reason);
    assert.equal(r.replyHeader('www-authenticate'), undefined);
    assert.equal(e.metric('jwtgate.jwks_fetch_failed') >= 3n, true);
    assert.ok(e.logsMatching(/JWKS fetch failed/).length >= 1);
    // Within the failed-refetch window requests fail fast, without a new fetch.
    const fast = e.send({ headers: bearer(A) });
    assert.equal(fast.reply.status, 503);
    assert.equal(server.calls, 3);
    // The host recovers: after the window the next request fetches again.
    server.respond = null;
    e.advance(6000);
    const ok = e.request({ headers: bearer(A) });
    e.settle();
    assert.equal(ok.state, 'continued');
  });
}

test('fetch failure answers 401 when on_jwks_failure is "401"', () => {
  const { e, server } = setup({ extra: { on_jwks_failure: '401' }, remote: { retry: { num_retries: 0 } } });
  server.respond = () => ({ status: 500, body: 'boom' });
  const r = e.request({ headers: bearer(A) });
  e.settle();
  assert.equal(r.reply.status, 401);
  assert.equal(r.json.code, 'ERR_JWKS_UNAVAILABLE');
  assert.match(r.replyHeader('www-authenticate'), /error="invalid_token"/);
});

test('an unknown cluster fails the call at dispatch (BadArgument) and the request is answered', () => {
  const { e } = setup({ remote: { cluster: 'missing_cluster', retry: { num_retries: 0 } } });
  const r = e.request({ headers: bearer(A) });
  assert.equal(r.state, 'replied');
  assert.equal(r.reply.status, 503);
  assert.match(r.json.message, /missing_cluster/);
  assert.equal(e.callouts[0].refused, 'unknown cluster');
});

test('a refresh that fails keeps serving the keys already loaded', () => {
  const { e, server } = setup({ remote: { cache_duration_seconds: 60, refresh_before_seconds: 10, retry: { num_retries: 0 } } });
  e.advance(1000);
  server.respond = () => ({ status: 503 });
  e.advance(65_000);
  assert.ok(server.calls >= 2);
  const r = e.request({ headers: bearer(A) });
  e.settle();
  assert.equal(r.state, 'continued');
});

test('a reloaded VM (FAIL_RELOAD after a trap) reuses the shared JWKS without fetching', () => {
  const { e, server } = setup({ workers: 1 });
  e.failurePolicy = 'FAIL_RELOAD';
  e.advance(1000);
  assert.equal(server.calls, 1);
  e.trapNext = 'proxy_get_header_map_pairs';
  assert.equal(e.send({ headers: bearer(A) }).reply.status, 503);
  e.advance(1000); // the reload back-off
  const r = e.request({ headers: bearer(A) });
  assert.equal(r.state, 'continued');
  assert.equal(server.calls, 1);
});

function discoverySetup(discoveryDoc) {
  const calls = [];
  const handler = (req) => {
    calls.push(req.path);
    if (req.path === '/.well-known/openid-configuration') return { status: 200, body: JSON.stringify(discoveryDoc) };
    if (req.path === '/v1/.well-known/keys') return { status: 200, body: JSON.stringify(jwks(A)) };
    return { status: 404, body: 'not found' };
  };
  const e = envoy({ providers: [remoteProvider({}, { discovery: true, path: undefined })] }, { workers: 1, clusters: { nomad_jwks: handler } });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  return { e, calls };
}

test('OIDC discovery: the discovery document names the JWKS path, then the JWKS is fetched', () => {
  const { e, calls } = discoverySetup({
    issuer: 'https://nomad.example:4646',
    jwks_uri: 'https://nomad.example:4646/v1/.well-known/keys',
    id_token_signing_alg_values_supported: ['RS256', 'EdDSA', 'ES256'],
  });
  const r = e.request({ headers: bearer(A) });
  e.settle();
  assert.equal(r.state, 'continued', r.json && r.json.message);
  assert.deepEqual(calls, ['/.well-known/openid-configuration', '/v1/.well-known/keys']);
});

test('OIDC discovery: an issuer mismatch or a jwks_uri on another host is a fetch failure', () => {
  const wrongIssuer = discoverySetup({ issuer: 'https://nomad.example:4646/', jwks_uri: 'https://nomad.example:4646/v1/.well-known/keys' });
  const a = wrongIssuer.e.request({ headers: bearer(A) });
  wrongIssuer.e.settle();
  for (let i = 0; i < 5 && a.state === 'paused'; i++) wrongIssuer.e.advance(1000);
  assert.equal(a.reply.status, 503);
  assert.match(a.json.message, /issuer/);
  const otherHost = discoverySetup({ issuer: 'https://nomad.example:4646', jwks_uri: 'https://keys.example/jwks' });
  const b = otherHost.e.request({ headers: bearer(A) });
  otherHost.e.settle();
  for (let i = 0; i < 5 && b.state === 'paused'; i++) otherHost.e.advance(1000);
  assert.equal(b.reply.status, 503);
  assert.match(b.json.message, /jwks_uri "https:\/\/keys\.example\/jwks" is not on "nomad\.example:4646"/);
});

test('the client that triggered the fetch disconnects: its response is dropped, the tick retries for the others', () => {
  const { e, server } = setup();
  const first = e.request({ headers: bearer(A) });
  const second = e.request({ headers: bearer(A) });
  assert.equal(server.calls, 1);
  first.finish(); // client reset: Envoy deletes the context that owns the call (SDK drops its response)
  e.settle();
  assert.equal(second.state, 'paused');
  for (let i = 0; i < 5 && second.state === 'paused'; i++) e.advance(1000);
  assert.equal(second.state, 'continued');
  assert.equal(server.calls, 2);
  assert.ok(e.logsMatching(/JWKS response never arrived|JWKS loaded/).length >= 1);
});

test('a worker waiting on another worker\'s fetch learns of its failure from shared data', () => {
  const { e, server } = setup({ workers: 2, remote: { retry: { num_retries: 0 } } });
  server.respond = () => ({ status: 503, body: 'no healthy upstream' });
  const onFetcher = e.request({ worker: 0, headers: bearer(A) });
  const onWaiter = e.request({ worker: 1, headers: bearer(A) });
  assert.equal(server.calls, 1, 'the second worker does not fetch while the first holds the lock');
  e.settle();
  assert.equal(onFetcher.reply.status, 503);
  assert.equal(onWaiter.state, 'paused');
  e.advance(1000);
  assert.equal(onWaiter.reply?.status, 503);
  assert.equal(onWaiter.json.code, 'ERR_JWKS_UNAVAILABLE');
  assert.match(onWaiter.json.message, /status 503/);
  assert.equal(server.calls, 1);
});

test('while the JWKS host is down, one worker retries and the others fail fast from its record', () => {
  const { e, server } = setup({ workers: 3, remote: { retry: { num_retries: 1, base_interval_ms: 100 }, failed_refetch_seconds: 10 } });
  server.respond = () => ({ status: 503, body: 'no healthy upstream' });
  for (let i = 0; i < 4; i++) e.advance(1000);
  const attempts = server.calls;
  assert.equal(attempts, 2, 'one attempt and one retry, by one worker');
  for (let w = 0; w < 3; w++) {
    const r = e.request({ worker: w, headers: bearer(A) });
    assert.equal(r.reply?.status, 503, `worker ${w}: ${r.state}`);
  }
  assert.equal(server.calls, attempts, 'no worker fetches again inside the failed-refetch window');
  server.respond = null;
  e.advance(12_000);
  const ok = e.request({ worker: 2, headers: bearer(A) });
  e.settle();
  e.advance(1000);
  assert.equal(ok.state, 'continued');
});

test('wall-clock jumps: a lock or an expiry implausibly far ahead is not waited for', () => {
  const { e, server } = setup({ workers: 2 });
  e.advance(1000);
  assert.equal(server.calls, 1);
  // The clock goes back two hours: the loaded JWKS now "expires" too far ahead to trust.
  e.nowNs -= 7_200_000_000_000n;
  const shared = e.shared();
  const lockKey = [...shared.keys()].find((k) => k.endsWith('|lock'));
  shared.set(lockKey, { value: Buffer.from(`vm99\n${e.nowMs + 86_400_000}`), cas: 999 });
  const r = e.request({ worker: 1, headers: bearer(A, { iat: T0 - 10_000, nbf: T0 - 10_000 }) });
  e.settle();
  e.advance(1000);
  assert.equal(r.state, 'continued', r.json && r.json.message);
  assert.equal(server.calls, 2, 'refetched instead of trusting the future expiry or waiting a day');
});

// Issue 17: past cache_duration_seconds with the refresh failing, requests were paused (34 of
// 120 with the host answering 503, 75 of 120 with the host not answering). Keys once loaded
// decide every request at once; only a request whose kid is unknown may wait, for the one
// refetch per cooldown it triggered.
const down = [
  ['answering 503', () => ({ status: 503, body: 'no healthy upstream' })],
  ['not answering (every attempt times out)', () => ({ hang: true })],
];
for (const [what, respond] of down) {
  test(`stale keys, JWKS host ${what}: 120 requests on 2 workers, none waits, refreshes keep being tried`, () => {
    const { e, server } = setup({
      workers: 2,
      remote: { cache_duration_seconds: 60, refresh_before_seconds: 10, failed_refetch_seconds: 2, retry: { num_retries: 2, base_interval_ms: 200, max_interval_ms: 1000 } },
    });
    e.advance(2000); // loaded by one worker, adopted by the other
    assert.equal(server.calls, 1);
    server.respond = respond;
    e.advance(60_000); // the keys are now past their cache duration; every refresh fails
    const callsBefore = server.calls;
    const pausedBefore = e.metric('jwtgate.paused');
    const waited = [];
    for (let i = 0; i < 120; i++) {
      const r = e.request({ headers: bearer(A, { nomad_job_id: `job${i}` }) });
      if (r.state !== 'continued') waited.push(`${i}: ${r.state}`);
      else assert.equal(r.header('x-nomad-job'), `job${i}`);
      e.advance(100);
    }
    assert.deepEqual(waited, [], 'no request waits for the refresh');
    assert.equal(e.metric('jwtgate.paused'), pausedBefore);
    assert.ok(server.calls > callsBefore, 'the refresh is still tried in the background');
    assert.ok(server.calls < callsBefore + 40, `bounded by the retry policy, not one per request (${server.calls - callsBefore})`);
  });
}

test('stale keys: the request that finds them starts the refresh and is decided at once; an unknown kid alone waits', () => {
  // A long tick period: nothing but requests starts a fetch here.
  const { e, server } = setup({ extra: { tick_period_ms: 60_000 }, remote: { cache_duration_seconds: 30, refresh_before_seconds: 1, kid_refetch_cooldown_seconds: 30 } });
  const first = e.request({ headers: bearer(A) });
  e.settle();
  assert.equal(first.state, 'continued');
  assert.equal(server.calls, 1);
  server.respond = () => ({ hang: true });
  e.advance(31_000); // stale, and no tick yet
  const known = e.request({ headers: bearer(A) });
  assert.equal(known.state, 'continued', 'decided with the stale keys');
  assert.equal(server.calls, 2, 'and a refresh started by that request');
  const C = keyPair('ES256', 'key-c');
  const D = keyPair('ES256', 'key-d');
  const unknown = e.request({ headers: bearer(C) });
  assert.equal(unknown.state, 'paused', 'the unknown kid may wait for the refetch');
  const another = e.request({ headers: bearer(D) });
  assert.equal(another.state, 'replied', 'one refetch per cooldown: the next unknown kid does not wait');
  assert.equal(another.json.code, 'ERR_JWKS_NO_MATCHING_KEY');
  for (let i = 0; i < 5; i++) assert.equal(e.request({ headers: bearer(A) }).state, 'continued');
  assert.equal(server.calls, 2, 'no request started another fetch');
  // The refetch gives up (timeouts, retries on the slow tick): the waiting request is answered.
  for (let i = 0; i < 200 && unknown.state === 'paused'; i++) e.advance(1000);
  assert.equal(unknown.reply?.status, 401);
  assert.equal(unknown.json.code, 'ERR_JWKS_NO_MATCHING_KEY');
  // Past the kid cooldown, but the host is known to be failing: an unknown kid does not wait.
  const late = e.request({ headers: bearer(C) });
  assert.equal(late.state, 'replied');
  assert.equal(e.request({ headers: bearer(A) }).state, 'continued');
  assert.equal(e.metric('jwtgate.paused'), 2n, 'the first request (no keys yet) and the unknown kid');
});
