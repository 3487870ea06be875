// The page's inputs as the gate reads them: a GateConfig (the Envoy plugin configuration, one
// provider named "page") and a GateRequest (the Vault API call, the token as a Bearer header).
// Shapes only: `createGate(config).decide(request)` is the decision.

/** The HTTP method Vault maps to each capability (sudo has none of its own). */
const METHOD = { read: 'GET', list: 'LIST', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE' };

/**
 * The GateConfig for the inputs. `keys`: { jwks } or { keys: [pem] }; `vault`: { role, roleName,
 * config, accessor, policies, knowledge? } (Vault mode) or `standard`: { issuer, audience, subject,
 * algorithms, clockTolerance }. `withPolicies`: false when there is no request to decide.
 */
export function gateConfig({ keys, vault, standard, withPolicies = true }) {
  const provider = { name: 'page' };
  if (keys.jwks) provider.jwks = keys.jwks;
  else if (keys.keys) provider.pem = keys.keys;
  if (vault) {
    // The auth method's bound_issuer and jwt_supported_algs are the provider's issuer and
    // algorithms (the gate checks them as Vault does when a role is given).
    const c = vault.config ?? {};
    if (typeof c.bound_issuer === 'string' && c.bound_issuer) provider.issuer = c.bound_issuer;
    if (Array.isArray(c.jwt_supported_algs) && c.jwt_supported_algs.length) provider.algorithms = c.jwt_supported_algs;
    provider.vault = {
      role: vault.role,
      ...(vault.roleName ? { role_name: vault.roleName } : {}),
      ...(vault.accessor ? { accessor: vault.accessor } : {}),
      ...(withPolicies ? { policies: vault.policies.map((p) => ({ name: p.name, policy: p.text })) } : {}),
      ...(vault.knowledge ? { knowledge: knowledgeForGate(vault.knowledge) } : {}),
    };
  } else if (standard) {
    if (standard.issuer) provider.issuer = standard.issuer;
    if (standard.audience !== undefined) provider.audiences = [].concat(standard.audience);
    if (standard.algorithms) provider.algorithms = standard.algorithms;
    if (standard.subject) provider.subjects = { exact: standard.subject };
    if (standard.clockTolerance !== undefined) provider.clock_skew_seconds = standard.clockTolerance;
  }
  return { providers: [provider] };
}

/**
 * The GateRequest for `token` and the page's request (`{ path, capability }` or `{ method, path }`,
 * a Vault path or /v1/ URL), or for the login alone when `request` is null. Null when a
 * capability has no HTTP method (sudo): the gate cannot be asked about it.
 */
export function gateRequest(token, request) {
  const headers = [['authorization', `Bearer ${token}`]];
  if (!request) return { method: 'GET', path: '/v1/', headers };
  const method = request.method ?? METHOD[request.capability];
  if (!method) return null;
  let path = request.path.trim();
  try {
    if (/^https?:\/\//i.test(path)) path = new URL(path).pathname + new URL(path).search;
  } catch {
    // Not a URL after all: used as a path.
  }
  path = path.replace(/^\/+/, '');
  if (!path.startsWith('v1/')) path = `v1/${path}`;
  return { method, path: `/${path}`, headers };
}

/** The npm `knowledge` option's members (camelCase) and the gate configuration's (snake_case). */
const KNOWLEDGE = [['issuer', 'issuer'], ['extraClaims', 'extra_claims'], ['determines', 'determines'], ['boundary', 'boundary'], ['shared', 'shared'], ['mayBeEmpty', 'may_be_empty']];

/** `vault.knowledge` for the gate configuration from the npm option (unknown members kept: the gate refuses them). */
export function knowledgeForGate(k) {
  const out = {};
  for (const [key, value] of Object.entries(k)) out[KNOWLEDGE.find(([camel]) => camel === key)?.[1] ?? key] = value;
  return out;
}

/** The npm `knowledge` option from a gate configuration's `vault.knowledge`. */
export function knowledgeFromGate(k) {
  const out = {};
  for (const [key, value] of Object.entries(k)) out[KNOWLEDGE.find(([, snake]) => snake === key)?.[0] ?? key] = value;
  return out;
}
