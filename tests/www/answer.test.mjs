// Issue 20 in headless Chromium: the answer bar (sticky, every refusal, every failing check with
// expected vs actual and a link), input recognition, share links, issuer-aware wording, decoder
// basics, policy and accessor hints, AWS suggestion, secrets, the clock, and issue 22's
// "who else shares this alias" panel. Each test asserts what the user sees.
//
// Expected values come from outside the page: the sample token is decoded here with Buffer, the
// number of failing checks is counted in the checks table the engine's report fills, and the
// share recipient is compared with the sender's own page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openInspector, external, settled, HERE } from './helpers.mjs';

const ROOT = join(HERE, '..', '..');
const SHOTS = join(ROOT, 'target', 'www-shots');
const SAMPLE = join(ROOT, 'tests', 'fixtures', 'sample');
const read = (f) => readFileSync(join(SAMPLE, f), 'utf8');
const TOKEN = read('token.jwt').trim();
const NOW = Number(read('now.txt').trim());
const ROLE = JSON.parse(read('role.json'));
const [H64, P64] = TOKEN.split('.');
const PAYLOAD = JSON.parse(Buffer.from(P64, 'base64url').toString());
const HEADER = JSON.parse(Buffer.from(H64, 'base64url').toString());
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A token with the sample's header and `claims`, signed with junk (decoding only). */
const tokenWith = (claims, header = HEADER) => `${b64(header)}.${b64(claims)}.AAAA`;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

if (!existsSync(join(ROOT, 'pkg', 'dist', 'jwtgate_bg.wasm'))) {
  throw new Error('pkg/dist/jwtgate_bg.wasm is missing: run `bash pkg/scripts/build.sh` (scripts/test-www.sh does)');
}

let s;
before(async () => {
  s = await openInspector({ viewport: DESKTOP });
  await openSample(s.page);
});
after(async () => {
  const leaked = external(s.requests);
  await s.close();
  assert.deepEqual(leaked, []);
  assert.deepEqual(s.consoleErrors, []);
});

async function openSample(page) {
  await page.goto(`${s.url}#sample`);
  await page.waitForFunction(() => document.body.dataset.engine === 'ready', null, { timeout: 30000 });
  await settled(page);
}

async function fill(selector, value, page = s.page) {
  await page.fill(selector, value);
  await settled(page);
}

async function resetSample() {
  await s.page.evaluate(() => window.scrollTo(0, 0));
  await s.page.click('#load-sample');
  await s.page.waitForFunction((t) => document.querySelector('#token-input').value === t, TOKEN);
  await settled(s.page);
  await fill('#second-token', '');
  await fill('#aws-provider', '');
}

/** Saves a screenshot of the viewport (or an element) under target/www-shots/. */
async function shot(name, selector, page = s.page) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  if (!selector) {
    await page.screenshot({ path });
    return;
  }
  // A section on its own: the sticky bar would cover its top while the shot scrolls.
  await page.evaluate(() => { document.getElementById('answer').style.position = 'static'; });
  await page.locator(selector).screenshot({ path });
  await page.evaluate(() => { document.getElementById('answer').style.position = ''; });
}

/** The bar as { target: { verdict, text, failures: [{ role, id, text, href }] } }. */
async function bar(page = s.page) {
  return page.$$eval('#summary .bar-line', (lines) => Object.fromEntries(lines.map((l) => [l.dataset.target, {
    verdict: l.dataset.verdict,
    text: l.textContent,
    failures: [...l.querySelectorAll('.bar-check')].map((c) => ({
      role: c.querySelector('.bar-role').textContent, id: c.dataset.check, text: c.textContent, href: c.querySelector('a')?.getAttribute('href') ?? null,
    })),
  }])));
}

/** Whether the whole bar's top edge is on screen (sticky) and the verdicts are visible. */
async function barInView(page) {
  return page.evaluate(() => {
    const r = document.querySelector('#answer').getBoundingClientRect();
    const head = document.querySelector('#summary .bar-head')?.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, headTop: head?.top ?? -1, headBottom: head?.bottom ?? -1, vh: innerHeight, scrolled: scrollY };
  });
}

