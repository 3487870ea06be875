// An imported gate configuration (the Envoy plugin configuration, GateConfig): read from pasted
// text or a file, shown in the page's fields as far as they go, and kept as the exact object the
// page passes to createGate until a configuration field is edited (a rebuild from the fields
// would lose what they cannot show: rules, several providers, claim headers, limits).
// Shapes only: the gate parses and refuses the configuration itself.
import { knowledgeFromGate } from './gate-config.js';

/**
 * The configuration in `text`: { config } or { error } (not JSON, or not an object). The gate
 * refuses what it cannot compile when the page decides with it.
 */
export function readGateConfig(text) {
  let config;
  try {
    config = JSON.parse(text);
  } catch (e) {
    return { error: `the gate configuration is not valid JSON: ${e.message}` };
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return { error: 'the gate configuration must be a JSON object (the Envoy plugin configuration)' };
  }
  return { config };
}

/**
 * The page's fields for `config` (what its first provider holds that the page can show), as a
 * state object for app.js's applyState. Remote keys (a URL) are not fetched: the key box stays
 * empty and `notes` says so.
 */
export function fieldsOf(config) {
  const p = Array.isArray(config.providers) ? config.providers[0] ?? {} : {};
  const state = {};
  const notes = [];
  if (p.jwks !== undefined) state.keys = typeof p.jwks === 'string' ? p.jwks : JSON.stringify(p.jwks, null, 2);
  else if (Array.isArray(p.pem)) state.keys = p.pem.join('\n');
  else if (typeof p.pem === 'string') state.keys = p.pem;
  else if (p.remote_jwks || p.discovery) notes.push('its keys are remote: the page does not fetch them without a click');
  if (p.vault) {
    state.mode = 'vault';
    if (p.vault.role !== undefined) state.role = p.vault.role;
    if (p.vault.role_name) state.roleName = p.vault.role_name;
    if (p.vault.accessor) state.accessor = p.vault.accessor;
    const auth = {};
    if (p.issuer) auth.bound_issuer = p.issuer;
    if (Array.isArray(p.algorithms)) auth.jwt_supported_algs = p.algorithms;
    if (Object.keys(auth).length) state.config = auth;
    if (p.vault.knowledge && typeof p.vault.knowledge === 'object') state.knowledge = knowledgeFromGate(p.vault.knowledge);
    if (Array.isArray(p.vault.policies)) state.policies = p.vault.policies.map((x) => ({ name: x.name ?? '', text: x.policy ?? '' }));
  } else {
    state.mode = 'standard';
    state.standard = {
      issuer: p.issuer ?? '',
      audience: Array.isArray(p.audiences) ? p.audiences.join(', ') : '',
      subject: typeof p.subjects?.exact === 'string' ? p.subjects.exact : '',
      algorithms: Array.isArray(p.algorithms) ? p.algorithms.join(', ') : '',
      clockTolerance: p.clock_skew_seconds !== undefined ? String(p.clock_skew_seconds) : '',
    };
  }
  const providers = Array.isArray(config.providers) ? config.providers.length : 0;
  if (providers > 1) notes.push(`${providers} providers: the fields show the first`);
  if (Array.isArray(config.rules) && config.rules.length) notes.push(`${config.rules.length} rule(s) the fields cannot show`);
  return { state, notes };
}

/** `request` ({ method, path, headers }) with `$TOKEN` in the path and header values replaced. */
export function fillToken(request, token) {
  const fill = (s) => (typeof token === 'string' && typeof s === 'string' ? s.split('$TOKEN').join(token) : s);
  return {
    method: request.method ?? 'GET',
    path: fill(request.path ?? '/'),
    headers: (request.headers ?? []).map(([k, v]) => [k, fill(v)]),
  };
}

/**
 * Offers `config` as a download (the Envoy plugin configuration, pretty-printed JSON) through a
 * blob link: no request leaves the tab.
 */
export function downloadConfig(config, filename = 'jwtgate-envoy-config.json') {
  const blob = new Blob([`${JSON.stringify(config, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
