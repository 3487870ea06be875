// The gate conformance corpus (tests/vectors/gate/) through the page in headless Chromium, via
// its state import: each case's { config, token, request, now } opened as a `#s=` fragment, the
// raw "Decision (JSON)" panel compared byte for byte with the case's golden (the native runner,
// tests/gate.rs, writes and checks the same goldens), and the answer bar's verdict with the
// hand-written `expect.verdict`. Cases whose keys are remote are skipped, with one line saying
// so: the page never fetches without a click. Also: a configuration imported in the page
// downloads back as the same JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openInspector, external, settled, HERE } from './helpers.mjs';
import { mintTestIdentity } from '../../pkg/index.node.js';

const ROOT = join(HERE, '..', '..');
const CORPUS = join(ROOT, 'tests', 'vectors', 'gate');
const SHOTS = join(ROOT, 'target', 'www-shots');

if (!existsSync(join(ROOT, 'pkg', 'dist', 'jwtgate_bg.wasm'))) {
  throw new Error('pkg/dist/jwtgate_bg.wasm is missing: run `bash pkg/scripts/build.sh` (scripts/test-www.sh does)');
}

/** Every case, sorted: { name, case, golden } with golden = JSON.stringify of its `decision`. */
function cases() {
  const out = [];
  for (const group of readdirSync(CORPUS).sort()) {
    const dir = join(CORPUS, group);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json')) continue;
      const c = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      out.push({ name: `${group}/${f}`, case: c, golden: c.decision === undefined ? undefined : JSON.stringify(c.decision) });
    }
  }
  return out;
}

const all = cases();
const inline = all.filter((x) => !(x.case.fetches ?? []).length);
const remote = all.length - inline.length;
console.log(`gate corpus in the page: ${inline.length} of ${all.length} cases run; ${remote} skipped: their keys are remote (fetches), and the page never fetches without a click`);

const fragment = (c) => `#s=${Buffer.from(JSON.stringify({ gate: { config: c.config, token: c.token, request: c.request, now: c.now } })).toString('base64url')}`;

let s;
before(async () => {
  s = await openInspector();
  // The first case through a fresh load (main()'s fragment path); the rest through hashchange.
  await s.page.goto(`${s.url}${fragment(inline[0].case)}`);
  await s.page.waitForFunction(() => document.body.dataset.engine === 'ready', null, { timeout: 30000 });
  await settled(s.page);
});
after(async () => {
  const leaked = external(s.requests);
  await s.close();
  assert.deepEqual(leaked, []);
  assert.deepEqual(s.consoleErrors, []);
});

/** Opens the page on `c` (a hash change: the page imports the state and decides again). */
async function openCase(c) {
  await s.page.evaluate((hash) => {
    document.body.dataset.busy = 'true';
    location.hash = hash;
  }, fragment(c));
  await settled(s.page);
}

test('the corpus is there, with cases the page can run', () => {
  assert.ok(all.length >= 60, `${all.length} cases in tests/vectors/gate`);
  assert.ok(inline.length > 0);
});

for (const [i, { name, case: c, golden }] of inline.entries()) {
  test(`gate corpus in the page: ${name}`, async () => {
    assert.ok(golden, `${name} has no golden decision`);
    if (i > 0) await openCase(c);
    const raw = await s.page.textContent('#decision-json');
    assert.equal(raw, golden);
    const line = s.page.locator('#summary .bar-line[data-target="gate"]');
    assert.equal(await line.count(), 1, 'one bar line for the imported configuration');
    assert.equal(await line.getAttribute('data-verdict'), c.expect.verdict);
    const verdict = (await line.locator('.bar-verdict').textContent()).trim();
    assert.match(verdict, new RegExp(`: ${c.expect.verdict}$`), verdict);
    if (c.expect.code) assert.equal(await line.locator('.bar-code').textContent(), c.expect.code);
  });
}

