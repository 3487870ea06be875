// fetchJwks / discover against a local HTTP server: cache, kid-driven refetch with cooldown,
// timeout, HTTP errors, documents checked by the core; and the CLI with a JWKS URL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { fetchJwks, discover, clearJwksCache, mintTestIdentity, JwtgateError } from '../index.node.js';
import { BIN } from './helpers.mjs';

async function serve(routes) {
  const hits = {};
  const server = createServer((req, res) => {
    hits[req.url] = (hits[req.url] ?? 0) + 1;
    const route = routes[req.url];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const { status = 200, body, delay = 0 } = typeof route === 'function' ? route() : route;
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body)), delay);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, hits, close: () => new Promise((r) => server.close(r)) };
}

const code = (c) => (e) => e instanceof JwtgateError && e.code === c;

test('fetchJwks caches, refetches for an unknown kid only after the cooldown', async () => {
  const a = mintTestIdentity({});
  const s = await serve({ '/jwks': () => ({ body: a.jwks }) });
  try {
    clearJwksCache();
    const url = `${s.base}/jwks`;
    assert.deepEqual(await fetchJwks(url), a.jwks);
    await fetchJwks(url, { kid: a.header.kid });
    assert.equal(s.hits['/jwks'], 1, 'served from the cache');
    await fetchJwks(url, { kid: 'rotated', cooldown: 60000 });
    assert.equal(s.hits['/jwks'], 1, 'unknown kid inside the cooldown: no refetch');
    await fetchJwks(url, { kid: 'rotated', cooldown: 0 });
    assert.equal(s.hits['/jwks'], 2, 'unknown kid after the cooldown: refetched');
    await fetchJwks(url, { cacheMaxAge: 0 });
    assert.equal(s.hits['/jwks'], 3, 'stale after cacheMaxAge');
  } finally {
    await s.close();
  }
});

test('fetchJwks: timeout, HTTP error, non-JSON and invalid JWKS are typed errors', async () => {
  const s = await serve({
    '/slow': { body: { keys: [] }, delay: 300 },
    '/text': { body: 'hello' },
    '/bad': { body: { nope: 1 } },
  });
  try {
    clearJwksCache();
    await assert.rejects(fetchJwks(`${s.base}/slow`, { timeout: 50 }), code('ERR_FETCH_TIMEOUT'));
    await assert.rejects(fetchJwks(`${s.base}/missing`), code('ERR_FETCH_FAILED'));
    await assert.rejects(fetchJwks(`${s.base}/text`), code('ERR_FETCH_FAILED'));
    await assert.rejects(fetchJwks(`${s.base}/bad`), code('ERR_JWKS_INVALID'));
  } finally {
    await s.close();
  }
});

test('discover checks the issuer and fetches the JWKS; a mismatched issuer is refused', async () => {
  const a = mintTestIdentity({});
  let issuer;
  const s = await serve({
    '/.well-known/openid-configuration': () => ({ body: { issuer, jwks_uri: `${issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256', 'EdDSA'] } }),
    '/.well-known/jwks.json': () => ({ body: a.jwks }),
  });
  try {
    clearJwksCache();
    issuer = s.base;
    const d = await discover(s.base);
    assert.equal(d.issuer, s.base);
    assert.equal(d.jwksUri, `${s.base}/.well-known/jwks.json`);
    assert.deepEqual(d.jwks, a.jwks);
    assert.deepEqual(d.algorithms, ['RS256', 'EdDSA']);
    issuer = 'https://elsewhere.example.com';
    await assert.rejects(discover(s.base), code('ERR_DISCOVERY_ISSUER_MISMATCH'));
  } finally {
    await s.close();
  }
});

test('CLI verify --jwks URL and discover ISSUER', async () => {
  const now = Math.floor(Date.now() / 1000);
  const a = mintTestIdentity({ audience: 'vault.io', now });
  const s = await serve({
    '/.well-known/openid-configuration': () => ({ body: { issuer: s.base, jwks_uri: `${s.base}/.well-known/jwks.json` } }),
    '/.well-known/jwks.json': { body: a.jwks },
  });
  const run = (args) =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('close', (status) => resolve({ status, out }));
    });
  try {
    // The token has no iss: accepted without an issuer check only with --insecure (cli.test.mjs).
    const v = await run(['verify', a.token, '--jwks', `${s.base}/.well-known/jwks.json`, '--aud', 'vault.io', '--insecure', '--json']);
    assert.equal(v.status, 0, v.out);
    assert.equal(JSON.parse(v.out).key.kid, a.header.kid);
    const viaDiscovery = await run(['verify', a.token, '--discovery', s.base, '--aud', 'vault.io', '--insecure']);
    assert.equal(viaDiscovery.status, 0, viaDiscovery.out);
    const d = await run(['discover', s.base, '--json']);
    assert.equal(d.status, 0, d.out);
    assert.equal(JSON.parse(d.out).keys[0].kid, a.header.kid);
    const down = await run(['verify', a.token, '--jwks', `${s.base}/nothing`, '--aud', 'vault.io']);
    assert.equal(down.status, 2);
  } finally {
    await s.close();
  }
});
