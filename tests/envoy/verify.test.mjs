// Allowed requests (claim headers, token removal, cache) and every authentication failure class
// with its status, JSON body and WWW-Authenticate challenge, through the built filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const ES = keyPair('ES256', 'es');
const ED = keyPair('EdDSA', 'ed');
const RS = keyPair('RS256', 'rs');
const OTHER = keyPair('ES256', 'es'); // same kid, different key
const claimHeaders = [
  { header_name: 'x-nomad-job', claim_name: 'nomad_job_id' },
  { header_name: 'x-nomad-namespace', claim_name: 'nomad_namespace' },
  { header_name: 'x-token-exp', claim_name: 'exp' },
  { header_name: 'x-token-aud', claim_name: 'aud' },
  { header_name: 'x-team', claim_name: 'meta.team' },
  { header_name: 'x-note', claim_name: 'note' },
];
const cfg = (provider = {}, extra = {}) => ({ providers: [inlineProvider(jwks(ES, ED, RS), { claim_to_headers: claimHeaders, ...provider })], ...extra });
const auth = (t) => [['authorization', `Bearer ${t}`]];

for (const pair of [ES, ED, RS]) {
  test(`${pair.alg}: allowed, claim headers forwarded, token removed, spoofed claim header replaced`, () => {
    const e = envoy(cfg());
    const token = mint(pair, nomadClaims(T0, { meta: { team: 'db' } }));
    const r = e.send({ path: '/v1/kv/data/default/mongo/config', headers: [...auth(token), ['x-nomad-job', 'spoofed']] });
    assert.equal(r.state, 'continued', r.json && JSON.stringify(r.json));
    assert.equal(r.header('x-nomad-job'), 'mongo');
    assert.equal(r.headerCount('x-nomad-job'), 1);
    assert.equal(r.header('x-nomad-namespace'), 'default');
    assert.equal(r.header('x-token-exp'), String(T0 + 3600));
    assert.equal(Buffer.from(r.header('x-token-aud'), 'base64url').toString(), '["vault.io"]');
    assert.equal(r.header('x-team'), 'db');
    assert.equal(r.header('x-note'), undefined);
    assert.equal(r.header('authorization'), undefined);
    assert.equal(e.metric('jwtgate.allowed'), 1n);
  });
}

test('forward: true keeps the token; a query-parameter token is removed from :path otherwise', () => {
  const token = mint(ES, nomadClaims(T0));
  const kept = envoy(cfg({ forward: true })).send({ headers: auth(token) });
  assert.equal(kept.header('authorization'), `Bearer ${token}`);
  const e = envoy(cfg({ from_headers: [], from_params: ['access_token'] }));
  const r = e.send({ path: `/v1/x?a=1&access_token=${token}&b=2` });
  assert.equal(r.state, 'continued');
  assert.equal(r.header(':path'), '/v1/x?a=1&b=2');
});

test('a claim value with CR/LF is not forwarded (no header injection)', () => {
  const e = envoy(cfg());
  const r = e.send({ headers: auth(mint(ES, nomadClaims(T0, { note: 'a\r\nx-admin: true' }))) });
  assert.equal(r.state, 'continued');
  assert.equal(r.header('x-note'), undefined);
  assert.equal(r.header('x-admin'), undefined);
  for (const [, v] of r.headers) assert.ok(!/[\r\n]/.test(v.toString('latin1')));
});

const failures = [
  ['expired', () => mint(ES, nomadClaims(T0 - 7200)), 'ERR_JWT_EXPIRED'],
  ['not yet valid', () => mint(ES, nomadClaims(T0 + 600)), 'ERR_JWT_NOT_YET_VALID'],
  ['wrong issuer', () => mint(ES, nomadClaims(T0, { iss: 'https://evil.example' })), 'ERR_JWT_ISSUER_MISMATCH'],
  ['wrong audience', () => mint(ES, nomadClaims(T0, { aud: 'other' })), 'ERR_JWT_AUDIENCE_MISMATCH'],
  ['bad signature (same kid, other key)', () => mint(OTHER, nomadClaims(T0)), 'ERR_JWS_SIGNATURE_INVALID'],
  ['unknown kid', () => mint(ES, nomadClaims(T0), { kid: 'nope' }), 'ERR_JWKS_NO_MATCHING_KEY'],
  ['alg none', () => {
    const [h, p] = mint(ES, nomadClaims(T0)).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    void h;
    return `${none}.${p}.c2ln`;
  }, 'ERR_JWS_ALG_NONE'],
];

