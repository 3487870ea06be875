// Shared setup for the inspector's browser tests: the local server, a fresh headless Chromium and a
// log of every request the page makes (to prove nothing leaves 127.0.0.1).
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve-www.mjs';

export const HERE = fileURLToPath(new URL('.', import.meta.url));
export const SCREENSHOTS = join(HERE, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];

/**
 * Starts the server and a browser with a fresh profile. Returns { url, context, page, requests,
 * consoleErrors, close }. `requests` records every URL the browser asked for.
 */
export async function openInspector({ mounts = [], colorScheme = 'light', viewport = { width: 1360, height: 900 } } = {}) {
  const server = await startServer({ port: 0, mounts });
  const profile = mkdtempSync(join(tmpdir(), 'jwtgate-www-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, colorScheme, viewport,
  });
  const requests = [];
  const consoleErrors = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return {
    url: server.url, context, page, requests, consoleErrors,
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Requests that went anywhere but the local server (data: and blob: URLs never leave the tab). */
export function external(requests) {
  return requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const { hostname } = new URL(u);
    return hostname !== '127.0.0.1';
  });
}

/** Waits until the page has re-evaluated after the last edit. */
export async function settled(page) {
  await page.waitForFunction(() => document.body.dataset.busy === 'false', null, { timeout: 15000 });
}

/** Saves a screenshot under tests/www/screenshots/: one section (`selector`) or the full page. */
export async function shot(page, name, selector) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
}
