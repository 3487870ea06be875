// The login-order vectors (tests/vectors/login-order/, format in its README) through the built
// filter on the host JWTGATE_ENVOY_HOST names. The filter sees one request at a time and answers
// as Vault would if that request's token had logged in last, so each vector maps onto it as:
// - configure time: the filter configured with the vector's role and policies logs one warning
//   line per expected security or reliability finding, naming its code, severity and alias key,
//   and none when the vector expects no hazard;
// - per request: for every decision of the simulation (every logged-in token after each login,
//   every "request by one token" step), that token's request gets the answer the token would
//   get had it logged in last: the vector's decision, flipped when the vector says it depends
//   on login order (`dependsOnOrder`). Allowed = forwarded upstream, denied = 403.
// - per answer: each of the vector's `answers` (a token whose own login wrote that alias), at
//   debug level: the answer as expected, and the filter's debug line says "depends on login
//   order" exactly when another login sharing the alias would flip it (`dependsOnOrder`).
// Vectors that declare `knowledge` (what the issuer's claims determine) pass it as the gate
// configuration's `vault.knowledge` (its snake_case members).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envoy, repoRoot } from './support.mjs';
import { keyPair, jwks, mint } from './jwt.mjs';

const dir = join(repoRoot, 'tests', 'vectors', 'login-order');
const read = (f) => readFileSync(join(dir, f), 'utf8');
const vectors = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => ({ file: f, doc: JSON.parse(read(f)) }));
const pair = keyPair('EdDSA', 'login-order');

/** The gate configuration for a vector: one provider with its role, policies and accessor. */
function configOf(doc) {
  const role = doc.roleFile ? JSON.parse(read(doc.roleFile)) : doc.role;
  return {
    providers: [{
      name: 'vault-jwt',
      jwks: jwks(pair),
      vault: {
        role,
        role_name: doc.roleName,
        accessor: doc.accessor,
        policies: doc.policies.map((p) => ({ name: p.name, policy: p.text ?? read(p.file) })),
        ...(doc.knowledge ? { knowledge: knowledgeOf(doc.knowledge) } : {}),
      },
    }],
  };
}

/** The vector's `knowledge` (camelCase) as the gate configuration's `vault.knowledge`. */
function knowledgeOf(k) {
  const snake = { extraClaims: 'extra_claims', mayBeEmpty: 'may_be_empty' };
  return Object.fromEntries(Object.entries(k).map(([key, v]) => [snake[key] ?? key, v]));
}

/**
 * Claims whose login writes `alias` under `role`: the alias metadata (`role` aside) as claims of
 * the same names (every vector maps a claim to the key of its name), and the alias name at the
 * role's `user_claim` (a JSON pointer, nested objects created).
 */