for (const [what, make, code] of failures) {
  test(`401 for ${what}: ${code}, invalid_token challenge, JSON body, no secrets`, () => {
    const e = envoy(cfg({}, { realm: 'vault-proxy' }));
    const token = make();
    const r = e.send({ headers: auth(token) });
    assert.equal(r.reply?.status, 401, r.state);
    assert.equal(r.json.code, code, r.json.message);
    const challenge = r.replyHeader('www-authenticate');
    assert.match(challenge, /^Bearer realm="vault-proxy", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/);
    assert.ok(!r.reply.body.toString().includes(token.split('.')[2]), 'no signature in the body');
    assert.equal(e.metric(`jwtgate.denied.${code.toLowerCase()}`), 1n);
  });
}

test('algorithms allow-list: an EdDSA token is refused when only ES256 is allowed', () => {
  const e = envoy(cfg({ algorithms: ['ES256'] }));
  const r = e.send({ headers: auth(mint(ED, nomadClaims(T0))) });
  assert.equal(r.reply.status, 401);
  assert.equal(r.json.code, 'ERR_JWS_ALG_NOT_ALLOWED');
});

test('the verified-token cache: a repeated token hits, and honours exp', () => {
  const e = envoy(cfg(), { workers: 1 });
  const token = mint(ES, nomadClaims(T0, { exp: T0 + 10 }));
  assert.equal(e.send({ headers: auth(token) }).state, 'continued');
  assert.equal(e.send({ headers: auth(token) }).state, 'continued');
  assert.equal(e.metric('jwtgate.cache_hit'), 1n);
  assert.equal(e.metric('jwtgate.cache_miss'), 1n);
  e.advance(70_000); // past exp + the default 60 s clock skew
  const late = e.send({ headers: auth(token) });
  assert.equal(late.json.code, 'ERR_JWT_EXPIRED');
});

const tutorialVault = {
  role_name: 'nomad-workloads',
  role: {
    role_type: 'jwt',
    bound_audiences: ['vault.io'],
    user_claim: '/nomad_job_id',
    user_claim_json_pointer: true,
    claim_mappings: { nomad_namespace: 'nomad_namespace', nomad_job_id: 'nomad_job_id', nomad_task: 'nomad_task' },
    token_type: 'service',
    token_policies: ['nomad-workloads'],
  },
  accessor: 'AUTH_METHOD_ACCESSOR',
  policies: [{
    name: 'nomad-workloads',
    policy: 'path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {\n  capabilities = ["read"]\n}\n',
  }],
};

test('Vault role + templated policy: own path allowed, another job 403, wrong method 403', () => {
  const e = envoy({
    providers: [{ name: 'nomad', issuer: 'https://nomad.example:4646', jwks: jwks(ES), vault: tutorialVault, claim_to_headers: claimHeaders.slice(0, 1) }],
    rules: [{ prefix: '/v1/sys/health', action: 'bypass' }, { prefix: '/v1/', strip_prefix: '/v1/' }],
  }, { workers: 1 });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  const token = mint(ES, nomadClaims(T0));
  const own = e.send({ path: '/v1/kv/data/default/mongo/config', headers: auth(token) });
  assert.equal(own.state, 'continued', own.json && own.json.message);
  assert.equal(own.header('x-nomad-job'), 'mongo');
  const other = e.send({ path: '/v1/kv/data/default/redis/config', headers: auth(token) });
  assert.equal(other.reply.status, 403);
  // The reason stated once (issue 17: it read "permission denied: permission denied: no rule
  // matches path …: permission denied").
  assert.deepEqual(other.json, { code: 'ERR_POLICY_DENIED', message: 'permission denied: no rule matches path "kv/data/default/redis/config"' });
  assert.equal(other.replyHeader('www-authenticate'), undefined);
  const write = e.send({ method: 'POST', path: '/v1/kv/data/default/mongo/config', headers: auth(token) });
  assert.equal(write.reply.status, 403);
  assert.deepEqual(write.json, { code: 'ERR_POLICY_DENIED', message: 'permission denied: update is not granted by "kv/data/default/mongo/*" (it grants [read])' });
  // The role's bound_audiences apply (Vault semantics): 401 before any policy.
  const wrongAud = e.send({ path: '/v1/kv/data/default/mongo/config', headers: auth(mint(ES, nomadClaims(T0, { aud: ['other'] }))) });
  assert.equal(wrongAud.reply.status, 401);
  assert.equal(e.metric('jwtgate.denied.err_policy_denied'), 2n);
  // The rendered policies are kept with the cached identity: a second request hits the cache.
  e.send({ path: '/v1/kv/data/default/mongo/other', headers: auth(token) });
  assert.equal(e.metric('jwtgate.cache_hit'), 3n, JSON.stringify(Object.fromEntries([...e.metrics].map(([k, v]) => [k, String(v.value)]))));
});

