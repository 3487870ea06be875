// The page and its server without depending on the engine's verdicts: headers, CSP, wasm MIME
// type, path confinement, labels, keyboard entry, themes, and no request leaving 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, CSP } from '../../scripts/serve-www.mjs';
import { openInspector, external, shot } from './helpers.mjs';

let server;
let fixtures;
before(async () => {
  fixtures = mkdtempSync(join(tmpdir(), 'jwtgate-www-files-'));
  writeFileSync(join(fixtures, 'tiny.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  server = await startServer({ port: 0, mounts: [['/t/', fixtures]] });
});
after(async () => {
  await server.close();
  rmSync(fixtures, { recursive: true, force: true });
});

test('server listens on 127.0.0.1 and sends the strict CSP with the page', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const res = await fetch(server.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('content-security-policy'), CSP);
  assert.match(CSP, /default-src 'none'/);
  assert.match(CSP, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.doesNotMatch(CSP, /unsafe-inline/);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'wasm-unsafe-eval';/);
});

test('server sends application/wasm for .wasm files', async () => {
  const res = await fetch(`${server.url}t/tiny.wasm`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/wasm');
});

test('server never serves files outside its mounts', async () => {
  for (const p of ['..%2fCargo.toml', '%2e%2e/Cargo.toml', 'pkg/../../Cargo.toml', 'sample/..%2f..%2fCargo.toml', 'pkg/Cargo.toml', '%00']) {
    const res = await fetch(`${server.url}${p}`);
    assert.equal(res.status, 404, p);
  }
  const post = await fetch(server.url, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
});

test('page: every control is labelled, keyboard starts at the skip link, no outside requests', async () => {
  const s = await openInspector();
  try {
    await s.page.goto(s.url);
    await s.page.waitForFunction(() => document.body.dataset.engine === 'ready' || document.querySelector('#engine-status.error'));
    const unlabelled = await s.page.evaluate(() => [...document.querySelectorAll('input, textarea, select')]
      .filter((el) => el.type !== 'hidden' && !(el.labels?.length) && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.outerHTML));
    assert.deepEqual(unlabelled, []);
    const headings = await s.page.$$eval('h2', (hs) => hs.map((x) => x.textContent.replace(/\s+/g, ' ').trim()));
    for (const want of ['Token', 'Keys', 'Checks', 'Vault policies', 'AWS', 'Privacy']) {
      assert.ok(headings.some((x) => x.includes(want)), `heading ${want} in ${headings}`);
    }
    await s.page.keyboard.press('Tab');
    assert.equal(await s.page.evaluate(() => document.activeElement.className), 'skip-link');
    const privacy = await s.page.textContent('#privacy-badge');
    assert.match(privacy, /Nothing leaves this tab unless you click a Fetch button/);
    assert.deepEqual(external(s.requests), []);
    await shot(s.page, '00-empty-light');
  } finally {
    await s.close();
  }
});

test('page: dark theme follows the system and the theme picker', async () => {
  const s = await openInspector({ colorScheme: 'dark' });
  try {
    await s.page.goto(s.url);
    const bg = () => s.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(await bg(), 'rgb(13, 17, 23)');
    await s.page.selectOption('#theme', 'light');
    assert.equal(await bg(), 'rgb(246, 247, 249)');
    await s.page.selectOption('#theme', 'dark');
    assert.equal(await bg(), 'rgb(13, 17, 23)');
    await shot(s.page, '01-empty-dark');
  } finally {
    await s.close();
  }
});
