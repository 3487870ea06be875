// Loads the bundled sample (tests/fixtures/sample/, served at /sample/ by scripts/serve-www.mjs):
// a Nomad-style token, its JWKS, the tutorial's Vault role and templated policy, and the instant to
// evaluate at (so the sample's verdicts do not depend on today's date). Same-origin requests only.
import { TUTORIAL_POLICY } from './presets.js';

const BASE = '/sample/';

async function text(name) {
  const res = await fetch(BASE + name);
  if (!res.ok) throw new Error(`${BASE}${name}: HTTP ${res.status}`);
  return res.text();
}

async function optional(name) {
  try {
    return await text(name);
  } catch {
    return undefined;
  }
}

/** The sample as page state (see app.js applyState). */
export async function loadSample() {
  const [token, jwks, role, config, policy, now] = await Promise.all([
    text('token.jwt'), text('jwks.json'), optional('role.json'), optional('config.json'), optional('policy.hcl'), optional('now.txt'),
  ]);
  return {
    token: token.trim(),
    keys: jwks,
    mode: 'vault',
    role: role ?? undefined,
    config: config ?? undefined,
    roleName: 'nomad-workloads',
    rolePreset: 'nomad-workloads',
    now: now?.trim(),
    accessor: 'AUTH_METHOD_ACCESSOR',
    policies: [{ name: 'nomad-workloads', text: policy ?? TUTORIAL_POLICY }],
    request: { path: 'kv/data/default/mongo/config', capability: 'read' },
  };
}
