// Plugin configuration: parsed and validated once per root context; an invalid one fails the
// canary's on_configure with one clear log line, and Envoy then refuses the filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider, remoteProvider } from './support.mjs';
import { keyPair, jwks } from './jwt.mjs';

// A key set with one usable public key (an empty one is refused: every request would get 401).
const keys = jwks(keyPair('EdDSA', 'ed'));

test('a valid configuration runs on_configure on the canary and on each worker VM', () => {
  const e = envoy({ providers: [inlineProvider(keys)] }, { workers: 3 });
  assert.equal(e.loadError, null);
  const configured = e.logsMatching(/^jwtgate: configured 1 provider/);
  assert.deepEqual(configured.map((l) => l.vm), ['canary', 'worker0', 'worker1', 'worker2']);
  // Inline keys need no timer.
  for (const wk of e.workers) assert.equal(wk.vm.ticks.size, 0);
});

test('a remote JWKS arms one tick per worker root context, none left over from the canary', () => {
  const e = envoy({ providers: [remoteProvider()], tick_period_ms: 250 }, { workers: 2 });
  assert.equal(e.canary.ticks.size, 0);
  for (const wk of e.workers) assert.equal(wk.vm.ticks.get(wk.vm.rootId).period, 250);
});

const role = { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['vault.io'] };
const vaultProvider = (vault) => inlineProvider(keys, { audiences: [], vault });
const privateJwk = { ...keyPair('EdDSA', 'private').jwk, d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' };

// Every refusal is one error line of the form in src/envoy/README.md: `jwtgate: rejecting plugin
// configuration: invalid filter configuration at <JSON pointer>: <reason>` (`/` = the document).
const invalid = [
  ['not JSON', 'providers: []', '/', 'plugin configuration is not valid JSON at line 1 column 1: expected value'],
  ['an empty document', '', '/', "the plugin configuration is empty (the filter's `configuration` must hold a JSON object)"],
  ['a top-level array', '[{"providers": []}]', '/', 'plugin configuration must be a JSON object, found array'],
  ['a duplicate member', '{"providers": [], "providers": []}', '/providers', 'duplicate member "providers" (JSON readers disagree on which one counts)'],
  ['a nested duplicate member', '{"providers": [{"name": "a", "name": "b"}]}', '/providers/0/name', 'duplicate member "name" (JSON readers disagree on which one counts)'],
  ['no providers', { providers: [] }, '/providers', 'at least one provider is required'],
  ['an unknown field', { providers: [inlineProvider(keys)], bypass_cors: true }, '/bypass_cors', /^unknown field `bypass_cors`, expected one of `providers`, /],
  ['a misspelt limit', { providers: [inlineProvider(keys)], limits: { maxTokenLength: 100 } }, '/limits/maxTokenLength', /^unknown field `maxTokenLength`, expected one of `maxTokenLen`, /],
  ['an unknown provider field', { providers: [inlineProvider(keys, { issuers: ['x'] })] }, '/providers/0/issuers', /^unknown field `issuers`, expected one of /],
  ['a field of the wrong type', { providers: [remoteProvider({}, { timeout_ms: '1s' })] }, '/providers/0/remote_jwks/timeout_ms', 'invalid type: string "1s", expected u64'],
  ['a missing provider name', { providers: [{ jwks: keys }] }, '/providers/0', 'missing field `name`'],
  ['two key sources', { providers: [inlineProvider(keys, { pem: ['x'] })] }, '/providers/0', 'exactly one of `jwks`, `pem` or `remote_jwks` is required'],
  ['an empty inline JWKS', { providers: [inlineProvider({ keys: [] })] }, '/providers/0/jwks', 'no public key: the key set is empty'],
  ['an inline JWKS with only a private key and a symmetric key', { providers: [inlineProvider({ keys: [privateJwk, { kty: 'oct', k: 'c2VjcmV0' }] })] }, '/providers/0/jwks',
    'no usable public key; skipped /providers/0/jwks/keys/0 (kid "private"): refusing published private key material (jwk member "d"): anyone could have signed; /providers/0/jwks/keys/1: unsupported kty "oct"'],
  ['only unusable PEM blocks', { providers: [{ name: 'nomad', pem: ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'] }] }, '/providers/0/pem', /^no usable public key; skipped \/providers\/0\/pem\/0: /],
  ['a zero fetch timeout', { providers: [remoteProvider({}, { timeout_ms: 0 })] }, '/providers/0/remote_jwks/timeout_ms', 'must be between 1 and 60000'],
  ['a path without /', { providers: [remoteProvider({}, { path: 'jwks.json' })] }, '/providers/0/remote_jwks/path', 'must start with / and be printable'],
  ['a rule naming an unknown provider', { providers: [inlineProvider(keys)], rules: [{ prefix: '/', providers: ['vault'] }] }, '/rules/0/providers', 'unknown provider "vault"'],
  ['a rule with prefix and exact', { providers: [inlineProvider(keys)], rules: [{ prefix: '/', exact: '/x' }] }, '/rules/0', 'exactly one of `prefix` or `exact`, starting with /'],
  ['a bad claim header', { providers: [inlineProvider(keys, { claim_to_headers: [{ header_name: 'x-a\r\nb', claim_name: 'sub' }] })] }, '/providers/0/claim_to_headers/0/header_name', '"x-a\\r\\nb" cannot carry a claim'],
  ['a claim header named authorization', { providers: [inlineProvider(keys, { claim_to_headers: [{ header_name: 'Authorization', claim_name: 'sub' }] })] }, '/providers/0/claim_to_headers/0/header_name', '"Authorization" cannot carry a claim'],
  ['a bad cookie name', { providers: [inlineProvider(keys, { from_cookies: ['a;b'] })] }, '/providers/0/from_cookies/0', '"a;b" is not a usable name'],
  ['a realm with a quote', { providers: [inlineProvider(keys)], realm: 'a"b' }, '/realm', 'must be printable ASCII without quotes or backslashes'],
  ['duplicate provider names', { providers: [inlineProvider(keys), inlineProvider(keys)] }, '/providers/1/name', 'duplicate provider "nomad"'],
  ['discovery without an issuer', { providers: [remoteProvider({ issuer: undefined }, { discovery: true, path: undefined })] }, '/providers/0/remote_jwks/discovery', "needs the provider's `issuer`"],
  ['discovery with an explicit path', { providers: [remoteProvider({}, { discovery: true })] }, '/providers/0/remote_jwks/path', 'with `discovery`, the path comes from the issuer'],
  ['an unknown algorithm', { providers: [inlineProvider(keys, { algorithms: ['HS256'] })] }, '/providers/0/algorithms', 'unknown algorithm "HS256"'],
  ['a Vault role that is not a jwt role', { providers: [vaultProvider({ role: { ...role, role_type: 'oidc' } })] }, '/providers/0/vault/role/role_type', 'role with oidc role_type is not allowed (role_type is "oidc"; JWT login needs "jwt")'],
  ['a Vault role Vault would refuse', { providers: [vaultProvider({ role: { role_type: 'jwt', bound_audiences: ['x'] } })] }, '/providers/0/vault/role/user_claim', /a user claim must be defined on the role/],
  ['a misspelt Vault role field', { providers: [vaultProvider({ role: { ...role, bound_claim: { nomad_job_id: 'mongo' } } })] }, '/providers/0/vault/role/bound_claim',
    'unknown Vault role field "bound_claim": Vault would ignore it, and a misspelt bound widens access; correct it, or set vault.ignore_unknown_role_fields to ignore unknown fields as Vault does'],
  ['an unknown Vault option', { providers: [vaultProvider({ role, ignore_unknown_fields: true })] }, '/providers/0/vault/ignore_unknown_fields', /^unknown field `ignore_unknown_fields`, expected one of /],
  ['a policy that does not parse', { providers: [vaultProvider({ role, policies: [{ name: 'p', policy: 'path "a" {' }] })] }, '/providers/0/vault/policies/0', /./],
  ['an unknown on_jwks_failure', { providers: [inlineProvider(keys)], on_jwks_failure: '500' }, '/on_jwks_failure', 'unknown variant `500`, expected `503` or `401`'],
  ['a regex subject matcher', { providers: [inlineProvider(keys, { subjects: { safe_regex: { regex: '.*' } } })] }, '/providers/0/subjects/safe_regex', /^not supported \(the filter has no regex engine\)/],
  ['a stat_prefix with a dot', { providers: [inlineProvider(keys)], stat_prefix: 'a.b' }, '/stat_prefix', 'must be non-empty [A-Za-z0-9_-]'],
];

const PREFIX = 'jwtgate: rejecting plugin configuration: invalid filter configuration at ';

for (const [what, config, at, reason] of invalid) {
  test(`a configuration with ${what} is rejected by the canary with one line naming ${at}`, () => {
    const e = envoy(config);
    assert.equal(e.loaded, false);
    assert.match(e.loadError, /plugin configuration rejected by the canary/);
    const lines = e.logsMatching(/^jwtgate: rejecting plugin configuration: /);
    assert.equal(lines.length, 1, JSON.stringify(e.logs));
    assert.equal(lines[0].level, 4); // error
    const msg = lines[0].msg;
    assert.ok(msg.startsWith(`${PREFIX}${at}: `), msg);
    const tail = msg.slice(`${PREFIX}${at}: `.length);
    if (typeof reason === 'string') assert.equal(tail, reason);
    else assert.match(tail, reason);
    assert.equal(e.workers.length, 0);
  });
}

test('ignore_unknown_role_fields: true accepts unknown role fields as Vault does, one warning line each per VM', () => {
  const e = envoy({ providers: [vaultProvider({ ignore_unknown_role_fields: true, role: { ...role, bound_claim: { nomad_job_id: 'mongo' }, token_tll: '1h' } })] }, { workers: 2 });
  assert.equal(e.loadError, null);
  const warnings = e.logs.filter((l) => l.level === 3);
  const expected = (field) => `jwtgate: provider "nomad": unknown Vault role field "${field}" at /providers/0/vault/role/${field} ignored (vault.ignore_unknown_role_fields; Vault ignores it too, with a warning)`;
  for (const vm of ['canary', 'worker0', 'worker1']) {
    assert.deepEqual(warnings.filter((l) => l.vm === vm).map((l) => l.msg), [expected('bound_claim'), expected('token_tll')]);
  }
  // Known fields Vault only uses when it issues its own token (token_ttl) are no warning.
  const quiet = envoy({ providers: [vaultProvider({ role: { ...role, token_ttl: '1h' } })] });
  assert.equal(quiet.loadError, null);
  assert.deepEqual(quiet.logs.filter((l) => l.level === 3), []);
});

test('an inline key skipped beside a usable one is a warning naming it, not a refusal', () => {
  const e = envoy({ providers: [inlineProvider({ keys: [...keys.keys, { kty: 'oct', kid: 'h', k: 'c2VjcmV0' }] })] }, { workers: 1 });
  assert.equal(e.loadError, null);
  assert.deepEqual(e.logs.filter((l) => l.level === 3 && l.vm === 'canary').map((l) => l.msg),
    ['jwtgate: provider "nomad": key skipped: /providers/0/jwks/keys/1 (kid "h"): unsupported kty "oct"']);
});

test('on_configure depends on nothing but the configuration bytes (Envoy skips a worker that fails it)', () => {
  // Garbage in every shared-data key the filter uses, a clock far in the future: a worker VM
  // configured in that state must accept what the canary accepted.
  const shared = new Map([['jwtgate', new Map([
    ['jwtgate.vm-seq', { value: Buffer.from('not a number'), cas: 7 }],
    ['jwtgate.jwks|nomad_jwks|nomad.example:4646|/.well-known/jwks.json', { value: Buffer.from('\u0000garbage'), cas: 8 }],
    ['jwtgate.jwks|nomad_jwks|nomad.example:4646|/.well-known/jwks.json|lock', { value: Buffer.from('vm9\n99999999999999'), cas: 9 }],
  ])]]);
  const e = envoy({ providers: [remoteProvider()] }, { workers: 3, sharedData: shared, nowMs: 4_000_000_000_000 });
  assert.equal(e.loadError, null);
  for (const wk of e.workers) assert.equal(wk.unfiltered, false);
  const r = e.send({});
  assert.equal(r.unfiltered, undefined);
  assert.equal(r.json.code, 'ERR_TOKEN_MISSING');
});