test('bar: the sample\'s answer is at the top and stays in view after scrolling (desktop and phone)', async () => {
  const b = await bar();
  assert.equal(b.vault.verdict, 'allow');
  assert.match(b.vault.text, /✔ Vault login: accepted/);
  assert.match(b.policy.text, /✔ read kv\/data\/default\/mongo\/config: allowed/);
  // Issue 22: the sample's policy answer depends on login order, said beside the verdict.
  assert.match(b.policy.text, /depends on login order.*nomad_namespace/i);
  await shot('sample-first-screen-1280');
  for (const vp of [DESKTOP, PHONE]) {
    await s.page.setViewportSize(vp);
    await s.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await s.page.waitForFunction(() => scrollY > 1000);
    const v = await barInView(s.page);
    assert.ok(v.scrolled > 1000, `scrolled ${v.scrolled}`);
    assert.equal(Math.round(v.top), 0, `bar at the top after scrolling at ${vp.width}px`);
    assert.ok(v.headTop >= 0 && v.headBottom <= v.vh, `verdict line visible at ${vp.width}px: ${JSON.stringify(v)}`);
    await shot(`sample-scrolled-${vp.width}`, null);
    await s.page.evaluate(() => window.scrollTo(0, 0));
  }
  await s.page.setViewportSize(DESKTOP);
  await s.page.setViewportSize(PHONE);
  await shot('sample-first-screen-390');
  await s.page.setViewportSize(DESKTOP);
});

test('bar and policy line: only answers another login can flip say they depend on login order', async () => {
  // The hand-written single answers of tests/vectors/login-order/tutorial.json (the sample token).
  const tutorial = JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'login-order', 'tutorial.json'), 'utf8'));
  for (const want of tutorial.answers.filter((a) => a.request.operation === 'read')) {
    await fill('#req-path-input', want.request.path);
    const b = await bar();
    assert.equal(b.policy.verdict, want.allowed ? 'allow' : 'deny', want.request.path);
    const depends = await s.page.getAttribute('#summary .bar-line[data-target="policy"] .bar-hazard', 'data-depends');
    assert.equal(depends, String(want.dependsOnOrder), `${want.request.path}: ${b.policy.text}`);
    assert.equal(await s.page.getAttribute('#decision-login-order', 'data-depends'), String(want.dependsOnOrder));
    if (want.dependsOnOrder) {
      assert.match(b.policy.text, /⚠ depends on login order/);
      // The other login, as the vector names it (a value, or "another" key).
      const [[key, value]] = Object.entries(want.login);
      assert.ok(b.policy.text.includes(value === null ? `another ${key}` : `${key} = "${value}"`), b.policy.text);
    } else {
      assert.doesNotMatch(b.policy.text, /⚠ depends on login order/);
      assert.match(b.policy.text, /does not depend on who logged in last/);
    }
  }
  await resetSample();
});

test('bar: lists the AWS refusal even when verification fails, with expected vs actual and links', async () => {
  await fill('#aws-provider', 'https://nomad.example.com:4646');
  await fill('#aws-clients', 'aws');
  await fill('#now-input', String(PAYLOAD.exp + 3600));
  const b = await bar();
  assert.equal(b.vault.verdict, 'deny');
  assert.equal(b.aws.verdict, 'deny', 'AWS is listed although the token failed verification');
  assert.match(b.aws.text, /✘ AWS STS: refused/);
  // Every failing AWS check the page's tables show is in the bar, the first as "what STS answers".
  const awsFails = await s.page.$$eval('#aws-out tr[data-outcome="fail"]', (r) => [...new Set(r.map((x) => x.dataset.check))]);
  assert.deepEqual([...new Set(b.aws.failures.map((f) => f.id))].sort(), awsFails.sort());
  assert.match(b.aws.failures[0].role, /what STS answers/i);
  const aud = b.aws.failures.find((f) => f.id === 'aws.aud');
  assert.match(aud.text, /expected\s*aws.*actual\s*vault\.io/);
  // Each details link points at a failing row that exists.
  for (const f of [...b.aws.failures, ...b.vault.failures]) {
    assert.ok(f.href, `${f.id} has a link`);
    assert.equal(await s.page.$eval(f.href, (el) => el.dataset.outcome), 'fail', f.href);
  }
  await shot('expired-aws-bar');
  await s.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
  await shot('expired-aws-scrolled');
  await resetSample();
});

