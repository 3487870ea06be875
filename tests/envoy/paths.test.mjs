// Issue 17: a `:path` the upstream would resolve differently from the filter is refused (400,
// ERR_REQUEST_INVALID) before any rule, bypass, CORS preflight or policy decision. Envoy keeps
// escaped slashes by default (path_with_escaped_slashes_action KEEP_UNCHANGED) and Vault decodes
// then resolves, so `mongo/..%2Fredis/config` is matched against mongo's policy but read as
// redis's secret. Every form the issue reproduced is here, on a policy path and on a bypass path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const ES = keyPair('ES256', 'es');
const mongo = mint(ES, nomadClaims(T0));
const auth = [['authorization', `Bearer ${mongo}`]];

// The Vault tutorial's role and templated policy: a job reads kv/data/<namespace>/<job>/*.
const vault = {
  role_name: 'nomad-workloads',
  role: {
    role_type: 'jwt',
    bound_audiences: ['vault.io'],
    user_claim: '/nomad_job_id',
    user_claim_json_pointer: true,
    claim_mappings: { nomad_namespace: 'nomad_namespace', nomad_job_id: 'nomad_job_id' },
    token_policies: ['nomad-workloads'],
  },
  policies: [{
    name: 'nomad-workloads',
    policy: 'path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {\n  capabilities = ["read"]\n}\n',
  }],
};

function gate() {
  const e = envoy({
    providers: [{
      name: 'nomad', issuer: 'https://nomad.example:4646', jwks: jwks(ES), vault,
      claim_to_headers: [{ header_name: 'x-nomad-job', claim_name: 'nomad_job_id' }],
    }],
    bypass_cors_preflight: true,
    rules: [
      { prefix: '/v1/sys/health', action: 'bypass' },
      { prefix: '/v1/public/', action: 'allow_missing' },
      { prefix: '/v1/', strip_prefix: '/v1/' },
    ],
  }, { workers: 1 });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  return e;
}

const base = '/v1/kv/data/default/mongo';
// [path, the exact message] — the message names the offending segment or escape.
const refused = [
  [`${base}/..%2Fredis/config`, 'request path segment "..%2Fredis" holds "%2F", an encoded "/"'],
  [`${base}/..%2fredis/config`, 'request path segment "..%2fredis" holds "%2f", an encoded "/"'],
  [`${base}/../redis/config`, 'request path holds the dot segment ".."'],
  [`${base}/./config`, 'request path holds the dot segment "."'],
  [`${base}/%2e%2e/redis/config`, 'request path segment "%2e%2e" holds "%2e", an encoded "."'],
  [`${base}/%2E%2e/redis/config`, 'request path segment "%2E%2e" holds "%2E", an encoded "."'],
  [`${base}/.%2E/redis/config`, 'request path segment ".%2E" holds "%2E", an encoded "."'],
  [`${base}/%2e%2e%2Fredis/config`, 'request path segment "%2e%2e%2Fredis" holds "%2e", an encoded "."'],
  [`${base}/..%5credis/config`, 'request path segment "..%5credis" holds "%5c", an encoded "\\\\"'],
  [`${base}/..%5Credis/config`, 'request path segment "..%5Credis" holds "%5C", an encoded "\\\\"'],
  [`${base}/..\\redis/config`, 'request path segment "..\\\\redis" holds a backslash'],
  [`${base}/..%252Fredis/config`, 'request path segment "..%252Fredis" holds "%25", an encoded "%"'],
  ['/v1/kv/data/default//redis/config', 'request path holds an empty segment ("//") after "/v1/kv/data/default"'],
  [`${base}//../redis/config`, `request path holds an empty segment ("//") after "${base}"`],
  [`${base}/..%2Fredis/config?version=1`, 'request path segment "..%2Fredis" holds "%2F", an encoded "/"'],
  // On the bypass rule's path: without the check these would skip authentication entirely.
  ['/v1/sys/health/..%2F..%2Fkv/data/default/redis/config', 'request path segment "..%2F..%2Fkv" holds "%2F", an encoded "/"'],
  ['/v1/sys/health/../../kv/data/default/redis/config', 'request path holds the dot segment ".."'],
  ['/v1/sys/health/%2e%2e/%2e%2e/kv/data/default/redis/config', 'request path segment "%2e%2e" holds "%2e", an encoded "."'],
  ['/v1/sys/health//x', 'request path holds an empty segment ("//") after "/v1/sys/health"'],
  ['/v1/public/..%2F..%2Fkv/data/default/redis/config', 'request path segment "..%2F..%2Fkv" holds "%2F", an encoded "/"'],
];

