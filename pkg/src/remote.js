// Fetching keys: the only I/O the package does. Behaves like jose's createRemoteJWKSet
// (timeout 5 s, cooldown 30 s, cache max age 10 min, refetch when a `kid` is unknown but at most
// once per cooldown). When to fetch is decided by the core's key-set lifecycle (the same one
// createRemoteVerifier and the Envoy filter drive); the documents are validated by the core.
// `request` (one GET with timeout, caller signal and the redirect rule) is shared with
// remote-verifier.js.
import { JwtgateError, unwrap } from './errors.js';
import { jwksInfo, parseDiscovery, toSeconds } from './api.js';
import { enter, failed, generation, wasm } from './engine.js';

export const DEFAULTS = Object.freeze({ timeout: 5000, cooldown: 30000, cacheMaxAge: 600000 });

/** Redirects followed (same origin unless opted out) before a fetch gives up, as browsers cap them. */
const MAX_REDIRECTS = 5;

function invalid(message) {
  return new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message });
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * Checks the transport options shared by `fetchJwks`, `discover` and `createRemoteVerifier`
 * (`timeout`, `headers`, `fetch`, `signal`, `allowCrossOriginRedirects`) and returns them with
 * defaults applied and `headers` as a plain object with lower-case names. Names only, never
 * header values, appear in the messages (they often hold credentials).
 */
export function transportOptions(o) {
  const timeout = o.timeout ?? DEFAULTS.timeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw invalid(`timeout must be a positive number of milliseconds, got ${describe(o.timeout)}`);
  }
  const headers = {};
  if (o.headers !== undefined) {
    const entries =
      typeof Headers !== 'undefined' && o.headers instanceof Headers
        ? [...o.headers.entries()]
        : isPlainObject(o.headers)
          ? Object.entries(o.headers)
          : undefined;
    if (entries === undefined) throw invalid('headers must be an object of strings or a Headers');
    for (const [name, value] of entries) {
      if (typeof value !== 'string') throw invalid(`header "${name}" must be a string, got ${describe(value)}`);
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw invalid(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
      headers[name.toLowerCase()] = value;
    }
  }
  if (o.fetch !== undefined && typeof o.fetch !== 'function') throw invalid(`fetch must be a function, got ${describe(o.fetch)}`);
  const { signal } = o;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw invalid(`signal must be an AbortSignal, got ${describe(signal)}`);
  }
  const allowCrossOriginRedirects = o.allowCrossOriginRedirects ?? false;
  if (typeof allowCrossOriginRedirects !== 'boolean') {
    throw invalid(`allowCrossOriginRedirects must be a boolean, got ${describe(o.allowCrossOriginRedirects)}`);
  }
  return { timeout, headers, fetch: o.fetch, signal, allowCrossOriginRedirects };
}

/** Whether `v` can be used as an AbortSignal (also across realms and polyfills). */
export function isAbortSignal(v) {
  return typeof v === 'object' && v !== null && typeof v.aborted === 'boolean' && typeof v.addEventListener === 'function';
}

/** A short description of a rejected option value; never echoes strings (they may be secrets). */
function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return 'a string';
  return typeof v === 'object' ? (Array.isArray(v) ? 'an array' : 'an object') : `a ${typeof v}`;
}

function nonNegative(name, v, fallback) {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw invalid(`${name} must be a number of milliseconds >= 0, got ${describe(v)}`);
  }
  return v;
}

const FETCH_OPTIONS = new Set(['kid', 'timeout', 'cooldown', 'cacheMaxAge', 'headers', 'fetch', 'now', 'signal', 'allowCrossOriginRedirects']);

