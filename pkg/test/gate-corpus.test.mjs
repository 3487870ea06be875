// The gate conformance corpus through the npm package's createGate: every case's
// JSON.stringify(decision) must equal its golden byte for byte (the native runner,
// tests/gate.rs, writes and checks the same goldens), remote keys served from the case's
// `fetches` through an injected fetch, each of them used.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createGate, JwtgateError } from '../index.node.js';
import { cases, requestOf, scriptedFetch } from './gate-cases.mjs';

const all = cases();

test('the corpus is there', () => {
  assert.ok(all.length > 0, 'no case in tests/vectors/gate');
});

for (const { name, case: c, golden } of all) {
  test(`gate corpus: ${name}`, async () => {
    assert.ok(golden, `${name} has no golden decision (JWTGATE_BLESS=1 cargo test --test gate)`);
    const served = scriptedFetch(c);
    const gate = createGate(c.config, { fetch: served.fetch });
    try {
      const d = await gate.decide(requestOf(c), { now: c.now });
      assert.equal(JSON.stringify(d), golden);
      assert.equal(served.left(), 0, 'fetches left unused');
      for (const k of ['verdict', 'status', 'code']) {
        if (c.expect?.[k] !== undefined) assert.equal(d[k], c.expect[k], k);
      }
    } finally {
      gate.free();
    }
  });
}

test('createGate checks its options and the configuration', async () => {
  const config = all[0].case.config;
  const refused = (fn, code, re) =>
    assert.throws(fn, (e) => e instanceof JwtgateError && e.code === code && re.test(e.message), String(re));
  refused(() => createGate(42), 'ERR_OPTIONS_INVALID', /config must be/);
  refused(() => createGate(config, { fetch: 'x' }), 'ERR_OPTIONS_INVALID', /fetch must be a function/);
  refused(() => createGate(config, { signal: {} }), 'ERR_OPTIONS_INVALID', /signal/);
  refused(() => createGate(config, { timeout: 5 }), 'ERR_OPTIONS_INVALID', /unknown option "timeout"/);
  assert.throws(() => createGate({ ...config, no_such_member: 1 }), (e) => e instanceof JwtgateError && e.code !== 'ERR_INTERNAL' && /no_such_member/.test(e.message));
  const gate = createGate(JSON.stringify(config));
  await assert.rejects(gate.decide({ path: 1 }), (e) => e.code === 'ERR_OPTIONS_INVALID' && /request.path/.test(e.message));
  await assert.rejects(gate.decide({ path: '/', extra: 1 }), (e) => e.code === 'ERR_OPTIONS_INVALID' && /extra/.test(e.message));
  await assert.rejects(gate.decide({ path: '/' }, { now: 'soon' }), (e) => e.code === 'ERR_OPTIONS_INVALID');
  gate.free();
  await assert.rejects(gate.decide({ path: '/' }), (e) => e.code === 'ERR_OPTIONS_INVALID' && /freed/.test(e.message));
});

test('a remote case: the caller\'s signal stops the fetch with ERR_FETCH_ABORTED', async () => {
  const remote = all.find((x) => (x.case.fetches ?? []).length > 0);
  if (remote === undefined) return; // no remote case in this corpus yet
  const c = remote.case;
  const controller = new AbortController();
  const gate = createGate(c.config, {
    fetch: (url, init) =>
      new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true })),
  });
  const pending = gate.decide(requestOf(c), { now: c.now, signal: controller.signal });
  controller.abort(new Error('stop'));
  await assert.rejects(pending, (e) => e instanceof JwtgateError && e.code === 'ERR_FETCH_ABORTED');
  gate.free();
});
