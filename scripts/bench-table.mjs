// Folds the outputs of every benchmark into the one table `make bench` prints.
//
//   node scripts/bench-table.mjs <dir>
//
// <dir> holds what scripts/bench.sh collected:
//   native-<round>.txt   divan's text output of `cargo bench --bench verify --bench authorize
//                        --bench rsa`, one file per round (divan has no machine-readable output);
//   node.json            `node pkg/bench/verify.mjs --json` (interleaved with jose, fast-jwt,
//                        jsonwebtoken in one process; medians of rounds, spread over rounds);
//   envoy.json           the last line of `node tests/envoy/bench.mjs`;
//   envoy-wamr.json      the same with JWTGATE_ENVOY_HOST=wamr (Envoy's proxy-wasm-cpp-host on
//                        WAMR), when ../shared/third_party was there;
//   overhead.json        `node pkg/bench/overhead.mjs --json` (the cost around the signature);
//   coldstart.json       `node pkg/bench/coldstart.mjs --json`;
//   sizes.json           `node pkg/bench/sizes.mjs --json` (browser downloads beside jose's);
//   bounds.json          `node pkg/bench/bounds.mjs --json` (issue 18: glob bound_claims and
//                        prepared authorize through the npm package; CPU time per call).
// Artifact sizes are measured here, from the files the build just wrote.
//
// Native rows: the median of the per-round divan medians, spread = (max − min) / 2 over rounds,
// relative to that median. Everything else keeps the spread its own script measured.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/bench-table.mjs <dir>');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const UNIT_US = { ns: 1e-3, 'µs': 1, us: 1, ms: 1e3, s: 1e6 };

/** divan's tree → Map("bench/group/arg" → median µs). */
export function parseDivan(text) {
  const out = new Map();
  const stack = [];
  let bench = null;
  for (const line of text.split('\n')) {
    const head = /^(\S+)\s+fastest\s+│/.exec(line);
    if (head) {
      bench = head[1];
      stack.length = 0;
      continue;
    }
    const m = /^((?:[│ ]  )*)[├╰]─ (\S+)\s*(.*)$/.exec(line);
    if (!m || bench === null) continue;
    const depth = m[1].length / 3;
    stack.length = depth;
    stack.push(m[2]);
    const cols = m[3].split('│').map((c) => c.trim());
    // fastest │ slowest │ median │ mean │ samples │ iters (a group line has empty columns)
    const med = /^([\d.]+)\s*(ns|µs|us|ms|s)$/.exec(cols[2] ?? '');
    if (med) out.set([bench, ...stack].join('/'), Number(med[1]) * UNIT_US[med[2]]);
  }
  return out;
}

const rows = [];
const row = (where, alg, what, value, unit, spread = null, xJose = null, xFast = null) =>
  rows.push({ where, alg, what, value, unit, spread, xJose, xFast });

