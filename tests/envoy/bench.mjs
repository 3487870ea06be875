// Per-request cost of the built filter in the stand-in host (V8), or, with
// JWTGATE_ENVOY_HOST=wamr, in Envoy's own proxy-wasm host library on the WAMR interpreter
// (tests/envoy/cpphost/; the same cases, from this process through the Node addon).
//   node tests/envoy/bench.mjs [--rounds R] [--batch B]
// (defaults 25 rounds of 200 requests on V8; 9 rounds of 40 on WAMR, an interpreter ~40× slower)
// Prints one line per case and a JSON summary (the last line, for the benchmark table).
//
// What a request is: a stream from its context's creation to its deletion — on_context_create,
// on_request_headers with every hostcall the filter makes, the deferred local reply or continue,
// on_log/on_done/on_delete — on a request header map that is already built. Building the map is
// the codec's work (Envoy parses every request into a header map whether or not a filter runs),
// so it is prepared before the clock starts, fresh for every request, and reported on its own
// (`header_map_us`).
//
// How: the cases are interleaved (every round runs a batch of each, in a rotating order; round 0
// and a warm-up before it let V8 tier the module and the host up); each batch is timed in CPU time
// of this process (`process.cpuUsage`, so other processes on a shared machine do not count) and
// divided by its size; the figure is the median over rounds, the spread (max − min) / 2 relative
// to it. Wall-clock medians are kept beside (`wallUs`).
//
// Where the time goes (`splits`, a second pass with the host's timing hooks on; they add a few
// clock reads per request, so the totals above come from the untimed pass): `filter` = inside the
// module's callbacks minus inside host functions; `hostcalls` = inside the host functions it
// calls (copies into module memory through its allocator, header edits, metrics, replies);
// `host_other` = the rest of the stand-in (stream bookkeeping, contexts, callbacks' dispatch).
//
// Memory per worker VM (`memory`): the module's linear memory after the run, and the process's
// resident memory per added worker (an Envoy with 9 workers against one with 1, ÷ 8, after gc
// when --expose-gc is given): what one more worker thread costs.
//
// `node_cache_hit` (when the npm package is built): the package's RS256 cache hit on the same
// token, a new string each call, measured the same way in this process — the reference of the
// issue's "Envoy cache hit ≤ 3× the Node cache-hit path".
import { performance } from 'node:perf_hooks';
import { envoy, inlineProvider, HOST } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const WAMR = HOST === 'wamr';
const ROUNDS = arg('rounds', WAMR ? 9 : 25);
const BATCH = arg('batch', WAMR ? 40 : 200);
// A cache miss checks a signature (0.1–0.3 ms in this build, a few ms interpreted): smaller
// batches, still long enough for the CPU clock's granularity.
const MISS_BATCH = Math.max(1, Math.round(BATCH / (WAMR ? 4 : 20)));
// V8 tiers the module up; the interpreter only needs the caches and key tables filled.
const WARMUP = WAMR ? 200 : 2000;
// Cache misses need a token never seen before, for every request: warm-up (two batches) included.
const MISS_WARMUP = 2 * MISS_BATCH;
const FRESH = MISS_WARMUP + (ROUNDS + 1) * MISS_BATCH;
const PATH = '/v1/kv/data/default/mongo/config';
// Tokens valid now and the stand-in's clock at now, so the Node reference verifies the same token
// with its default clock, exactly as pkg/bench/verify.mjs calls it.
const T0 = Math.floor(Date.now() / 1000);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/**
 * A case: `e` the stand-in, `req(i)` the i-th request (a new header array every call, so no
 * string or map is reused between requests), `ok(stream)` the expected outcome, `batch` size.
 */
function makeCase(name, e, req, ok, batch = BATCH) {
  return { name, e, req, ok, batch, next: 0, cpu: [], wall: [], map: [], parts: { filter: [], hostcalls: [], host_other: [] } };
}

