// The two hosts side by side: the same requests through the V8 stand-in (host.mjs) and through
// Envoy's own proxy-wasm-cpp-host on WAMR (cpphost/) give the same answers, byte for byte, the
// same forwarded headers, the same stats and the same filter log lines. Runs in the WAMR pass of
// scripts/test-envoy.sh (it needs the cpp-host addon).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envoy } from './host.mjs';
import { HOST, inlineProvider, remoteProvider, jwksServer, wasmPath, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const skip = HOST !== 'wamr' && 'compares with the cpp-host: runs in the WAMR pass (JWTGATE_ENVOY_HOST=wamr)';
const { CppEnvoy } = HOST === 'wamr' ? await import('./cpphost/host.mjs') : {};

const ES = keyPair('ES256', 'es');
const OTHER = keyPair('ES256', 'es');
const auth = (t) => [['authorization', `Bearer ${t}`]];

/** The same Envoy on both hosts. */
function pair(config, opts = {}) {
  const o = { wasm: wasmPath(), config, nowMs: T0 * 1000, ...opts };
  return [new Envoy(o), new CppEnvoy(o)];
}

/** What a client and the upstream see of a stream. */
const outcome = (r) => ({
  state: r.state,
  reply: r.reply && { status: r.reply.status, headers: r.reply.headers, body: r.reply.body.toString('latin1'), details: r.reply.details },
  forwarded: r.state === 'continued' ? r.headers.map(([k, v]) => [k, Buffer.from(v).toString('latin1')]) : undefined,
});
const stats = (e) => Object.fromEntries([...e.metrics].map(([k, v]) => [k, v.value]).sort());
const filterLogs = (e) => e.logs.filter((l) => /^jwtgate: /.test(l.msg)).map((l) => `${l.vm} ${l.level} ${l.msg}`);

test('inline keys: every answer, forwarded header, stat and log line is the same on V8 and on WAMR', { skip }, () => {
  const config = {
    providers: [inlineProvider(jwks(ES), { claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }, { header_name: 'x-token-aud', claim_name: 'aud' }] })],
    rules: [{ prefix: '/healthz', action: 'bypass' }],
  };
  const hosts = pair(config, { workers: 2 });
  const good = mint(ES, nomadClaims(T0));
  const requests = [
    { path: '/v1/a' },
    { path: '/healthz', headers: [['x-nomad-job', 'spoofed']] },
    { path: '/v1/a', headers: [...auth(good), ['x-nomad-job', 'spoofed'], ['x-nomad-job', 'again']] },
    { path: '/v1/a', headers: auth(good) },
    { path: '/v1/a', headers: auth(mint(ES, nomadClaims(T0 - 7200))) },
    { path: '/v1/a', headers: auth(mint(OTHER, nomadClaims(T0))) },
    { path: '/v1/a', headers: auth(mint(ES, nomadClaims(T0), { kid: 'nope' })) },
    { path: '/v1/a', headers: auth('a.b') },
    { path: '/v1/a', headers: [['authorization', Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xff, 0x2e, 0x2e])]] },
    { path: '/v1/a', headers: [...auth(good), ['authorization', `Bearer ${good}`]] },
    { path: '/v1/a', headers: [['x-bad', 'a\r\nb']] },
  ];
  const seen = new Set();
  for (const req of requests) {
    const [v8, wamr] = hosts.map((e) => outcome(e.send(req)));
    assert.deepEqual(wamr, v8, JSON.stringify(req).slice(0, 200));
    seen.add(v8.reply?.status ?? v8.state);
  }
  // Not a vacuous comparison: requests went upstream, and were refused by the filter and the codec.
  assert.deepEqual([...seen].sort(), [400, 401, 'continued']);
  const [a, b] = hosts;
  assert.deepEqual(stats(b), stats(a));
  assert.deepEqual(filterLogs(b), filterLogs(a));
});

test('remote keys: the pause, the fetch through the cluster, the resume and the retries match', { skip }, () => {
  const servers = [];
  const hosts = [Envoy, CppEnvoy].map((Host) => {
    const server = jwksServer(() => server.doc);
    server.doc = jwks(ES);
    servers.push(server);
    return new Host({
      wasm: wasmPath(), nowMs: T0 * 1000, workers: 2, clusters: { nomad_jwks: server.handler },
      config: { providers: [remoteProvider({ claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }] })] },
    });
  });
  const token = mint(ES, nomadClaims(T0));
  const streams = hosts.map((e) => [0, 1, 0].map((w) => e.request({ worker: w, headers: auth(token) })));
  assert.deepEqual(streams[1].map((s) => s.state), streams[0].map((s) => s.state));
  hosts.forEach((e) => e.settle());
  hosts.forEach((e) => e.advance(1000));
  assert.deepEqual(streams[1].map(outcome), streams[0].map(outcome));
  assert.deepEqual(streams[0].map((s) => s.header('x-nomad-job')), ['mongo', 'mongo', 'mongo']);
  // The host goes down: a new key id makes both refetch, fail, retry, and answer alike.
  servers.forEach((s) => { s.respond = () => ({ status: 503, body: 'down' }); });
  hosts.forEach((e) => e.advance(31_000));
  const late = hosts.map((e) => e.request({ worker: 1, headers: auth(mint(keyPair('ES256', 'new'), nomadClaims(T0 + 31))) }));
  for (let i = 0; i < 6; i++) hosts.forEach((e) => e.advance(1000));
  assert.deepEqual(outcome(late[1]), outcome(late[0]));
  assert.equal(late[0].reply?.status, 401, late[0].state);
  assert.deepEqual(servers[1].calls, servers[0].calls);
  const calls = (e) => e.callouts.map((c) => [c.vm, c.cluster, c.headers[':path'], c.headers[':authority'], c.timeoutMs, c.at, c.refused]);
  assert.deepEqual(calls(hosts[1]), calls(hosts[0]));
  assert.deepEqual(stats(hosts[1]), stats(hosts[0]));
});
