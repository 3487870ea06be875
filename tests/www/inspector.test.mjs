// End-to-end flows of the inspector in headless Chromium against the package's real browser build
// (wasm): the bundled sample, failing cases, policies, keys, AWS, sharing, and a log of every
// request proving nothing leaves 127.0.0.1.
//
// Expected values come from outside the engine where possible: the token is decoded here with
// Buffer, PEM output is compared with node:crypto's own JWK → SPKI export, and Vault's wording is
// the one documented in shared/research (cap's jwt.go / the JWT auth plugin).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { openInspector, external, settled, shot, HERE } from './helpers.mjs';

const ROOT = join(HERE, '..', '..');
const SAMPLE = join(ROOT, 'tests', 'fixtures', 'sample');
const read = (f) => readFileSync(join(SAMPLE, f), 'utf8');
const TOKEN = read('token.jwt').trim();
const JWKS = JSON.parse(read('jwks.json'));
const NOW = Number(read('now.txt').trim());
const ROLE = JSON.parse(read('role.json'));
const [H64, P64] = TOKEN.split('.');
const HEADER = JSON.parse(Buffer.from(H64, 'base64url').toString());
const PAYLOAD = JSON.parse(Buffer.from(P64, 'base64url').toString());
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

if (!existsSync(join(ROOT, 'pkg', 'dist', 'jwtgate_bg.wasm'))) {
  throw new Error('pkg/dist/jwtgate_bg.wasm is missing: run `bash pkg/scripts/build.sh` (scripts/test-www.sh does)');
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
  // Every flow below ran in this one page: not a single request may have left 127.0.0.1.
  assert.deepEqual(leaked, []);
});

/** Sets an input's value the way a person pasting would, then waits for the re-evaluation. */
async function fill(selector, value) {
  await s.page.fill(selector, value);
  await settled(s.page);
}

async function checkRows(tableId = 'checks-table') {
  return s.page.$$eval(`#${tableId} tbody tr`, (rows) => rows.map((r) => ({
    id: r.dataset.check,
    outcome: r.dataset.outcome,
    message: r.children[3]?.textContent ?? '',
    expected: r.children[4]?.textContent ?? '',
    actual: r.children[5]?.textContent ?? '',
  })));
}

async function resetSample() {
  await s.page.click('#load-sample');
  await s.page.waitForFunction(() => document.querySelector('#token-input').value.length > 0);
  await settled(s.page);
}

test('sample: decoded header and claims match the token', async () => {
  const payloadCells = await s.page.$$eval('#payload-table tbody tr', (rows) => Object.fromEntries(
    rows.map((r) => [r.children[0].textContent, r.children[1].textContent])));
  for (const [k, v] of Object.entries(PAYLOAD)) {
    const shown = payloadCells[k];
    assert.ok(shown !== undefined, `claim ${k} shown`);
    assert.deepEqual(typeof v === 'string' ? shown : JSON.parse(shown), v, k);
  }
  const headerCells = await s.page.$$eval('#header-table tbody tr', (rows) => Object.fromEntries(
    rows.map((r) => [r.children[0].textContent, r.children[1].textContent])));
  assert.equal(headerCells.kid, HEADER.kid);
  assert.equal(headerCells.alg, 'RS256');
  const segs = await s.page.$$eval('#token-segments span', (sp) => sp.map((x) => [x.className, x.textContent]));
  assert.deepEqual(segs.filter(([c]) => c.startsWith('seg-') && c !== 'seg-dot').map(([, t]) => t), TOKEN.split('.'));
});

