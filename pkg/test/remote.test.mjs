// fetchJwks / discover against a local HTTP server: cache, kid-driven refetch with cooldown,
// timeout, HTTP errors, documents checked by the core; and the CLI with a JWKS URL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fetchJwks, discover, clearJwksCache, mintTestIdentity, JwtgateError } from '../index.node.js';
import { BIN, serve } from './helpers.mjs';

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
    // The CLI passes `kid: undefined` when the token has none: an absent option, not an error.
    await fetchJwks(url, { kid: undefined });
    assert.equal(s.hits['/jwks'], 3);
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

test('fetchJwks and discover refuse invalid options before any request, without echoing values', async () => {
  const s = await serve({ '/jwks': { body: { keys: [] } } });
  try {
    clearJwksCache();
    const url = `${s.base}/jwks`;
    const bad = [
      { cooldown: -5 },
      { cacheMaxAge: 'x' },
      { cacheMaxAge: Number.NaN },
      { timeout: 0 },
      { timeout: Infinity },
      { kid: 7 },
      { retries: 3 },
      { headers: 'authorization: Bearer s3cret' },
      { headers: ['Bearer s3cret'] },
      { headers: { Authorization: ['Bearer s3cret'] } },
      { headers: { 'bad name': 'Bearer s3cret' } },
      { fetch: 'fetch' },
      { signal: {} },
      { allowCrossOriginRedirects: 'yes' },
      { now: 's3cret' },
    ];
    for (const options of bad) {
      for (const call of [() => fetchJwks(url, options), () => discover(s.base, options)]) {
        await assert.rejects(call(), (e) => {
          assert.equal(e.code, 'ERR_OPTIONS_INVALID', `${JSON.stringify(options)}: ${e.message}`);
          assert.ok(!e.message.includes('s3cret'), `the value leaked: ${e.message}`);
          return true;
        });
      }
    }
    await assert.rejects(fetchJwks(url, null), code('ERR_OPTIONS_INVALID'));
    assert.deepEqual(s.hits, {}, 'nothing was fetched');
    // A Headers object and a plain object are both accepted.
    assert.deepEqual(await fetchJwks(url, { headers: new Headers({ 'x-a': '1' }) }), { keys: [] });
  } finally {
    await s.close();
  }
});

test('fetchJwks honours an AbortSignal, alongside the timeout, and per caller', async () => {
  const a = mintTestIdentity({});
  const s = await serve({ '/slow': { body: a.jwks, delay: 400 }, '/shared': { body: a.jwks, delay: 200 }, '/slower': { body: a.jwks, delay: 2000 } });
  try {
    clearJwksCache();
    const already = AbortSignal.abort(new Error('gone'));
    await assert.rejects(fetchJwks(`${s.base}/slow`, { signal: already }), (e) => e.code === 'ERR_FETCH_ABORTED' && e.cause?.message === 'gone');
    assert.equal(s.hits['/slow'], undefined, 'an aborted signal makes no request');

    // Without the signal this would resolve with the keys once the server answers.
    const c = new AbortController();
    const p = fetchJwks(`${s.base}/slower`, { signal: c.signal });
    setTimeout(() => c.abort(), 20);
    await assert.rejects(p, code('ERR_FETCH_ABORTED'));

    // The timeout still applies when a signal is given.
    await assert.rejects(fetchJwks(`${s.base}/slower`, { signal: new AbortController().signal, timeout: 50 }), code('ERR_FETCH_TIMEOUT'));

    // Two callers share one fetch: the one that aborts leaves, the other still gets the keys.
    clearJwksCache();
    const quitter = new AbortController();
    const first = fetchJwks(`${s.base}/shared`, { signal: quitter.signal });
    const second = fetchJwks(`${s.base}/shared`);
    quitter.abort();
    await assert.rejects(first, code('ERR_FETCH_ABORTED'));
    assert.deepEqual(await second, a.jwks);
    assert.equal(s.hits['/shared'], 1, 'one request for both callers');
  } finally {
    await s.close();
  }
});

test('fetchJwks keys its cache by the request headers: different credentials never share keys', async () => {
  const tenantA = mintTestIdentity({});
  const tenantB = mintTestIdentity({});
  const s = await serve({
    '/jwks': (req) => {
      if (req.headers.authorization === 'Bearer token-a') return { body: tenantA.jwks };
      if (req.headers.authorization === 'Bearer token-b') return { body: tenantB.jwks };
      return { status: 401, body: { error: 'unauthorized' } };
    },
  });
  try {
    clearJwksCache();
    const url = `${s.base}/jwks`;
    assert.deepEqual(await fetchJwks(url, { headers: { Authorization: 'Bearer token-a' } }), tenantA.jwks);
    assert.deepEqual(await fetchJwks(url, { headers: { Authorization: 'Bearer token-b' } }), tenantB.jwks);
    assert.equal(s.hits['/jwks'], 2);
    // Header names are case-insensitive: the same credentials hit the cache.
    assert.deepEqual(await fetchJwks(url, { headers: { authorization: 'Bearer token-a' } }), tenantA.jwks);
    assert.equal(s.hits['/jwks'], 2);
    await assert.rejects(fetchJwks(url), (e) => {
      assert.equal(e.code, 'ERR_FETCH_FAILED');
      assert.match(e.message, /HTTP 401/);
      assert.ok(!/token-[ab]/.test(e.message + JSON.stringify(e)), 'no credentials in the error');
      return true;
    });
    clearJwksCache(url);
    await fetchJwks(url, { headers: { Authorization: 'Bearer token-a' } });
    assert.equal(s.hits['/jwks'], 4, 'clearJwksCache(url) forgets every header variant');
  } finally {
    await s.close();
  }
});