test('checks: the first failure is "what Vault answers", the rest "also failing", counted as the table shows', async () => {
  await fill('#role-input', JSON.stringify({ ...ROLE, bound_claims: { nomad_job_id: 'web', nomad_namespace: 'prod' } }, null, 2));
  await fill('#now-input', String(PAYLOAD.exp + 3600));
  const rows = await s.page.$$eval('#checks-table tbody tr', (r) => r.map((x) => ({ id: x.dataset.check, outcome: x.dataset.outcome, role: x.querySelector('.fail-role')?.textContent ?? '' })));
  const fails = rows.filter((r) => r.outcome === 'fail');
  // Issue 20's case: the job and the namespace mismatch and the expiry are all listed, not only
  // the first failure.
  for (const id of ['exp', 'bound_claims.nomad_job_id', 'bound_claims.nomad_namespace']) {
    assert.ok(fails.some((f) => f.id === id), `${id} listed among ${fails.map((f) => f.id)}`);
  }
  assert.equal(fails[0].role, 'what Vault answers');
  for (const f of fails.slice(1)) assert.equal(f.role, 'also failing');
  const b = await bar();
  assert.equal(b.vault.failures.length, fails.length, 'the bar lists every failing check the report holds');
  assert.deepEqual(b.vault.failures.map((f) => f.id), fails.map((f) => f.id));
  const text = await s.page.textContent('#checks-out');
  assert.doesNotMatch(text, /All of them are listed/);
  if (rows.at(-1).outcome === 'fail') assert.match(text, /any check after it was not evaluated/, 'a report that ends at a failure says so');
  await shot('checks-failures', '#checks');
  await resetSample();
});

test('input: pasted claims JSON is recognised, nothing is decoded, no empty tables', async () => {
  await fill('#token-input', JSON.stringify(PAYLOAD, null, 2));
  assert.match(await s.page.textContent('#input-notes'), /This is JSON: claims, a JWKS or a role\?/);
  assert.match(await s.page.textContent('#input-notes'), /claims/);
  assert.equal(await s.page.$$eval('#token-out table', (t) => t.length), 0);
  assert.equal(await s.page.$('#notice'), null, 'no "Decoded" notice');
  assert.match(await s.page.textContent('#summary'), /this is JSON/);
  assert.doesNotMatch(await s.page.textContent('#summary'), /add keys/);
  await shot('input-json', '#token');
  // A JWKS pasted in the token box is offered a move to the key box.
  await fill('#token-input', read('jwks.json'));
  await s.page.click('#move-json');
  await settled(s.page);
  assert.equal(JSON.parse(await s.page.inputValue('#keys-input')).keys[0].kid, HEADER.kid);
  assert.equal(await s.page.inputValue('#token-input'), '');
  await resetSample();
});

test('input: two tokens on two lines are "two tokens: pick one", and picking one decodes it', async () => {
  const other = tokenWith({ ...PAYLOAD, nomad_job_id: 'web' });
  await fill('#token-input', `${TOKEN}\n${other}`);
  assert.match(await s.page.textContent('#input-notes'), /Two tokens: pick one/);
  assert.equal(await s.page.$$eval('#token-out table', (t) => t.length), 0);
  assert.doesNotMatch(await s.page.textContent('#token-out'), /JWE/);
  await shot('input-two-tokens', '#token');
  await s.page.click('[data-pick="1"]');
  await settled(s.page);
  assert.equal(await s.page.inputValue('#token-input'), other);
  assert.equal(await s.page.$eval('#payload-table tr[data-claim="nomad_job_id"] td:nth-child(2)', (td) => td.textContent), 'web');
  await resetSample();
});

test('input: prose is "no token found"; an oversized paste is searched for a token, else refused with the limit', async () => {
  await fill('#token-input', 'Vault said permission denied when the web job logged in this morning.');
  assert.match(await s.page.textContent('#token-out'), /No token found/);
  assert.equal(await s.page.$$eval('#token-out table', (t) => t.length), 0);
  assert.equal(await s.page.$('#notice'), null);
  assert.match(await s.page.textContent('#summary'), /no token found/);
  await shot('input-prose', '#token');
  const pad = 'log line without a token; '.repeat(20000); // about 520 KB on each side
  await fill('#token-input', `${pad}Authorization: Bearer ${TOKEN}\n${pad}`);
  assert.match(await s.page.textContent('#input-notes'), /Found a token in a \d+ KiB paste/);
  assert.equal(await s.page.$eval('#payload-table tr[data-claim="sub"] td:nth-child(2)', (td) => td.textContent), PAYLOAD.sub);
  assert.equal((await bar()).vault.verdict, 'allow');
  await fill('#token-input', pad + pad);
  const big = await s.page.textContent('#input-notes');
  assert.match(big, /Too large/);
  assert.match(big, /16384 bytes/);
  assert.match(big, /no token-shaped text was found/);
  assert.equal(await s.page.$$eval('#token-out table', (t) => t.length), 0);
  // A token that is itself over the limit is named as such, not "found".
  const huge = tokenWith({ ...PAYLOAD, pad: 'x'.repeat(20000) });
  await fill('#token-input', huge);
  assert.match(await s.page.textContent('#input-notes'), new RegExp(`the token-shaped text in this paste is ${huge.length} bytes`));
  await resetSample();
});