test('sample: Nomad sub split, missing iss flagged, times relative + UTC', async () => {
  const parts = await s.page.$$eval('#nomad-identity dd[data-part]', (dd) => Object.fromEntries(dd.map((d) => [d.dataset.part, d.textContent])));
  assert.deepEqual(parts, { region: 'global', namespace: 'default', job: 'mongo', group: 'mongo', 'task or service': 'mongo', identity: 'default' });
  const notes = await s.page.textContent('#token-notes');
  assert.match(notes, /iss/);
  assert.match(notes, /oidc_issuer/);
  assert.match(notes, /TTL 1 h/);
  const times = await s.page.$$eval('#times-table tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  const exp = times.find((r) => r[0] === 'exp');
  assert.equal(exp[3], new Date(PAYLOAD.exp * 1000).toISOString().replace('.000Z', 'Z'));
  assert.equal(exp[2], 'in 55 minutes'); // now.txt is 5 min after iat, exp is iat + 1 h
  await shot(s.page, '10-sample-light');
  await shot(s.page, '11-sample-token', '#token');
  await shot(s.page, '12-sample-keys', '#keys');
  await shot(s.page, '13-sample-checks', '#checks');
});

test('sample: every Vault check passes, in order, and the alias is named after the job', async () => {
  assert.match(await s.page.textContent('#verdict'), /Vault would accept this token/);
  const summary = await s.page.textContent('#summary');
  assert.match(summary, /✔ Vault login: accepted/);
  assert.match(summary, /✔ read kv\/data\/default\/mongo\/config: allowed/);
  const rows = await checkRows();
  assert.ok(rows.length >= 5, `${rows.length} checks`);
  assert.deepEqual(rows.filter((r) => r.outcome === 'fail'), []);
  for (const want of [/signature/, /^exp$/, /aud/]) {
    const row = rows.find((r) => want.test(r.id));
    assert.ok(row, `a check matching ${want} in ${rows.map((r) => r.id)}`);
    assert.equal(row.outcome, 'pass', row.id);
  }
  const alias = await s.page.textContent('#alias');
  assert.match(alias, /alias name\s*mongo/);
  assert.match(alias, /metadata\.nomad_namespace\s*default/);
  // The verifying key is marked in the key table.
  const marked = await s.page.$$eval('#keys-table tr.marked', (r) => r.map((x) => x.dataset.kid));
  assert.deepEqual(marked, [HEADER.kid]);
});

test('failing case: expired, with Vault wording and the values', async () => {
  await fill('#now-input', String(PAYLOAD.exp + 3600));
  assert.match(await s.page.textContent('#verdict'), /Vault would reject this token/);
  const rows = await checkRows();
  const exp = rows.find((r) => r.id === 'exp');
  assert.equal(exp.outcome, 'fail');
  assert.match(exp.message, /token is expired/);
  assert.match(await s.page.textContent('#token-notes'), /Expired 1 hour ago/);
  const bar = await s.page.textContent('#summary');
  assert.match(bar, /✘ Vault login: refused/);
  assert.match(bar, /what Vault answers\s*exp: expected now <= /i);
  await shot(s.page, '20-expired', '#checks');
  await fill('#now-input', String(NOW));
});

test('leeways: 30 s past exp passes on clock skew leeway; a negative leeway (none) rejects', async () => {
  await fill('#now-input', String(PAYLOAD.exp + 30));
  assert.match(await s.page.textContent('#verdict'), /accept/);
  await fill('#lw-skew', '-1');
  assert.match(await s.page.textContent('#verdict'), /reject/);
  assert.equal((await checkRows()).find((r) => r.id === 'exp').outcome, 'fail');
  await fill('#lw-skew', '');
  await fill('#now-input', String(NOW));
});

test('failing case: wrong audience', async () => {
  await fill('#role-input', JSON.stringify({ ...ROLE, bound_audiences: ['consul.io'] }, null, 2));
  const rows = await checkRows();
  const aud = rows.find((r) => /aud/.test(r.id) && r.outcome === 'fail');
  assert.ok(aud, JSON.stringify(rows));
  assert.match(aud.message, /audience claim does not match any expected audience/);
  assert.match(aud.expected, /consul\.io/);
  assert.match(aud.actual, /vault\.io/);
  assert.match(await s.page.textContent('#verdict'), /reject/);
});

test('failing case: bound claim mismatch (mongo-dynamic-secret preset, other job)', async () => {
  await s.page.selectOption('#role-preset', 'mongo-dynamic-secret');
  await settled(s.page);
  assert.match(await s.page.textContent('#verdict'), /accept/, 'the preset binds job mongo: the sample passes');
  const role = JSON.parse(await s.page.inputValue('#role-input'));
  role.bound_claims.nomad_job_id = 'redis';
  await fill('#role-input', JSON.stringify(role, null, 2));
  const rows = await checkRows();
  const bound = rows.find((r) => r.outcome === 'fail');
  assert.ok(bound, JSON.stringify(rows));
  assert.match(bound.id, /nomad_job_id/);
  assert.match(bound.message, /does not match any associated bound claim values/);
  assert.match(bound.expected, /redis/);
  assert.match(bound.actual, /mongo/);
  await shot(s.page, '21-bound-claim-mismatch', '#checks');
  await resetSample();
});

test('policies: rendered policy with a dropped path, and path decisions', async () => {
  assert.match(await s.page.textContent('#decision'), /Allowed: read on kv\/data\/default\/mongo\/config/);
  assert.match(await s.page.textContent('#winning-rule'), /kv\/data\/default\/mongo\/\*/);
  assert.match(await s.page.textContent('#rendered-policy'), /path "kv\/data\/default\/mongo\/\*"/);
  // A template using a metadata key the role's claim_mappings does not produce is dropped.
  const dropping = 'path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_group}}/*" {\n  capabilities = ["read"]\n}\n';
  await s.page.click('#add-policy');
  await fill('.policy-editor:last-child .policy-text', dropping);
  const dropped = await s.page.$$eval('#rendered-policy [data-dropped-path]', (x) => x.map((e) => e.dataset.droppedPath));
  assert.deepEqual(dropped, ['kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_group}}/*']);
  assert.match(await s.page.textContent('#dropped-table'), /nomad_group/);
  await shot(s.page, '30-policies-dropped', '#policies');
  await fill('#req-path-input', 'kv/data/default/redis/config');
  assert.match(await s.page.textContent('#decision'), /Denied: read on kv\/data\/default\/redis\/config/);
  await s.page.check('input[name="req-mode"][value="http"]');
  await s.page.selectOption('#req-method', 'GET');
  await fill('#req-url', '/v1/kv/data/default/mongo/config');
  assert.match(await s.page.textContent('#decision'), /Allowed: read on kv\/data\/default\/mongo\/config/);
  await resetSample();
});

test('keys: JWKS → PEM equals node:crypto\'s export of the same JWK', async () => {
  await s.page.click('#to-pem');
  await s.page.waitForSelector('#pem-text');
  const pem = (await s.page.textContent('#pem-text')).trim();
  const want = createPublicKey({ key: JWKS.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString().trim();
  assert.equal(pem, want);
});

test('keys: kid not in the JWKS is explained', async () => {
  const other = { keys: [{ ...JWKS.keys[0], kid: 'rotated-away' }] };
  await fill('#keys-input', JSON.stringify(other));
  const notes = await s.page.textContent('#keys-notes');
  assert.match(notes, new RegExp(`kid "${HEADER.kid}" is not in this key set`));
  assert.match(notes, /rotated/);
  assert.match(await s.page.textContent('#verdict'), /reject/);
  await resetSample();
});

test('keys: a clicked fetch blocked by CORS shows the curl command; an allowed one fills the keys', async () => {
  // A second local server = another origin, like a Nomad agent. It answers without CORS headers
  // on one path and with them on another.
  const jwksText = JSON.stringify(JWKS);
  const nomad = createServer((req, res) => {
    const headers = { 'Content-Type': 'application/json' };
    if (req.url.startsWith('/cors/')) headers['Access-Control-Allow-Origin'] = '*';
    res.writeHead(200, headers);
    if (req.url === '/cors/.well-known/openid-configuration') {
      const issuer = `http://127.0.0.1:${nomad.address().port}/cors`;
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256', 'EdDSA'] }));
    } else {
      res.end(jwksText);
    }
  });
  await new Promise((ok) => nomad.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${nomad.address().port}`;
  try {
    await fill('#keys-input', '');
    await s.page.fill('#fetch-url', `${base}/.well-known/jwks.json`);
    await s.page.click('#fetch-jwks');
    await s.page.waitForSelector('#fetch-error');
    assert.match(await s.page.textContent('#fetch-error'), /CORS/);
    assert.equal((await s.page.textContent('#curl-command')).trim(), `curl -sS '${base}/.well-known/jwks.json'`);
    await shot(s.page, '40-fetch-cors', '#keys');
    await s.page.fill('#fetch-url', `${base}/cors/.well-known/jwks.json`);
    await s.page.click('#fetch-jwks');
    await s.page.waitForFunction(() => document.querySelector('#keys-input').value.includes('"keys"'));
    await settled(s.page);
    assert.match(await s.page.textContent('#verdict'), /accept/);
    // OIDC discovery from the issuer URL: discovery document, then its jwks_uri.
    await fill('#keys-input', '');
    await s.page.fill('#fetch-url', `${base}/cors`);
    await s.page.click('#fetch-discovery');
    await s.page.waitForFunction(() => document.querySelector('#keys-input').value.includes('"keys"'));
    await settled(s.page);
    assert.match(await s.page.textContent('#verdict'), /accept/);
  } finally {
    await new Promise((ok) => nomad.close(ok));
    await resetSample();
  }
});

test('keys: PEM keys (Vault\'s jwt_validation_pubkeys) and an uploaded JWKS file verify the sample', async () => {
  const pem = createPublicKey({ key: JWKS.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  await fill('#keys-input', pem);
  assert.match(await s.page.textContent('#verdict'), /Vault would accept this token/);
  assert.equal((await checkRows()).find((r) => r.id === 'signature').outcome, 'pass');
  await fill('#keys-input', '');
  assert.match(await s.page.textContent('#checks-out'), /Add keys/);
  await s.page.setInputFiles('#keys-file', { name: 'jwks.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(JWKS)) });
  await s.page.waitForFunction(() => document.querySelector('#keys-input').value.includes('"keys"'));
  await settled(s.page);
  assert.match(await s.page.textContent('#verdict'), /accept/);
  await resetSample();
});

test('checks: standard profile with issuer/audience inputs', async () => {
  await s.page.check('input[name="mode"][value="standard"]');
  await fill('#std-aud', 'vault.io');
  assert.match(await s.page.textContent('#verdict'), /A standard verifier would accept this token/);
  await fill('#std-aud', 'aws, sts.amazonaws.com');
  const aud = (await checkRows()).find((r) => r.id === 'aud');
  assert.equal(aud.outcome, 'fail');
  assert.match(aud.expected, /aws/);
  assert.match(aud.actual, /vault\.io/);
  await fill('#std-aud', 'vault.io');
  await fill('#std-iss', 'https://nomad.example.com');
  const iss = (await checkRows()).find((r) => r.outcome === 'fail');
  assert.match(iss.id, /iss/);
  assert.match(iss.message, /missing required "iss" claim/);
  await resetSample();
  assert.equal(await s.page.isVisible('#vault-inputs'), true);
});

test('token: Bearer/quoted/log-line input is tolerated and said so', async () => {
  await fill('#token-input', `2026-01-01T00:05:00Z level=warn msg="login failed" header="Authorization: Bearer ${TOKEN}"`);
  const sub = await s.page.$$eval('#payload-table tbody tr', (rows) => rows.find((r) => r.children[0].textContent === 'sub')?.children[1].textContent);
  assert.equal(sub, PAYLOAD.sub);
  assert.match(await s.page.textContent('#token-notes'), /Tolerated/);
  await fill('#token-input', `"${TOKEN}"`);
  assert.match(await s.page.textContent('#verdict'), /accept/);
  await resetSample();
});

test('token: claims are text, never markup; milliseconds flagged', async () => {
  const evil = `${b64({ alg: 'RS256', kid: HEADER.kid })}.${b64({ ...PAYLOAD, sub: '<img src=x onerror="window.__pwned=1">', exp: PAYLOAD.exp * 1000 })}.AAAA`;
  await fill('#token-input', evil);
  assert.equal(await s.page.evaluate(() => document.querySelectorAll('main img').length), 0);
  assert.equal(await s.page.evaluate(() => window.__pwned), undefined);
  assert.equal(await s.page.$$eval('#times-table tr[data-ms="exp"]', (r) => r.length), 1);
  assert.match(await s.page.textContent('#times-table'), /milliseconds/);
  await resetSample();
});

test('AWS: preflight explains the missing iss; a trust policy is suggested', async () => {
  await s.page.fill('#aws-provider', 'https://nomad.example.com');
  await s.page.fill('#aws-clients', 'vault.io');
  await s.page.fill('#aws-account', '123456789012');
  await fill('#aws-trust', JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/nomad.example.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'nomad.example.com:aud': 'vault.io' } },
    }],
  }, null, 2));
  assert.match(await s.page.textContent('#aws-verdict'), /STS would refuse this token/);
  const pre = await checkRows('aws-preflight');
  const iss = pre.find((r) => r.outcome === 'fail' && /iss/.test(r.id + r.message));
  assert.ok(iss, JSON.stringify(pre));
  assert.match(await s.page.textContent('#aws-suggested'), /nomad\.example\.com:sub/);
  await shot(s.page, '50-aws', '#aws');
  await resetSample();
});

test('share: the link lives in the fragment and drops the signature by default', async () => {
  await s.page.click('#make-share');
  const link = await s.page.inputValue('#share-url');
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#s=[A-Za-z0-9_-]+$/);
  const state = JSON.parse(Buffer.from(link.split('#s=')[1], 'base64url').toString());
  assert.equal(state.token, `${H64}.${P64}.`);
  assert.equal(state.redacted, true);
  assert.ok(!link.includes(TOKEN.split('.')[2]));
  // Opening it restores the claims; the signature check then fails, as it should.
  const page2 = await s.context.newPage();
  await page2.goto(link);
  await page2.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.busy === 'false');
  assert.match(await page2.textContent('#payload-table'), /global:default:mongo:mongo:mongo:default/);
  assert.match(await page2.textContent('#verdict'), /reject/);
  await page2.close();
  // With the box ticked, the full token travels (and verifies when opened).
  await s.page.check('#share-signature');
  await s.page.click('#make-share');
  const full = JSON.parse(Buffer.from((await s.page.inputValue('#share-url')).split('#s=')[1], 'base64url').toString());
  assert.equal(full.token, TOKEN);
  await s.page.uncheck('#share-signature');
});

/** Contrast ratio (WCAG 2) of every visible text element's colour against its background. */
async function lowContrast(page) {
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
    const sel = '.badge, .verdict, .verdict .detail, .note strong, .note .body, .hint, td, th, .seg-header, .seg-payload, .seg-signature, button, a, label, legend, .privacy-badge, pre, .empty';
    for (const el of document.querySelectorAll(sel)) {
      if (!el.offsetParent || !el.textContent.trim()) continue;
      const fg = parse(getComputedStyle(el).color).slice(0, 3);
      const [a, b] = [lum(fg), lum(bgOf(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
    return [...new Set(bad)];
  });
}

test('contrast: text meets WCAG AA (4.5:1) in light and dark themes', async () => {
  await fill('#now-input', String(PAYLOAD.exp + 3600)); // a failing verdict, fail badges and notes too
  for (const theme of ['light', 'dark']) {
    await s.page.selectOption('#theme', theme);
    assert.deepEqual(await lowContrast(s.page), [], theme);
  }
  await s.page.selectOption('#theme', 'system');
  await fill('#now-input', String(NOW));
});

test('narrow screen and dark theme render the sample', async () => {
  await s.page.setViewportSize({ width: 390, height: 844 });
  await s.page.selectOption('#theme', 'dark');
  await shot(s.page, '60-mobile-dark-checks', '#checks');
  await shot(s.page, '61-mobile-dark-token', '#token');
  await s.page.setViewportSize({ width: 1360, height: 900 });
  await s.page.selectOption('#theme', 'system');
});
