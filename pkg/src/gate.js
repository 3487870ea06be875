// createGate: the whole decision for one HTTP request, as the Envoy filter makes it, in Node and
// browsers. The decision is the core's (src/gate/, through `Gate` in src/js_gate.rs, its own
// wasm module, loaded by gate-module.js on first use): path
// check, rules, token location, keys, verify, jwt_authn checks, Vault policies, claim headers,
// the reply. This file only moves bytes: when the core answers `wait` it asks what to fetch,
// fetches it (remote.js `request`: timeout, caller signal, same-origin redirects), hands back
// the status and body, and asks again. A failed fetch is retried after the core's backoff, as the
// Envoy filter retries (the configuration's `retry` and `failed_refetch_seconds`): `decide` waits
// through the retries and answers when the keys come or the core gives up.
import { enter } from './engine.js';
import { failed, gateGlue, generation, initGate } from './gate-module.js';
import { JwtgateError, unwrap } from './errors.js';
import { toSeconds } from './api.js';
import { transportOptions, request, raceSignal, isAbortSignal } from './remote.js';

/**
 * Decide rounds per call: each `wait` starts every fetch the key sets ask for (discovery, then
 * JWKS) or sleeps until a retry is due; the configuration allows at most 10 retries per cycle.
 */
const MAX_ROUNDS = 40;
/** Fetches per round, so a key set that keeps asking (no backoff configured) cannot spin. */
const MAX_FETCHES = 10;

/** Resolves after `ms`, or at once when `signal` aborts (the loop then sees the abort). */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const GATE_OPTIONS = new Set(['fetch', 'signal', 'allowCrossOriginRedirects']);
const REQUEST_MEMBERS = new Set(['method', 'path', 'headers']);

function invalid(message) {
  return new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message });
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** `[[name, value], ...]` from an array of pairs, a plain object or a Headers. */
function headerPairs(headers) {
  if (headers === undefined) return [];
  let entries;
  if (Array.isArray(headers)) entries = headers;
  else if (typeof Headers !== 'undefined' && headers instanceof Headers) entries = [...headers.entries()];
  else if (isPlainObject(headers)) entries = Object.entries(headers);
  else throw invalid('request.headers must be an array of [name, value] pairs, an object or a Headers');
  return entries.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw invalid(`request.headers[${i}] must be a [name, value] pair of strings`);
    }
    return [pair[0].toLowerCase(), pair[1]];
  });
}

/** The request as the core reads it (`GateRequest`): JSON `{ method, path, headers: [[name, value]] }`. */
function requestOf(req) {
  if (!isPlainObject(req)) throw invalid('request must be an object { method, path, headers }');
  for (const k of Object.keys(req)) {
    if (!REQUEST_MEMBERS.has(k)) throw invalid(`unknown request member "${k}" (known: method, path, headers)`);
  }
  const method = req.method ?? 'GET';
  if (typeof method !== 'string' || method === '') throw invalid('request.method must be a non-empty string');
  if (typeof req.path !== 'string') throw invalid('request.path must be a string (the path and query, as :path)');
  return JSON.stringify({ method, path: req.path, headers: headerPairs(req.headers) });
}

/**
 * A gate for `config` (a GateConfig: the Envoy plugin configuration, as an object or JSON text).
 * `fetch` replaces `globalThis.fetch` for remote keys; `signal` stops every fetch and wait.
 * Throws JwtgateError (ERR_OPTIONS_INVALID for the options, the core's code for the config).
 * The configuration is checked here when the gate module is loaded (always in Node; in browsers
 * after `initGate()` or an earlier `decide`), else by the first `decide`, which loads it.
 */
