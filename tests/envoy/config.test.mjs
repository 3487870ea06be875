// Plugin configuration: parsed and validated once per root context; an invalid one fails the
// canary's on_configure with one clear log line, and Envoy then refuses the filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider, remoteProvider } from './support.mjs';

const keys = { keys: [] };

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

const invalid = [
  ['not JSON', 'providers: []', /plugin configuration is not valid JSON/],
  ['a duplicate member', '{"providers": [], "providers": []}', /duplicate member "providers"/],
  ['no providers', { providers: [] }, /at providers: at least one provider is required/],
  ['an unknown field', { providers: [inlineProvider(keys)], bypass_cors: true }, /unknown field `bypass_cors`/],
  ['two key sources', { providers: [inlineProvider(keys, { pem: ['x'] })] }, /providers\[0\]: exactly one of `jwks`, `pem` or `remote_jwks`/],
  ['a zero fetch timeout', { providers: [remoteProvider({}, { timeout_ms: 0 })] }, /providers\[0\]\.remote_jwks\.timeout_ms: must be between 1 and 60000/],
  ['a path without /', { providers: [remoteProvider({}, { path: 'jwks.json' })] }, /remote_jwks\.path/],
  ['a rule naming an unknown provider', { providers: [inlineProvider(keys)], rules: [{ prefix: '/', providers: ['vault'] }] }, /rules\[0\]\.providers: unknown provider "vault"/],
  ['a rule with prefix and exact', { providers: [inlineProvider(keys)], rules: [{ prefix: '/', exact: '/x' }] }, /rules\[0\]: exactly one of `prefix` or `exact`/],
  ['a bad claim header', { providers: [inlineProvider(keys, { claim_to_headers: [{ header_name: 'x-a\r\nb', claim_name: 'sub' }] })] }, /claim_to_headers\[0\]\.header_name/],
  ['a claim header named authorization', { providers: [inlineProvider(keys, { claim_to_headers: [{ header_name: 'Authorization', claim_name: 'sub' }] })] }, /cannot carry a claim/],
  ['a realm with a quote', { providers: [inlineProvider(keys)], realm: 'a"b' }, /realm/],
  ['duplicate provider names', { providers: [inlineProvider(keys), inlineProvider(keys)] }, /duplicate provider "nomad"/],
  ['discovery without an issuer', { providers: [remoteProvider({ issuer: undefined }, { discovery: true, path: undefined })] }, /remote_jwks\.discovery: needs the provider's `issuer`/],
  ['discovery with an explicit path', { providers: [remoteProvider({}, { discovery: true })] }, /remote_jwks\.path: with `discovery`/],
  ['an unknown algorithm', { providers: [inlineProvider(keys, { algorithms: ['HS256'] })] }, /algorithms: unknown algorithm "HS256"/],
  ['a Vault role that is not a jwt role', { providers: [inlineProvider(keys, { audiences: [], vault: { role: { role_type: 'oidc' } } })] }, /vault\.role/],
  ['a policy that does not parse', { providers: [inlineProvider(keys, { audiences: [], vault: { role: { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['x'] }, policies: [{ name: 'p', policy: 'path "a" {' }] } })] }, /vault\.policies\[0\]/],
  ['an unknown on_jwks_failure', { providers: [inlineProvider(keys)], on_jwks_failure: '500' }, /on_jwks_failure|unknown variant/],
];

for (const [what, config, message] of invalid) {
  test(`a configuration with ${what} is rejected by the canary with a clear log line`, () => {
    const e = envoy(config);
    assert.equal(e.loaded, false);
    assert.match(e.loadError, /plugin configuration rejected by the canary/);
    const lines = e.logsMatching(/^jwtgate: rejecting plugin configuration: /);
    assert.equal(lines.length, 1, JSON.stringify(e.logs));
    assert.equal(lines[0].level, 4); // error
    assert.match(lines[0].msg, message);
    assert.equal(e.workers.length, 0);
  });
}

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