/** Validated `fetchJwks`/`discover` options (undefined members count as absent). */
function fetchOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalid('options must be an object');
  for (const k of Object.keys(options)) {
    if (!FETCH_OPTIONS.has(k)) throw invalid(`unknown option "${k}" (known: ${[...FETCH_OPTIONS].join(', ')})`);
  }
  if (options.kid !== undefined && typeof options.kid !== 'string') throw invalid(`kid must be a string, got ${describe(options.kid)}`);
  return {
    ...transportOptions(options),
    kid: options.kid,
    cooldown: nonNegative('cooldown', options.cooldown, DEFAULTS.cooldown),
    cacheMaxAge: nonNegative('cacheMaxAge', options.cacheMaxAge, DEFAULTS.cacheMaxAge),
    // Unix seconds (or a Date) like every other `now` in the package; the cache works in ms.
    nowMs: options.now === undefined ? Date.now() : toSeconds(options.now) * 1000,
  };
}

function aborted(url, signal) {
  return new JwtgateError(
    { code: 'ERR_FETCH_ABORTED', message: `GET ${url} was aborted by the caller's signal` },
    { cause: signal.reason },
  );
}

/**
 * Rejects as soon as `signal` aborts, else settles with `promise`. `onAbort` runs once if the
 * signal wins (to release a shared fetch nobody waits for any more).
 */
export function raceSignal(promise, signal, url, onAbort) {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(aborted(url, signal));
  }
  return new Promise((resolve, reject) => {
    const listener = () => {
      onAbort?.();
      reject(aborted(url, signal));
    };
    signal.addEventListener('abort', listener, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', listener);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', listener);
        reject(e);
      },
    );
  });
}

function redirectRefused(url, target) {
  return new JwtgateError({
    code: 'ERR_FETCH_FAILED',
    message: `GET ${url} redirected to another origin (${target}): refused, since keys from there would be trusted for this URL; pass allowCrossOriginRedirects: true to follow it`,
    expected: new URL(url).origin,
    actual: target,
  });
}

/**
 * One GET with the transport options `t` (from `transportOptions`): aborted after `t.timeout`
 * ms or when `t.signal` aborts, redirects followed only within the URL's origin unless
 * `t.allowCrossOriginRedirects`. Resolves to `{ status, body }` (body as text, whatever the
 * status), or throws ERR_FETCH_FAILED / ERR_FETCH_TIMEOUT / ERR_FETCH_ABORTED.
 */
