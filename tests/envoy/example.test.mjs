// The bundled Envoy bootstrap's plugin configuration is accepted by the filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envoy, repoRoot, jwksServer, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

/** The `value: |` block of the StringValue configuration, de-indented. */
export function exampleConfig() {
  const yaml = readFileSync(join(repoRoot, 'examples', 'envoy', 'envoy.yaml'), 'utf8').split('\n');
  const at = yaml.findIndex((l) => /^\s*value: \|\s*$/.test(l));
  const indent = yaml[at + 1].match(/^\s*/)[0].length;
  const lines = [];
  for (const l of yaml.slice(at + 1)) {
    if (l.trim() && l.match(/^\s*/)[0].length < indent) break;
    lines.push(l.slice(indent));
  }
  return lines.join('\n');
}

test('examples/envoy/envoy.yaml: the plugin configuration loads and the clusters it names exist', () => {
  const text = exampleConfig();
  const config = JSON.parse(text);
  const yaml = readFileSync(join(repoRoot, 'examples', 'envoy', 'envoy.yaml'), 'utf8');
  assert.match(yaml, /runtime: envoy\.wasm\.runtime\.v8/);
  assert.match(yaml, /failure_policy: FAIL_RELOAD/);
  assert.match(yaml, new RegExp(`- name: ${config.providers[0].remote_jwks.cluster}\\n`));
  const server = jwksServer({ keys: [] });
  const e = envoy(text, { clusters: { nomad_jwks: server.handler } });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  assert.equal(e.send({ path: '/v1/sys/health' }).state, 'continued');
  const r = e.send({ path: '/v1/kv/data/default/mongo/config' });
  assert.equal(r.reply.status, 401);
  assert.equal(r.replyHeader('www-authenticate'), 'Bearer realm="vault"');
});

test('examples/envoy/envoy.yaml: the answers its README promises', () => {
  const pair = keyPair('RS256', 'nomad-1');
  const server = jwksServer(jwks(pair));
  const e = envoy(exampleConfig(), { clusters: { nomad_jwks: server.handler } });
  assert.equal(e.loadError, null);
  const claims = nomadClaims(T0, { iss: 'https://nomad.example.internal:4646' });
  const auth = (c) => [['authorization', `Bearer ${mint(pair, c)}`]];
  const own = e.request({ path: '/v1/kv/data/default/mongo/config', headers: auth(claims) });
  e.settle();
  assert.equal(own.state, 'continued', own.json && own.json.message);
  assert.equal(own.header('x-nomad-namespace'), 'default');
  assert.equal(own.header('x-nomad-job'), 'mongo');
  assert.equal(own.header('authorization'), undefined);
  const other = e.send({ path: '/v1/kv/data/default/other/config', headers: auth(claims) });
  assert.equal(other.reply.status, 403);
  assert.equal(other.json.code, 'ERR_POLICY_DENIED');
  const expired = e.send({ path: '/v1/kv/data/default/mongo/config', headers: auth({ ...claims, exp: T0 - 3600, iat: T0 - 7200, nbf: T0 - 7200 }) });
  assert.equal(expired.reply.status, 401);
  assert.equal(expired.json.code, 'ERR_JWT_EXPIRED');
  assert.match(expired.replyHeader('www-authenticate'), /^Bearer realm="vault", error="invalid_token", error_description="/);
  assert.equal(server.calls, 1);
});

test('examples/envoy/envoy.yaml: the RBAC rule reads filter state the filter publishes, and the counters carry stat_prefix', () => {
  const pair = keyPair('RS256', 'nomad-1');
  const server = jwksServer(jwks(pair));
  const e = envoy(exampleConfig(), { clusters: { nomad_jwks: server.handler } });
  const yaml = readFileSync(join(repoRoot, 'examples', 'envoy', 'envoy.yaml'), 'utf8');
  const keys = [...yaml.matchAll(/key: (wasm\.jwtgate\.\w+)/g)].map((m) => m[1]);
  assert.deepEqual(keys, ['wasm.jwtgate.nomad_namespace']);
  const claims = nomadClaims(T0, { iss: 'https://nomad.example.internal:4646', nomad_namespace: 'ops', nomad_job_id: 'backup' });
  const r = e.request({ path: '/v1/kv/data/ops/backup/config', headers: [['authorization', `Bearer ${mint(pair, claims)}`]] });
  e.settle();
  assert.equal(r.state, 'continued', r.json && r.json.message);
  for (const key of keys) assert.equal(r.filterState.get(key).toString(), 'ops');
  assert.equal(r.filterState.get('wasm.jwtgate.decision').toString(), 'allowed');
  const config = JSON.parse(exampleConfig());
  assert.equal(e.metric(`jwtgate.${config.stat_prefix}.allowed`), 1n);
});
