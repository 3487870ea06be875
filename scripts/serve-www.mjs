#!/usr/bin/env node
// A tiny static server for the browser inspector. It exists so the page can be opened with one
// command and tested in a real browser; it is not a production web server.
//
// - Binds to 127.0.0.1 only: the inspector handles tokens, and nothing on the network should see it.
// - Serves three trees: `www/` at `/`, the npm package's browser build (`pkg/`) at `/pkg/`, and the
//   bundled sample (`tests/fixtures/sample/`) at `/sample/`.
// - Sends the same strict Content-Security-Policy as the page's <meta> tag, plus the headers a
//   <meta> tag cannot carry (frame-ancestors), and `application/wasm` for `.wasm` so
//   `WebAssembly.instantiateStreaming` works.
//
// Usage: node scripts/serve-www.mjs [--port N]   (N = 0 picks a free port; the URL is printed)
// Programmatic: `import { startServer } from './serve-www.mjs'` → `{ url, close() }`.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** URL prefix → directory it maps to. The first matching prefix wins. */
const MOUNTS = [
  ['/pkg/', join(ROOT, 'pkg')],
  ['/sample/', join(ROOT, 'tests', 'fixtures', 'sample')],
  ['/', join(ROOT, 'www')],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.jwt': 'text/plain; charset=utf-8',
  '.pem': 'text/plain; charset=utf-8',
  '.hcl': 'text/plain; charset=utf-8',
};

/**
 * The page's policy. `connect-src` must allow https:/http: because the user may click "fetch" on a
 * JWKS or discovery URL of their own cluster; the page's code only ever fetches on such a click
 * (and loads its own files). `'wasm-unsafe-eval'` lets the engine's wasm compile; nothing else may
 * evaluate code, and no inline script or style runs.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' https: http:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'Cache-Control': 'no-store',
};

/** Maps a request path to a file inside one of the mounts, or null (never escapes a mount). */
function resolvePath(urlPath, mounts = MOUNTS) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  for (const [prefix, dir] of mounts) {
    if (!decoded.startsWith(prefix)) continue;
    let rest = decoded.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const file = normalize(join(dir, rest));
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    // The package folder holds sources and node_modules; only its browser-facing files are served.
    if (prefix === '/pkg/' && (file.includes(`${sep}node_modules${sep}`) || !/\.(m?js|wasm|json|d\.ts)$/.test(file))) {
      return null;
    }
    // The sample folder also holds its generator and TEST signing keys: serve only what the page loads.
    if (prefix === '/sample/' && !/\.(jwt|json|hcl|txt)$/.test(file)) return null;
    return file;
  }
  return null;
}

async function handle(req, res, mounts) {
  const send = (status, body, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { ...HEADERS, 'Content-Type': type });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const file = resolvePath(url.pathname, mounts);
  if (!file) return send(404, 'not found\n');
  try {
    const info = await stat(file);
    if (!info.isFile()) return send(404, 'not found\n');
    const body = await readFile(file);
    return send(200, body, TYPES[extname(file)] ?? 'application/octet-stream');
  } catch {
    return send(404, 'not found\n');
  }
}

/**
 * Starts the server on 127.0.0.1:`port` (0 = any free port). `mounts` ([prefix, dir] pairs) are
 * tried before the default ones (tests use it to serve fixtures). Resolves to `{ url, close }`.
 */
export function startServer({ port = 8080, mounts = [] } = {}) {
  const all = [...mounts, ...MOUNTS];
  const server = createServer((req, res) => {
    handle(req, res, all).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      ok({
        url: `http://127.0.0.1:${address.port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
  const { url } = await startServer({ port });
  console.log(`jwtgate inspector: ${url}#sample  (127.0.0.1 only; Ctrl-C to stop)`);
}
