// The login-order vectors (tests/vectors/login-order/, format in its README) through the page in
// headless Chromium: each vector's role, policies, accessor and request opened through the
// page's own state import (`#s=`), its first two logins as the token and the "second token" of
// the "who else shares this alias" panel, and what the panel shows compared with the vector's
// hand-written expectations: the verdict, every finding (code, severity, alias key), the fixes,
// and for simulations the table of decisions after each login.
//
// What the issuer's claims determine (`knowledge`) goes in through the state import too (the page
// has no field for it; an imported gate configuration's `vault.knowledge` sets it the same way).
// What the page cannot express is skipped with one printed `skipped:` line per vector: it logs in
// exactly two tokens (the token and the second token), and it has no "request by one token" step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openInspector, external, settled, HERE } from './helpers.mjs';

const ROOT = join(HERE, '..', '..');
const DIR = join(ROOT, 'tests', 'vectors', 'login-order');

if (!existsSync(join(ROOT, 'pkg', 'dist', 'jwtgate_bg.wasm'))) {
  throw new Error('pkg/dist/jwtgate_bg.wasm is missing: run `bash pkg/scripts/build.sh` (scripts/test-www.sh does)');
}

const read = (f) => readFileSync(join(DIR, f), 'utf8');
const vectors = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => ({ file: f, doc: JSON.parse(read(f)) }));

/** A compact JWT carrying `claims`, unsigned: the panel decodes tokens, it does not verify them. */
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const tokenOf = (claims) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.`;

/** The vector's setup and first two logins as page state, and what of it the page leaves out. */
function pageCase({ file, doc }) {
  const role = doc.roleFile ? read(doc.roleFile) : JSON.stringify(doc.role);
  const policies = doc.policies.map((p) => ({ name: p.name, text: p.text ?? read(p.file) }));
  const sim = doc.simulation;
  const logins = (sim?.steps ?? []).map((s, i) => ({ ...s, index: i })).filter((s) => s.login !== undefined);
  const skipped = [];
  const simulates = Boolean(sim?.request) && logins.length >= 2;
  if (sim && !sim.request) skipped.push('the simulation (no `simulation.request`: the page decides only its own request after each login)');
  if (simulates && logins.length > 2) skipped.push(`logins 3 to ${logins.length} (the page logs in two tokens)`);
  const requests = (sim?.steps ?? []).filter((x) => x.request !== undefined).length;
  if (simulates && requests) skipped.push(`its ${requests} "request by one token" steps (the page has none)`);
  const state = { mode: 'vault', now: String(doc.now), role, roleName: doc.roleName, policies, accessor: doc.accessor, ...(doc.knowledge ? { knowledge: doc.knowledge } : {}) };
  if (sim?.request) state.request = { path: sim.request.path, capability: sim.request.operation };
  if (logins[0]) state.token = tokenOf(logins[0].claims);
  return { state, logins: simulates ? logins.slice(0, 2) : [], skipped, analyses: true, runs: true };
}

const cases = vectors.map((v) => ({ ...v, page: pageCase(v) }));
for (const c of cases) {
  if (c.page.skipped.length) console.log(`skipped: login-order/${c.file} in the page: ${c.page.skipped.join('; ')}`);
}

let s;
before(async () => {
  s = await openInspector();
  await s.page.goto(`${s.url}#sample`);
  await s.page.waitForFunction(() => document.body.dataset.engine === 'ready', null, { timeout: 30000 });
  await settled(s.page);
});
after(async () => {
  const leaked = external(s.requests);
  await s.close();
  assert.deepEqual(leaked, []);
  assert.deepEqual(s.consoleErrors, []);
});

/** Opens `state` through the page's state import (a hash change), then types the second token. */
async function open(state, second) {
  await s.page.evaluate((hash) => {
    document.body.dataset.busy = 'true';
    location.hash = hash;
  }, `#s=${Buffer.from(JSON.stringify(state)).toString('base64url')}`);
  await settled(s.page);
  // The state import leaves the second-token box as it was: it is typed, as a user would.
  if ((await s.page.inputValue('#second-token')) !== (second ?? '')) {
    await s.page.fill('#second-token', second ?? '');
    await settled(s.page);
  }
}

test('every login-order vector is there', () => {
  assert.ok(cases.length >= 7, `${cases.length} vectors`);
  assert.ok(cases.filter((c) => c.page.runs).length >= 5, 'most vectors run in the page');
});

