// Costs bounded by issue 18, through the npm package (wasm in Node):
//
//   glob:      `verify` of an EdDSA token whose `groups` claim holds 400 values, against a Vault
//              role binding `groups` to 1,000 glob patterns (`*-team<i>-*`), none matching: all
//              400,000 pairs are compared on every call (a failed verification is not cached).
//              Bar: <= 10 ms per call.
//   authorize: `Verifier.authorize` of a cached token against one policy of 1,000 templated
//              paths (the same policy text and identity each call: parsed once per verifier,
//              rendered once per identity; the policies named by id, `rendered` and the
//              repeated `verification` asked for only when read). Bar: <= 100 us per call.
//              `reading every member` is the same call with the report's lazy members read
//              (what a caller printing the whole report pays); `first call` is the same
//              request on a fresh verifier (verify + parse + render).
//
//   node bench/bounds.mjs [--rounds N] [--json]
//
// Each figure is the median over rounds of the mean CPU time (process.cpuUsage) per call in a
// round (a round runs calls for about 200 ms of wall time, at least 3, after a warm-up);
// spread = (max - min) / 2 over rounds, relative.
import { generateKeyPairSync, sign } from 'node:crypto';
import * as jwtgate from '../index.node.js';
import { AUD, now } from './fixtures.mjs';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 7;

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An EdDSA token for `claims` and its JWKS (node:crypto, no JWT library). */
function signed(claims) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bounds', alg: 'EdDSA', use: 'sig' };
  const input = `${b64({ alg: 'EdDSA', kid: 'bounds', typ: 'JWT' })}.${b64(claims)}`;
  const sig = sign(null, Buffer.from(input), privateKey).toString('base64url');
  return { token: `${input}.${sig}`, jwks: { keys: [jwk] } };
}

/**
 * Median over rounds of the CPU time (process.cpuUsage: user + system) per call in a round: on a
 * shared machine wall time counts other processes' turns, CPU time only this one's work.
 */
function time(fn) {
  for (let i = 0; i < 3; i++) fn();
  const means = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    while (process.hrtime.bigint() - t0 < 200_000_000n || n < 3) {
      fn();
      n++;
    }
    const c = process.cpuUsage(c0);
    means.push((c.user + c.system) / n);
  }
  const s = [...means].sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  return { medianUs: m, spread: (s[s.length - 1] - s[0]) / 2 / m };
}

const claimsBase = { sub: 'mongo', aud: AUD, iat: now, nbf: now, exp: now + 3600 };

// Glob: 1,000 patterns x 400 values, a mismatch.
const patterns = Array.from({ length: 1000 }, (_, i) => `*-team${i}-*`);
const values = Array.from({ length: 400 }, (_, j) => `workload-${j}-production`);
const globFixture = signed({ ...claimsBase, groups: values });
const globVerifier = jwtgate.createVerifier({
  jwks: globFixture.jwks,
  role: { role_type: 'jwt', user_claim: 'sub', bound_audiences: [AUD], bound_claims_type: 'glob', bound_claims: { groups: patterns } },
  roleName: 'bench',
});
const globOnce = () => {
  try {
    globVerifier.verify(globFixture.token, { now });
  } catch (e) {
    if (e.code !== 'ERR_BOUND_CLAIM_MISMATCH') throw e;
    return;
  }
  throw new Error('the glob bench token must not match');
};

// Prepared authorize: 1,000 templated paths, a cached token.
const accessor = 'AUTH_METHOD_ACCESSOR';
const policy = Array.from(
  { length: 1000 },
  (_, i) => `path "kv/data/{{identity.entity.aliases.${accessor}.metadata.nomad_namespace}}/team${i}/*" { capabilities = ["read"] }\n`,
).join('');
const authzFixture = signed({ ...claimsBase, nomad_namespace: 'default' });
const authzOptions = {
  jwks: authzFixture.jwks,
  role: { role_type: 'jwt', user_claim: 'sub', bound_audiences: [AUD], claim_mappings: { nomad_namespace: 'nomad_namespace' } },
  roleName: 'bench',
  limits: { maxDocumentLen: 1 << 20 },
};
const request = { path: 'kv/data/default/team500/x', capability: 'read' };
const authzVerifier = jwtgate.createVerifier(authzOptions);
const authorizeOnce = () => {
  const r = authzVerifier.authorize(authzFixture.token, { policies: [policy], request, now });
  if (!r.allowed) throw new Error('the authorize bench request must be allowed');
};
const authorizeReadAll = () => {
  const r = authzVerifier.authorize(authzFixture.token, { policies: [policy], request, now });
  if (r.rendered.length !== 1000 || r.verification.checks.length === 0) throw new Error('the report must carry every member');
};
const firstCall = () => {
  const v = jwtgate.createVerifier(authzOptions);
  v.authorize(authzFixture.token, { policies: [policy], request, now });
  v.free();
};

const rows = [
  { what: 'verify, bound_claims glob: 1,000 patterns x 400 values (mismatch, every pair)', ...time(globOnce) },
  { what: 'authorize, cached token, 1,000 templated paths (prepared)', ...time(authorizeOnce) },
  { what: 'authorize + reading every member (rendered, verification), cached token, 1,000 templated paths', ...time(authorizeReadAll) },
  { what: 'authorize, 1,000 templated paths, first call on a new verifier', ...time(firstCall) },
];

if (args.includes('--json')) {
  console.log(JSON.stringify({ rounds, clock: 'cpu', rows }));
} else {
  for (const r of rows) console.log(`${r.what}: ${r.medianUs.toFixed(1)} µs CPU time (±${(r.spread * 100).toFixed(0)}%)`);
}
