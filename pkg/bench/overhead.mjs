// Everything except the signature, measured in the shipped wasm (issue 7: "parse, select,
// claims, wasm: ≤ 5 µs").
//
//   node bench/overhead.mjs [--rounds N] [--slice MS] [--json]
//
// Method. The public API cannot skip the signature, so each round measures, interleaved in a
// rotating order, for RS256 (2048) and EdDSA tokens:
//   total     createVerifier({jwks, issuer, audience, cacheSize: 0, rsaPrimitive: 'wasm'})
//             .verify(token): the whole fresh call as a user makes it (string copy-in, parse,
//             key selection, signature, claims, report, result text, result object), on the
//             pure-wasm signature path that `core` and the probes run (in Node, RS* otherwise
//             goes through OpenSSL's public operation, and total − core would mix two paths);
//   core      the wasm `Verifier.verify` under it, same options: everything but the JS side;
//   probe0/K  the module's `__benchSignature(token, 0 | K)`: boundary + parse, plus K runs of
//             the signature primitive alone (key selection, hash, public-key check);
//   overhead  the module's `__benchOverhead(token, now, 1)`: boundary + exactly what `verify`
//             does for an uncached token except the public-key check (it returns a number,
//             so the result text is built but not decoded into JS).
// Reported: signature = (probeK − probe0)/K; in wasm, everything but the signature = overhead
// (measured directly); JS side = total − core; everything except the signature = overhead +
// JS side. The plain difference total − signature is printed too: it is larger, because the
// signature alone in a tight loop runs with warm caches, while inside a verify it shares them
// with parsing and serialisation. Figures are medians over rounds of per-round values, in
// process CPU time per call (the machine is shared: wall time counts other people's work).
import * as jwtgate from '../index.node.js';
import { AUD, ISS, fixture, now } from './fixtures.mjs';
import { Verifier } from '../dist/jwtgate.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const ROUNDS = arg('rounds', 7);
const SLICE_MS = arg('slice', 150);
const K = 8;

function cases(f) {
  // The core's Verifier takes the token as UTF-8 bytes, as pkg/src/api.js passes it.
  const bytes = new TextEncoder().encode(f.token);
  const v = jwtgate.createVerifier({ jwks: f.jwks, issuer: ISS, audience: AUD, cacheSize: 0, rsaPrimitive: 'wasm' });
  const core = new Verifier();
  const conf = JSON.parse(core.configure(JSON.stringify({ jwks: JSON.stringify(f.jwks), cacheSize: 0 })));
  if (conf.err) throw new Error(conf.err.message);
  if (!v.verify(f.token).payload) throw new Error('fixture does not verify');
  if (core.__benchSignature(bytes, K) !== K) throw new Error('probe does not verify');
  const coreFresh = new Verifier();
  coreFresh.configure(JSON.stringify({ jwks: JSON.stringify(f.jwks), issuer: [ISS], audience: [AUD], cacheSize: 0 }));
  if (/^\{"err"/.test(coreFresh.verify(bytes, now))) throw new Error('core does not verify');
  const fns = {
    total: () => v.verify(f.token),
    probe0: () => core.__benchSignature(bytes, 0),
    probeK: () => core.__benchSignature(bytes, K),
    core: () => coreFresh.verify(bytes, now),
  };
  // Absent from builds older than the probe (to measure a "before" with the same script).
  if (typeof coreFresh.__benchOverhead === 'function') {
    if (coreFresh.__benchOverhead(bytes, now, 1) <= 0) throw new Error('overhead probe rejects');
    fns.overhead = () => coreFresh.__benchOverhead(bytes, now, 1);
  }
  return fns;
}

// Process CPU time, not wall time: the machine is shared, and a slice in which the scheduler
// ran someone else must not count against either term of the difference.
function slice(fn) {
  let n = 0;
  const end = performance.now() + SLICE_MS;
  const c0 = process.cpuUsage();
  while (performance.now() < end) {
    for (let i = 0; i < 8; i++) fn();
    n += 8;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs) => (Math.max(...xs) - Math.min(...xs)) / 2 / Math.abs(median(xs));

const fixtures = [await fixture('RS256'), await fixture('EdDSA')];
const runs = fixtures.map((f) => ({ alg: f.alg, fns: cases(f), samples: { total: [], probe0: [], probeK: [], core: [], overhead: [] } }));
const slots = runs.flatMap((r) => Object.keys(r.fns).map((k) => [r, k]));
for (let round = 0; round <= ROUNDS; round++) {
  for (let i = 0; i < slots.length; i++) {
    const [r, k] = slots[(i + round) % slots.length];
    const us = slice(r.fns[k]);
    if (round > 0) r.samples[k].push(us); // round 0 warms up
  }
}
const rows = [];
for (const r of runs) {
  const s = r.samples;
  const sig = s.probeK.map((x, i) => (x - s.probe0[i]) / K);
  const js = s.total.map((x, i) => x - s.core[i]);
  const except = s.overhead.length ? s.overhead.map((x, i) => x + js[i]) : [NaN];
  const diff = s.total.map((x, i) => x - sig[i]);
  const row = (name, xs) => rows.push({ alg: r.alg, case: name, medianUs: median(xs), spread: spread(xs) });
  row('fresh verify, whole call (createVerifier, cacheSize 0)', s.total);
  row('signature primitive alone (in wasm, K in one call)', sig);
  row('boundary call + parse only (probe, 0 signatures)', s.probe0);
  row('in wasm: everything except the signature (probe)', s.overhead.length ? s.overhead : [NaN]);
  row('JS side (whole call − wasm Verifier.verify)', js);
  row('everything except the signature (probe + JS side)', except);
  row('difference method (whole call − signature alone)', diff);
  row('difference method, wasm only (Verifier.verify − signature alone)', s.core.map((x, i) => x - sig[i]));
}
if (args.includes('--json')) {
  console.log(JSON.stringify({ node: process.version, rounds: ROUNDS, sliceMs: SLICE_MS, rows }, null, 2));
} else {
  console.log(`node ${process.version}; ${ROUNDS} rounds × ${SLICE_MS} ms slices; CPU µs per call, medians of per-round values`);
  console.log('| alg | case | median µs | spread |');
  console.log('|---|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.alg} | ${r.case} | ${r.medianUs.toFixed(2)} | ±${(r.spread * 100).toFixed(0)}% |`);
}
