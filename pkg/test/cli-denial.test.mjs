// The CLI's authorize denial as the user reads it: Vault's "permission denied" stated once, with
// the reason once (it read "permission denied: no rule matches path …: permission denied").
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT } from './helpers.mjs';

const SAMPLE = join(ROOT, 'tests', 'fixtures', 'sample');
const sample = (f) => join(SAMPLE, f);
const NOW = readFileSync(sample('now.txt'), 'utf8').trim();
const ENV = { FORCE_COLOR: undefined, NOMAD_TOKEN: undefined, NODE_DISABLE_COLORS: undefined };
const BASE = [
  'authorize', `@${sample('token.jwt')}`,
  '--jwks', sample('jwks.json'), '--role', sample('role.json'), '--role-name', 'nomad-workloads', '--config', sample('config.json'),
  '--policy', `nomad-workloads=${sample('policy.hcl')}`, '--now', NOW,
];
const count = (text, word) => text.split(word).length - 1;

test('authorize: a path no rule matches is denied with "permission denied" stated once', () => {
  const path = 'kv/data/default/redis/config';
  const r = cli([...BASE, '--path', path, '--capability', 'read'], { env: ENV });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^DENIED: read kv\/data\/default\/redis\/config/);
  assert.equal(count(r.stdout, 'permission denied'), 1, r.stdout);
  assert.match(r.stdout, /^ +✗ decision +permission denied: no rule matches path "kv\/data\/default\/redis\/config" \[ERR_POLICY_DENIED\]$/m);
  assert.equal(count(r.stdout, `no rule matches path "${path}"`), 2, 'the match step and the decision');
  assert.doesNotMatch(r.stdout, /: permission denied/);

  const json = cli([...BASE, '--path', path, '--capability', 'read', '--json'], { env: ENV });
  assert.equal(json.code, 1);
  const decision = json.json.steps.at(-1);
  assert.equal(decision.id, 'decision');
  assert.equal(decision.message, `permission denied: no rule matches path "${path}"`);
  for (const step of json.json.steps) assert.ok(count(step.message, 'permission denied') <= 1, step.message);
});

test('authorize: a capability the rule does not grant is denied with the reason once', () => {
  const r = cli([...BASE, '--path', 'kv/data/default/mongo/config', '--capability', 'update'], { env: ENV });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(count(r.stdout, 'permission denied'), 1, r.stdout);
  assert.match(r.stdout, /^ +✗ decision +permission denied: update is not granted by /m);
});