export function createGate(config, options = {}) {
  let text;
  if (typeof config === 'string') text = config;
  else if (isPlainObject(config)) text = JSON.stringify(config);
  else throw invalid('config must be a GateConfig object or its JSON text');
  if (!isPlainObject(options)) throw invalid('options must be an object');
  for (const k of Object.keys(options)) {
    if (!GATE_OPTIONS.has(k)) throw invalid(`unknown option "${k}" (known: ${[...GATE_OPTIONS].join(', ')})`);
  }
  const transport = transportOptions(options);
  const { signal } = transport;

  // The core gate lives in the wasm instance: after a trap restarts the engine it is gone, so it
  // is rebuilt from the same configuration (its key sets start empty: they are fetched again).
  let core = null;
  let coreGeneration = -1;
  let freed = false;
  const live = () => {
    if (freed) throw invalid('this gate was freed');
    const glue = gateGlue();
    if (glue === null) throw new JwtgateError({ code: 'ERR_NOT_INITIALISED', message: 'the gate module is not loaded: call `await initGate()` first' });
    if (core === null || coreGeneration !== generation()) {
      const fresh = new glue.Gate();
      try {
        unwrap(fresh.configure(text));
      } catch (e) {
        fresh.free();
        throw e;
      }
      core = fresh;
      coreGeneration = generation();
    }
    return core;
  };
  const call = (fn) => {
    try {
      return fn(live());
    } catch (e) {
      throw failed(e);
    }
  };
  // The verifier module is loaded (as for every function); the gate module, where it can be.
  enter();
  if (gateGlue() !== null) call(() => undefined); // the configuration is checked now
  // Aborts the fetches in flight when the caller's signal aborts or the gate is freed.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let flight = null;

  /** Runs the fetches the key sets ask for at `clock()`, one after another; null when none. */
  function pump(clock) {
    if (flight !== null) return flight;
    let next = call((c) => unwrap(c.pollFetch(clock())));
    if (next === null) return null;
    flight = (async () => {
      for (let n = 0; next !== null && n < MAX_FETCHES; n++) {
        const f = next;
        let handled;
        try {
          const { status, body } = await request(f.url, { ...transport, signal: undefined, timeout: f.timeoutMs }, { signal: stop.signal });
          if (freed) return;
          handled = (c) => c.onResponse(f.provider, f.id, status, body, clock());
        } catch (e) {
          if (freed || stop.signal.aborted) throw e;
          // The core words the failure for the reply (as the Envoy filter's 503 does).
          handled = (c) => c.onFailure(f.provider, f.id, clock());
        }
        call((c) => unwrap(handled(c)));
        next = call((c) => unwrap(c.pollFetch(clock())));
      }
    })().finally(() => {
      flight = null;
    });
    // A flight nobody awaits any more (the caller's signal won) must not be an unhandled rejection.
    flight.catch(() => {});
    return flight;
  }

  /**
   * Starts, without waiting for it, what the key sets ask for after a decision: keys past their
   * cache age still decide requests (stale-while-revalidate) and are refreshed meanwhile, as the
   * Envoy filter refreshes them from its tick. Its failures are the lifecycle's (backoff).
   */
  function refresh(clock) {
    try {
      pump(clock);
    } catch {
      // The decision is made; a refresh that cannot start now is asked for again next time.
    }
  }

  return {
    /**
     * The Decision for `request` (`{ method, path, headers }`) at `now` (Unix seconds or a Date;
     * default the current time, which then also times the key lifecycle). Fetches remote keys
     * when the core waits for them and decides again. Never throws for a refusal: a denial is
     * `verdict: "deny"` with the reply the proxy would send.
     */
    async decide(req, { now, signal: callSignal, ...rest } = {}) {
      const unknown = Object.keys(rest);
      if (unknown.length) throw invalid(`unknown option "${unknown[0]}" (decide takes now and signal)`);
      const request = requestOf(req);
      // A fixed `now` is the time of the request; the key lifecycle's backoff still has to
      // pass, so the waits this call sleeps move its clock on by exactly what the core asked.
      let fixed = now === undefined ? undefined : toSeconds(now) * 1000;
      const clock = () => fixed ?? Date.now();
      if (callSignal !== undefined && !isAbortSignal(callSignal)) throw invalid('signal must be an AbortSignal');
      if (gateGlue() === null) await raceSignal(initGate(), callSignal, 'the gate module');
      let decision;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (freed) throw invalid('this gate was freed');
        if (stop.signal.aborted) {
          throw new JwtgateError({ code: 'ERR_FETCH_ABORTED', message: 'the gate was aborted by its signal' }, { cause: signal?.reason });
        }
        decision = JSON.parse(call((c) => c.decide(request, clock())));
        if (decision.verdict !== 'wait') {
          refresh(clock);
          return decision;
        }
        const f = pump(clock);
        if (f !== null) {
          await raceSignal(f, callSignal, 'the gate\'s key fetch');
          continue;
        }
        // Nothing to fetch now: a retry's backoff is running. Sleep until it ends.
        const wake = call((c) => unwrap(c.pollTimeout()));
        const delay = wake === null ? 0 : wake - clock();
        if (!(delay > 0)) return decision;
        await raceSignal(sleep(delay, stop.signal), callSignal, 'the gate\'s key fetch retry');
        if (fixed !== undefined) fixed += delay;
      }
      return decision;
    },
    /** Stops fetching and releases the wasm memory now; `decide` throws afterwards. */
    free() {
      if (freed) return;
      freed = true;
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
      // An object from before an engine restart belongs to the discarded instance.
      if (core !== null && coreGeneration === generation()) core.free();
      core = null;
    },
  };
}