test('share: the recipient sees the sender\'s verdicts at the sender\'s time; a withheld signature is said so', async () => {
  // The sender time-travels past exp: the link must carry that instant.
  await fill('#now-input', String(PAYLOAD.exp + 3600));
  const sender = await bar();
  await s.page.check('#share-signature');
  await s.page.click('#make-share');
  const full = await s.page.inputValue('#share-url');
  assert.equal(JSON.parse(Buffer.from(full.split('#s=')[1], 'base64url').toString()).now, String(PAYLOAD.exp + 3600));
  assert.ok(await s.page.isVisible('#copy-share'), 'a Copy button');
  const page2 = await s.context.newPage();
  await page2.setViewportSize(DESKTOP);
  await page2.goto(full);
  await page2.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.busy === 'false');
  const got = await bar(page2);
  assert.deepEqual(Object.keys(got), Object.keys(sender));
  for (const k of Object.keys(sender)) assert.equal(got[k].verdict, sender[k].verdict, k);
  assert.deepEqual(got.vault.failures.map((f) => f.id), sender.vault.failures.map((f) => f.id));
  await page2.close();
  // Without the signature: marked withheld, the sender's verdict and code beside the recipient's;
  // AWS's checks all run on the decoded token, so its verdict and code equal the sender's.
  await fill('#aws-provider', 'https://nomad.example.com:4646');
  await fill('#aws-clients', 'aws');
  const senderAws = (await bar()).aws;
  assert.equal(senderAws.verdict, 'deny');
  await s.page.uncheck('#share-signature');
  await s.page.click('#make-share');
  const redacted = await s.page.inputValue('#share-url');
  assert.ok(!redacted.includes(TOKEN.split('.')[2]));
  const page3 = await s.context.newPage();
  await page3.setViewportSize(DESKTOP);
  await page3.goto(redacted);
  await page3.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.busy === 'false');
  const r = await bar(page3);
  // Every check but the signature ran: the recipient's own answer is the sender's.
  assert.match(r.vault.text, /withheld by the sender/);
  assert.equal(r.vault.failures[0].role, 'withheld by the sender');
  assert.equal(r.vault.verdict, sender.vault.verdict);
  assert.match(r.vault.text, /✘ Vault login: refusedERR_JWT_EXPIRED/);
  assert.match(r.vault.text, /sender saw: ✘ refused \(ERR_JWT_EXPIRED\)/);
  assert.equal(await page3.$eval('#summary [data-target="vault"] .bar-sender', (e) => e.dataset.senderVerdict), sender.vault.verdict);
  assert.match(await page3.textContent('#checks-table'), /withheld by the sender/);
  assert.equal(r.aws.verdict, senderAws.verdict);
  assert.deepEqual(r.aws.failures.map((f) => f.id).sort(), senderAws.failures.map((f) => f.id).filter((id) => id !== 'required.iss').sort());
  assert.match(await page3.textContent('#aws-verdict'), /withheld by the sender/);
  assert.match(await page3.textContent('#withheld-token'), /Signature withheld by the sender/);
  assert.equal(await page3.inputValue('#now-input'), String(PAYLOAD.exp + 3600));
  await shot('share-recipient-withheld', null, page3);
  await page3.close();
  // At the sample's own time only the withheld signature is unknown: said so, not "refused".
  await fill('#now-input', String(NOW));
  await s.page.click('#make-share');
  const page4 = await s.context.newPage();
  await page4.goto(await s.page.inputValue('#share-url'));
  await page4.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.busy === 'false');
  const w = await bar(page4);
  assert.equal(w.vault.verdict, 'wait');
  assert.match(w.vault.text, /signature withheld by the sender.*sender saw: ✔ accepted/s);
  await page4.close();
  await resetSample();
});