for (const c of cases.filter((x) => x.page.runs)) {
  test(`login-order vector in the page: ${c.file}`, async () => {
    const { doc, page } = c;
    const second = page.logins[1] ? tokenOf(page.logins[1].claims) : '';
    await open(page.state, second);
    const want = doc.analysis;
    if (page.analyses) await checkAnalysis(want);
    await checkSimulation(doc, page);
  });
}

/** The panel's verdict, findings and fixes against the vector's `analysis`. */
async function checkAnalysis(want) {
  // The verdict.
  const verdict = await s.page.textContent('#login-order-verdict');
  if (want.hazard) assert.match(verdict, /depend on who logged in last/, verdict);
  else assert.match(verdict, /No shared-alias hazard/, verdict);
  // Every finding, in order: code, severity and (where the vector names one) the alias key.
  const shown = await s.page.$$eval('#login-order-findings li', (ls) => ls.map((l) => ({ code: l.dataset.finding, severity: l.dataset.severity, text: l.textContent })));
  if (want.findings) {
    assert.deepEqual(shown.map((f) => [f.code, f.severity]), want.findings.map((f) => [f.code, f.severity]), JSON.stringify(shown));
    want.findings.forEach((f, i) => {
      if (f.aliasKey) assert.ok(shown[i].text.includes(`alias metadata key "${f.aliasKey}"`), `${f.code}: alias key ${f.aliasKey} in ${shown[i].text}`);
      if (f.pathAfterB) assert.ok(shown[i].text.includes(f.pathAfterB), `${f.code}: ${f.pathAfterB} in the example`);
    });
  } else {
    assert.equal(shown.some((f) => f.severity === 'security' || f.severity === 'reliability'), want.hazard);
  }
  // The fixes, each re-checked, with the user_claim they set.
  if (want.suggestions) {
    const fixes = await s.page.$$eval('#login-order-out .suggestion', (ds) => ds.map((d) => ({ verified: d.dataset.verified, text: d.textContent })));
    assert.equal(fixes.length, want.hazard ? want.suggestions.length : 0, JSON.stringify(fixes));
    want.suggestions.forEach((claim, i) => {
      assert.equal(fixes[i].verified, 'true');
      assert.ok(fixes[i].text.includes(`"user_claim": ${JSON.stringify(claim)}`), `fix ${i + 1}: ${claim}`);
    });
  }
}

/**
 * The simulation of the first two logins: after each, every logged-in token's answer to the
 * vector's request, and which of them depend on login order (request steps change no alias
 * metadata, so the expectation after a login holds until the next login).
 */
async function checkSimulation(doc, page) {
  if (page.logins.length < 2) {
    assert.equal(await s.page.$('#login-sim'), null, 'no simulation without a request and a second token');
    return;
  }
  const rows = await s.page.$$eval('#login-sim tbody tr', (rs) => rs.map((r) => ({ step: r.cells[0].textContent, token: r.dataset.token, decision: r.dataset.decision, depends: r.dataset.depends })));
  // The page labels a login namespace/job[/task]; the vector by its own names: by login order.
  const pageLabels = [...new Set(rows.map((r) => r.token))];
  const label = new Map(pageLabels.map((l, i) => [l, page.logins[i].login]));
  assert.equal(label.size, 2, `two logins in the table: ${JSON.stringify(rows)}`);
  page.logins.forEach((login, k) => {
    const expect = doc.simulation.expect[login.index];
    const at = rows.filter((r) => r.step === String(k + 1));
    const got = Object.fromEntries(at.map((r) => [label.get(r.token), r.decision]));
    assert.deepEqual(got, expect.decisions, `after login ${k + 1} (${login.login})`);
    const depends = at.filter((r) => r.depends === 'true').map((r) => label.get(r.token)).sort();
    assert.deepEqual(depends, [...(expect.dependsOnOrder ?? [])].sort(), `depends on order after login ${k + 1}`);
  });
  // The alias as stored after the second login.
  const last = doc.simulation.expect[page.logins[1].index];
  if (last.aliasMetadata) {
    const owners = await s.page.textContent('#alias-owners');
    for (const [k, v] of Object.entries(last.aliasMetadata)) assert.ok(owners.includes(`${k}=${v}`), `${k}=${v} in ${owners}`);
  }
}
