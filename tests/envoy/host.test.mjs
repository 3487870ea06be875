// The stand-in host itself refuses what Envoy refuses (so a green run means something), and
// turns a trap into a 503 for that request with Envoy's failure policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envoy } from './host.mjs';
import { miniModule } from './mini-wasm.mjs';
import { envoy, inlineProvider, T0 } from './support.mjs';
import { keyPair, jwks } from './jwt.mjs';

const load = (mod) => new Envoy({ wasm: mod, config: '{}', workers: 1 });

test('host: a hostcall outside the start-up whitelist during _initialize fails the load', () => {
  const e = load(miniModule({ imports: [{ module: 'env', name: 'proxy_set_tick_period_milliseconds', sig: 'i>i' }], init: 0 }));
  assert.equal(e.loaded, false);
  assert.match(e.loadError, /restricted_callback: proxy_set_tick_period_milliseconds/);
});

test('host: proxy_log is allowed during _initialize', () => {
  const e = load(miniModule({ imports: [{ module: 'env', name: 'proxy_log', sig: 'iii>i' }], init: 0 }));
  assert.equal(e.loadError, null);
  assert.ok(e.loaded);
});

test('host: a 0.1.0-only import is a missing import under ABI 0.2.1', () => {
  const e = load(miniModule({ imports: [{ module: 'env', name: 'proxy_get_configuration', sig: 'ii>i' }] }));
  assert.match(e.loadError, /missing import: env\.proxy_get_configuration/);
});

test('host: an import with a different signature is an import type mismatch', () => {
  const e = load(miniModule({ imports: [{ module: 'env', name: 'proxy_increment_metric', sig: 'ii>i' }] }));
  assert.match(e.loadError, /import type mismatch: env\.proxy_increment_metric/);
});

test('host: wasm-bindgen imports are refused', () => {
  const e = load(miniModule({ imports: [{ module: '__wbindgen_placeholder__', name: '__wbindgen_describe', sig: 'i>' }] }));
  assert.match(e.loadError, /missing import: __wbindgen_placeholder__/);
});

test('host: a module without the ABI marker is refused', () => {
  const e = load(miniModule({ marker: false }));
  assert.match(e.loadError, /Missing or unknown Proxy-Wasm ABI version/);
});

const pair = keyPair('ES256');
const cfg = { providers: [inlineProvider(jwks(pair))] };

test('trap: the stream gets 503, then FAIL_CLOSED answers 503 to everything on that worker', () => {
  const e = envoy(cfg, { workers: 1, failurePolicy: 'FAIL_CLOSED' });
  e.trapNext = 'proxy_get_header_map_pairs';
  const r = e.send({ path: '/a' });
  assert.equal(r.reply.status, 503);
  assert.equal(r.reply.details, 'wasm_fail_stream');
  assert.ok(e.logsMatching(/Wasm VM failed Function: proxy_on_request_headers failed/).length === 1);
  const next = e.send({ path: '/a' });
  assert.equal(next.reply.status, 503);
});

test('trap: FAIL_RELOAD builds a fresh VM (configured again) for the next request', () => {
  const e = envoy(cfg, { workers: 1, failurePolicy: 'FAIL_RELOAD' });
  e.trapNext = 'proxy_get_header_map_pairs';
  assert.equal(e.send({ path: '/a' }).reply.status, 503);
  const next = e.send({ path: '/a' });
  assert.equal(next.reply.status, 401);
  assert.equal(next.json.code, 'ERR_TOKEN_MISSING');
  assert.deepEqual(e.logsMatching(/^jwtgate: configured/).map((l) => l.vm), ['canary', 'worker0', 'worker0.reload']);
});

test('trap: other workers are unaffected', () => {
  const e = envoy(cfg, { workers: 2 });
  e.trapNext = 'proxy_get_header_map_pairs';
  assert.equal(e.send({ worker: 0 }).reply.status, 503);
  assert.equal(e.send({ worker: 1 }).json.code, 'ERR_TOKEN_MISSING');
  void T0;
});
