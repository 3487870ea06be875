// Verify cost through the package vs jose, fast-jwt and jsonwebtoken, in one process,
// interleaved: every round runs each case for a time slice, in a rotating order; the figure is
// the median over the measured rounds (spread = (max-min)/2 relative to the median) of the wall
// time per call, which is what an awaiting caller sees; the median process CPU time per call is
// reported beside it (see `slice` for why jose's two differ).
//
//   node bench/verify.mjs [--rounds N] [--slice MS] [--algs RS256,EdDSA] [--json]
//
// Every case does the whole job (split, decode, key, signature, iss/aud/exp) for RS256 (RSA
// 2048), PS256, ES256, ES384, ES512 and EdDSA (or the `--algs` given); the modes are described
// above `cases`. In Node, jwtgate's RS*/PS* rows use OpenSSL's RSA public operation (the
// encoding still checked in wasm, src/jose/rsa/public_op.rs); the "pure wasm" rows force the
// module's own arithmetic (`rsaPrimitive: 'wasm'`), what browsers and the Envoy filter run.
import { createPublicKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import * as jose from 'jose';
import { createVerifier as fastVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import * as jwtgate from '../index.node.js';
import { AUD, ISS, fixture } from './fixtures.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const ROUNDS = arg('rounds', 5);
const SLICE_MS = arg('slice', 150);
// The algorithms of the benchmark table.
const ALL_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const algsArg = args.indexOf('--algs');
const ALGS = algsArg === -1 ? ALL_ALGS : args[algsArg + 1].split(',');
for (const a of ALGS) if (!ALL_ALGS.includes(a)) throw new Error(`unknown alg ${a}`);
// The algorithms the one-shot verify() rows are measured for.
const ONE_SHOT = ['RS256', 'EdDSA'];

// Each case: [library, mode, fn]. Modes: "fresh" = a new verification with keys prepared once;
// "cache hit" = the same token again with the library's result cache; "JWKS each call" = the
// JWKS document parsed and its key imported on every call (what a verifier without a key cache
// pays); "… new string" = the token arrives as a new string object (as from a socket), so no
// cached string hash helps; "one-shot verify(), …" = the module-level verify(token, options).
async function cases(f) {
  const out = [];
  const joseKey = await jose.importJWK(f.jwk, f.alg);
  const base = { jwks: f.jwksText, issuer: ISS, audience: AUD };
  const fresh = jwtgate.createVerifier({ ...base, cacheSize: 0 });
  const cached = jwtgate.createVerifier(base);
  const bytes = Buffer.from(f.token, 'latin1');
  out.push(['jwtgate', 'fresh', () => fresh.verify(f.token)]);
  if (f.alg.startsWith('RS') || f.alg.startsWith('PS')) {
    // The module's own RSA arithmetic, beside the host primitive above.
    const pure = jwtgate.createVerifier({ ...base, cacheSize: 0, rsaPrimitive: 'wasm' });
    out.push(['jwtgate', 'fresh, pure wasm', () => pure.verify(f.token)]);
  }
  out.push(['jwtgate', 'cache hit', () => cached.verify(f.token)]);
  out.push(['jwtgate', 'cache hit, new string', () => cached.verify(bytes.toString('latin1'))]);
  out.push([
    'jwtgate',
    'JWKS each call',
    () => {
      const v = jwtgate.createVerifier({ jwks: JSON.parse(f.jwksText), issuer: ISS, audience: AUD, cacheSize: 0 });
      try {
        return v.verify(f.token);
      } finally {
        v.free();
      }
    },
  ]);
  if (ONE_SHOT.includes(f.alg)) {
    // The one-shot verify(token, options) beside createVerifier's rows above (issue 21: within
    // 1.2x of them): the same options object each call (the JWKS as an object, which the memo
    // walks instead of serialising), a new equal object each call, and deeply frozen options.
    const once = { jwks: f.jwks, issuer: ISS, audience: AUD, cacheSize: 0 };
    const kept = { jwks: f.jwks, issuer: ISS, audience: AUD };
    out.push(['jwtgate', 'one-shot verify(), fresh', () => jwtgate.verify(f.token, once)]);
    out.push(['jwtgate', 'one-shot verify(), cache hit', () => jwtgate.verify(f.token, kept)]);
    out.push(['jwtgate', 'one-shot verify(), cache hit, new string', () => jwtgate.verify(bytes.toString('latin1'), kept)]);
    out.push(['jwtgate', 'one-shot verify(), cache hit, equal new options', () => jwtgate.verify(f.token, { jwks: f.jwks, issuer: ISS, audience: AUD })]);
    // Deeply frozen options cannot change, so the memo recognises them without walking them.
    const frozen = Object.freeze({ jwks: Object.freeze({ keys: Object.freeze(f.jwks.keys.map((k) => Object.freeze({ ...k }))) }), issuer: ISS, audience: AUD });
    out.push(['jwtgate', 'one-shot verify(), cache hit, frozen options', () => jwtgate.verify(f.token, frozen)]);
  }
  const joseOpts = { issuer: ISS, audience: AUD, algorithms: [f.alg] };
  out.push(['jose', 'fresh', () => jose.jwtVerify(f.token, joseKey, joseOpts)]);
  out.push(['jose', 'JWKS each call', () => jose.jwtVerify(f.token, jose.createLocalJWKSet(JSON.parse(f.jwksText)), joseOpts)]);
  const fjOpts = { algorithms: [f.alg], allowedIss: ISS, allowedAud: AUD };
  const fj = fastVerifier({ key: f.pem, ...fjOpts });
  const fjc = fastVerifier({ key: f.pem, ...fjOpts, cache: true });
  out.push(['fast-jwt', 'fresh', () => fj(f.token)]);
  out.push(['fast-jwt', 'cache hit', () => fjc(f.token)]);
  out.push(['fast-jwt', 'cache hit, new string', () => fjc(bytes.toString('latin1'))]);
  const pemOf = () => createPublicKey({ key: JSON.parse(f.jwksText).keys[0], format: 'jwk' }).export({ format: 'pem', type: 'spki' });
  out.push(['fast-jwt', 'JWKS each call', () => fastVerifier({ key: pemOf(), ...fjOpts })(f.token)]);
  if (f.alg !== 'EdDSA') {
    // jsonwebtoken 9 has no EdDSA.
    const keyObject = createPublicKey(f.pem);
    const jwtOpts = { algorithms: [f.alg], issuer: ISS, audience: AUD };
    out.push(['jsonwebtoken', 'fresh', () => jsonwebtoken.verify(f.token, keyObject, jwtOpts)]);
    out.push([
      'jsonwebtoken',
      'JWKS each call',
      () => jsonwebtoken.verify(f.token, createPublicKey({ key: JSON.parse(f.jwksText).keys[0], format: 'jwk' }), jwtOpts),
    ]);
  }
  // Every case must actually succeed before it is timed.
  for (const [lib, mode, fn] of out) {
    const r = await fn();
    if (!r) throw new Error(`${f.alg} ${lib} ${mode} returned nothing`);
  }
  return out;
}

// One slice of `fn`: wall time and process CPU time per call, in µs. Both are kept because
// jose verifies through WebCrypto, which hands each verification to libuv's thread pool and
// back: what that handoff costs depends on how the machine schedules the pool's thread (on a
// 2-vCPU VM it has varied 2x between runs minutes apart, in wall and CPU time alike), while
// the synchronous verifiers (jwtgate, fast-jwt, jsonwebtoken) move much less.
async function slice(fn, isAsync) {
  let n = 0;
  const end = performance.now() + SLICE_MS;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
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
  const c = process.cpuUsage(c0);
  return { wall: ((performance.now() - t0) * 1000) / n, cpu: (c.user + c.system) / n };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function run() {
  // The 1-minute load average before and after: jose's figures move with the machine's
  // scheduling (see `slice`), so the table says what the machine was doing.
  const loadBefore = loadavg()[0];
  const all = [];
  for (const alg of ALGS) {
    const f = await fixture(alg);
    for (const [lib, mode, fn] of await cases(f)) all.push({ alg, lib, mode, fn, isAsync: lib === 'jose', samples: [] });
  }
  for (let round = 0; round <= ROUNDS; round++) {
    const order = all.map((_, i) => all[(i + round) % all.length]);
    for (const c of order) {
      const t = await slice(c.fn, c.isAsync);
      if (round > 0) c.samples.push(t); // round 0 warms up
    }
  }
  const rows = all.map((c) => {
    const wall = c.samples.map((t) => t.wall);
    const m = median(wall);
    const spread = (Math.max(...wall) - Math.min(...wall)) / 2 / m;
    const cpuUs = median(c.samples.map((t) => t.cpu));
    return { alg: c.alg, lib: c.lib, mode: c.mode, case: `${c.lib} ${c.mode}`, medianUs: m, spread, cpuUs };
  });
  // Ratios against the peer in the same mode (fresh against fresh, cache hit against cache
  // hit); "cache hit" rows also compare with fast-jwt's cache, the reference.
  // (The pure-wasm rows against the peers' own mode: "fresh, pure wasm" against "fresh".)
  for (const r of rows) {
    const mode = r.mode.replace(/, pure wasm$/, '');
    const peer = (lib) => rows.find((x) => x.alg === r.alg && x.lib === lib && x.mode === mode);
    r.xJose = peer('jose') ? r.medianUs / peer('jose').medianUs : null;
    r.xJoseCpu = peer('jose') ? r.cpuUs / peer('jose').cpuUs : null;
    r.xFastJwt = peer('fast-jwt') ? r.medianUs / peer('fast-jwt').medianUs : null;
    r.xFastJwtCpu = peer('fast-jwt') ? r.cpuUs / peer('fast-jwt').cpuUs : null;
  }
  const wasmPath = new URL('../dist/jwtgate_bg.wasm', import.meta.url);
  const raw = statSync(wasmPath).size;
  const gz = gzipSync(readFileSync(wasmPath), { level: 9 }).length;
  const load = { before: loadBefore, after: loadavg()[0] };
  return { node: process.version, rounds: ROUNDS, sliceMs: SLICE_MS, load, wasm: { raw, gzip9: gz }, rows };
}

const result = await run();
if (args.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`node ${result.node}; ${result.rounds} rounds × ${result.sliceMs} ms slices; medians; 1-min load average ${result.load.before.toFixed(2)} before, ${result.load.after.toFixed(2)} after`);
  console.log(`jwtgate_bg.wasm: ${result.wasm.raw} B raw, ${result.wasm.gzip9} B gzip -9\n`);
  const x = (v) => (v === null ? '—' : v.toFixed(2));
  console.log('| alg | library | mode | median µs | ops/s | spread | × jose (same mode) | × fast-jwt (same mode) | CPU µs | × jose, CPU time |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of result.rows) {
    console.log(
      `| ${r.alg} | ${r.lib} | ${r.mode} | ${r.medianUs.toFixed(2)} | ${Math.round(1e6 / r.medianUs)} | ±${(r.spread * 100).toFixed(0)}% | ${x(r.xJose)} | ${x(r.xFastJwt)} | ${r.cpuUs.toFixed(2)} | ${x(r.xJoseCpu)} |`,
    );
  }
}
