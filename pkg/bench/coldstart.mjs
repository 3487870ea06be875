// Node cold start: `import` of the package plus the first verify, beside jose, each measured in
// a fresh `node` child process (nothing warm: module cache, wasm compilation, JIT).
//
//   node bench/coldstart.mjs [--runs N] [--json]
//
// The parent mints an RS256 (2048) and an EdDSA token with node:crypto and writes them with their
// JWKS to a temporary file. Each child measures, with performance.now():
//   importMs       `await import(...)` of the library (jwtgate: ESM glue + synchronous wasm
//                  compile and instantiate; jose: its ESM graph);
//   firstVerifyMs  the first verify of one token, keys given as a JWK Set (jwtgate: `verify`
//                  with `jwks`, which prepares the keys; jose: `createLocalJWKSet` + `jwtVerify`);
//   totalMs        importMs + firstVerifyMs;
//   sinceStartMs   the process clock at the end (includes Node's own start-up).
// Runs alternate between the libraries; the figures are medians over the runs with the spread
// ((max − min) / 2 relative to the median).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createSign, sign as edSign } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg === -1 ? 7 : Number(args[runsArg + 1]);
const now = Math.floor(Date.now() / 1000);
const ISS = 'https://nomad.example.com';
const AUD = 'vault.io';

const b64 = (x) => Buffer.from(x).toString('base64url');
function fixture(alg) {
  const { publicKey, privateKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const kid = `cold-${alg}`;
  const header = b64(JSON.stringify({ alg, kid, typ: 'JWT' }));
  const payload = b64(JSON.stringify({ iss: ISS, aud: AUD, sub: 'global:default:mongo', iat: now, nbf: now, exp: now + 3600 }));
  const input = `${header}.${payload}`;
  const sig =
    alg === 'RS256' ? createSign('sha256').update(input).sign(privateKey) : edSign(null, Buffer.from(input), privateKey);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, token: `${input}.${b64(sig)}`, jwks: { keys: [jwk] } };
}

const pkg = fileURLToPath(new URL('..', import.meta.url));
const CHILD = {
  jwtgate: `
    const f = JSON.parse(require('node:fs').readFileSync(process.env.FIXTURE, 'utf8'));
    const t0 = performance.now();
    const m = await import(${JSON.stringify(join(pkg, 'index.node.js'))});
    const t1 = performance.now();
    const r = m.verify(f.token, { jwks: f.jwks, issuer: f.iss, audience: f.aud });
    const t2 = performance.now();
    if (!r.payload) throw new Error('not verified');
    console.log(JSON.stringify({ importMs: t1 - t0, firstVerifyMs: t2 - t1, sinceStartMs: t2 }));`,
  jose: `
    const f = JSON.parse(require('node:fs').readFileSync(process.env.FIXTURE, 'utf8'));
    const t0 = performance.now();
    const jose = await import('jose');
    const t1 = performance.now();
    const r = await jose.jwtVerify(f.token, jose.createLocalJWKSet(f.jwks), { issuer: f.iss, audience: f.aud });
    const t2 = performance.now();
    if (!r.payload) throw new Error('not verified');
    console.log(JSON.stringify({ importMs: t1 - t0, firstVerifyMs: t2 - t1, sinceStartMs: t2 }));`,
};

function child(lib, file) {
  // CommonJS `require` for the fixture, top-level await for the import: an async wrapper.
  const src = `(async () => { ${CHILD[lib]} })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', src], { cwd: pkg, env: { ...process.env, FIXTURE: file }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'jwtgate-cold-'));
const rows = [];
try {
  for (const alg of ['RS256', 'EdDSA']) {
    const file = join(dir, `${alg}.json`);
    writeFileSync(file, JSON.stringify({ ...fixture(alg), iss: ISS, aud: AUD }));
    const samples = { jwtgate: [], jose: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const lib of i % 2 ? ['jose', 'jwtgate'] : ['jwtgate', 'jose']) samples[lib].push(child(lib, file));
    }
    for (const [lib, xs] of Object.entries(samples)) {
      const row = { alg, case: `${lib} cold start (import + first verify)` };
      for (const k of ['importMs', 'firstVerifyMs', 'sinceStartMs']) row[k] = median(xs.map((x) => x[k]));
      const totals = xs.map((x) => x.importMs + x.firstVerifyMs);
      row.totalMs = median(totals);
      row.medianMs = row.totalMs; // what scripts/bench-table.mjs reads
      row.medianUs = row.totalMs * 1000;
      row.spread = (Math.max(...totals) - Math.min(...totals)) / 2 / row.totalMs;
      rows.push(row);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (args.includes('--json')) {
  console.log(JSON.stringify({ node: process.version, runs: RUNS, rows }, null, 2));
} else {
  console.log(`node ${process.version}; ${RUNS} fresh processes per library and alg; medians`);
  console.log('| alg | library | import ms | first verify ms | import + first verify ms | spread | process clock at end ms |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.alg} | ${r.case.split(' ')[0]} | ${r.importMs.toFixed(1)} | ${r.firstVerifyMs.toFixed(1)} | ${r.totalMs.toFixed(1)} | ±${(r.spread * 100).toFixed(0)}% | ${r.sinceStartMs.toFixed(1)} |`,
    );
  }
}