function assertRefused(r, path, message) {
  assert.equal(r.state, 'replied', `${path} went ${r.state}`);
  assert.equal(r.reply.status, 400, path);
  assert.deepEqual(r.json, { code: 'ERR_REQUEST_INVALID', message }, path);
  assert.equal(r.replyHeader('content-type'), 'application/json');
  assert.equal(r.replyHeader('www-authenticate'), undefined, 'not an authentication failure');
}

test(`${refused.length} paths with dot, empty or encoded segments: 400 before any policy, with or without a token`, () => {
  const e = gate();
  for (const [path, message] of refused) {
    assertRefused(e.send({ path, headers: auth }), path, message);
    assertRefused(e.send({ path }), `${path} (no token)`, message);
    assertRefused(e.send({ method: 'POST', path, headers: [...auth, ['x-nomad-job', 'redis']] }), `POST ${path}`, message);
  }
  assert.equal(e.metric('jwtgate.denied.err_request_invalid'), BigInt(3 * refused.length));
  assert.equal(e.metric('jwtgate.allowed'), 0n);
  assert.equal(e.metric('jwtgate.bypassed'), 0n);
  // The token was never looked at: no verification happened.
  assert.equal(e.metric('jwtgate.cache_miss'), 0n);
});

test('a CORS preflight on an encoded path is refused too (no exception for the preflight bypass)', () => {
  const e = gate();
  const preflight = [['origin', 'https://ui.example'], ['access-control-request-method', 'GET']];
  const path = '/v1/sys/health/..%2F..%2Fkv/data/default/redis/config';
  assertRefused(e.send({ method: 'OPTIONS', path, headers: preflight }), path, 'request path segment "..%2F..%2Fkv" holds "%2F", an encoded "/"');
  assert.equal(e.metric('jwtgate.cors_preflight_bypassed'), 0n);
  assert.equal(e.send({ method: 'OPTIONS', path: `${base}/config`, headers: preflight }).state, 'continued');
  assert.equal(e.metric('jwtgate.cors_preflight_bypassed'), 1n);
});

test('normal paths are decided as before; the query string may hold any escape', () => {
  const e = gate();
  const own = e.send({ path: `${base}/config`, headers: auth });
  assert.equal(own.state, 'continued', own.json && own.json.message);
  assert.equal(own.header('x-nomad-job'), 'mongo');
  const query = e.send({ path: `${base}/config?next=%2F..%2Fredis&p=..%5c%2e%25//x`, headers: auth });
  assert.equal(query.state, 'continued', query.json && query.json.message);
  assert.equal(query.header(':path'), `${base}/config?next=%2F..%2Fredis&p=..%5c%2e%25//x`);
  // Dots inside a segment and a trailing slash are not dot or empty segments; other escapes pass.
  for (const path of [`${base}/.hidden..x/`, `${base}/a%20b`, '/v1/sys/health/']) {
    const r = e.send({ path, headers: auth });
    assert.notEqual(r.reply?.status, 400, path);
  }
  assert.equal(e.send({ path: '/v1/sys/health' }).state, 'continued');
  // Another job's path in normal form is the policy's business: 403.
  const other = e.send({ path: '/v1/kv/data/default/redis/config', headers: auth });
  assert.equal(other.reply.status, 403);
  assert.deepEqual(other.json, { code: 'ERR_POLICY_DENIED', message: 'permission denied: no rule matches path "kv/data/default/redis/config"' });
});
