// The package in bundled pages (issue 21): the packed tarball installed into a scratch project,
// a page importing `jwtgate` bundled with esbuild and with Vite as pkg/README.md's recipes say,
// each served under the inspector's strict CSP and run in headless Chromium, which must show the
// verdict of a real verification (and ERR_NOT_INITIALISED before `init()`, a tampered token
// refused). esbuild and Vite come from pkg's devDependencies (exact versions).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openInspector, external, HERE } from './helpers.mjs';

const PKG = join(HERE, '..', '..', 'pkg');
const FIXTURES = join(HERE, 'bundlers');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let app;
let expectedSub;
before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-bundlers-'));
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: PKG, encoding: 'utf8' }));
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bundled-page', private: true, type: 'module' }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed[0].filename)], { cwd: app, encoding: 'utf8' });
  for (const f of ['page.js', 'esbuild-entry.js', 'vite-entry.js']) copyFileSync(join(FIXTURES, f), join(app, f));
});
after(() => {
  if (app) rmSync(join(app, '..'), { recursive: true, force: true });
});

/** Mints the token the page verifies (through the installed package's Node entry). */
async function writeIdentity() {
  const { mintTestIdentity } = await import(pathToFileURL(join(app, 'node_modules', 'jwtgate', 'index.node.js')));
  const now = 1767225600;
  const m = mintTestIdentity({ job: 'web', audience: 'vault.io', now, ttl: 600 });
  const [h, p, s] = m.token.split('.');
  // One signature character changed (not the last, whose low bits may not be significant).
  const tampered = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
  writeFileSync(join(app, 'identity.json'), JSON.stringify({ token: m.token, tampered, jwks: m.jwks, issuer: m.payload.iss, audience: 'vault.io', now: now + 1 }));
  expectedSub = m.payload.sub;
}

const html = (entry) => readFileSync(join(FIXTURES, 'index.html'), 'utf8').replace('./ENTRY', entry);

/** Opens `path` on a server that mounts `dir` at `/bundle/`, and returns what the page showed. */
async function runPage(dir) {
  const s = await openInspector({ mounts: [['/bundle/', dir]] });
  try {
    await s.page.goto(`${s.url}bundle/index.html`);
    await s.page.waitForFunction(() => document.getElementById('verdict').dataset.state !== 'loading', null, { timeout: 15000 });
    const verdict = await s.page.textContent('#verdict');
    const state = await s.page.getAttribute('#verdict', 'data-state');
    return { verdict, state, requests: s.requests, consoleErrors: s.consoleErrors };
  } finally {
    await s.close();
  }
}

function assertVerdict({ verdict, state, requests, consoleErrors }, wasmFile) {
  assert.equal(state, 'done', verdict);
  assert.equal(verdict, `before init: ERR_NOT_INITIALISED; verified sub ${expectedSub} (signature, iss, aud, exp checked); tampered: ERR_JWS_SIGNATURE_INVALID`);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(external(requests), []);
  // The module came from the bundle's own output, under the name the bundler gave it.
  assert.ok(requests.some((u) => u.endsWith(`/bundle/${wasmFile}`)), `${wasmFile} not requested: ${requests.join(' ')}`);
}

test('esbuild: the file loader copies jwtgate/jwtgate_bg.wasm and init(url) loads it under the strict CSP', async () => {
  await writeIdentity();
  const esbuild = await import(pathToFileURL(join(PKG, 'node_modules', 'esbuild', 'lib', 'main.js')));
  const out = join(app, 'out-esbuild');
  await esbuild.build({
    absWorkingDir: app,
    entryPoints: ['esbuild-entry.js'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    loader: { '.wasm': 'file' },
    outdir: out,
    logLevel: 'silent',
  });
  writeFileSync(join(out, 'index.html'), html('./esbuild-entry.js'));
  const wasm = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one .wasm in the output: ${wasm}`);
  assert.ok(readFileSync(join(out, wasm[0])).equals(readFileSync(join(PKG, 'dist', 'jwtgate_bg.wasm'))), `${wasm[0]} is not dist/jwtgate_bg.wasm`);
  assertVerdict(await runPage(out), wasm[0]);
});

test('Vite: jwtgate/jwtgate_bg.wasm?url is emitted as an asset and init(url) loads it under the strict CSP', async () => {
  await writeIdentity();
  const { build } = await import(pathToFileURL(join(PKG, 'node_modules', 'vite', 'dist', 'node', 'index.js')));
  writeFileSync(join(app, 'index.html'), html('./vite-entry.js'));
  const out = join(app, 'out-vite');
  await build({
    root: app,
    base: './',
    configFile: false,
    logLevel: 'silent',
    build: { outDir: out, emptyOutDir: true },
  });
  // The asset the `?url` import named, byte for byte the package's module. (Vite also emits
  // jwtgate_mint_bg.wasm, which the glue names with `new URL(…, import.meta.url)`; a page
  // downloads it only if it calls initMint().)
  const main = readFileSync(join(PKG, 'dist', 'jwtgate_bg.wasm'));
  const assets = readdirSync(join(out, 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm') && readFileSync(join(out, 'assets', f)).equals(main));
  assert.equal(wasm.length, 1, `dist/jwtgate_bg.wasm once among the assets: ${assets}`);
  const result = await runPage(out);
  assertVerdict(result, `assets/${wasm[0]}`);
  assert.ok(!result.requests.some((u) => /mint/.test(u)), `the mint module is not downloaded: ${result.requests.join(' ')}`);
});