/** Prepares a batch (timed: the header maps' construction), then runs it (timed). */
function runBatch(c, { record, split }) {
  const { e, batch } = c;
  const prepared = new Array(batch);
  const m0 = cpuUs();
  for (let i = 0; i < batch; i++) {
    const req = c.req(c.next++);
    if (req.headers.some(([, v]) => v === 'Bearer undefined')) throw new Error(`${c.name}: ran out of fresh tokens`);
    prepared[i] = e.prepare(req);
  }
  const mapUs = (cpuUs() - m0) / batch;
  if (split) e.timing = { vmMs: 0, hostcallMs: 0 };
  const c0 = cpuUs();
  const t0 = performance.now();
  let last;
  for (let i = 0; i < batch; i++) last = e.sendPrepared(prepared[i]);
  const wallUs = ((performance.now() - t0) * 1000) / batch;
  const cpu = (cpuUs() - c0) / batch;
  if (c.ok(last) !== true) throw new Error(`${c.name}: unexpected outcome ${last.state} ${last.reply?.status} ${last.json?.code}`);
  if (split) {
    const t = e.timing;
    e.timing = null;
    if (record) {
      c.parts.filter.push(((t.vmMs - t.hostcallMs) * 1000) / batch);
      c.parts.hostcalls.push((t.hostcallMs * 1000) / batch);
      c.parts.host_other.push(wallUs - (t.vmMs * 1000) / batch);
    }
    return;
  }
  if (record) {
    c.cpu.push(cpu);
    c.wall.push(wallUs);
    c.map.push(mapUs);
  }
}

const cases = [];
const header = (t) => [['authorization', `Bearer ${t}`]];
const continued = (r) => r.state === 'continued';
const status = (code) => (r) => r.reply?.status === code;
let rsHit = null;
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const pair = keyPair(alg, 'k1');
  const e = envoy({ providers: [inlineProvider(jwks(pair), { claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }] })] }, { workers: 1, logLevel: 2, nowMs: T0 * 1000 });
  if (e.loadError) throw new Error(e.loadError);
  const same = mint(pair, nomadClaims(T0));
  const expired = mint(pair, nomadClaims(T0 - 7200));
  const fresh = Array.from({ length: FRESH }, (_, i) => mint(pair, nomadClaims(T0, { jti: `t${i}` })));
  // Each request gets its own strings, as if read from a socket (no interned string reused).
  const bytes = Buffer.from(same, 'latin1');
  const expiredBytes = Buffer.from(expired, 'latin1');
  if (alg === 'RS256') rsHit = { pair, token: same };
  cases.push(
    makeCase(`${alg}/allow_cache_hit`, e, () => ({ path: PATH, headers: header(bytes.toString('latin1')) }), continued),
    makeCase(`${alg}/allow_cache_miss`, e, (i) => ({ path: PATH, headers: header(fresh[i]) }), continued, MISS_BATCH),
    makeCase(`${alg}/deny_expired`, e, () => ({ path: PATH, headers: header(expiredBytes.toString('latin1')) }), status(401)),
    makeCase(`${alg}/deny_missing`, e, () => ({ path: PATH, headers: [] }), status(401)),
  );
}
// Vault role + templated policy (the Nomad tutorial), RS256: allowed and 403 on a cached token.
{
  const pair = keyPair('RS256', 'k1');
  const vault = {
    role_name: 'nomad-workloads',
    role: { role_type: 'jwt', bound_audiences: ['vault.io'], user_claim: '/nomad_job_id', user_claim_json_pointer: true, claim_mappings: { nomad_namespace: 'nomad_namespace', nomad_job_id: 'nomad_job_id' } },
    policies: [{ name: 'nomad-workloads', policy: 'path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {\n  capabilities = ["read"]\n}\n' }],
  };
  const e = envoy({ providers: [{ name: 'nomad', issuer: 'https://nomad.example:4646', jwks: jwks(pair), vault }] }, { workers: 1, logLevel: 2, nowMs: T0 * 1000 });
  if (e.loadError) throw new Error(e.loadError);
  const bytes = Buffer.from(mint(pair, nomadClaims(T0)), 'latin1');
  const fresh = Array.from({ length: FRESH }, (_, i) => mint(pair, nomadClaims(T0, { jti: `v${i}` })));
  cases.push(
    makeCase('RS256+vault/allow_cache_hit', e, () => ({ path: PATH, headers: header(bytes.toString('latin1')) }), continued),
    makeCase('RS256+vault/allow_cache_miss', e, (i) => ({ path: PATH, headers: header(fresh[i]) }), continued, MISS_BATCH),
    makeCase('RS256+vault/deny_policy_403', e, () => ({ path: '/v1/kv/data/default/redis/config', headers: header(bytes.toString('latin1')) }), status(403)),
  );
}

// The npm package's cache hit on the same RS256 token, if the package is built.
let node = null;
try {
  const pkg = await import('../../pkg/index.node.js');
  const v = pkg.createVerifier({ jwks: JSON.stringify(jwks(rsHit.pair)), issuer: 'https://nomad.example:4646', audience: 'vault.io' });
  const bytes = Buffer.from(rsHit.token, 'latin1');
  v.verify(rsHit.token);
  node = { name: 'node_cache_hit', cpu: [], wall: [], run: () => v.verify(bytes.toString('latin1')) };
} catch (err) {
  console.error(`bench: no Node reference (${String(err?.message ?? err).split('\n')[0]})`);
}
function runNode(record) {
  const c0 = cpuUs();
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) node.run();
  const wall = ((performance.now() - t0) * 1000) / BATCH;
  const cpu = (cpuUs() - c0) / BATCH;
  if (record) {
    node.cpu.push(cpu);
    node.wall.push(wall);
  }
}

