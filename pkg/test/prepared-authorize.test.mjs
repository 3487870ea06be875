// Verifier.authorize names the policy set the core already keeps instead of copying its text,
// and asks for `rendered` only when it is read (pkg/src/api.js). What callers get must not
// change: every report is compared with the core's eager answer for the same input, made on a
// core verifier of its own (src/js.rs `Verifier::authorize` without `set` or `lazy`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jwtgate from '../index.node.js';
import { wasm } from '../src/engine.js';
import { unwrap } from '../src/errors.js';
import { ROOT } from './helpers.mjs';

const c = JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'e2e', 'nomad-vault-tutorial.json'), 'utf8'));
const v = c.vault;
const options = { jwks: c.jwks, role: v.role, roleName: v.role_name, config: v.config };
const { token, now } = c;
const accessor = v.accessor;
const read = { path: 'kv/data/default/mongo/config', capability: 'read' };
const [tutorial] = v.policies;
// The same policy as another text: it grants nothing the request needs.
const listOnly = { name: tutorial.name, text: 'path "kv/metadata/*" { capabilities = ["list"] }' };

/**
 * The core's eager answer (every member, `rendered` included) on a fresh core verifier, and
 * last, when the setup's answers depend on login order, the core's note for it (`loginOrder`,
 * with `depends` when this answer does).
 */
function eager(input) {
  const core = new wasm.Verifier();
  try {
    unwrap(core.configure(JSON.stringify({ ...options, role: JSON.stringify(v.role), config: JSON.stringify(v.config), jwks: JSON.stringify(c.jwks) })));
    const report = unwrap(core.authorize(new TextEncoder().encode(token), JSON.stringify(input), now));
    const setup = { role: JSON.stringify(v.role), roleName: v.role_name, policies: input.policies, accessor: input.accessor };
    const note = unwrap(wasm.loginOrderNote(JSON.stringify(setup)));
    if (note === null) return report;
    // Whether this answer depends on login order (src/login_order/depends.rs), asked of the core.
    const depends = unwrap(wasm.loginOrderDepends(JSON.stringify({ ...setup, alias: report.alias, request: report.request, allowed: report.allowed }), now));
    return { ...report, loginOrder: depends === null ? note : { ...note, depends } };
  } finally {
    core.free();
  }
}

/** `report` is `expected` to every reader: members, order, JSON text, inspection. */
function same(report, expected) {
  assert.deepStrictEqual(Object.keys(report), Object.keys(expected));
  assert.deepStrictEqual(report, expected);
  assert.equal(JSON.stringify(report), JSON.stringify(expected));
  assert.equal(inspect(report, { depth: 6 }), inspect(expected, { depth: 6 }));
  assert.deepStrictEqual(structuredClone(report), expected);
}

test('a cached token authorized again answers what the core answers eagerly, rendered included', () => {
  const expected = eager({ policies: [tutorial], accessor, request: read });
  assert.equal(expected.allowed, true);
  assert.ok(expected.rendered.length > 0);
  const verifier = jwtgate.createVerifier(options);
  for (let i = 0; i < 3; i++) {
    // A new array and new objects each time: the texts are what is compared.
    same(verifier.authorize(token, { policies: [{ ...tutorial }], accessor, request: read, now }), expected);
  }
  // Each report has its own members: changing one changes no later one.
  const mine = verifier.authorize(token, { policies: [tutorial], accessor, request: read, now });
  mine.verification.checks.length = 0;
  mine.rendered.length = 0;
  same(verifier.authorize(token, { policies: [tutorial], accessor, request: read, now }), expected);
  // `rendered` read first, then the rest.
  const r = verifier.authorize(token, { policies: [tutorial], accessor, request: read, now });
  assert.deepStrictEqual(r.rendered, expected.rendered);
  same(r, expected);
  // `rendered` can be replaced like any member.
  r.rendered = 'mine';
  assert.equal(r.rendered, 'mine');
  verifier.free();
});

