// Verify cost through the package vs jose, fast-jwt and jsonwebtoken, in one process,
// interleaved: every round runs each case for a time slice, in a rotating order; the figure is
// the median over the measured rounds (spread = (max-min)/2 relative to the median).
//
//   node bench/verify.mjs [--rounds N] [--slice MS] [--algs RS256,PS256,ES256,EdDSA] [--json]
//
// Every case does the whole job (split, decode, key, signature, iss/aud/exp) with keys prepared
// once. "fresh" = no result cache; "cache hit" = the same token again with a cache.
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as jose from 'jose';
import { createVerifier as fastVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import * as jwtgate from '../index.node.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const ROUNDS = arg('rounds', 5);
const SLICE_MS = arg('slice', 150);
// --algs RS256,EdDSA to time a subset (same rows, fewer of them).
const ALGS = (args.includes('--algs') ? args[args.indexOf('--algs') + 1] : 'RS256,PS256,ES256,EdDSA').split(',');
const now = Math.floor(Date.now() / 1000);
const ISS = 'https://nomad.example.com';
const AUD = 'vault.io';

async function fixture(alg) {
  const { publicKey, privateKey } =
    alg === 'RS256' || alg === 'PS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: `bench-${alg}`, alg, use: 'sig' };
  const claims = {
    sub: 'global:default:mongo:db:mongo:vault_default',
    nomad_namespace: 'default',
    nomad_job_id: 'mongo',
    nomad_allocation_id: '5a1e3c52-5f5e-4a5b-8c1e-0d9c6f1a2b3c',
    nomad_task: 'mongo',
  };
  const token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(ISS)
    .setAudience(AUD)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 3600)
    .setJti('0b0d5b8a-6e1d-4b3a-9f2e-7c4d1a2b3c4d')
    .sign(privateKey);
  return { alg, token, jwk, jwks: { keys: [jwk] }, pem: publicKey.export({ format: 'pem', type: 'spki' }), publicKey };
}

async function cases(f) {
  const out = [];
  const joseKey = await jose.importJWK(f.jwk, f.alg);
  const base = { jwks: f.jwks, issuer: ISS, audience: AUD };
  const fresh = jwtgate.createVerifier({ ...base, cacheSize: 0 });
  const cached = jwtgate.createVerifier(base);
  const opts = { ...base, cacheSize: 0 };
  out.push(['jwtgate createVerifier, fresh', () => fresh.verify(f.token)]);
  out.push(['jwtgate verify(token, options), fresh', () => jwtgate.verify(f.token, opts)]);
  out.push(['jwtgate cache hit', () => cached.verify(f.token)]);
  // A proxy sees a new string object per request (no cached string hash): decode one each call.
  const bytes = Buffer.from(f.token, 'latin1');
  out.push(['jwtgate cache hit, new string each call', () => cached.verify(bytes.toString('latin1'))]);
  out.push(['jose jwtVerify (importJWK once)', () => jose.jwtVerify(f.token, joseKey, { issuer: ISS, audience: AUD })]);
  const fj = fastVerifier({ key: f.pem, algorithms: [f.alg], allowedIss: ISS, allowedAud: AUD });
  const fjc = fastVerifier({ key: f.pem, algorithms: [f.alg], allowedIss: ISS, allowedAud: AUD, cache: true });
  out.push(['fast-jwt (prepared PEM)', () => fj(f.token)]);
  out.push(['fast-jwt cache hit (cache: true)', () => fjc(f.token)]);
  out.push(['fast-jwt cache hit, new string each call', () => fjc(bytes.toString('latin1'))]);
  if (f.alg !== 'EdDSA') {
    const keyObject = createPublicKey(f.pem);
    out.push(['jsonwebtoken (KeyObject)', () => jsonwebtoken.verify(f.token, keyObject, { algorithms: [f.alg], issuer: ISS, audience: AUD })]);
  }
  // Every case must actually succeed before it is timed.
  for (const [name, fn] of out) {
    const r = await fn();
    if (!r) throw new Error(`${name} returned nothing`);
  }
  return out;
}

async function slice(fn, isAsync) {
  let n = 0;
  const end = performance.now() + SLICE_MS;
  const t0 = performance.now();
  if (isAsync) {
    while (performance.now() < end) {
      for (let i = 0; i < 16; i++) await fn();
      n += 16;
    }
  } else {
    while (performance.now() < end) {
      for (let i = 0; i < 16; i++) fn();
      n += 16;
    }
  }
  return ((performance.now() - t0) * 1000) / n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function run() {
  const fixtures = [];
  for (const alg of ALGS) fixtures.push(await fixture(alg));
  const all = [];
  for (const f of fixtures) for (const [name, fn] of await cases(f)) all.push({ alg: f.alg, name, fn, isAsync: name.startsWith('jose'), samples: [] });
  for (let round = 0; round <= ROUNDS; round++) {
    const order = all.map((_, i) => all[(i + round) % all.length]);
    for (const c of order) {
      const us = await slice(c.fn, c.isAsync);
      if (round > 0) c.samples.push(us); // round 0 warms up
    }
  }
  const rows = all.map((c) => {
    const m = median(c.samples);
    const spread = (Math.max(...c.samples) - Math.min(...c.samples)) / 2 / m;
    return { alg: c.alg, case: c.name, medianUs: m, spread };
  });
  for (const r of rows) {
    const jose_ = rows.find((x) => x.alg === r.alg && x.case.startsWith('jose'));
    const fast = rows.find((x) => x.alg === r.alg && x.case === 'fast-jwt (prepared PEM)');
    r.xJose = r.medianUs / jose_.medianUs;
    r.xFastJwt = r.medianUs / fast.medianUs;
  }
  const wasmPath = new URL('../dist/jwtgate_bg.wasm', import.meta.url);
  const raw = statSync(wasmPath).size;
  const gz = gzipSync(readFileSync(wasmPath), { level: 9 }).length;
  return { node: process.version, rounds: ROUNDS, sliceMs: SLICE_MS, wasm: { raw, gzip9: gz }, rows };
}

const result = await run();
if (args.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`node ${result.node}; ${result.rounds} rounds × ${result.sliceMs} ms slices; medians`);
  console.log(`jwtgate_bg.wasm: ${result.wasm.raw} B raw, ${result.wasm.gzip9} B gzip -9\n`);
  console.log('| alg | case | median µs | ops/s | spread | × jose | × fast-jwt |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of result.rows) {
    console.log(
      `| ${r.alg} | ${r.case} | ${r.medianUs.toFixed(2)} | ${Math.round(1e6 / r.medianUs)} | ±${(r.spread * 100).toFixed(0)}% | ${r.xJose.toFixed(2)} | ${r.xFastJwt.toFixed(2)} |`,
    );
  }
}
