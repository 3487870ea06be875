// Every recursive reader at and beyond its fixed depth cap, through the wasm build: the cases of
// tests/vectors/limits/max-depth.json (also run natively by tests/limits.rs on a 1 MiB stack),
// read with `limits` raised far above the caps. Each must end in a JwtgateError or a result,
// never a RangeError or a wasm trap; and the module must still answer afterwards.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jwtgate from '../index.node.js';
import { ROOT } from './helpers.mjs';

const { JwtgateError } = jwtgate;
const doc = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/limits/max-depth.json'), 'utf8'));
const sample = (name) => readFileSync(join(ROOT, 'tests/fixtures/sample', name), 'utf8');
const jwks = sample('jwks.json');
const role = sample('role.json');
const token = sample('token.jwt').trim();
const now = Number(sample('now.txt').trim());
const limits = doc.limits;
// The trust policy is read after the token verifies, and AWS needs an issuer: a minted one.
const aws = jwtgate.mintTestIdentity({ issuer: 'https://nomad.example', audience: 'sts.amazonaws.com', now });

const build = (c) => c.before + c.open.repeat(c.repeat) + c.inner + c.close.repeat(c.repeat) + c.after;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');
const unsigned = (header, claims) => `${b64(header)}.${b64(claims)}.c2ln`;

/** Reads `text` as the case's kind of document through the npm API; returns what happened. */
const READ = {
  policy: (text) =>
    jwtgate
      .createVerifier({ jwks, role, roleName: 'nomad-workloads', limits })
      .authorize(token, { policies: [text], request: { path: 'a', capability: 'read' }, now }),
  claims: (text) => jwtgate.verify(unsigned('{"alg":"EdDSA"}', text), { jwks, limits, now }),
  header: (text) => jwtgate.verify(unsigned(text, '{}'), { jwks, limits, now }),
  jwks: (text) => jwtgate.createVerifier({ jwks: text, limits }),
  role: (text) => jwtgate.createVerifier({ jwks, role: text, roleName: 'r', limits }),
  config: (text) => jwtgate.createVerifier({ jwks, role, roleName: 'r', config: text, limits }),
  trust_policy: (text) =>
    jwtgate.evaluateTrustPolicy(aws.token, { trustPolicy: text, providerUrl: 'https://nomad.example', jwks: aws.jwks, limits, now }),
};

test('the vectors raise the configured limit far above the caps', () => {
  assert.equal(limits.maxJsonDepth, 1_000_000_000);
  assert.ok(doc.cases.length >= 40);
  for (const c of doc.cases) assert.ok(READ[c.doc], `${c.id}: no Node reader for ${c.doc}`);
});

for (const c of doc.cases) {
  test(`${c.id} (${c.doc}, ${c.repeat} levels)`, () => {
    let outcome;
    try {
      outcome = { value: READ[c.doc](build(c)) };
    } catch (e) {
      outcome = { error: e };
    }
    if (outcome.error !== undefined) {
      assert.ok(outcome.error instanceof JwtgateError, `${c.id}: not a JwtgateError: ${outcome.error}`);
    }
    if (c.expect === 'within') {
      assert.notEqual(outcome.error?.code, 'ERR_LIMIT_EXCEEDED', `${c.id}: refused at the cap: ${outcome.error?.message}`);
    } else {
      assert.ok(outcome.error, `${c.id}: accepted`);
      assert.equal(outcome.error.code, c.expect.code, outcome.error.message);
      assert.ok(outcome.error.message.includes(c.expect.message_contains), outcome.error.message);
    }
  });
}

test('the module still answers after the deepest inputs', () => {
  const v = jwtgate.createVerifier({ jwks, role, roleName: 'nomad-workloads' });
  assert.equal(v.verify(token, { now }).alias.name.length > 0, true);
});