// Warm-up, then interleaved rounds (round 0 not recorded), then the split pass.
for (const c of cases) {
  const warm = c.batch === MISS_BATCH ? MISS_WARMUP : WARMUP;
  for (let n = 0; n < warm; n += c.batch) runBatch(c, { record: false });
}
for (let round = 0; round <= ROUNDS; round++) {
  const order = cases.map((_, i) => cases[(i + round) % cases.length]);
  for (const c of order) {
    runBatch(c, { record: round > 0 });
    if (node && c.name === 'RS256/allow_cache_hit') runNode(round > 0);
  }
}
// The split needs the stand-in's timing hooks (the cpp-host addon has none).
const splitCases = WAMR ? [] : cases.filter((c) => /^(RS256|ES256|EdDSA)\/(allow_cache_hit|deny_expired)$/.test(c.name));
for (let round = 0; round <= ROUNDS; round++) for (const c of splitCases) runBatch(c, { record: round > 0, split: true });

const stat = (xs) => {
  const m = median(xs);
  return { medianUs: m, spread: (Math.max(...xs) - Math.min(...xs)) / 2 / m };
};
const results = {};
const splits = {};
for (const c of cases) {
  const [alg, what] = c.name.split('/');
  results[alg] ??= {};
  results[alg][`${what}_us`] = { ...stat(c.cpu), wallUs: median(c.wall) };
  if (c.parts.filter.length) {
    splits[alg] ??= {};
    splits[alg][what] = {
      filter_us: median(c.parts.filter),
      hostcalls_us: median(c.parts.hostcalls),
      host_other_us: median(c.parts.host_other),
      header_map_us: median(c.map),
    };
  }
}
const nodeRef = node ? { ...stat(node.cpu), wallUs: median(node.wall) } : null;

// Memory per worker VM.
const linear = (vm) => vm.memoryBytes ?? vm.memory?.buffer.byteLength;
const linearBytes = median(cases.map((c) => linear(c.e.workers[0].vm)));
const memPair = keyPair('ES256', 'k1');
const memTokens = Array.from({ length: 20 }, (_, i) => mint(memPair, nomadClaims(T0, { jti: `m${i}` })));
const rss = (workers) => {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const e = envoy({ providers: [inlineProvider(jwks(memPair))] }, { workers, logLevel: 2, nowMs: T0 * 1000 });
  if (e.loadError) throw new Error(e.loadError);
  // Every worker verifies (key tables, caches filled) and answers from its cache.
  for (let w = 0; w < workers; w++) for (const t of memTokens) e.send({ worker: w, path: PATH, headers: header(t) });
  globalThis.gc?.();
  return { e, bytes: process.memoryUsage().rss - before };
};
const one = rss(1);
const nine = rss(9);
const memory = { linear_bytes: linearBytes, rss_bytes_per_worker: (nine.bytes - one.bytes) / 8 };
void one.e;
void nine.e;

const f = (v) => v.toFixed(2);
for (const [alg, r] of Object.entries(results)) {
  console.log(`${alg.padEnd(12)} ${Object.entries(r).map(([k, v]) => `${k.replace(/_us$/, '')} ${f(v.medianUs)} µs`).join(' | ')}`);
}
for (const [alg, r] of Object.entries(splits)) {
  for (const [c, p] of Object.entries(r)) {
    console.log(`${alg.padEnd(12)} ${c} split: filter ${f(p.filter_us)} µs | hostcalls ${f(p.hostcalls_us)} µs | rest of the host ${f(p.host_other_us)} µs | (header map, before the clock: ${f(p.header_map_us)} µs)`);
  }
}
if (nodeRef) {
  const hit = results.RS256.allow_cache_hit_us.medianUs;
  console.log(`node cache hit (RS256, new string, same process) ${f(nodeRef.medianUs)} µs; Envoy cache hit ÷ Node = ${(hit / nodeRef.medianUs).toFixed(2)}×`);
}
console.log(`memory per worker VM: linear memory ${(memory.linear_bytes / 1048576).toFixed(2)} MiB; process resident memory per added worker ${(memory.rss_bytes_per_worker / 1048576).toFixed(2)} MiB`);
console.log(JSON.stringify({ host: HOST, n: BATCH, rounds: ROUNDS, unit: 'CPU µs per request (median of batches)', results, splits, memory, node_cache_hit_us: nodeRef }));