test('Vault policy answers remembered per identity are keyed by the whole request (method and path)', () => {
  const e = envoy({
    providers: [{ name: 'nomad', issuer: 'https://nomad.example:4646', jwks: jwks(ES), vault: tutorialVault }],
    rules: [{ prefix: '/v1/', strip_prefix: '/v1/' }],
  }, { workers: 1 });
  assert.equal(e.loadError, null, JSON.stringify(e.logs));
  const token = mint(ES, nomadClaims(T0));
  const send = (method, path) => e.send({ method, path, headers: auth(token) });
  const own = '/v1/kv/data/default/mongo/config';
  const other = '/v1/kv/data/default/redis/config';
  // Alternating requests with one cached identity: every answer is the one for that request,
  // however the previous request was decided.
  const sequence = [
    ['GET', own, 'continued'], ['GET', own, 'continued'], ['GET', other, 403], ['GET', other, 403],
    ['GET', own, 'continued'], ['POST', own, 403], ['GET', own, 'continued'], ['GET', '/v1/kv/data/batch/mongo/config', 403],
    ['GET', own, 'continued'],
  ];
  const denials = [];
  for (const [method, path, want] of sequence) {
    const r = send(method, path);
    if (want === 'continued') {
      assert.equal(r.state, 'continued', `${method} ${path}: ${r.json && r.json.message}`);
    } else {
      assert.equal(r.reply && r.reply.status, want, `${method} ${path}`);
      assert.equal(r.json.code, 'ERR_POLICY_DENIED');
      denials.push([`${method} ${path}`, r.json.message]);
    }
  }
  // A repeated refusal carries the same explanation as the first one for that request.
  assert.equal(denials[0][1], denials[1][1]);
  assert.deepEqual(denials.map(([, m]) => m), [
    'permission denied: no rule matches path "kv/data/default/redis/config"',
    'permission denied: no rule matches path "kv/data/default/redis/config"',
    'permission denied: update is not granted by "kv/data/default/mongo/*" (it grants [read])',
    'permission denied: no rule matches path "kv/data/batch/mongo/config"',
  ]);
  for (const [, m] of denials) assert.equal(m.split('permission denied').length, 2, `stated once: ${m}`);
  // Each refused request is explained in its own terms (the path it asked for).
  assert.match(denials[0][1], /redis/);
  assert.doesNotMatch(denials[2][1], /redis/);
  assert.equal(e.metric('jwtgate.cache_miss'), 1n);
});

test('several providers: the token is tried against each in order; rules can restrict them', () => {
  const nomadKey = keyPair('ES256', 'nomad');
  const ciKey = keyPair('EdDSA', 'ci');
  const e = envoy({
    providers: [
      inlineProvider(jwks(nomadKey)),
      { name: 'ci', issuer: 'https://ci.example', audiences: ['deploy'], jwks: jwks(ciKey), claim_to_headers: [{ header_name: 'x-ci-sub', claim_name: 'sub' }] },
    ],
    rules: [{ prefix: '/deploy', providers: ['ci'] }],
  });
  const ciToken = mint(ciKey, { iss: 'https://ci.example', aud: 'deploy', sub: 'pipeline-7', exp: T0 + 600 });
  const nomadToken = mint(nomadKey, nomadClaims(T0));
  const a = e.send({ path: '/any', headers: auth(ciToken) });
  assert.equal(a.state, 'continued', a.json && a.json.message);
  assert.equal(a.header('x-ci-sub'), 'pipeline-7');
  // A client cannot smuggle another provider's claim header past a valid token.
  const n = e.send({ path: '/any', headers: [...auth(nomadToken), ['x-ci-sub', 'admin']] });
  assert.equal(n.state, 'continued');
  assert.equal(n.header('x-ci-sub'), undefined);
  const onlyCi = e.send({ path: '/deploy/x', headers: auth(nomadToken) });
  assert.equal(onlyCi.reply.status, 401);
  assert.equal(e.send({ path: '/deploy/x', headers: auth(ciToken) }).state, 'continued');
});
