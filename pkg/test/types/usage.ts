// Compiled (not run) by test/types.test.mjs with `tsc --noEmit --strict`: the published types
// must accept documented usage and reject mistakes (the @ts-expect-error lines).
import {
  verify,
  createVerifier,
  authorize,
  inspect,
  mintTestIdentity,
  fetchJwks,
  codes,
  JwtgateError,
  DEFAULT_CACHE_BYTES,
  type Code,
  type Verified,
} from 'jwtgate';
import { createGate } from 'jwtgate';

const minted = mintTestIdentity({ job: 'mongo', audience: ['vault.io'], alg: 'RS256', ttl: 600 });
const v: Verified = verify(minted.token, { jwks: minted.jwks, audience: 'vault.io', now: new Date() });
const kid: string | undefined = v.key.kid;
const outcome: 'pass' | 'fail' | 'skip' | 'info' = v.report.checks[0].outcome;
const verifier = createVerifier({ jwks: JSON.stringify(minted.jwks), issuer: ['https://a', 'https://b'] });
verifier.verify(minted.token, { now: 1700000000 });
const small = createVerifier({ jwks: minted.jwks, cacheBytes: DEFAULT_CACHE_BYTES / 4 });
const grantedBytes: number = small.cacheStats().maxBytes;
const report = authorize(minted.token, {
  jwks: minted.jwks,
  role: { role_type: 'jwt', user_claim: 'nomad_job_id', bound_audiences: ['vault.io'] },
  policies: ['path "kv/*" { capabilities = ["read"] }'],
  request: { path: 'kv/data/x', capability: 'read' },
});
const allowed: boolean = report.allowed;
const header = inspect(`Bearer ${minted.token}`).header;
const expired: Code = codes.JWT_EXPIRED;
try {
  verify(minted.token, { keys: ['-----BEGIN PUBLIC KEY-----'] });
} catch (e) {
  if (e instanceof JwtgateError) {
    const c: Code = e.code;
    const claim: string | undefined = e.claim;
    const wanted: import('jwtgate').JsonValue | undefined = e.expected;
    const sub: unknown = e.payload?.sub;
    void wanted, sub;
    if (e.code === 'ERR_INTERNAL' || e.code === 'ERR_NOT_INITIALISED') void e.cause;
    void c;
    void claim;
  }
}
async function remote(): Promise<void> {
  const jwks = await fetchJwks('https://nomad.example.com:4646/.well-known/jwks.json', { kid: 'x', timeout: 1000 });
  void jwks.keys.length;
}
// @ts-expect-error: not a code
const wrong: Code = 'ERR_NOT_A_CODE';
// @ts-expect-error: alg must be one of the two mint algorithms
mintTestIdentity({ alg: 'HS256' });
// @ts-expect-error: cacheBytes is a number of bytes
createVerifier({ jwks: minted.jwks, cacheBytes: '8MiB' });
createVerifier({ jwks: minted.jwks, rsaPrimitive: 'wasm' }).free();
// @ts-expect-error: the RSA primitive is 'auto' or 'wasm'
createVerifier({ jwks: minted.jwks, rsaPrimitive: 'openssl' });
void grantedBytes;
// @ts-expect-error: a request needs a path
authorize(minted.token, { jwks: minted.jwks, policies: [], request: { capability: 'read' } });
void [kid, outcome, allowed, header, expired, remote, wrong];
async function gate(): Promise<void> {
  const g = createGate({ providers: [] }, { signal: new AbortController().signal });
  const d = await g.decide({ method: 'GET', path: '/v1/kv/data/x', headers: [['authorization', 'Bearer x']] }, { now: 1 });
  const verdict: 'allow' | 'deny' | 'pass' | 'wait' = d.verdict;
  const status: number | undefined = d.reply?.status;
  void verdict, status;
  g.free();
}
void gate;
