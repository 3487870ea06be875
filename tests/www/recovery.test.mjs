// Recovery after a trap in the browser build (issue 18), and ERR_NOT_INITIALISED before
// `init()` (issue 21), in headless Chromium: the package's test variant (feature `test-trap`,
// pkg/test/trap-package.mjs) served from 127.0.0.1; each kind of trap gives ERR_INTERNAL, and the
// next call, a verifier made before the trap, verify()'s pool and new verifiers all work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve-www.mjs';
import { CHROMIUM, FLAGS } from './helpers.mjs';
import { trapPackage } from '../../pkg/test/trap-package.mjs';
import { mintTestIdentity } from '../../pkg/index.node.js';

let copy;
let server;
let context;
let profile;
let page;
const now = 1800000000;
const m = mintTestIdentity({ alg: 'EdDSA', audience: 'vault.io', now, ttl: 3600 });

before(async () => {
  copy = trapPackage();
  writeFileSync(join(copy.dir, 'blank.html'), '<!doctype html><title>recovery</title>');
  server = await startServer({ port: 0, mounts: [['/trap/', copy.dir]] });
  profile = mkdtempSync(join(tmpdir(), 'jwtgate-www-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}trap/blank.html`);
});
after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  copy?.remove();
});

test('browser entry: ERR_NOT_INITIALISED before init(), then a trap of each kind is recovered from', async () => {
  const result = await page.evaluate(
    async ({ token, jwks, now }) => {
      const api = await import('/trap/index.browser.js');
      const describe = (f) => {
        try {
          f();
          return { ok: true };
        } catch (e) {
          return { code: e.code, message: e.message, cause: e.cause && `${e.cause.name}: ${e.cause.message}` };
        }
      };
      const out = { before: describe(() => api.verify(token, { jwks, audience: 'vault.io', now })) };
      await api.init();
      const glue = await import('/trap/dist/jwtgate.js');
      (await import('/trap/trap-hook.mjs')).trapOnMarkedTokens(glue);
      const options = { jwks, audience: 'vault.io' };
      const mine = api.createVerifier(options);
      out.kinds = {};
      for (const kind of ['unreachable', 'stack', 'memory', 'borrow']) {
        const aud = () => mine.verify(token, { now }).payload.aud;
        const first = [aud(), api.verify(token, { ...options, now }).payload.aud];
        const trap = describe(() => mine.verify(`trap:${kind}`, { now }));
        const after = [
          aud(),
          api.verify(token, { ...options, now }).payload.aud,
          api.createVerifier(options).verify(token, { now }).payload.aud,
          api.inspect(token).header.alg,
          mine.cacheStats().len,
        ];
        out.kinds[kind] = { first, trap, after };
      }
      out.pooled = describe(() => api.verify('trap:unreachable', { ...options, now }));
      out.afterPooled = api.verify(token, { ...options, now }).payload.aud;
      return out;
    },
    { token: m.token, jwks: m.jwks, now },
  );
  assert.equal(result.before.code, 'ERR_NOT_INITIALISED');
  assert.match(result.before.message, /await init\(\)/);
  const causes = { unreachable: /RuntimeError: unreachable/, stack: /RangeError: Maximum call stack/, memory: /RuntimeError: memory access out of bounds/, borrow: /recursive use of an object/ };
  for (const [kind, r] of Object.entries(result.kinds)) {
    assert.deepEqual(r.first, ['vault.io', 'vault.io'], kind);
    assert.equal(r.trap.code, 'ERR_INTERNAL', `${kind}: ${JSON.stringify(r.trap)}`);
    assert.match(r.trap.message, /engine discarded its state and was restarted/, kind);
    assert.match(r.trap.cause, causes[kind], kind);
    assert.deepEqual(r.after, ['vault.io', 'vault.io', 'vault.io', 'EdDSA', 1], kind);
  }
  assert.equal(result.pooled.code, 'ERR_INTERNAL');
  assert.equal(result.afterPooled, 'vault.io');
});
