// Fetching keys: the only I/O the package does. Behaves like jose's createRemoteJWKSet
// (timeout 5 s, cooldown 30 s, cache max age 10 min, refetch when a `kid` is unknown but at most
// once per cooldown); the documents are validated by the core (`jwksInfo`, `parseDiscovery`).
import { JwtgateError } from './errors.js';
import { jwksInfo, parseDiscovery } from './api.js';

export const DEFAULTS = Object.freeze({ timeout: 5000, cooldown: 30000, cacheMaxAge: 600000 });

// url → { jwks, fetchedAt, pending }
const cache = new Map();

async function getJson(url, { timeout, headers, fetch: fetchImpl }) {
  const doFetch = fetchImpl ?? globalThis.fetch;
  if (typeof doFetch !== 'function') {
    throw new JwtgateError({ code: 'ERR_FETCH_FAILED', message: 'no fetch() in this runtime' });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let res;
  try {
    res = await doFetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    if (!res.ok) {
      throw new JwtgateError({
        code: 'ERR_FETCH_FAILED',
        message: `GET ${url} answered HTTP ${res.status}`,
        actual: String(res.status),
      });
    }
    const body = await res.text();
    try {
      return JSON.parse(body);
    } catch {
      throw new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `GET ${url} did not return JSON` });
    }
  } catch (e) {
    if (e instanceof JwtgateError) throw e;
    if (controller.signal.aborted) {
      throw new JwtgateError(
        { code: 'ERR_FETCH_TIMEOUT', message: `GET ${url} timed out after ${timeout} ms`, expected: `${timeout} ms` },
        { cause: e },
      );
    }
    const hint =
      typeof window !== 'undefined'
        ? ' (in a browser this is often CORS: Nomad serves its JWKS without CORS headers; paste the JWKS instead)'
        : '';
    throw new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `GET ${url} failed: ${e.message}${causeText(e)}${hint}` }, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

// Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is in
// `cause`, an AggregateError with one error per address when several were tried.
function causeText(e) {
  const c = e?.cause;
  if (!c) return '';
  const parts = [c.message, ...(c.errors ?? []).map((x) => x?.message)].filter(Boolean);
  const text = [...new Set(parts)].join('; ') || c.code;
  return text ? ` (${text})` : '';
}

/**
 * Fetches a JWKS, validates it in the core and caches it. With `kid`, a cached set that lacks
 * that key is refetched, unless the last fetch is younger than `cooldown` (rotation without
 * hammering the issuer). Options: `kid`, `timeout`, `cooldown`, `cacheMaxAge` (ms), `headers`,
 * `fetch` (a custom fetch), `now` (ms, for tests).
 */
export async function fetchJwks(url, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const now = o.now ?? Date.now();
  const entry = cache.get(url);
  if (entry) {
    if (entry.pending) return entry.pending;
    const age = now - entry.fetchedAt;
    const hasKid = o.kid === undefined || entry.kids.has(o.kid);
    if (age < o.cacheMaxAge && (hasKid || age < o.cooldown)) return entry.jwks;
  }
  const pending = (async () => {
    const jwks = await getJson(url, o);
    const info = jwksInfo(jwks); // throws ERR_JWKS_INVALID for an unusable document
    cache.set(url, { jwks, fetchedAt: now, kids: new Set(info.keys.map((k) => k.kid).filter(Boolean)) });
    return jwks;
  })();
  cache.set(url, { ...(entry ?? {}), pending });
  try {
    return await pending;
  } catch (e) {
    if (entry && !entry.pending) cache.set(url, entry);
    else cache.delete(url);
    throw e;
  }
}

/** Forgets cached JWKS (all, or one URL). */
export function clearJwksCache(url) {
  if (url === undefined) cache.clear();
  else cache.delete(url);
}

/**
 * OIDC discovery: fetches `<issuer>/.well-known/openid-configuration`, checks it in the core
 * (issuer equal to the URL asked for, a `jwks_uri`), then fetches the JWKS.
 * Returns `{ issuer, jwksUri, algorithms, document, jwks }`.
 */
export async function discover(issuer, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
  const document = await getJson(`${base}/.well-known/openid-configuration`, o);
  const checked = parseDiscovery(document, issuer);
  const jwks = await fetchJwks(checked.jwksUri, options);
  return { ...checked, document, jwks };
}
