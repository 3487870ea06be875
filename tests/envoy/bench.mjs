// Per-request cost of the built filter in the stand-in host (whole stream: context creation,
// on_request_headers, on_log/on_done/on_delete), medians of N requests after a warm-up.
//   node tests/envoy/bench.mjs [N]        (default 300)
// Prints one line per case and a JSON summary (for the benchmark table).
import { performance } from 'node:perf_hooks';
import { envoy, inlineProvider, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const N = Number(process.argv[2] ?? 300);
// Enough requests for V8 to tier the filter up from Liftoff to TurboFan before timing.
const WARMUP = 200;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function measure(e, makeHeaders, expect) {
  const times = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const headers = makeHeaders(i);
    const t = performance.now();
    const r = e.send({ path: '/v1/kv/data/default/mongo/config', headers });
    const dt = performance.now() - t;
    if (expect(r) !== true) throw new Error(`unexpected outcome ${r.state} ${r.reply?.status} ${r.json?.code}`);
    if (i >= WARMUP) times.push(dt * 1000);
  }
  return median(times);
}

// Where a request's time goes (a second pass with the host's timing hooks on, which add about
// a dozen clock reads per request, so the totals above come from the untimed pass): `filter` =
// inside the module's callbacks minus inside host functions; `hostcalls` = inside the host
// functions it calls (header map serialisation, copies into module memory, metrics, replies);
// `host_other` = the rest of the stand-in (building the request, contexts, stream bookkeeping).
function split(e, makeHeaders) {
  const parts = { filter: [], hostcalls: [], host_other: [] };
  for (let i = 0; i < N + WARMUP; i++) {
    const headers = makeHeaders(i);
    e.timing = { vmMs: 0, hostcallMs: 0 };
    const t = performance.now();
    e.send({ path: '/v1/kv/data/default/mongo/config', headers });
    const dt = performance.now() - t;
    if (i >= WARMUP) {
      parts.filter.push((e.timing.vmMs - e.timing.hostcallMs) * 1000);
      parts.hostcalls.push(e.timing.hostcallMs * 1000);
      parts.host_other.push((dt - e.timing.vmMs) * 1000);
    }
  }
  e.timing = null;
  return Object.fromEntries(Object.entries(parts).map(([k, xs]) => [`${k}_us`, median(xs)]));
}

const results = {};
const splits = {};
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const pair = keyPair(alg, 'k1');
  const e = envoy({ providers: [inlineProvider(jwks(pair), { claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }] })] }, { workers: 1, logLevel: 2 });
  if (e.loadError) throw new Error(e.loadError);
  const same = mint(pair, nomadClaims(T0));
  const fresh = Array.from({ length: N + WARMUP }, (_, i) => mint(pair, nomadClaims(T0, { jti: `t${i}` })));
  const expired = mint(pair, nomadClaims(T0 - 7200));
  const ok = (r) => r.state === 'continued';
  // One untimed pass first: the host's JS and the module tier up once per process, and the
  // first case measured must not pay for it (it made RS256's cache hit read 2× the others).
  measure(e, () => [['authorization', `Bearer ${same}`]], ok);
  results[alg] = {
    allow_cache_hit_us: measure(e, () => [['authorization', `Bearer ${same}`]], ok),
    allow_cache_miss_us: measure(e, (i) => [['authorization', `Bearer ${fresh[i]}`]], ok),
    deny_expired_us: measure(e, () => [['authorization', `Bearer ${expired}`]], (r) => r.reply?.status === 401),
    deny_missing_us: measure(e, () => [], (r) => r.reply?.status === 401),
  };
  splits[alg] = {
    allow_cache_hit: split(e, () => [['authorization', `Bearer ${same}`]]),
    deny_expired: split(e, () => [['authorization', `Bearer ${expired}`]]),
  };
}
// Vault role + templated policy (the Nomad tutorial), RS256: allowed and 403 on a cached token.
{
  const pair = keyPair('RS256', 'k1');
  const vault = {
    role_name: 'nomad-workloads',
    role: { role_type: 'jwt', bound_audiences: ['vault.io'], user_claim: '/nomad_job_id', user_claim_json_pointer: true, claim_mappings: { nomad_namespace: 'nomad_namespace', nomad_job_id: 'nomad_job_id' } },
    policies: [{ name: 'nomad-workloads', policy: 'path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {\n  capabilities = ["read"]\n}\n' }],
  };
  const e = envoy({ providers: [{ name: 'nomad', issuer: 'https://nomad.example:4646', jwks: jwks(pair), vault }] }, { workers: 1, logLevel: 2 });
  if (e.loadError) throw new Error(e.loadError);
  const token = mint(pair, nomadClaims(T0));
  const fresh = Array.from({ length: N + WARMUP }, (_, i) => mint(pair, nomadClaims(T0, { jti: `v${i}` })));
  const send = (path, t) => [['authorization', `Bearer ${t}`]];
  const time = (path, headersFor, expect) => {
    const xs = [];
    for (let i = 0; i < N + WARMUP; i++) {
      const t0 = performance.now();
      const r = e.send({ path, headers: headersFor(i) });
      const dt = performance.now() - t0;
      if (!expect(r)) throw new Error(`vault bench: ${r.state} ${r.json?.code}`);
      if (i >= WARMUP) xs.push(dt * 1000);
    }
    return median(xs);
  };
  results['RS256+vault'] = {
    allow_cache_hit_us: time('/v1/kv/data/default/mongo/config', () => send(0, token), (r) => r.state === 'continued'),
    allow_cache_miss_us: time('/v1/kv/data/default/mongo/config', (i) => send(0, fresh[i]), (r) => r.state === 'continued'),
    deny_policy_403_us: time('/v1/kv/data/default/redis/config', () => send(0, token), (r) => r.reply?.status === 403),
  };
}

for (const [alg, r] of Object.entries(results)) {
  console.log(`${alg.padEnd(12)} ${Object.entries(r).map(([k, v]) => `${k.replace(/_us$/, '')} ${v.toFixed(1)} µs`).join(' | ')}`);
}
for (const [alg, r] of Object.entries(splits)) {
  for (const [c, p] of Object.entries(r)) {
    console.log(`${alg.padEnd(12)} ${c} split: filter ${p.filter_us.toFixed(1)} µs | hostcalls ${p.hostcalls_us.toFixed(1)} µs | rest of the host ${p.host_other_us.toFixed(1)} µs`);
  }
}
console.log(JSON.stringify({ n: N, results, splits }));
