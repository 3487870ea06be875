// Shared helpers for the node --test suites.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(PKG, '..');
export const BIN = join(PKG, 'bin', 'jwtgate.js');

/** Runs the CLI as a subprocess: `{ code, stdout, stderr, json }`. */
export function cli(args, { input, env, cwd } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    cwd: cwd ?? PKG,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', NOMAD_SECRETS_DIR: '', ...env },
  });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** Decodes a base64url segment to a string. */
export const b64d = (s) => Buffer.from(s, 'base64url').toString('utf8');

/**
 * A local HTTP server on 127.0.0.1 answering `routes` (path → `{ status, body, delay, headers }`
 * or a function of the request returning one), counting requests per path in `hits`.
 */
export async function serve(routes) {
  const hits = {};
  const server = createServer((req, res) => {
    hits[req.url] = (hits[req.url] ?? 0) + 1;
    const route = routes[req.url];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const { status = 200, body = '', delay = 0, headers = {} } = typeof route === 'function' ? route(req) : route;
    const timer = setTimeout(() => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body)), delay);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    hits,
    close: () => {
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      return closed;
    },
  };
}