function claimsFor(role, alias) {
  const claims = { aud: role.bound_audiences?.[0] ?? 'vault.io' };
  for (const [k, v] of Object.entries(alias.metadata)) if (k !== 'role') claims[k] = v;
  const path = role.user_claim.replace(/^\//, '').split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  let at = claims;
  path.slice(0, -1).forEach((t) => { at = at[t] ??= {}; });
  at[path[path.length - 1]] = alias.name;
  return claims;
}

/** The request for `path` read by a Vault client (`operation` read = GET /v1/path). */
function requestOf(path, operation) {
  assert.equal(operation, 'read', 'the vectors read; other operations have no one HTTP method');
  return { method: 'GET', path: `/v1/${path}` };
}

/** What the token would get had it logged in last: the decision, flipped when it depends on order. */
const ifLast = (decision, depends) => (depends ? (decision === 'allowed' ? 'denied' : 'allowed') : decision);

for (const { file, doc } of vectors) {
  const hazards = (doc.analysis.findings ?? []).filter((f) => f.severity !== 'notice');
  test(`login-order vector in the filter: ${file}`, () => {
    const now = doc.now + 60;
    const e = envoy(configOf(doc), { nowMs: now * 1000 });
    assert.equal(e.loadError, null);
    // Configure time: one warning line per hazard, per VM, in the analysis' order.
    {
      const lines = e.logsMatching(/^jwtgate: provider "vault-jwt": login-order hazard /);
      const perVm = new Map();
      for (const l of lines) perVm.set(l.vm, [...(perVm.get(l.vm) ?? []), l]);
      if (!doc.analysis.hazard) assert.equal(lines.length, 0, lines.map((l) => l.msg).join('\n'));
      else assert.ok(perVm.size >= 1, 'a hazard is logged');
      for (const list of perVm.values()) {
        if (doc.analysis.findings) assert.equal(list.length, hazards.length, list.map((l) => l.msg).join('\n'));
        else assert.ok(list.length >= 1);
        list.forEach((l, i) => {
          assert.equal(l.level, 3, 'warn');
          const f = hazards[i];
          if (!f) return;
          assert.ok(l.msg.includes(`(${f.code}, ${f.severity}): `), `${f.code}: ${l.msg}`);
          if (f.aliasKey) assert.ok(l.msg.includes(`alias metadata key "${f.aliasKey}"`), `${f.aliasKey}: ${l.msg}`);
        });
      }
    }
    // Per answer, at debug level (the hosts' default here): the mark on the request's debug line.
    const role = doc.roleFile ? JSON.parse(read(doc.roleFile)) : doc.role;
    for (const a of doc.answers ?? []) {
      if (a.request.operation !== 'read') {
        console.log(`skipped: login-order/${file} answer ${a.request.operation} ${a.request.path} in the filter: an HTTP method maps to more than the one operation (PUT: update or create)`);
        continue;
      }
      const t = mint(pair, { ...claimsFor(role, a.alias), iat: now - 30, nbf: now - 30, exp: now + 3600 });
      const req = requestOf(a.request.path, a.request.operation);
      const before = e.logsMatching(/depends on login order/).length;
      const r = e.request({ ...req, headers: [['authorization', `Bearer ${t}`]] });
      const at = `answer ${req.method} ${req.path}`;
      assert.equal(r.state, a.allowed ? 'continued' : 'replied', `${at}: ${r.reply ? r.reply.body.toString() : r.state}`);
      const lines = e.logsMatching(/depends on login order/).slice(before);
      assert.equal(lines.length, a.dependsOnOrder ? 1 : 0, `${at}: ${lines.map((l) => l.msg).join('\n')}`);
      if (!a.dependsOnOrder) continue;
      assert.equal(lines[0].level, 1, 'debug');
      assert.match(lines[0].msg, a.allowed ? /^jwtgate: allowed: GET / : /^jwtgate: denied: .*\(ERR_POLICY_DENIED\); depends on login order: /);
      const [[key, value]] = Object.entries(a.login);
      assert.ok(lines[0].msg.includes(value === null ? `another ${key}` : `${key} = `), lines[0].msg);
    }
    // Per request: every decision of the simulation, as that token's answer had it logged in last.
    const sim = doc.simulation;
    if (!sim) return;
    const tokens = new Map();
    let asked = 0;
    sim.steps.forEach((step, i) => {
      const want = sim.expect[i];
      if (step.login !== undefined) {
        tokens.set(step.login, mint(pair, { ...step.claims, iat: now - 30, nbf: now - 30, exp: now + 3600 }));
      }
      const depends = new Set(want.dependsOnOrder ?? []);
      for (const [label, decision] of Object.entries(want.decisions ?? {})) {
        const req = step.request !== undefined ? requestOf(step.request.path, step.request.operation) : requestOf(sim.request.path, sim.request.operation);
        const r = e.request({ ...req, headers: [['authorization', `Bearer ${tokens.get(label)}`]] });
        const expected = ifLast(decision, depends.has(label));
        const at = `step ${i + 1}, ${label} ${req.method} ${req.path}`;
        if (expected === 'allowed') assert.equal(r.state, 'continued', `${at}: ${r.reply ? r.reply.body.toString() : r.state}`);
        else {
          assert.equal(r.state, 'replied', at);
          assert.equal(r.reply.status, 403, `${at}: ${r.reply.body.toString()}`);
          assert.equal(r.json.code, 'ERR_POLICY_DENIED', at);
        }
        asked++;
      }
    });
    assert.ok(asked > 0, 'the simulation decided something');
  });
}

test('every login-order vector is there', () => {
  assert.ok(vectors.length >= 7, `${vectors.length} vectors`);
});