export async function request(url, t, { signal: extraSignal } = {}) {
  const doFetch = t.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') {
    throw new JwtgateError({ code: 'ERR_FETCH_FAILED', message: 'no fetch() in this runtime' });
  }
  const signals = [t.signal, extraSignal].filter(Boolean);
  for (const s of signals) if (s.aborted) throw aborted(url, s);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, t.timeout);
  const onAbort = () => controller.abort();
  for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  const origin = new URL(url).origin;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const mode = t.allowCrossOriginRedirects ? 'follow' : 'manual';
      let res = await doFetch(current, { headers: t.headers, signal: controller.signal, redirect: mode });
      if (res.type === 'opaqueredirect') {
        // Browsers hide a manual redirect's target: follow it and check where it ended up
        // (the other origin's answer is then read by nobody).
        res = await doFetch(current, { headers: t.headers, signal: controller.signal, redirect: 'follow' });
        if (res.url && new URL(res.url).origin !== origin) throw redirectRefused(url, new URL(res.url).origin);
      }
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (mode === 'manual' && location !== null) {
        await res.body?.cancel().catch(() => {});
        const target = new URL(location, current);
        if (target.origin !== origin) throw redirectRefused(url, target.origin);
        if (hop >= MAX_REDIRECTS) {
          throw new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `GET ${url} redirected more than ${MAX_REDIRECTS} times` });
        }
        current = target.href;
        continue;
      }
      return { status: res.status, body: await res.text() };
    }
  } catch (e) {
    if (e instanceof JwtgateError) throw e;
    const by = signals.find((s) => s.aborted);
    if (by) throw aborted(url, by);
    if (timedOut) {
      throw new JwtgateError(
        { code: 'ERR_FETCH_TIMEOUT', message: `GET ${url} timed out after ${t.timeout} ms`, expected: `${t.timeout} ms` },
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
    for (const s of signals) s.removeEventListener('abort', onAbort);
  }
}

async function getJson(url, t, extra) {
  const { status, body } = await request(url, t, extra);
  if (status !== 200) {
    throw new JwtgateError({
      code: 'ERR_FETCH_FAILED',
      message: `GET ${url} answered HTTP ${status}`,
      actual: String(status),
    });
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `GET ${url} did not return JSON` });
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

// cache key → { url, engine, core, flight, seen }. The key is the URL, the request headers (an
// Authorization header makes a different answer: one caller must never get another's keys) and
// the redirect rule. Every decision about the keys — fresh or not, whether an unknown `kid` may
// refetch (cooldown), one request at a time, a late or abandoned answer dropped — is made by the
// core's key-set lifecycle (src/gate/keyset.rs through `RemoteKeys`), as for
// createRemoteVerifier. This Map holds one core key set per key and the request in flight with
// the callers waiting for it. Keys live in the wasm instance only; nothing of them reaches a
// message.
const cache = new Map();

function cacheKey(url, t) {
  const headers = Object.entries(t.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([url, headers, t.allowCrossOriginRedirects]);
}

/** `fn(core)`'s envelope unwrapped; a trap restarts the engine and throws ERR_INTERNAL. */
function call(e, fn) {
  if (e.engine !== generation()) {
    throw new JwtgateError({ code: 'ERR_INTERNAL', message: 'the engine was restarted while this fetch was in flight: call again' });
  }
  try {
    return unwrap(fn(e.core));
  } catch (err) {
    throw failed(err);
  }
}

/** The entry for `key`, its core key set made in the current engine instance. */
function entryFor(key, url, o) {
  const found = cache.get(key);
  if (found !== undefined && found.engine === generation()) return found;
  enter();
  let core;
  try {
    core = new wasm.RemoteKeys();
  } catch (err) {
    throw failed(err);
  }
  const e = { url, engine: generation(), core, flight: undefined, seen: undefined };
  // No stale keys (a call waits for fresh ones) and no backoff (the next call may try again), as
  // fetchJwks always behaved; the cooldown and freshness come with each call (`retime`).
  call(e, (c) => c.configure(JSON.stringify({ jwksUrl: String(url), timeout: Math.ceil(o.timeout), maxStale: 0, backoff: 0 })));
  cache.set(key, e);
  return e;
}

/** The JWKS object and its usable kids for the core's document `generation` (parsed once). */
function documentOf(e, generation) {
  if (e.seen?.generation !== generation) {
    let text;
    try {
      text = e.core.jwks();
    } catch (err) {
      throw failed(err);
    }
    const jwks = JSON.parse(text);
    e.seen = { generation, jwks, kids: new Set(jwksInfo(jwks).keys.map((k) => k.kid).filter(Boolean)) };
  }
  return e.seen;
}

/** The error for a request the core refused (`error` from its key state), as fetchJwks words it. */
function refused(url, error, status) {
  if (!error) return new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `GET ${url} gave no keys` });
  if (error.code.startsWith('ERR_JSON')) {
    return new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `GET ${url} did not return JSON (${error.message})` });
  }
  if (status !== 200) return new JwtgateError({ ...error, actual: String(status) });
  return new JwtgateError(error);
}

/** Sends request `req` the core asked for; its promise settles with the JWKS object or the error. */
function startFlight(e, req, o, at) {
  const controller = new AbortController();
  const flight = { id: req.id, at, waiters: 0, controller };
  flight.promise = (async () => {
    let res;
    try {
      res = await request(req.url, { ...o, signal: undefined }, { signal: controller.signal });
    } catch (err) {
      // An abandoned request was already given back to the core (`release`).
      if (!controller.signal.aborted && e.engine === generation()) call(e, (c) => c.handleFailure(req.id, at));
      throw err;
    }
    const handled = call(e, (c) => c.handleResponse(req.id, res.status, res.body, at));
    if (handled.handled === 'keys') return documentOf(e, handled.generation).jwks;
    throw refused(req.url, call(e, (c) => c.keys(at)).error, res.status);
  })();
  e.flight = flight;
  flight.promise
    .finally(() => {
      if (e.flight === flight) e.flight = undefined;
    })
    .catch(() => {});
  return flight;
}