test('changing the policies between calls changes the answer (same array, mutated)', () => {
  const verifier = jwtgate.createVerifier(options);
  const policies = [tutorial];
  const allowed = eager({ policies: [tutorial], accessor, request: read });
  const denied = eager({ policies: [listOnly], accessor, request: read });
  assert.equal(denied.allowed, false);
  same(verifier.authorize(token, { policies, accessor, request: read, now }), allowed);
  policies[0] = listOnly;
  same(verifier.authorize(token, { policies, accessor, request: read, now }), denied);
  // Mutating the object in place, too.
  const obj = { ...tutorial };
  policies[0] = obj;
  same(verifier.authorize(token, { policies, accessor, request: read, now }), allowed);
  obj.text = listOnly.text;
  same(verifier.authorize(token, { policies, accessor, request: read, now }), denied);
  // A report read late renders the set it was decided with.
  const early = verifier.authorize(token, { policies: [tutorial], accessor, request: read, now });
  verifier.authorize(token, { policies: [listOnly], accessor, request: read, now });
  same(early, allowed);
  verifier.free();
});

test('two verifiers never answer with each other\'s policies', () => {
  const a = jwtgate.createVerifier(options);
  const b = jwtgate.createVerifier(options);
  const allowed = eager({ policies: [tutorial], accessor, request: read });
  const denied = eager({ policies: [listOnly], accessor, request: read });
  for (let i = 0; i < 3; i++) {
    same(a.authorize(token, { policies: [tutorial], accessor, request: read, now }), allowed);
    same(b.authorize(token, { policies: [listOnly], accessor, request: read, now }), denied);
  }
  a.free();
  b.free();
});

test('a set the core dropped for others is sent again; a late read survives free() and changed inputs', () => {
  const verifier = jwtgate.createVerifier(options);
  const expected = eager({ policies: [tutorial], accessor, request: read });
  same(verifier.authorize(token, { policies: [tutorial], accessor, request: read, now }), expected);
  // renderPolicies with other sets pushes it out of the core's few kept sets.
  for (let i = 0; i < 5; i++) verifier.renderPolicies(token, { policies: [{ name: `p${i}`, text: listOnly.text }], accessor, now });
  same(verifier.authorize(token, { policies: [tutorial], accessor, request: read, now }), expected);
  // The entity and accessor of the call, even when the caller's objects change afterwards.
  const entity = { entity_name: 'eu' };
  const withEntity = eager({ policies: [tutorial], accessor, request: read, entity: { entity_name: 'eu' } });
  const late = verifier.authorize(token, { policies: [tutorial], accessor, request: read, now, entity });
  entity.entity_name = 'us';
  const otherAccessor = eager({ policies: [tutorial], accessor: 'auth_jwt_other', request: read });
  const late2 = verifier.authorize(token, { policies: [tutorial], accessor: 'auth_jwt_other', request: read, now });
  verifier.free();
  same(late, withEntity);
  same(late2, otherAccessor);
  assert.notDeepStrictEqual(late2.rendered, expected.rendered);
});

test('after a trap the policies and verification are sent again to the new engine, and an earlier report still reads', async () => {
  const { trapPackage, trapOnMarkedTokens } = await import('./trap-package.mjs');
  const { pathToFileURL } = await import('node:url');
  const copy = trapPackage();
  try {
    const load = (f) => import(pathToFileURL(join(copy.dir, f)).href);
    const api = await load('index.node.js');
    trapOnMarkedTokens(await load('dist/jwtgate.js'));
    const verifier = api.createVerifier(options);
    const expected = eager({ policies: [tutorial], accessor, request: read });
    // Twice: the second names the set and holds the verification.
    verifier.authorize(token, { policies: [tutorial], accessor, request: read, now });
    const before = verifier.authorize(token, { policies: [tutorial], accessor, request: read, now });
    assert.throws(() => verifier.verify('trap:unreachable', { now }), (e) => e.code === 'ERR_INTERNAL');
    for (let i = 0; i < 2; i++) same(verifier.authorize(token, { policies: [tutorial], accessor, request: read, now }), expected);
    same(before, expected);
    verifier.free();
  } finally {
    copy.remove();
  }
});