test('an imported configuration downloads back as the same JSON, and decides', async () => {
  const c = all.find((x) => x.name === 'allow/vault-role-and-policy.json') ?? inline[0];
  await s.page.click('#clear-all');
  await settled(s.page);
  const text = JSON.stringify(c.case.config, null, 2);
  await s.page.fill('#gate-import-text', text);
  await s.page.click('#gate-import');
  await settled(s.page);
  assert.match(await s.page.textContent('#gate-import-out'), /Deciding with the imported configuration/);
  // The fields show what the configuration holds.
  const p = c.case.config.providers[0];
  if (p.jwks) assert.deepEqual(JSON.parse(await s.page.inputValue('#keys-input')), p.jwks);
  if (p.vault?.role) assert.deepEqual(JSON.parse(await s.page.inputValue('#role-input')), p.vault.role);

  mkdirSync(SHOTS, { recursive: true });
  await s.page.evaluate(() => { document.getElementById('answer').style.position = 'static'; });
  await s.page.locator('#gate-io').screenshot({ path: join(SHOTS, 'gate-import-export.png') });
  await s.page.evaluate(() => { document.getElementById('answer').style.position = ''; });

  const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#gate-export')]);
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(JSON.stringify(exported), JSON.stringify(c.case.config));

  // Editing a configuration field ends the import: the page rebuilds its configuration.
  await s.page.fill('#role-name', 'edited');
  await settled(s.page);
  assert.match(await s.page.textContent('#gate-import-out'), /A field was edited/);
  assert.equal(await s.page.locator('#summary .bar-line[data-target="gate"]').count(), 0);
});

test('an import that is not a JSON object is refused, naming why', async () => {
  await s.page.fill('#gate-import-text', '[1, 2]');
  await s.page.click('#gate-import');
  assert.match(await s.page.textContent('#gate-import-out'), /must be a JSON object/);
  await s.page.fill('#gate-import-text', '{"providers": [');
  await s.page.click('#gate-import');
  assert.match(await s.page.textContent('#gate-import-out'), /not valid JSON/);
});

test('vault.knowledge: imported, kept when a field is edited, exported; the fixed role is then hazard-free', async () => {
  // The bundled-sample case with the suggested fix's role, the extra claim declared as Nomad's
  // agent block does, and a token minted with that extra claim.
  const c = all.find((x) => x.name === 'allow/vault-role-and-policy.json').case;
  const fixed = JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'login-order', 'fixed-role.json'), 'utf8'));
  const m = mintTestIdentity({ job: 'mongo', namespace: 'default', audience: 'vault.io', now: c.now - 60, extraClaims: { nomad_workload_id: 'global:default:mongo' } });
  const config = structuredClone(c.config);
  const p = config.providers[0];
  for (const k of ['remote_jwks', 'pem', 'issuer']) delete p[k];
  p.jwks = m.jwks;
  p.vault.role = fixed.role;
  p.vault.knowledge = { extra_claims: fixed.knowledge.extraClaims };
  await s.page.click('#clear-all');
  await settled(s.page);
  const frag = `#s=${Buffer.from(JSON.stringify({ gate: { config, token: m.token, request: { ...c.request, headers: [['authorization', 'Bearer $TOKEN']] }, now: c.now } })).toString('base64url')}`;
  await s.page.evaluate((h) => { location.hash = h; }, frag);
  await settled(s.page);
  const decision = JSON.parse(await s.page.textContent('#decision-json'));
  assert.equal(decision.verdict, 'allow', JSON.stringify(decision));
  assert.equal(decision.login_order, undefined, 'no hazard with the extra claim declared');
  // The "who else shares this alias" panel reads the same knowledge.
  assert.match(await s.page.textContent('#login-order-verdict'), /No shared-alias hazard/);
  // A field edited: the page's own configuration keeps the knowledge (snake_case) and decides alike.
  await s.page.fill('#role-name', 'nomad-workloads');
  await settled(s.page);
  assert.match(await s.page.textContent('#gate-import-out'), /A field was edited/);
  const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#gate-export')]);
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.deepEqual(exported.providers[0].vault.knowledge, { extra_claims: fixed.knowledge.extraClaims });
  assert.equal(await s.page.locator('#summary .bar-hazard').count(), 0, 'no login-order line in the bar');
  assert.match(await s.page.textContent('#login-order-verdict'), /No shared-alias hazard/);
});
