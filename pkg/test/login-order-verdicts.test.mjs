// Issue 22, "everywhere a decision is shown": a Vault policy verdict whose answer depends on
// who logged in last says so beside the verdict, with the hazard (severity, alias key,
// consequence) and the fix. The npm `authorize` / `renderPolicies` reports (module and
// Verifier), the CLI's `authorize`, `render` and `gate` (text and --json), on the bundled sample
// (tests/fixtures/sample, the tutorial role: hazard) and on the fixed role of
// tests/vectors/login-order/fixed-role.json (no hazard: no note). The expected hazards and fix
// are the login-order vectors' hand-written expectations, not jwtgate's output.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from './helpers.mjs';
import * as jwtgate from '../index.node.js';

const S = join(ROOT, 'tests', 'fixtures', 'sample');
const V = join(ROOT, 'tests', 'vectors', 'login-order');
const sample = (f) => join(S, f);
const read = (f) => readFileSync(f, 'utf8');
const NOW = Number(read(sample('now.txt')).trim());
const token = read(sample('token.jwt')).trim();
const policy = read(sample('policy.hcl'));
const policies = [{ name: 'nomad-workloads', text: policy }];
const vault = { jwks: read(sample('jwks.json')), role: read(sample('role.json')), roleName: 'nomad-workloads', config: read(sample('config.json')) };

const tutorial = JSON.parse(read(join(V, 'tutorial.json')));
const fixed = JSON.parse(read(join(V, 'fixed-role.json')));
/** The tutorial vector's expected hazards (notices are not hazards) and fix. */
const wantHazards = tutorial.analysis.findings.filter((f) => f.severity !== 'notice');
const wantFix = tutorial.analysis.suggestions[0];
assert.ok(wantHazards.length > 0 && tutorial.analysis.hazard, 'the tutorial vector expects a hazard');
assert.equal(fixed.analysis.hazard, false, 'the fixed-role vector expects none');

const OWN = { path: 'kv/data/default/mongo/config', capability: 'read' };
const OTHER = { path: 'kv/data/default/redis/config', capability: 'read' };
const PROD = { path: 'kv/data/prod/mongo/config', capability: 'read' };
/** The tutorial vector's hand-written single answers of the sample token, by path and operation. */
const wantAnswer = (r) => tutorial.answers.find((a) => a.request.path === r.path && a.request.operation === r.capability);
for (const r of [OWN, OTHER, PROD]) assert.ok(wantAnswer(r), `the tutorial vector has an answer for ${r.path}`);

/** The per-answer mark against the vector: present exactly when it depends, with the other login. */
function assertDepends(depends, request, where) {
  const want = wantAnswer(request);
  if (!want.dependsOnOrder) {
    assert.equal(depends, undefined, `${where}: does not depend on login order`);
    return;
  }
  assert.ok(depends, `${where}: depends on login order`);
  assert.equal(depends.verdict, want.allowed ? 'allowed' : 'denied', where);
  assert.equal(depends.otherwise, want.allowed ? 'denied' : 'allowed', where);
  assert.deepEqual(depends.login, want.login, `${where}: the other login`);
  assert.equal(depends.exact, true);
  assert.match(depends.message, /alias "mongo"/);
}