/**
 * Fetches a JWKS, validates it in the core and caches it. With `kid`, a cached set that lacks
 * that key is refetched, unless the last fetch is younger than `cooldown` (rotation without
 * hammering the issuer). Options: `kid`, `timeout`, `cooldown`, `cacheMaxAge` (ms), `headers`
 * (part of the cache key), `fetch` (a custom fetch), `signal` (an AbortSignal),
 * `allowCrossOriginRedirects` (default false), `now` (Unix seconds or a Date, for tests).
 */
export async function fetchJwks(url, options = {}) {
  const o = fetchOptions(options);
  if (o.signal?.aborted) throw aborted(url, o.signal);
  const key = cacheKey(url, o);
  const e = entryFor(key, url, o);
  const at = Math.max(0, Math.floor(o.nowMs));
  call(e, (c) => c.retime(Math.ceil(o.cooldown), Math.ceil(o.cacheMaxAge)));
  const state = call(e, (c) => c.keys(at));
  if (state.state === 'fresh') {
    const doc = documentOf(e, state.generation);
    if (o.kid === undefined || doc.kids.has(o.kid)) return doc.jwks;
    if (call(e, (c) => c.handleUnknownKid(at)) === 'cooling') return doc.jwks;
  }
  // Keys are needed (none, too old, or an unknown kid's refetch): join the request in flight or
  // send the one the core asks for. Each caller waits with its own signal; the request itself is
  // aborted only when every caller waiting for it has given up.
  let flight = e.flight;
  if (flight === undefined) {
    const req = call(e, (c) => c.pollFetch(at));
    if (req === null) throw refused(url, state.error, 200);
    flight = startFlight(e, req, o, at);
  }
  flight.waiters++;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (--flight.waiters === 0) {
      // Nobody waits any more: stop the request; the next caller starts a fresh one.
      flight.controller.abort();
      if (e.flight === flight) {
        e.flight = undefined;
        try {
          call(e, (c) => c.handleCancel(flight.id, flight.at));
        } catch {
          // A restarted engine: this entry is rebuilt by the next call.
        }
      }
    }
  };
  try {
    return await raceSignal(flight.promise, o.signal, url, release);
  } finally {
    if (!released) {
      released = true;
      flight.waiters--;
    }
  }
}

function freeEntry(e) {
  if (e.engine !== generation()) return; // an object of a discarded instance
  try {
    e.core.free();
  } catch {
    // Already gone with a trapped instance.
  }
}

/** Forgets cached JWKS (all, or every entry of one URL whatever its headers). */
export function clearJwksCache(url) {
  for (const [k, e] of cache) {
    if (url !== undefined && e.url !== url) continue;
    cache.delete(k);
    // A request in flight still hands its answer to the core first.
    if (e.flight === undefined) freeEntry(e);
    else e.flight.promise.finally(() => freeEntry(e)).catch(() => {});
  }
}

/**
 * OIDC discovery: fetches `<issuer>/.well-known/openid-configuration`, checks it in the core
 * (issuer equal to the URL asked for, a `jwks_uri`), then fetches the JWKS. Takes the options of
 * `fetchJwks`. Returns `{ issuer, jwksUri, algorithms, unsupportedAlgorithms, warnings, document, jwks }`.
 */
export async function discover(issuer, options = {}) {
  const o = fetchOptions(options);
  if (typeof issuer !== 'string') throw invalid('issuer must be a URL string');
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
  const document = await getJson(`${base}/.well-known/openid-configuration`, o);
  const checked = parseDiscovery(document, issuer);
  const jwks = await fetchJwks(checked.jwksUri, options);
  return { ...checked, document, jwks };
}