// Native (divan), medians over rounds.
const nativeFiles = existsSync(dir) ? readdirSync(dir).filter((f) => /^native-\d+\.txt$/.test(f)) : [];
if (nativeFiles.length) {
  const rounds = nativeFiles.map((f) => parseDivan(readFileSync(join(dir, f), 'utf8')));
  const names = [...rounds[0].keys()];
  const stat = (name) => {
    const xs = rounds.map((r) => r.get(name)).filter((v) => v !== undefined);
    const m = median(xs);
    return { m, spread: xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / 2 / m : null };
  };
  const NATIVE = [
    ['verify/full_verify', 'fresh, keys prepared once'],
    ['verify/cache_hit', 'cache hit'],
    ['verify/jwks_each_call', 'JWKS each call'],
  ];
  for (const [prefix, mode] of NATIVE) {
    for (const name of names.filter((n) => n.startsWith(`${prefix}/`))) {
      const { m, spread } = stat(name);
      row('native (divan)', name.slice(prefix.length + 1), `jwtgate ${mode}`, m, 'µs', spread);
    }
  }
  if (rounds[0].has('verify/claims_only')) {
    const { m, spread } = stat('verify/claims_only');
    row('native (divan)', 'RS256-2048', 'everything but the signature (Vault claims + report)', m, 'µs', spread);
  }
  for (const name of names.filter((n) => /^rsa\/(rs|ps)_(jwtgate|rsa_crate)\//.test(n))) {
    const [, fn, bits] = name.split('/');
    const { m, spread } = stat(name);
    const [scheme, impl] = [fn.slice(0, 2).toUpperCase(), fn.slice(3) === 'jwtgate' ? 'jwtgate' : 'rsa 0.9'];
    row('native (divan)', `${scheme}-${bits}`, `RSA signature primitive, ${impl}`, m, 'µs', spread);
  }
  const authorizeAt = (n) => stat(`authorize/authorize/${n}`);
  for (const n of ['10', '1000', '10000']) {
    if (!rounds[0].has(`authorize/authorize/${n}`)) continue;
    const { m, spread } = authorizeAt(n);
    row('native (divan)', '—', `authorize, ${n} policy paths (per request)`, m, 'µs', spread);
    if (rounds[0].has(`authorize/build/${n}`)) {
      const b = stat(`authorize/build/${n}`);
      row('native (divan)', '—', `authorize index build, ${n} paths (once per identity)`, b.m, 'µs', b.spread);
    }
  }
  // Issue 18: glob bound_claims at 1,000 patterns x 400 values, and prepared authorize.
  for (const [name, alg, what, unit, scale] of [
    ['verify/glob_bound_claims', 'RS256-2048', 'Vault claims, bound_claims glob: 1,000 patterns × 400 values (mismatch, every pair)', 'ms', 1e-3],
    ['authorize/prepared_1000_templated', '—', 'authorize, 1,000 templated paths, identity already rendered (prepared)', 'µs', 1],
    ['authorize/render_each_call_1000_templated', '—', 'authorize, 1,000 templated paths rendered on the call (as before)', 'µs', 1],
  ]) {
    if (!rounds[0].has(name)) continue;
    const { m, spread } = stat(name);
    row('native (divan)', alg, what, m * scale, unit, spread);
  }
  if (rounds[0].has('authorize/authorize/10') && rounds[0].has('authorize/authorize/10000')) {
    row('native (divan)', '—', 'authorize 10,000 paths ÷ 10 paths', authorizeAt('10000').m / authorizeAt('10').m, '×');
  }
}

// wasm in Node, interleaved with the JS peers.
const nodeJson = join(dir, 'node.json');
let node = null;
if (existsSync(nodeJson)) {
  node = JSON.parse(readFileSync(nodeJson, 'utf8'));
  for (const r of node.rows) {
    const where = r.lib === 'jwtgate' ? 'wasm in Node' : `Node peer (${r.lib})`;
    row(where, r.alg, `${r.lib} ${r.mode}`, r.medianUs, 'µs', r.spread, r.xJose, r.xFastJwt);
    rows[rows.length - 1].xJoseCpu = r.xJoseCpu ?? null;
    rows[rows.length - 1].xFastCpu = r.xFastJwtCpu ?? null;
  }
}

/**
 * Issue 21's table, from the same Node run: jwtgate's RS256 on the host primitive and on pure
 * wasm, EdDSA, cache hits and the one-shot verify(), each beside jose's and fast-jwt's row in the
 * matching mode (wall-time medians; the ratios are from that one process).
 */
function issue21Table() {
  if (node === null) return [];
  const at = (alg, lib, mode) => node.rows.find((r) => r.alg === alg && r.lib === lib && r.mode === mode);
  const lines = [
    '| case | jwtgate | jose | fast-jwt | × jose | × fast-jwt | × fast-jwt, CPU time |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const us = (r) => (r ? `${r.medianUs.toFixed(1)} µs` : '—');
  const x = (a, b) => (a && b ? (a / b).toFixed(2) : '—');
  for (const [label, alg, mode, peerMode] of [
    ['RS256 fresh, Node host primitive (OpenSSL RSAVP1, encoding checked in wasm)', 'RS256', 'fresh', 'fresh'],
    ['RS256 fresh, pure wasm (browsers, Envoy)', 'RS256', 'fresh, pure wasm', 'fresh'],
    ['RS256 cache hit, new string', 'RS256', 'cache hit, new string', 'cache hit, new string'],
    ['RS256 one-shot verify(), fresh', 'RS256', 'one-shot verify(), fresh', 'fresh'],
    ['RS256 one-shot verify(), cache hit, new string', 'RS256', 'one-shot verify(), cache hit, new string', 'cache hit, new string'],
    ['EdDSA fresh', 'EdDSA', 'fresh', 'fresh'],
    ['EdDSA cache hit, new string', 'EdDSA', 'cache hit, new string', 'cache hit, new string'],
    ['EdDSA one-shot verify(), fresh', 'EdDSA', 'one-shot verify(), fresh', 'fresh'],
  ]) {
    const g = at(alg, 'jwtgate', mode);
    if (!g) continue;
    const j = at(alg, 'jose', peerMode);
    const f = at(alg, 'fast-jwt', peerMode);
    lines.push(`| ${label} | ${us(g)} | ${us(j)} | ${us(f)} | ${x(g.medianUs, j?.medianUs)} | ${x(g.medianUs, f?.medianUs)} | ${x(g.cpuUs, f?.cpuUs)} |`);
  }
  lines.push('', 'jose has no result cache: its cache-hit cells are empty. One-shot rows are compared with the peers\' prepared verifiers.');
  return lines;
}

// The Envoy filter per request: in the stand-in proxy-wasm host (V8), and in Envoy's own
// proxy-wasm host library on the WAMR interpreter (tests/envoy/cpphost/), when it was measured.
function envoyRows(file, where) {
  if (!existsSync(file)) return;
  const e = JSON.parse(readFileSync(file, 'utf8'));
  for (const [alg, metrics] of Object.entries(e.results)) {
    for (const [k, v] of Object.entries(metrics)) {
      const value = typeof v === 'number' ? v : v.medianUs;
      const spread = typeof v === 'number' ? null : (v.spread ?? null);
      row(where, alg, `per request: ${k.replace(/_us$/, '').replaceAll('_', ' ')}`, value, 'µs', spread);
    }
  }
  // The package's cache hit measured the same way in the same process (CPU time per request).
  if (e.node_cache_hit_us) row(where, 'RS256', 'reference: Node API cache hit (new string), same process', e.node_cache_hit_us.medianUs, 'µs', e.node_cache_hit_us.spread ?? null);
  // Where a request's time goes: inside the filter's own code, in the host functions it calls,
  // and in the rest of the stand-in host (JS that a real Envoy would run natively).
  for (const [alg, cases] of Object.entries(e.splits ?? {})) {
    for (const [k, split] of Object.entries(cases)) {
      for (const [part, label] of [['filter_us', 'inside the filter'], ['hostcalls_us', 'in host functions'], ['host_other_us', 'rest of the stand-in host'], ['header_map_us', 'building the header map (the codec\'s work, not timed above)']]) {
        if (split[part] !== undefined) row(where, alg, `per request: ${k.replaceAll('_', ' ')}, ${label}`, split[part], 'µs');
      }
    }
  }
  // Memory per worker VM: its linear memory, and resident memory per added worker.
  if (e.memory) {
    row(where, '—', 'memory per worker VM: linear memory', e.memory.linear_bytes / 1048576, 'MiB');
    row(where, '—', 'memory per worker VM: process resident memory per added worker', e.memory.rss_bytes_per_worker / 1048576, 'MiB');
  }
}
envoyRows(join(dir, 'envoy.json'), 'Envoy filter (stand-in host)');
envoyRows(join(dir, 'envoy-wamr.json'), 'Envoy filter (proxy-wasm-cpp-host, WAMR interpreter)');

// Everything around the signature, in wasm (probe exports) and on the JS side.
const overheadJson = join(dir, 'overhead.json');
if (existsSync(overheadJson)) {
  const o = JSON.parse(readFileSync(overheadJson, 'utf8'));
  for (const r of o.rows) row('around the signature (Node)', r.alg, r.case, r.medianUs, 'µs', r.spread ?? null);
}

// Issue 18's bounded costs through the npm package.
const boundsJson = join(dir, 'bounds.json');
const bounds = existsSync(boundsJson) ? JSON.parse(readFileSync(boundsJson, 'utf8')) : null;
for (const r of bounds?.rows ?? []) {
  const ms = r.medianUs >= 1000;
  const what = bounds.clock === 'cpu' ? `${r.what} (CPU time)` : r.what;
  row('wasm in Node', r.what.startsWith('verify') ? 'EdDSA' : '—', what, ms ? r.medianUs / 1000 : r.medianUs, ms ? 'ms' : 'µs', r.spread ?? null);
}

// Node cold start.
const coldJson = join(dir, 'coldstart.json');
if (existsSync(coldJson)) {
  const c = JSON.parse(readFileSync(coldJson, 'utf8'));
  for (const r of c.rows) {
    const jose = c.rows.find((x) => x.alg === r.alg && x.case.startsWith('jose'));
    const parts = r.importMs === undefined ? '' : ` = import ${r.importMs.toFixed(1)} ms + first verify ${r.firstVerifyMs.toFixed(1)} ms`;
    row('Node cold start', r.alg ?? '—', `${r.case}${parts}`, r.medianMs, 'ms', r.spread ?? null, jose ? r.medianMs / jose.medianMs : null);
  }
}

// Artifact sizes, raw and gzip -9.
const size = (label, path) => {
  if (!existsSync(path)) return;
  const bytes = readFileSync(path);
  row('artifact', '—', `${label} raw`, statSync(path).size / 1024, 'KiB');
  row('artifact', '—', `${label} gzip -9`, gzipSync(bytes, { level: 9 }).length / 1024, 'KiB');
};
const distDir = join(root, 'pkg', 'dist');
if (existsSync(distDir)) {
  for (const f of readdirSync(distDir).filter((f) => f.endsWith('.wasm')).sort()) size(`pkg/dist/${f}`, join(distDir, f));
}
const { wasmPath } = await import(join(root, 'tests', 'envoy', 'support.mjs'));
try {
  size('Envoy filter .wasm', wasmPath());
} catch {
  // Not built: the table simply has no row for it.
}

// What a browser downloads, beside jose's bundle (esbuild, minified); KB = 1000 B like the
// targets below.
const sizesJson = join(dir, 'sizes.json');
const downloads = existsSync(sizesJson) ? JSON.parse(readFileSync(sizesJson, 'utf8')) : null;
for (const r of downloads?.rows ?? []) {
  row('browser download', '—', `${r.what}, raw`, r.raw / 1000, 'KB');
  row('browser download', '—', `${r.what}, gzip -9`, r.gzip / 1000, 'KB');
}

// One table.
const fmt = (v, unit) => {
  if (unit === '×') return `${v.toFixed(2)}×`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
};
/** The CPU's model name, with family/model numbers where /proc/cpuinfo gives them. */
function cpuName() {
  const name = cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (key) => info.match(new RegExp(`^${key}\\s*: (.*)$`, 'm'))?.[1];
    const [family, model] = [field('cpu family'), field('model')];
    return family && model ? `${name} (family ${family}, model ${model})` : name;
  } catch {
    return name;
  }
}
const ratio = (v) => (v === null || v === undefined ? '' : v.toFixed(2));
console.log(`# jwtgate benchmark (${new Date().toISOString()}; node ${process.version}${node ? `, ${node.rounds} rounds × ${node.sliceMs} ms` : ''}; native rounds: ${nativeFiles.length})`);
// The ratios belong to the CPU: the peers' RSA and ECDSA run natively in OpenSSL, whose speed
// differs between processors far more than V8's wasm does. RS256 through jose measured about
// 136 us on the Zen 4 host of ../shared/research/perf-anchors.md and 70 us on a Zen 5 one, whose
// OpenSSL gets full-width AVX-512 IFMA, while jwtgate's wasm measured 70 us there. Both report
// only "AMD EPYC" as their model, hence the family and model numbers (Linux).
console.log('');
console.log(`CPU: ${cpuName()}, ${availableParallelism()} cores.`);
if (node?.load) {
  console.log('');
  console.log(`Load during the Node run (1-min average): ${node.load.before.toFixed(2)} before, ${node.load.after.toFixed(2)} after, on ${availableParallelism()} cores. jose's rows move with the machine's scheduling (WebCrypto hands each verification to libuv's thread pool and back), so compare its ratios across runs with care.`);
}
console.log('');
console.log('| where | alg | case | median | spread | × jose | × fast-jwt |');
console.log('|---|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  const spread = r.spread === null ? '' : `±${(r.spread * 100).toFixed(0)}%`;
  console.log(`| ${r.where} | ${r.alg} | ${r.what} | ${fmt(r.value, r.unit)} | ${spread} | ${ratio(r.xJose)} | ${ratio(r.xFast)} |`);
}
console.log('');
console.log('× columns: the row\'s median over the same-mode row of that library in the same Node process (below 1 = faster).');
const summary = issue21Table();
if (summary.length) {
  console.log('');
  console.log('## Node: RS256 (host primitive and pure wasm), EdDSA, cache hit, one-shot beside jose and fast-jwt');
  console.log('');
  for (const line of summary) console.log(line);
}

// Issue 7's targets, read off the rows above (a missing row reads "not measured").
const find = (where, alg, what) => rows.find((r) => r.where === where && (alg === null || r.alg === alg) && r.what === what);
const targets = [];
const target = (name, value, limit, show) =>
  targets.push(`| ${name} | ${value === undefined || value === null ? 'not measured' : show(value)} | ${limit} | ${value === undefined || value === null ? '—' : value <= Number(limit.replace(/[^\d.]/g, '')) ? 'met' : 'NOT met'} |`);
const wasmRow = (alg, mode) => find('wasm in Node', alg, `jwtgate ${mode}`);
// Wall time decides (what a caller awaiting the answer sees); the CPU-time ratio is shown beside
// it because jose's figures move with the scheduling of its thread-pool handoff.
const withCpu = (row) => (v) => `${v.toFixed(2)}× (CPU time: ${row.xJoseCpu == null ? '—' : `${row.xJoseCpu.toFixed(2)}×`})`;
// Issue 7's wasm targets read the module's own arithmetic: in Node, RS*/PS* "fresh" goes through
// OpenSSL's RSA public operation (issue 21), and "fresh, pure wasm" is what browsers and Envoy run.
for (const [alg, limit] of [['RS256', '≤ 0.5'], ['EdDSA', '≤ 0.6'], ['ES256', '≤ 1.0']]) {
  const r = wasmRow(alg, 'fresh, pure wasm') ?? wasmRow(alg, 'fresh');
  target(`${alg} fresh, wasm ÷ jose`, r?.xJose, limit, withCpu(r));
}
// Issue 21: RS256 in Node through the host's RSA primitive, within fast-jwt's time.
const hostRs = wasmRow('RS256', 'fresh');
target('issue 21: RS256 fresh, Node host primitive ÷ fast-jwt fresh', hostRs?.xFast, '≤ 1.0', (v) => `${v.toFixed(2)}× (CPU time: ${hostRs.xFastCpu == null ? '—' : `${hostRs.xFastCpu.toFixed(2)}×`})`);
target('RS256 cache hit (new string) ÷ fast-jwt cache hit (new string)', wasmRow('RS256', 'cache hit, new string')?.xFast, '≤ 1.0', (v) => `${v.toFixed(2)}×`);
const probe = (alg) => find('around the signature (Node)', alg, 'in wasm: everything except the signature (probe)')?.value;
target('RS256: everything except the signature, in wasm', probe('RS256'), '≤ 5', (v) => `${v.toFixed(1)} µs`);
target('EdDSA: everything except the signature, in wasm', probe('EdDSA'), '≤ 5', (v) => `${v.toFixed(1)} µs`);
const auth = find('native (divan)', '—', 'authorize 10,000 paths ÷ 10 paths');
target('authorize 10,000 ÷ 10 paths', auth?.value, '≤ 2', (v) => `${v.toFixed(2)}×`);
const envoyHit = rows.find((r) => r.where.startsWith('Envoy') && r.alg === 'RS256' && r.what === 'per request: allow cache hit');
const nodeHit = wasmRow('RS256', 'cache hit, new string');
target('Envoy cache hit ÷ Node API cache hit (RS256, new string)', envoyHit && nodeHit ? envoyHit.value / nodeHit.value : null, '≤ 3', (v) => `${v.toFixed(1)}× (${envoyHit.value.toFixed(1)} µs)`);
const nodeHitSame = rows.find((r) => r.where.startsWith('Envoy') && r.what === 'reference: Node API cache hit (new string), same process');
target('Envoy cache hit ÷ Node API cache hit, same process (RS256, new string)', envoyHit && nodeHitSame ? envoyHit.value / nodeHitSame.value : null, '≤ 3', (v) => `${v.toFixed(1)}× (${envoyHit.value.toFixed(1)} µs ÷ ${nodeHitSame.value.toFixed(2)} µs)`);
const envoyHitFilter = rows.find((r) => r.where.startsWith('Envoy') && r.alg === 'RS256' && r.what === 'per request: allow cache hit, inside the filter');
target('Envoy cache hit, filter code only ÷ Node API cache hit (RS256, new string)', envoyHitFilter && nodeHit ? envoyHitFilter.value / nodeHit.value : null, '≤ 3', (v) => `${v.toFixed(1)}× (${envoyHitFilter.value.toFixed(1)} µs)`);
const kib = (label) => find('artifact', '—', `${label} gzip -9`)?.value;
// The same size in KB = 1000 B, the unit of the targets; undefined when the artifact is missing.
const kb = (label) => kib(label) && (kib(label) * 1024) / 1000;
target('npm package .wasm, gzip -9 (KB = 1000 B)', kb('pkg/dist/jwtgate_bg.wasm'), '≤ 160', (v) => `${v.toFixed(0)} KB`);
const joseSubset = downloads?.rows.find((r) => r.what.includes('verification subset'));
if (joseSubset) {
  const wasmKB = kb('pkg/dist/jwtgate_bg.wasm');
  const ratio = wasmKB ? ` (jwtgate .wasm: ${(wasmKB / (joseSubset.gzip / 1000)).toFixed(0)}×)` : '';
  targets.push(`| peer: jose's browser bundle, verification subset, gzip -9 | ${(joseSubset.gzip / 1000).toFixed(1)} KB${ratio} | — | jose verifies with the browser's WebCrypto; jwtgate carries its own signature code and the policy engine |`);
}
target('Envoy filter .wasm, gzip -9 (KB = 1000 B)', kb('Envoy filter .wasm'), '≤ 140', (v) => `${v.toFixed(0)} KB`);
// Issue 18's bars, in wasm through the npm package (CPU time per call: pkg/bench/bounds.mjs).
const boundsRow = (prefix) => bounds?.rows.find((r) => r.what.startsWith(prefix));
target('issue 18: verify with 1,000 glob patterns × 400 values, wasm (ms, CPU time)', boundsRow('verify, bound_claims glob') && boundsRow('verify, bound_claims glob').medianUs / 1000, '≤ 10', (v) => `${v.toFixed(1)} ms`);
target('issue 18: authorize, cached token, 1,000 templated paths, Node (µs, CPU time)', boundsRow('authorize, cached token')?.medianUs, '≤ 100', (v) => `${v.toFixed(0)} µs`);
console.log('');
console.log('| issue 7 target | this run | target | |');
console.log('|---|---:|---:|---|');
for (const t of targets) console.log(t);
