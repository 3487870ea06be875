// createGate on a failing JWKS host follows the configuration's `retry` policy and
// `failed_refetch_seconds` as the Envoy filter does (the core's Keyring, src/gate/keys.rs): a
// failed fetch is retried after its backoff while `decide` waits, and only when the retries are
// used up does the gate answer 503, then for the failed window without fetching.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createGate, JwtgateError } from '../index.node.js';
import { cases, requestOf } from './gate-cases.mjs';

// A remote case that allows with the keys its one fetch serves.
const base = cases().find((x) => x.name === 'remote/fetch-then-allow.json').case;
const jwks = base.fetches[0].body;

/** The case's configuration with `retry` and `failed_refetch_seconds` of its remote JWKS replaced. */
function configWith(retry, failedRefetchSeconds) {
  const config = structuredClone(base.config);
  const remote = config.providers[0].remote_jwks;
  remote.retry = retry;
  if (failedRefetchSeconds !== undefined) remote.failed_refetch_seconds = failedRefetchSeconds;
  return config;
}

/** A fetch answering from `script` in order (an Error is thrown as a transport failure), recording when it was asked. */
function scripted(script) {
  const queue = [...script];
  const calls = [];
  const fetch = async (url) => {
    calls.push({ url, at: performance.now() });
    const next = queue.shift();
    assert.ok(next !== undefined, `fetched ${url} more often than scripted`);
    if (next instanceof Error) throw next;
    return new Response(next.body, { status: next.status });
  };
  return { fetch, calls, left: () => queue.length };
}

const unavailable = { status: 503, body: 'down' };

test('a fetch that fails then succeeds: decide waits through the retry and allows', async () => {
  const served = scripted([new TypeError('fetch failed'), unavailable, { status: 200, body: jwks }]);
  const gate = createGate(configWith({ num_retries: 2, base_interval_ms: 20, max_interval_ms: 40 }), { fetch: served.fetch });
  try {
    const d = await gate.decide(requestOf(base), { now: base.now });
    assert.equal(d.verdict, 'allow', JSON.stringify(d));
    assert.equal(d.status, 200);
    assert.equal(served.calls.length, 3);
    assert.equal(served.left(), 0);
    // Each retry waits for its backoff: 20 ms, then 40 ms (doubled, at the maximum).
    const gaps = served.calls.slice(1).map((c, i) => c.at - served.calls[i].at);
    assert.ok(gaps[0] >= 19 && gaps[1] >= 39, `retried too early: ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`);
  } finally {
    gate.free();
  }
});

test('retries used up: 503 naming the last failure, then no fetch for the failed window', async () => {
  const served = scripted([unavailable, unavailable, unavailable]);
  const gate = createGate(configWith({ num_retries: 2, base_interval_ms: 10, max_interval_ms: 10 }, 30), { fetch: served.fetch });
  try {
    const d = await gate.decide(requestOf(base), { now: base.now });
    assert.equal(served.calls.length, 3, 'one attempt and two retries');
    assert.equal(d.verdict, 'deny');
    assert.equal(d.status, 503);
    assert.equal(d.code, 'ERR_JWKS_UNAVAILABLE');
    assert.match(d.message, /JWKS host answered status 503/);
    // Inside the failed window (30 s after the give-up; the call's clock moved on by the
    // 20 ms of backoff it waited): refused at once without asking the host.
    const again = await gate.decide(requestOf(base), { now: base.now + 10 });
    assert.equal(again.status, 503);
    assert.equal(served.calls.length, 3);
  } finally {
    gate.free();
  }
});

test('without retries (num_retries 0) the first failure answers at once', async () => {
  const served = scripted([unavailable]);
  const gate = createGate(configWith({ num_retries: 0 }), { fetch: served.fetch });
  try {
    const d = await gate.decide(requestOf(base), { now: base.now });
    assert.equal(d.status, 503);
    assert.equal(served.calls.length, 1);
  } finally {
    gate.free();
  }
});

test('the caller\'s signal ends the wait for a retry with ERR_FETCH_ABORTED', async () => {
  const served = scripted([unavailable]);
  const gate = createGate(configWith({ num_retries: 1, base_interval_ms: 60_000, max_interval_ms: 60_000 }), { fetch: served.fetch });
  const controller = new AbortController();
  try {
    const pending = gate.decide(requestOf(base), { now: base.now, signal: controller.signal });
    while (served.calls.length === 0) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('stop'));
    await assert.rejects(pending, (e) => e instanceof JwtgateError && e.code === 'ERR_FETCH_ABORTED');
    assert.equal(served.calls.length, 1, 'the retry was not made');
  } finally {
    gate.free();
  }
});

test('keys past their cache age decide the request and are refreshed in the background', async () => {
  const served = scripted([{ status: 200, body: jwks }, { status: 200, body: jwks }]);
  const config = structuredClone(base.config);
  config.providers[0].remote_jwks.cache_duration_seconds = 60;
  const gate = createGate(config, { fetch: served.fetch });
  try {
    assert.equal((await gate.decide(requestOf(base), { now: base.now })).verdict, 'allow');
    assert.equal(served.calls.length, 1);
    // Fresh: nothing fetched.
    assert.equal((await gate.decide(requestOf(base), { now: base.now + 59 })).verdict, 'allow');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(served.calls.length, 1);
    // Stale: answered at once with the keys at hand, and a refresh starts.
    assert.equal((await gate.decide(requestOf(base), { now: base.now + 61 })).verdict, 'allow');
    while (served.calls.length < 2) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 10));
    // Refreshed at base.now + 61: fresh again, nothing more to fetch.
    assert.equal((await gate.decide(requestOf(base), { now: base.now + 62 })).verdict, 'allow');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(served.calls.length, 2);
    assert.equal(served.left(), 0);
  } finally {
    gate.free();
  }
});