test('wording: Nomad explanations only for Nomad tokens; GitHub, Kubernetes and Google recognised', async () => {
  const cases = [
    [{ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:octo/app:ref:refs/heads/main', aud: 'sts.amazonaws.com', iat: PAYLOAD.iat, exp: PAYLOAD.exp, repository: 'octo/app' }, /GitHub Actions/],
    [{ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:prod:web', aud: ['vault'], iat: PAYLOAD.iat, exp: PAYLOAD.exp }, /Kubernetes service account/],
    [{ iss: 'https://accounts.google.com', sub: '1234567890', aud: 'vault', iat: PAYLOAD.iat, exp: PAYLOAD.exp, email: 'a@b.c' }, /Google ID token/],
  ];
  await fill('#aws-provider', 'https://issuer.example.com');
  for (const [claims, name] of cases) {
    // A kid the sample JWKS lacks: the "kid not found" advice must not speak of Nomad either.
    await fill('#token-input', tokenWith(claims, { ...HEADER, kid: 'rotated-key' }));
    const out = await s.page.textContent('#token-out');
    assert.match(out, name);
    assert.doesNotMatch(out, /Nomad/, `no Nomad wording for ${name}`);
    assert.equal(await s.page.$('#nomad-identity'), null);
    assert.match(await s.page.textContent('#keys-notes'), /is not in this key set/);
    assert.doesNotMatch(await s.page.textContent('#keys-out'), /Nomad/, `keys: no Nomad wording for ${name}`);
    assert.doesNotMatch(await s.page.textContent('#aws-out'), /nomad_job_id|Nomad/, `AWS: no Nomad wording for ${name}`);
  }
  await shot('wording-google', '#token');
  await fill('#token-input', TOKEN);
  assert.match(await s.page.textContent('#token-notes'), /Nomad renews an identity/);
  await resetSample();
});

test('decoder: raw JSON panels, token order, nested pretty-printed, "" shown, no mid-number breaks', async () => {
  const claims = { sub: 'global:default:web:web:web:default', zeta: '', aud: ['vault.io'], nested: { b: { c: [1, 2] }, a: 'x' }, exp: 1796655660, iat: 1796652060, nomad_job_id: 'web' };
  const token = tokenWith(claims);
  await fill('#token-input', token);
  const names = await s.page.$$eval('#payload-table tbody tr', (r) => r.map((x) => x.dataset.claim));
  assert.deepEqual(names, Object.keys(claims), 'claims in token order');
  assert.equal((await s.page.textContent('#raw-payload')).trim(), JSON.stringify(claims, null, 2));
  assert.equal((await s.page.textContent('#raw-header')).trim(), JSON.stringify(HEADER, null, 2));
  assert.equal(await s.page.$eval('#payload-table tr[data-claim="zeta"] td:nth-child(2)', (td) => td.textContent), '""');
  assert.equal(await s.page.$eval('#payload-table tr[data-claim="nested"] pre', (p) => p.textContent), JSON.stringify(claims.nested, null, 2));
  assert.equal(await s.page.$$eval('#token-out button', (b) => b.filter((x) => /Copy (header|payload) JSON/.test(x.textContent)).length), 2);
  for (const vp of [DESKTOP, PHONE]) {
    await s.page.setViewportSize(vp);
    // Every number cell renders on one line: its text's rectangles all share one top edge, and
    // the cell is at least as wide as the number.
    const broken = await s.page.$$eval('#token-out td.value.nowrap', (cells) => cells.filter((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return tops.size > 1 || td.scrollWidth > td.clientWidth + 1;
    }).map((td) => td.textContent));
    assert.deepEqual(broken, [], `numbers broken at ${vp.width}px`);
    const count = await s.page.$$eval('#token-out td.value.nowrap', (c) => c.length);
    assert.ok(count >= 4, `${count} number cells measured`);
  }
  await s.page.setViewportSize(DESKTOP);
  await shot('decoder-basics', '#token');
  await resetSample();
});

test('policies: a policy the role does not attach is flagged; an empty accessor is said plainly', async () => {
  await fill('.policy-editor .policy-name', 'policy-1');
  const hints = await s.page.textContent('#policy-hints');
  assert.match(hints, /Policy "policy-1" is not in the role's token_policies/);
  assert.match(hints, /"nomad-workloads"/);
  await fill('.policy-editor .policy-name', 'nomad-workloads');
  assert.equal(await s.page.$('[data-hint="policy-not-attached"]'), null);
  // Empty accessor: the one the policy text names is used, and the page says so.
  await fill('#accessor', '');
  assert.match(await s.page.textContent('#policy-hints'), /No accessor entered: using "AUTH_METHOD_ACCESSOR", the accessor the policy text names/);
  assert.match(await s.page.getAttribute('#accessor', 'placeholder'), /empty = AUTH_METHOD_ACCESSOR \(named in the policy\)/);
  // A typed accessor the policy does not name: offered the one it does, and the drop hint does
  // not speak of an accessor "you configured" when none was.
  await fill('#accessor', 'auth_jwt_1234');
  assert.match(await s.page.textContent('#policy-hints'), /names "AUTH_METHOD_ACCESSOR", not "auth_jwt_1234"/);
  await s.page.click('[data-accessor="AUTH_METHOD_ACCESSOR"]');
  await settled(s.page);
  assert.equal(await s.page.inputValue('#accessor'), 'AUTH_METHOD_ACCESSOR');
  const other = 'path "kv/{{identity.entity.aliases.auth_jwt_other.metadata.nomad_job_id}}/*" {\n  capabilities = ["read"]\n}\n';
  await fill('.policy-editor .policy-text', other);
  await fill('#accessor', '');
  // Rendered with the accessor the policy names, so nothing is dropped for want of one.
  assert.match(await s.page.textContent('#rendered-policy'), /path "kv\/mongo\/\*"/);
  // Two accessors named and none entered: it defaults, says so, offers both, and the hint of the
  // path dropped for the other accessor does not speak of one "you configured".
  await fill('.policy-editor .policy-text', `${other}${read('policy.hcl')}`);
  const defaulted = await s.page.textContent('[data-hint="accessor-defaulted"]');
  assert.match(defaulted, /it defaulted to "AUTH_METHOD_ACCESSOR"/);
  assert.match(defaulted, /"auth_jwt_other"/);
  const dropped = await s.page.textContent('#dropped-table');
  assert.match(dropped, /auth_jwt_other/);
  assert.doesNotMatch(await s.page.textContent('#policies-out'), /the accessor you configured/);
  assert.match(dropped, /none was entered/);
  await shot('policies-hints', '#policies');
  await resetSample();
});

test('AWS: the suggested trust policy drops the port the preflight refuses', async () => {
  await fill('#aws-provider', 'https://nomad.example.com:4646');
  const suggested = await s.page.textContent('#aws-suggested');
  assert.doesNotMatch(suggested, /4646/);
  assert.match(suggested, /oidc-provider\/nomad\.example\.com"/);
  assert.match(await s.page.textContent('#aws-suggest-dropped'), /port :4646/);
  assert.match(await s.page.textContent('#aws-preflight'), /must not contain a port/);
  // Everything else the preflight refuses goes too: a scheme other than https, :443, a query.
  await fill('#aws-provider', 'http://nomad.example.com:443/?region=global');
  assert.match(await s.page.textContent('#aws-preflight'), /must begin with https:\/\//);
  const again = await s.page.textContent('#aws-suggested');
  assert.match(again, /oidc-provider\/nomad\.example\.com"/);
  assert.doesNotMatch(again, /:443|region=|http:/);
  assert.match(await s.page.textContent('#aws-suggest-dropped'), /scheme http:\/\/.*port :443.*query/s);
  await resetSample();
});

test('secrets: an HS256 token and a typed secret get one clear sentence, never a raw JS error', async () => {
  await fill('#token-input', `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '1234567890', name: 'John Doe', iat: 1516239022 })}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`);
  await fill('#keys-input', 'your-256-bit-secret');
  const page = await s.page.textContent('body');
  assert.doesNotMatch(page, /Unexpected token|is not valid JSON/);
  assert.match(await s.page.textContent('#keys-out'), /Vault and AWS never accept symmetric tokens/);
  assert.match(await s.page.textContent('#summary'), /never accept symmetric tokens/);
  await fill('#token-input', TOKEN);
  assert.match(await s.page.textContent('#keys-out'), /Vault and AWS never accept symmetric \(HS256\/HS384\/HS512\) tokens/);
  await resetSample();
});

test('clock: milliseconds converted with a note, unreadable text refused in place, leeways as the role has them', async () => {
  await fill('#now-input', String(NOW * 1000));
  assert.match(await s.page.textContent('#clock-note'), /looks like milliseconds: read as 1767225900 s/);
  assert.equal((await bar()).vault.verdict, 'allow', 'evaluated at the converted instant');
  await fill('#now-input', 'yesterday');
  assert.match(await s.page.textContent('#clock-error'), /"yesterday" is neither Unix seconds nor a date/);
  assert.equal(await s.page.getAttribute('#now-input', 'aria-invalid'), 'true');
  const b = await bar();
  assert.equal(b.vault.verdict, 'wait');
  assert.doesNotMatch(await s.page.textContent('#summary'), /accepted|allowed/);
  await shot('clock-refused');
  await fill('#now-input', String(NOW));
  assert.equal(await s.page.getAttribute('#lw-exp', 'placeholder'), '150');
  assert.equal(await s.page.getAttribute('#lw-skew', 'placeholder'), '60');
  assert.match(await s.page.textContent('#leeway-hint'), /a token that has exp is checked with the clock skew leeway \(60 s\)/);
  await fill('#role-input', JSON.stringify({ ...ROLE, clock_skew_leeway: 30, expiration_leeway: 90 }));
  assert.equal(await s.page.getAttribute('#lw-skew', 'placeholder'), '30');
  assert.equal(await s.page.getAttribute('#lw-exp', 'placeholder'), '90');
  // The exp check the engine ran names the same skew leeway the hint shows.
  await fill('#now-input', String(PAYLOAD.exp + 20));
  assert.match(await s.page.$eval('#checks-table tr[data-check="exp"]', (r) => r.textContent), /30/);
  await resetSample();
});

test('login order: the sample warns; a second token shows the collision step by step', async () => {
  assert.match(await s.page.textContent('#login-order-verdict'), /depend on who logged in last/);
  // Beside the policy decision too, linking to this panel.
  assert.match(await s.page.textContent('#decision-login-order'), /depends on who logged in last.*nomad_namespace/s);
  assert.equal(await s.page.getAttribute('#decision-login-order a', 'href'), '#login-order');
  assert.equal(await s.page.$eval('#login-order-findings [data-severity="security"]', (e) => e.dataset.finding), 'shared_alias_cross_workload');
  // The same job in another namespace, pasted as a second token.
  const prod = tokenWith({ ...PAYLOAD, nomad_namespace: 'prod', sub: PAYLOAD.sub.replace(':default:', ':prod:') });
  await fill('#second-token', prod);
  const rows = await s.page.$$eval('#login-sim tbody tr', (r) => r.map((x) => ({ token: x.dataset.token, decision: x.dataset.decision, depends: x.dataset.depends })));
  // After prod/mongo logs in, default/mongo's own read is denied: it renders prod's path.
  assert.ok(rows.some((r) => r.token === 'default/mongo' && r.decision === 'denied' && r.depends === 'true'), JSON.stringify(rows));
  assert.match(await s.page.textContent('#alias-owners'), /nomad_namespace=prod/);
  await shot('login-order', '#login-order');
  await fill('#second-token', '');
  await s.page.click('#use-example');
  await settled(s.page);
  assert.ok(await s.page.$('#login-sim'), 'the example collides too');
  await resetSample();
});

/** Elements of the answer bar whose text contrast (WCAG 2) is under 4.5:1 against their background. */
async function lowContrastInBar(page) {
  return page.evaluate(() => {
    const parse = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bgOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const bad = [];
    for (const el of document.querySelectorAll('#answer *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.getClientRects().length) continue;
      const [a, b] = [lum(parse(getComputedStyle(el).color).slice(0, 3)), lum(bgOf(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
    return [...new Set(bad)];
  });
}

test('bar: text meets WCAG AA contrast in light and dark themes, with refusals and a hazard', async () => {
  await fill('#aws-provider', 'https://nomad.example.com:4646');
  await fill('#now-input', String(PAYLOAD.exp + 3600));
  for (const theme of ['light', 'dark']) {
    await s.page.selectOption('#theme', theme);
    assert.deepEqual(await lowContrastInBar(s.page), [], theme);
  }
  await shot('bar-dark');
  await s.page.selectOption('#theme', 'system');
  await fill('#now-input', 'not a time');
  assert.deepEqual(await lowContrastInBar(s.page), [], 'refused clock');
  // Nothing about expiry is said without an evaluation time.
  assert.doesNotMatch(await s.page.textContent('#token-notes'), /Expires|Expired/);
  await resetSample();
});
