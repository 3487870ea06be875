// Development stand-in for the package's browser build, used only while the real wasm build is
// not on main. Canned shapes per the API contract; it decides nothing real.
const dec = (s) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
export function inspect(text) {
  const m = /(eyJ[\w-]*)\.?([\w-]*)\.?([\w-]*)/.exec(text);
  if (!m) { const e = new Error('no token found'); e.code = 'ERR_JWS_MALFORMED'; throw e; }
  const tolerated = text.trim() !== m[0] ? ['removed text around the token'] : [];
  return { header: dec(m[1]), payload: m[2] ? dec(m[2]) : {}, signature: m[3], segments: [m[1], m[2], m[3]], warnings: [], tolerated, token: m[0] };
}
export function thumbprint(k) { return `tp-${k.kid ?? 'x'}`; }
export function verify(token, o) {
  const p = inspect(token).payload;
  const checks = [
    { id: 'signature', outcome: 'pass', message: 'signature verified with key k1' },
    { id: 'exp', outcome: p.exp < o.now ? 'fail' : 'pass', code: p.exp < o.now ? 'ERR_JWT_EXPIRED' : undefined, message: p.exp < o.now ? 'invalid expiration time (exp) claim: token is expired' : 'not expired', expected: `> ${o.now}`, actual: String(p.exp) },
    { id: 'aud', outcome: 'pass', message: 'audience matches', expected: 'vault.io', actual: JSON.stringify(p.aud) },
  ];
  if (checks.some((c) => c.outcome === 'fail')) { const e = new Error(checks.find((c) => c.outcome === 'fail').message); e.code = 'ERR_JWT_EXPIRED'; e.report = { checks }; throw e; }
  return { header: {}, payload: p, key: { kid: 'k1', alg: 'RS256', kty: 'RSA', thumbprint: 'tp-k1' }, alias: { name: p.nomad_job_id, metadata: { nomad_namespace: p.nomad_namespace } }, report: { checks } };
}
export function jwksToPem(j) { return j.keys.map((k) => ({ kid: k.kid, pem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----' })); }
export function renderPolicies() { return { rendered: [{ policy: 'nomad-workloads', path: 'kv/data/{{a.ns}}/{{a.job}}/*', rendered: 'kv/data/default/mongo/*', capabilities: ['read'] }, { policy: 'nomad-workloads', path: 'kv/data/{{a.group}}/*', rendered: null, capabilities: ['read'] }], dropped: [{ policy: 'nomad-workloads', path: 'kv/data/{{a.group}}/*', directive: 'a.group', reason: 'no entry found for metadata key nomad_group', hint: 'add nomad_group to claim_mappings' }] }; }
export function authorize() { return { allowed: true, decision: 'allowed', request: { path: 'kv/data/default/mongo/config' }, capability: 'read', via: 'NonExact', winner: { pattern: 'kv/data/default/mongo/*', capabilities: ['read'], sources: [{ policy: 'nomad-workloads', path: 'kv/data/{{a.ns}}/{{a.job}}/*', capabilities: ['read'], effect: 'merged' }] }, others: [], dropped: [], notes: [], steps: [{ id: 'acl.match', outcome: 'pass', message: 'matched kv/data/default/mongo/*' }] }; }
export function evaluateTrustPolicy() { return { preflight: { checks: [{ id: 'aws.iss', outcome: 'fail', message: 'No OpenIDConnect provider found in your account for https://b', expected: 'https://a', actual: 'https://b' }] }, trust: { allowed: false, decision: 'implicit-deny', provider_arn: 'arn:aws:iam::1:oidc-provider/a', statements: [], steps: [{ id: 'aws.statement[0].condition[0]', outcome: 'fail', message: 'StringEquals a:aud: no value matches', expected: 'aws', actual: 'vault.io' }] } }; }
export async function fetchJwks(url) { const r = await fetch(url); return r.json(); }
export async function discover(url) { const r = await fetch(url); return r.json(); }
