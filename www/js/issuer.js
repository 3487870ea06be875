// Which workload-identity issuer a token looks like, so that Nomad explanations are shown only for
// Nomad tokens. Wording only: no check depends on it.

/** Nomad's workload `sub`: region:namespace:job:group:task-or-service:identity. */
const NOMAD_SUB = /^[^:]+:[^:]+:[^:]+:[^:]+:[^:]+:[^:]+$/;
/** Nomad's node identities: node:region:pool:id:identity / node-introduction:…. */
const NOMAD_NODE_SUB = /^node(-introduction)?:[^:]+:[^:]+:[^:]+:[^:]+$/;

/**
 * `{ id, name }`: `nomad`, `github` (GitHub Actions), `kubernetes` (service account tokens),
 * `google`, or `generic`.
 */
export function issuerOf(payload) {
  const p = payload && typeof payload === 'object' ? payload : {};
  const iss = typeof p.iss === 'string' ? p.iss : '';
  const sub = typeof p.sub === 'string' ? p.sub : '';
  if (Object.keys(p).some((k) => k.startsWith('nomad_')) || NOMAD_SUB.test(sub) || NOMAD_NODE_SUB.test(sub)) {
    return { id: 'nomad', name: 'Nomad workload identity' };
  }
  if (iss === 'https://token.actions.githubusercontent.com') return { id: 'github', name: 'GitHub Actions OIDC token' };
  if ('kubernetes.io' in p || sub.startsWith('system:serviceaccount:')) return { id: 'kubernetes', name: 'Kubernetes service account token' };
  if (iss === 'https://accounts.google.com' || iss === 'accounts.google.com') return { id: 'google', name: 'Google ID token' };
  return { id: 'generic', name: '' };
}
