// Login-order hazards through the npm API and the CLI: runs tests/vectors/login-order/ (format:
// its README.md) with analyzeLoginOrder / simulateLogins, and `jwtgate logins` on minted tokens.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLoginOrder, simulateLogins, mintTestIdentity, JwtgateError } from '../index.node.js';
import { cli } from './helpers.mjs';
import { VECTORS } from './vectors.mjs';

const DIR = join(VECTORS, 'login-order');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function optionsOf(doc) {
  const role = doc.roleFile ? readFileSync(join(DIR, doc.roleFile), 'utf8') : doc.role;
  const policies = doc.policies.map((p) => ({ name: p.name, text: p.file ? readFileSync(join(DIR, p.file), 'utf8') : p.text }));
  return { role, roleName: doc.roleName, policies, knowledge: doc.knowledge, accessor: doc.accessor, now: doc.now };
}

test('login-order vectors', () => {
  assert.ok(files.length >= 7, 'login-order vectors missing');
  for (const file of files) {
    const doc = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
    const options = optionsOf(doc);
    const { analysis, suggestions } = analyzeLoginOrder(options);
    const want = doc.analysis;
    assert.equal(analysis.hazard, want.hazard, `${file}: hazard`);
    if (want.findings) {
      assert.equal(analysis.findings.length, want.findings.length, `${file}: findings`);
      want.findings.forEach((w, i) => {
        const g = analysis.findings[i];
        for (const [k, v] of Object.entries(w)) {
          const actual = ['ownPath', 'pathAfterB', 'crosses'].includes(k) ? g.example?.[k] : g[k];
          assert.deepEqual(actual, v, `${file}: finding ${i} ${k}`);
        }
      });
    }
    if (want.suggestions) assert.deepEqual(suggestions.map((s) => s.userClaim), want.suggestions, `${file}: suggestions`);
    for (const s of suggestions) {
      const knowledge = { ...options.knowledge, extraClaims: { ...options.knowledge?.extraClaims, ...s.extraClaims } };
      const after = analyzeLoginOrder({ ...options, role: s.role, knowledge });
      assert.equal(after.analysis.hazard, false, `${file}: ${s.title} leaves a hazard`);
    }
    const sim = doc.simulation;
    if (!sim) continue;
    const steps = sim.steps.map((s) => (s.login !== undefined ? { label: s.login, claims: s.claims } : s));
    const request = sim.request ? { capability: sim.request.operation, path: sim.request.path } : undefined;
    const r = simulateLogins(steps, { ...options, request });
    assert.equal(r.simulation.steps.length, sim.expect.length, `${file}: steps`);
    sim.expect.forEach((w, i) => {
      const g = r.simulation.steps[i];
      const at = `${file}: step ${i + 1}`;
      if (w.alias !== undefined) assert.equal(g.alias, w.alias, `${at}: alias`);
      if (w.aliasMetadata) assert.deepEqual(g.aliasMetadata, w.aliasMetadata, `${at}: metadata`);
      if (w.decisions) assert.deepEqual(Object.fromEntries(g.decisions.map((d) => [d.token, d.decision])), w.decisions, `${at}: decisions`);
      const order = g.decisions.filter((d) => d.dependsOnOrder).map((d) => d.token).sort();
      assert.deepEqual(order, [...(w.dependsOnOrder ?? [])].sort(), `${at}: dependsOnOrder`);
      assert.equal(g.error?.code, w.error, `${at}: error`);
    });
  }
});

test('bad input is a JwtgateError with a code', () => {
  const doc = JSON.parse(readFileSync(join(DIR, 'tutorial.json'), 'utf8'));
  const options = optionsOf(doc);
  assert.throws(() => analyzeLoginOrder({ ...options, bogus: 1 }), (e) => e instanceof JwtgateError && e.code === 'ERR_OPTIONS_INVALID');
  assert.throws(() => simulateLogins(['not a token'], options), (e) => e instanceof JwtgateError && /no claims/.test(e.message));
  assert.throws(
    () => simulateLogins([{ request: { token: 'nobody', path: 'kv/x', operation: 'read' } }], options),
    (e) => e.code === 'ERR_OPTIONS_INVALID' && e.message.includes('"nobody"'),
  );
  assert.throws(() => analyzeLoginOrder({ ...options, policies: [{ name: 'p', text: 'path "a" {' }] }), (e) => e.code === 'ERR_POLICY_PARSE');
});

test('jwtgate logins: two namespaces, one job name (minted tokens)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-logins-'));
  for (const ns of ['dev', 'prod']) {
    const m = mintTestIdentity({ namespace: ns, job: 'web', group: 'web', task: 'web', audience: 'vault.io' });
    writeFileSync(join(dir, `${ns}.jwt`), m.token);
  }
  const sample = join(VECTORS, '..', 'fixtures', 'sample');
  const args = ['logins', `@${join(dir, 'dev.jwt')}`, `@${join(dir, 'prod.jwt')}`, '--role', join(sample, 'role.json'),
    '--role-name', 'nomad-workloads', '--policy', `nomad-workloads=${join(sample, 'policy.hcl')}`,
    '--request', 'GET /v1/kv/data/prod/web/config'];
  const r = cli(args);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /LOGIN-ORDER HAZARD \(security\)/);
  assert.match(r.stdout, /shared_alias_cross_workload/);
  assert.match(r.stdout, /nomad_workload_id = "\$\{job\.region\}:\$\{job\.namespace\}:\$\{job\.id\}"/);
  // After prod/web logs in, dev/web reads production and the table says it depends on order.
  assert.match(r.stdout, /dev\/web\s+read kv\/data\/prod\/web\/config: ALLOWED {2}<- depends on login order \(denied if dev\/web had logged in last/);
  assert.match(r.stdout, /signatures, time claims, audiences and bound claims were not checked/);
  const j = cli([...args, '--json']);
  assert.equal(j.code, 1);
  assert.equal(j.json.ok, false);
  assert.equal(j.json.simulation.steps[1].decisions[0].dependsOnOrder, true);
  // The fixed role: no hazard, exit 0.
  const fixed = join(dir, 'fixed.json');
  const role = JSON.parse(readFileSync(join(sample, 'role.json'), 'utf8'));
  writeFileSync(fixed, JSON.stringify({ ...role, user_claim: '/extra_claims/nomad_workload_id' }));
  const f = cli(['logins', '--role', fixed, '--policy', join(sample, 'policy.hcl'),
    '--extra-claim', 'nomad_workload_id=${job.region}:${job.namespace}:${job.id}']);
  assert.equal(f.code, 0, f.stdout + f.stderr);
  assert.match(f.stdout, /no login-order hazard/);
  assert.equal(cli(['logins', '--policy', join(sample, 'policy.hcl')]).code, 2);
});
