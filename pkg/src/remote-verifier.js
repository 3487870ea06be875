// createRemoteVerifier: verification with keys that rotate by themselves. Every decision about
// the keys — when to fetch, whether an unknown `kid` may trigger a refetch (cooldown), retries
// with backoff, serving stale keys while the issuer is down, following OIDC discovery, dropping
// a reply that is no longer awaited — is made by the core's key-set lifecycle
// (src/gate/keyset.rs, through `RemoteKeys` in src/js/remote_keys.rs). This file only moves
// bytes: it asks the core what to fetch, fetches it (remote.js `request`: timeout, signal,
// same-origin redirects) and hands back the status and body.
import * as wasm from '../dist/jwtgate.js';
import { JwtgateError, unwrap } from './errors.js';
import { enter, failed, generation } from './engine.js';
import { createVerifier, toSeconds } from './api.js';
import { transportOptions, request, raceSignal, isAbortSignal } from './remote.js';

function invalid(message) {
  return new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message });
}

function httpUrl(name, value) {
  let url;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalid(`${name} must be an absolute http(s) URL`);
  }
  return value;
}

function millis(name, value) {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be a whole number of milliseconds >= 0`);
  return value;
}

/**
 * A verifier whose keys come from `jwksUrl`, or from OIDC discovery on `issuer`, and follow the
 * issuer's rotations by themselves. Options: the `verify` options except `jwks`/`keys`/`now`;
 * `jwksUrl` or `issuer` (a URL string: discovery, and the expected `iss`); `timeout`,
 * `cooldown`, `cacheMaxAge`, `maxStale` (ms); `headers`, `fetch`, `allowCrossOriginRedirects`
 * (as for `fetchJwks`); `signal` (aborting it stops every fetch and the verifier); `clock` (a
 * function returning the current time in ms, default `Date.now`, for tests).
 */
export function createRemoteVerifier(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalid('options must be an object');
  const { jwksUrl, timeout, cooldown, cacheMaxAge, maxStale, headers, fetch, signal, allowCrossOriginRedirects, clock = Date.now, ...verifyOptions } = options;
  for (const k of ['jwks', 'keys', 'now']) {
    if (k in verifyOptions) {
      throw invalid(`"${k}" is not an option of createRemoteVerifier (${k === 'now' ? 'pass it to verify()' : 'the keys are fetched from jwksUrl or the issuer'})`);
    }
  }
  let source;
  if (jwksUrl !== undefined) source = { jwksUrl: httpUrl('jwksUrl', jwksUrl) };
  else if (typeof verifyOptions.issuer === 'string') source = { issuer: httpUrl('issuer', verifyOptions.issuer) };
  else throw invalid('give jwksUrl, or issuer (one URL string) for OIDC discovery');
  const transport = transportOptions({ timeout, headers, fetch, signal, allowCrossOriginRedirects });
  if (typeof clock !== 'function') throw invalid('clock must be a function returning milliseconds');
  const lifecycle = {
    ...source,
    timeout: Math.ceil(transport.timeout),
    cooldown: millis('cooldown', cooldown),
    cacheMaxAge: millis('cacheMaxAge', cacheMaxAge),
    maxStale: millis('maxStale', maxStale),
  };
  // The verify options are checked now, not when the first keys arrive.
  createVerifier({ ...verifyOptions, jwks: { keys: [] } }).free();

  // The core's key set lives in the wasm instance: after a trap restarts the engine (a new
  // generation) it is gone, so it is rebuilt (empty: the next verify fetches again).
  let core = null;
  let coreGeneration = -1;
  const lifecycleCore = () => {
    enter();
    if (core === null || coreGeneration !== generation()) {
      core = new wasm.RemoteKeys();
      coreGeneration = generation();
      unwrap(core.configure(JSON.stringify(lifecycle)));
    }
    return core;
  };
  /** `fn(core)`'s answer unwrapped; a trap restarts the engine and throws ERR_INTERNAL. */
  const call = (fn) => {
    const c = lifecycleCore();
    try {
      return fn(c);
    } catch (e) {
      throw failed(e);
    }
  };
  lifecycleCore();
  const where = source.jwksUrl ?? source.issuer;
  // Aborts the request in flight when the caller's signal aborts or the verifier is freed.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let freed = false;
  let flight = null; // the request chain in progress (discovery, then JWKS)
  let transportError; // the last request's transport error, which carries the cause
  let current = null; // { generation, verifier }

  const now = () => clock();

  function pump() {
    if (flight !== null || stop.signal.aborted) return flight;
    let req = call((c) => unwrap(c.pollFetch(now())));
    if (req === null) return null;
    flight = (async () => {
      while (req !== null) {
        let handled;
        try {
          const { status, body } = await request(req.url, { ...transport, signal: undefined, timeout: req.timeoutMs }, { signal: stop.signal });
          if (freed) return;
          transportError = undefined;
          handled = call((c) => unwrap(c.handleResponse(req.id, status, body, now())));
        } catch (e) {
          if (freed) return;
          transportError = e;
          handled = call((c) => unwrap(c.handleFailure(req.id, now())));
        }
        req = handled.handled === 'discovered' && !stop.signal.aborted ? call((c) => unwrap(c.pollFetch(now()))) : null;
      }
    })().finally(() => {
      flight = null;
    });
    // A refresh nobody waits for (stale keys served meanwhile) must not be an unhandled rejection.
    flight.catch(() => {});
    return flight;
  }

  function closed() {
    if (freed) return invalid('this remote verifier was freed');
    return new JwtgateError({ code: 'ERR_FETCH_ABORTED', message: `the remote verifier for ${where} was aborted by its signal` }, { cause: signal?.reason });
  }

  function noKeys(state) {
    if (transportError !== undefined) return transportError;
    if (state.error) return new JwtgateError(state.error);
    return new JwtgateError({ code: 'ERR_FETCH_FAILED', message: `no keys from ${where} yet` });
  }

  function verifierFor(generation) {
    if (current?.generation !== generation) {
      const verifier = createVerifier({ ...verifyOptions, jwks: call((c) => c.jwks()) });
      current?.verifier.free();
      current = { generation, verifier };
    }
    return current;
  }

  async function wait(promise, callSignal) {
    await raceSignal(promise, callSignal, where);
    if (stop.signal.aborted) throw closed();
  }

  /**
   * Calls `use` with the verifier for the keys to serve now, fetching (and waiting) only when
   * there are none. `use` runs in the same tick as the lookup, so a concurrent call that moves
   * to newer keys cannot free the verifier under it.
   */
  async function withKeys(callSignal, use) {
    for (;;) {
      if (freed || stop.signal.aborted) throw closed();
      const at = now();
      call((c) => unwrap(c.handleTimeout(at)));
      pump(); // a refresh when the core says one is due; stale keys are served meanwhile
      const state = call((c) => unwrap(c.keys(at)));
      if (state.state !== 'none') return use(verifierFor(state.generation));
      if (flight === null) throw noKeys(state);
      await wait(flight, callSignal);
    }
  }

  return {
    /**
     * Verifies `token` (`now` in Unix seconds or a Date, as in `verify`). Fetches keys when
     * there are none to serve, and refetches once when the token's `kid` is unknown unless the
     * core's cooldown says not yet. `signal` stops waiting for keys.
     */
    async verify(token, { now: at, signal: callSignal, ...rest } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      const unknown = Object.keys(rest);
      if (unknown.length) throw invalid(`unknown option "${unknown[0]}" (verify takes now and signal)`);
      toSeconds(at); // checks it before any fetch
      if (callSignal !== undefined && !isAbortSignal(callSignal)) throw invalid('signal must be an AbortSignal');
      if (callSignal?.aborted) {
        throw new JwtgateError({ code: 'ERR_FETCH_ABORTED', message: `verify was aborted by the caller's signal` }, { cause: callSignal.reason });
      }
      let tried;
      try {
        return await withKeys(callSignal, (c) => {
          tried = c.generation;
          return c.verifier.verify(token, { now: at });
        });
      } catch (e) {
        if (!(e instanceof JwtgateError) || e.code !== 'ERR_JWKS_NO_MATCHING_KEY') throw e;
        if (!call((c) => unwrap(c.handleKidMiss(now())))) throw e; // cooling down
        if (pump() === null && flight === null) throw e; // backing off
        await wait(flight, callSignal);
        return withKeys(callSignal, (c) => {
          if (c.generation === tried) throw e; // the refetch failed: same keys
          return c.verifier.verify(token, { now: at });
        });
      }
    },
    /** Stops fetching and releases the wasm memory now; `verify` throws afterwards. */
    free() {
      if (freed) return;
      freed = true;
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
      current?.verifier.free();
      current = null;
      // An object from before an engine restart belongs to the discarded instance.
      if (core !== null && coreGeneration === generation()) core.free();
      core = null;
    },
  };
}
