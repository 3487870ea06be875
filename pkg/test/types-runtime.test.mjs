// The report types of index.d.ts against what the package returns (issue 21): for each typed
// object, every member the engine returns is declared, and every required member is returned.
// The declarations are read from index.d.ts itself (top-level members of each interface), so a
// member added on either side without the other fails here; test/types/typed.ts checks they
// compile under --strict.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKG, ROOT } from './helpers.mjs';
import * as jwtgate from '../index.node.js';

/** interface name → { member → optional? } from index.d.ts. */
function declared() {
  const dts = readFileSync(join(PKG, 'index.d.ts'), 'utf8');
  const out = {};
  for (const m of dts.matchAll(/^export interface (\w+)(?:<[^>]*>)?(?: extends [^{]+)? \{\n([\s\S]*?)^\}/gm)) {
    const members = {};
    for (const line of m[2].split('\n')) {
      const mm = /^ {2}(\w+)(\??)\s*[:(<]/.exec(line);
      if (mm) members[mm[1]] = mm[2] === '?';
    }
    out[m[1]] = members;
  }
  return out;
}
const types = declared();

function conforms(name, value) {
  const members = types[name];
  assert.ok(members, `index.d.ts declares ${name}`);
  assert.equal(typeof value, 'object', name);
  for (const k of Object.keys(value)) assert.ok(k in members, `${name}.${k} is returned but not declared`);
  for (const [k, optional] of Object.entries(members)) {
    if (!optional) assert.ok(k in value, `${name}.${k} is declared required but not returned`);
  }
}

const S = join(ROOT, 'tests', 'fixtures', 'sample');
const role = JSON.parse(readFileSync(join(S, 'role.json'), 'utf8'));
const policy = readFileSync(join(S, 'policy.hcl'), 'utf8');
const now = 1767225601;
const m = jwtgate.mintTestIdentity({ job: 'mongo', audience: 'vault.io', issuer: 'https://nomad.example.com', now: now - 1 });

test('Verified, Report, Check, KeyInfo and Alias match what verify returns', () => {
  const v = jwtgate.verify(m.token, { jwks: m.jwks, role, now });
  conforms('Verified', v);
  conforms('Report', v.report);
  for (const c of v.report.checks) conforms('Check', c);
  conforms('KeyInfo', v.key);
  conforms('Alias', v.alias);
});

test('AuthorizeReport and its parts match what authorize returns, allowed and denied', () => {
  const policies = [
    { name: 'p', text: policy },
    { name: 'q', text: 'path "kv/data/default/*" { capabilities = ["list"] }\npath "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.missing}}/x" { capabilities = ["read"] }' },
  ];
  for (const request of [{ path: 'kv/data/default/mongo/config', capability: 'read' }, { path: 'secret/other', capability: 'update' }]) {
    const r = jwtgate.authorize(m.token, { jwks: m.jwks, role, now, policies, request });
    conforms('AuthorizeReport', r);
    conforms('EvaluatedRequest', r.request);
    conforms('Report', r.verification);
    conforms('Alias', r.alias);
    for (const c of [...r.steps, ...r.verification.checks]) conforms('Check', c);
    for (const p of r.rendered) conforms('RenderedPath', p);
    for (const d of r.dropped) conforms('DroppedPath', d);
    for (const o of r.others) {
      conforms('OtherRule', o);
      conforms('Rule', o.rule);
    }
    if (r.winner !== null) {
      conforms('Rule', r.winner);
      for (const s of r.winner.sources) conforms('RuleSource', s);
    }
  }
});

test('LoginOrderNote and its parts match authorize\'s loginOrder and the gate\'s login_order / login_fix', async () => {
  const r = jwtgate.authorize(m.token, { jwks: m.jwks, role, now, policies: [{ name: 'p', text: policy }], request: { path: 'kv/data/default/mongo/config', capability: 'read' } });
  conforms('LoginOrderNote', r.loginOrder);
  for (const f of r.loginOrder.hazards) conforms('LoginOrderFinding', f);
  conforms('LoginOrderSuggestion', r.loginOrder.fix);
  conforms('LoginOrderDependence', r.loginOrder.depends);
  const c = JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'gate', 'allow', 'vault-role-and-policy.json'), 'utf8'));
  const gate = jwtgate.createGate(c.config);
  try {
    const d = await gate.decide({ method: 'GET', path: c.request.path, headers: [['authorization', `Bearer ${c.token}`]] }, { now: c.now });
    conforms('Decision', d);
    for (const f of d.login_order) conforms('LoginOrderFinding', f);
    conforms('LoginOrderSuggestion', d.login_fix);
    conforms('LoginOrderDependence', d.depends_on_login_order);
  } finally {
    gate.free();
  }
});

test('RenderedPolicies matches renderPolicies (module and Verifier)', () => {
  const policies = [{ name: 'p', text: policy }];
  conforms('RenderedPolicies', jwtgate.renderPolicies(m.token, { jwks: m.jwks, role, now, policies }));
  const v = jwtgate.createVerifier({ jwks: m.jwks, role });
  try {
    const r = v.renderPolicies(m.token, { policies, now });
    conforms('RenderedPolicies', r);
    for (const p of r.rendered) conforms('RenderedPath', p);
  } finally {
    v.free();
  }
});

test('TrustPolicyResult and its parts match evaluateTrustPolicy, with and without keys', () => {
  const host = 'nomad.example.com';
  const trustPolicy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'a', Effect: 'Allow', Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:aud`]: 'vault.io' } } },
      { Effect: 'Deny', Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { 'ForAnyValue:StringLike': { [`${host}:sub`]: 'x*' } } },
    ],
  };
  for (const keys of [{ jwks: m.jwks }, {}]) {
    const r = jwtgate.evaluateTrustPolicy(m.token, { ...keys, providerUrl: `https://${host}`, trustPolicy, clientIds: ['vault.io'], now });
    conforms('TrustPolicyResult', r);
    for (const c of [...r.preflight, ...r.steps]) conforms('Check', c);
    conforms('TrustReport', r.trust);
    for (const s of r.trust.statements) {
      conforms('TrustStatement', s);
      for (const c of s.conditions) conforms('TrustCondition', c);
    }
  }
  const bare = jwtgate.evaluateTrustPolicy(m.token, { providerUrl: `https://${host}`, now });
  conforms('TrustPolicyResult', bare);
  assert.equal(bare.trust, null);
});