/** The note against the vector: hazards in order (code, severity, alias key), a consequence, the fix. */
function assertNote(note, where) {
  assert.ok(note, `${where}: a note`);
  assert.deepEqual(
    note.hazards.map((f) => [f.code, f.severity, f.aliasKey]),
    wantHazards.map((f) => [f.code, f.severity, f.aliasKey]),
    `${where}: hazards`,
  );
  for (const f of note.hazards) assert.ok(f.message.length > 0, `${where}: a consequence in words`);
  assert.equal(note.fix?.userClaim, wantFix, `${where}: fix`);
  assert.equal(note.fix.verified, true);
  assert.match(note.fix.nomadAgentConfig, /extra_claims \{\n\s+nomad_workload_id = "\$\{job.region\}:\$\{job.namespace\}:\$\{job.id\}"/);
}

// The fixed role: a token with the extra claim it keys aliases on, its keys, the vector's role.
const minted = jwtgate.mintTestIdentity({
  job: 'mongo',
  namespace: 'default',
  audience: 'vault.io',
  now: NOW - 60,
  extraClaims: { nomad_workload_id: 'global:default:mongo' },
});
const fixedPolicies = fixed.policies.map((p) => ({ name: p.name, text: p.text ?? read(join(V, p.file)) }));
const fixedOptions = { jwks: minted.jwks, role: fixed.role, roleName: fixed.roleName, knowledge: fixed.knowledge };

test('npm authorize: allowed and denied answers on the sample carry the hazard and the fix, and depends only where another login flips them', () => {
  for (const request of [OWN, OTHER, PROD]) {
    const r = jwtgate.authorize(token, { ...vault, policies, request, now: NOW });
    assert.equal(r.allowed, wantAnswer(request).allowed);
    assertNote(r.loginOrder, `authorize ${request.path}`);
    assertDepends(r.loginOrder.depends, request, `authorize ${request.path}`);
    // In the report as serialised, beside `allowed`.
    assert.deepEqual(JSON.parse(JSON.stringify(r)).loginOrder, r.loginOrder);
  }
});

test('Verifier.authorize and renderPolicies: the note on every call, none for a static policy', () => {
  const v = jwtgate.createVerifier(vault);
  try {
    for (let i = 0; i < 3; i++) {
      const request = [OWN, OTHER, PROD][i];
      const note = v.authorize(token, { policies, request, now: NOW }).loginOrder;
      assertNote(note, `call ${i + 1}`);
      assertDepends(note.depends, request, `Verifier.authorize ${request.path}`);
    }
    const staticPolicy = [{ name: 's', text: 'path "kv/data/default/mongo/*" { capabilities = ["read"] }' }];
    const plain = v.authorize(token, { policies: staticPolicy, request: OWN, now: NOW });
    assert.equal(plain.allowed, true);
    assert.equal('loginOrder' in plain, false, 'no templated key, no hazard');
    // Back to the templated policy: the note again (not the static set's answer).
    assertNote(v.authorize(token, { policies, request: OTHER, now: NOW }).loginOrder, 'after another set');
    assertNote(v.renderPolicies(token, { policies, now: NOW }).loginOrder, 'Verifier.renderPolicies');
  } finally {
    v.free();
  }
  assertNote(jwtgate.renderPolicies(token, { ...vault, policies, now: NOW }).loginOrder, 'renderPolicies');
});

test('npm authorize on the fixed role: the same answer, no note', () => {
  const r = jwtgate.authorize(minted.token, { ...fixedOptions, policies: fixedPolicies, request: OWN, now: NOW });
  assert.equal(r.allowed, true, JSON.stringify(r.steps));
  assert.equal(r.alias.name, 'global:default:mongo');
  assert.equal('loginOrder' in r, false);
  assert.equal(r.loginOrder, undefined);
});

const dir = mkdtempSync(join(tmpdir(), 'jwtgate-login-verdicts-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name, text) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const sampleArgs = ['--jwks', sample('jwks.json'), '--role', sample('role.json'), '--role-name', 'nomad-workloads', '--config', sample('config.json'), '--policy', `nomad-workloads=${sample('policy.hcl')}`, '--now', String(NOW)];
const HEAD = 'DEPENDS ON LOGIN ORDER (security: alias metadata "nomad_namespace" follows whoever logged in last)';

/** What the CLI prints under the verdict: each hazard (code, alias key, consequence) and the fix. */
function assertNoteText(stdout, where) {
  for (const f of wantHazards) {
    assert.ok(stdout.includes(`[${f.severity}] ${f.code} (alias key ${f.aliasKey})`), `${where}: ${f.code}`);
  }
  assert.match(stdout, /login order: this answer depends on who logged in last with the same entity alias/);
  assert.ok(stdout.includes('does not determine'), `${where}: the consequence`);
  assert.ok(stdout.includes(`the fix (re-checked: no hazard left)`), `${where}: the fix`);
  assert.ok(stdout.includes(`"user_claim": ${JSON.stringify(wantFix)}`), `${where}: the fix's user_claim`);
  assert.ok(stdout.includes('nomad_workload_id = "${job.region}:${job.namespace}:${job.id}"'), `${where}: the agent block`);
}

test('jwtgate authorize: the verdict line says it depends on login order, then the hazard and the fix', () => {
  const yes = cli(['authorize', `@${sample('token.jwt')}`, ...sampleArgs, '--path', OWN.path, '--capability', 'read']);
  assert.equal(yes.code, 0, yes.stderr);
  const first = yes.stdout.split('\n')[0];
  assert.ok(first.startsWith(`ALLOWED: read ${OWN.path}; ${HEAD}`), first);
  assertNoteText(yes.stdout, 'allowed');
  assert.ok(yes.stdout.includes('denied after a login with the same alias and another nomad_namespace'), yes.stdout);
  // redis's path: denied whoever logs in with alias "mongo": no mark, one line about the setup.
  const no = cli(['authorize', `@${sample('token.jwt')}`, ...sampleArgs, '--path', OTHER.path, '--capability', 'read']);
  assert.equal(no.code, 1, no.stderr);
  assert.equal(no.stdout.split('\n')[0], `DENIED: read ${OTHER.path}`);
  assert.match(no.stdout, /login order: this answer does not depend on who logged in last .*1 login-order hazard/);
  assert.doesNotMatch(no.stdout, /DEPENDS ON LOGIN ORDER/);
  // prod/mongo's path: denied now, allowed once prod/mongo logs in.
  const prod = cli(['authorize', `@${sample('token.jwt')}`, ...sampleArgs, '--path', PROD.path, '--capability', 'read']);
  assert.equal(prod.code, 1, prod.stderr);
  assert.equal(prod.stdout.split('\n')[0], `DENIED: read ${PROD.path}; ${HEAD}`);
  assertNoteText(prod.stdout, 'denied');
  assert.ok(prod.stdout.includes('allowed after a login with the same alias and nomad_namespace = "prod"'), prod.stdout);
  const json = cli(['authorize', `@${sample('token.jwt')}`, ...sampleArgs, '--path', OWN.path, '--capability', 'read', '--json']);
  assert.equal(json.code, 0);
  assert.equal(json.json.allowed, true);
  assertNote(json.json.loginOrder, 'authorize --json');
  assertDepends(json.json.loginOrder.depends, OWN, 'authorize --json');
});

test('jwtgate authorize and render on the fixed role: no login-order words', () => {
  const args = ['--jwks', file('jwks.json', JSON.stringify(minted.jwks)), '--role', file('fixed-role.json', JSON.stringify(fixed.role)), '--role-name', fixed.roleName, '--policy', `nomad-workloads=${sample('policy.hcl')}`, '--now', String(NOW)];
  const extra = Object.entries(fixed.knowledge.extraClaims).flatMap(([k, v]) => ['--extra-claim', `${k}=${v}`]);
  const tok = file('fixed.jwt', minted.token);
  const r = cli(['authorize', `@${tok}`, ...args, ...extra, '--path', OWN.path, '--capability', 'read']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ALLOWED: read kv\/data\/default\/mongo\/config/);
  assert.doesNotMatch(r.stdout, /LOGIN ORDER|login order/);
  const j = cli(['authorize', `@${tok}`, ...args, ...extra, '--path', OWN.path, '--capability', 'read', '--json']);
  assert.equal(j.json.allowed, true);
  assert.equal('loginOrder' in j.json, false);
  const rendered = cli(['render', `@${tok}`, ...args, ...extra]);
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.doesNotMatch(rendered.stdout, /LOGIN ORDER|login order/);
});

test('jwtgate render on the sample: the rendered paths are this token\'s only while it logged in last', () => {
  const r = cli(['render', `@${sample('token.jwt')}`, ...sampleArgs]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`${HEAD}: these paths are this token's only while it is the last to log in with alias "mongo"`), r.stdout);
  assertNoteText(r.stdout.replace(/^.*DEPENDS ON LOGIN ORDER.*$/m, 'login order: this answer depends on who logged in last with the same entity alias'), 'render');
  const j = cli(['render', `@${sample('token.jwt')}`, ...sampleArgs, '--json']);
  assertNote(j.json.loginOrder, 'render --json');
});

test('jwtgate gate: the verdict and the policies line say it depends on login order, with the hazard and the fix', () => {
  // The gate corpus's bundled-sample case (the tutorial role and policy behind the gate).
  const c = JSON.parse(read(join(ROOT, 'tests', 'vectors', 'gate', 'allow', 'vault-role-and-policy.json')));
  const gateArgs = (config, path) => ['gate', '--config', file('gate.json', JSON.stringify(config)), '--request', `GET ${path}`, '--token', c.token, '--now', String(c.now)];
  const r = cli(gateArgs(c.config, c.request.path));
  assert.equal(r.code, 0, r.stderr);
  const first = r.stdout.split('\n')[0];
  assert.ok(first.startsWith(`ALLOW: forwarded upstream (token verified and authorised); ${HEAD}`), first);
  assert.match(r.stdout, new RegExp(`policies allow the request .*; ${HEAD.replace(/[()]/g, '\\$&')}`));
  assertNoteText(r.stdout, 'gate');
  const denied = cli(gateArgs(c.config, '/v1/kv/data/default/redis/config'));
  assert.equal(denied.code, 1);
  assert.equal(denied.stdout.split('\n')[0], 'DENY: 403 local reply  (provider nomad)', denied.stdout);
  assert.match(denied.stdout, /this answer does not depend on who logged in last/);
  const prod = cli(gateArgs(c.config, '/v1/kv/data/prod/mongo/config'));
  assert.equal(prod.code, 1);
  assert.ok(prod.stdout.split('\n')[0].startsWith(`DENY: 403 local reply; ${HEAD}`), prod.stdout);
  const j = cli([...gateArgs(c.config, c.request.path), '--json']);
  assertNote({ hazards: j.json.login_order, fix: j.json.login_fix }, 'gate --json');
  assertDepends(j.json.depends_on_login_order, OWN, 'gate --json');
  const jr = cli([...gateArgs(c.config, '/v1/kv/data/default/redis/config'), '--json']);
  assertNote({ hazards: jr.json.login_order, fix: jr.json.login_fix }, 'gate --json, redis');
  assertDepends(jr.json.depends_on_login_order, OTHER, 'gate --json, redis');
  // The same gate with the sample role keyed on `sub` (one alias per task identity, the vector's
  // second verified suggestion): no note anywhere.
  const config = structuredClone(c.config);
  config.providers[0].vault.role.user_claim = tutorial.analysis.suggestions[1];
  const quiet = cli(gateArgs(config, c.request.path));
  assert.equal(quiet.code, 0, quiet.stdout);
  assert.doesNotMatch(quiet.stdout, /LOGIN ORDER|login order/);
  const quietJson = cli([...gateArgs(config, c.request.path), '--json']);
  assert.equal(quietJson.json.verdict, 'allow');
  assert.equal(quietJson.json.login_order, undefined);
  assert.equal(quietJson.json.login_fix, undefined);
});

test('createGate with the fixed role: vault.knowledge declares the extra claim, and no hazard is left', async () => {
  // The gate corpus's bundled-sample configuration with the suggested fix's role, deciding the
  // minted token that carries the extra claim.
  const c = JSON.parse(read(join(ROOT, 'tests', 'vectors', 'gate', 'allow', 'vault-role-and-policy.json')));
  const config = structuredClone(c.config);
  const p = config.providers[0];
  p.jwks = minted.jwks;
  delete p.remote_jwks;
  delete p.pem;
  delete p.issuer; // the minted token has no iss
  p.vault.role = fixed.role;
  const request = { method: 'GET', path: `/v1/${OWN.path}`, headers: [['authorization', `Bearer ${minted.token}`]] };
  const decide = (cfg) => jwtgate.createGate(cfg).decide(request, { now: NOW });
  // Undeclared: nothing says the extra claim fixes the namespace, so the fix itself is flagged.
  const undeclared = await decide(config);
  assert.equal(undeclared.verdict, 'allow', JSON.stringify(undeclared));
  assert.ok(undeclared.login_order?.length > 0);
  // Declared, in the gate configuration's snake_case (the vector's knowledge, camelCase there).
  p.vault.knowledge = { extra_claims: fixed.knowledge.extraClaims };
  const declared = await decide(config);
  assert.equal(declared.verdict, 'allow');
  assert.equal(declared.alias.name, 'global:default:mongo');
  for (const m of ['login_order', 'login_fix', 'depends_on_login_order']) assert.equal(declared[m], undefined, m);
  // An unknown member is refused with its JSON pointer.
  p.vault.knowledge = { extraClaims: {} };
  assert.throws(() => jwtgate.createGate(config), (e) => e.code === 'ERR_FILTER_CONFIG_INVALID' && /\/providers\/0\/vault\/knowledge/.test(e.message));
});