test('fetchJwks: now is Unix seconds or a Date, as in verify', async () => {
  const a = mintTestIdentity({});
  const s = await serve({ '/jwks': { body: a.jwks } });
  try {
    clearJwksCache();
    const url = `${s.base}/jwks`;
    const t0 = 1_767_225_600;
    await fetchJwks(url, { now: t0 });
    await fetchJwks(url, { now: t0 + 599 });
    assert.equal(s.hits['/jwks'], 1, '599 s later: still inside the 10 min cache');
    await fetchJwks(url, { now: new Date((t0 + 600) * 1000) });
    assert.equal(s.hits['/jwks'], 2, 'a Date 600 s later: refetched');
    await fetchJwks(url, { kid: 'rotated', now: t0 + 629 });
    assert.equal(s.hits['/jwks'], 2, 'unknown kid 29 s after the fetch: cooling down');
    await fetchJwks(url, { kid: 'rotated', now: t0 + 630 });
    assert.equal(s.hits['/jwks'], 3, 'unknown kid 30 s after the fetch: refetched');
  } finally {
    await s.close();
  }
});

test('redirects: same origin followed, another origin refused unless allowCrossOriginRedirects', async () => {
  const real = mintTestIdentity({});
  const attacker = mintTestIdentity({});
  const other = await serve({ '/jwks': { body: attacker.jwks } });
  let issuer;
  const s = await serve({
    '/moved': { status: 301, headers: { location: '/jwks' } },
    '/jwks': { body: real.jwks },
    '/away': () => ({ status: 302, headers: { location: `${other.base}/jwks` } }),
    '/loop': { status: 302, headers: { location: '/loop' } },
    '/.well-known/openid-configuration': () => ({ status: 307, headers: { location: `${other.base}/.well-known/openid-configuration` } }),
  });
  try {
    clearJwksCache();
    issuer = s.base;
    assert.deepEqual(await fetchJwks(`${s.base}/moved`), real.jwks);
    await assert.rejects(fetchJwks(`${s.base}/away`), (e) => {
      assert.equal(e.code, 'ERR_FETCH_FAILED');
      assert.match(e.message, /another origin/);
      assert.equal(e.actual, other.base);
      return true;
    });
    assert.equal(other.hits['/jwks'], undefined, 'the other origin was never asked');
    assert.deepEqual(await fetchJwks(`${s.base}/away`, { allowCrossOriginRedirects: true }), attacker.jwks);
    assert.equal(other.hits['/jwks'], 1);
    await assert.rejects(fetchJwks(`${s.base}/loop`), (e) => e.code === 'ERR_FETCH_FAILED' && /more than 5/.test(e.message));
    await assert.rejects(discover(issuer), (e) => e.code === 'ERR_FETCH_FAILED' && /another origin/.test(e.message));
  } finally {
    await s.close();
    await other.close();
  }
});

test('fetchJwks on the core lifecycle: a failed fetch is tried again by the next call, keys past cacheMaxAge are never served', async () => {
  const a = mintTestIdentity({});
  let down = true;
  const s = await serve({ '/jwks': () => (down ? { status: 503, body: 'busy' } : { body: a.jwks }) });
  try {
    clearJwksCache();
    const url = `${s.base}/jwks`;
    const t0 = 1_767_225_600;
    await assert.rejects(fetchJwks(url, { now: t0 }), (e) => e.code === 'ERR_FETCH_FAILED' && /HTTP 503/.test(e.message) && e.actual === '503');
    down = false;
    assert.deepEqual(await fetchJwks(url, { now: t0 }), a.jwks, 'no backoff between calls');
    assert.equal(s.hits['/jwks'], 2);
    down = true;
    await assert.rejects(fetchJwks(url, { now: t0 + 600 }), code('ERR_FETCH_FAILED'), 'the refresh failed: the old keys are not served');
    assert.deepEqual(await fetchJwks(url, { now: t0 + 599 }), a.jwks, 'still fresh at that time');
    assert.equal(s.hits['/jwks'], 3);
  } finally {
    await s.close();
  }
});
