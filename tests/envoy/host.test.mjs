// The stand-in host itself refuses what Envoy refuses (so a green run means something), and
// turns a trap into a 503 for that request with Envoy's failure policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envoy } from './host.mjs';
import { miniModule } from './mini-wasm.mjs';
import { envoy, inlineProvider, T0, onlyV8 } from './support.mjs';
import { keyPair, jwks } from './jwt.mjs';

// On the host under test: the stand-in must refuse what Envoy's own library refuses.
const load = (mod) => envoy('{}', { wasm: mod, workers: 1 });

test('host: a hostcall outside the start-up whitelist during _initialize fails the load', onlyV8('proxy-wasm-cpp-host enforces the start-up whitelist in its V8 glue only (src/v8/v8.cc); its WAMR glue runs any hostcall there'), () => {
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
  assert.match(e.loadError, /import type mismatch(?: for function)?:? env\.proxy_increment_metric/);
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
  assert.equal(e.send({ path: '/a' }).reply.status, 503, 'inside the reload back-off');
  e.advance(1000);
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

import { serializePairs, Status } from './host.mjs';

const RAW = "calls the stand-in's host functions directly, without a module; under WAMR these rules are the library's and Envoy's code, reached through the filter (remote, request, verify scenarios)";

function rawVm(clusters = {}) {
  const e = new Envoy({ wasm: miniModule(), config: '{}', workers: 2, clusters });
  assert.equal(e.loadError, null);
  const vm = e.workers[0].vm;
  const put = (at, bytes) => { vm.u8().set(bytes, at); return [at, bytes.length]; };
  return { e, vm, put };
}

test('host: proxy_http_call needs a known cluster and :method, :path, :authority', onlyV8(RAW), () => {
  const { e, vm, put } = rawVm({ idp: () => ({ status: 200, body: '{}' }) });
  vm.effective = vm.rootId;
  const call = (cluster, pairs) => {
    const [cp, cs] = put(4096, Buffer.from(cluster));
    const [hp, hs] = put(8192, serializePairs(pairs));
    return vm.host.proxy_http_call(cp, cs, hp, hs, 0, 0, 0, 0, 1000, 12000);
  };
  const full = [[':method', 'GET'], [':path', '/jwks'], [':authority', 'idp']];
  assert.equal(call('nope', full), Status.BadArgument);
  assert.equal(call('idp', full.slice(0, 2)), Status.BadArgument);
  assert.equal(call('idp', [full[0], full[2]]), Status.BadArgument);
  assert.equal(call('idp', full), Status.Ok);
  assert.equal(vm.dv().getUint32(12000, true), 4, 'first HTTP call token');
  assert.equal(call('idp', [[':method', 'GET'], [':path', '/jwks'], ['host', 'idp']]), Status.Ok);
  assert.equal(vm.dv().getUint32(12000, true), 8);
  assert.deepEqual(e.callouts.map((c) => c.refused ?? 'ok'), ['unknown cluster', 'missing pseudo-header', 'missing pseudo-header', 'ok', 'ok']);
});

test('host: shared data is shared across VMs with compare-and-swap', onlyV8(RAW), () => {
  const { e, put } = rawVm();
  const [a, b] = e.workers.map((w) => w.vm);
  const [kp, ks] = put(4096, Buffer.from('k'));
  b.u8().set(Buffer.from('k'), 4096); // the same key in the other VM's memory
  const set = (vm, value, cas) => { vm.u8().set(Buffer.from(value), 5000); return vm.host.proxy_set_shared_data(kp, ks, 5000, value.length, cas); };
  const get = (vm) => {
    const st = vm.host.proxy_get_shared_data(kp, ks, 6000, 6004, 6008);
    if (st !== Status.Ok) return { st };
    const dv = vm.dv();
    return { st, value: vm.readStr(dv.getUint32(6000, true), dv.getUint32(6004, true)), cas: dv.getUint32(6008, true) };
  };
  assert.equal(get(a).st, Status.NotFound);
  assert.equal(set(a, 'one', 0), Status.Ok);
  const seen = get(b);
  assert.equal(seen.value, 'one');
  assert.equal(set(a, 'two', seen.cas), Status.Ok);
  assert.equal(set(b, 'three', seen.cas), Status.CasMismatch, 'stale cas');
  assert.equal(get(b).value, 'two');
  assert.equal(set(b, 'four', 0), Status.Ok, 'cas 0 overwrites');
  assert.equal(get(a).value, 'four');
});

test('host: header maps are bytes, get returns the first value, the map closes once the request continues', onlyV8(RAW), () => {
  const { vm, put } = rawVm();
  const stream = { state: 'headers', headers: [['x-a', Buffer.from([0xff, 0x41])], ['x-a', Buffer.from('second')]] };
  vm.contexts.set(99, { kind: 'stream', root: vm.rootId, stream });
  vm.effective = 99;
  const [kp, ks] = put(4096, Buffer.from('X-A'));
  assert.equal(vm.host.proxy_get_header_map_value(0, kp, ks, 6000, 6004), Status.Ok);
  const dv = vm.dv();
  assert.deepEqual([...vm.read(dv.getUint32(6000, true), dv.getUint32(6004, true))], [0xff, 0x41]);
  const [mp, ms] = put(4200, Buffer.from('x-missing'));
  assert.equal(vm.host.proxy_get_header_map_value(0, mp, ms, 6000, 6004), Status.NotFound);
  stream.state = 'continued';
  assert.equal(vm.host.proxy_get_header_map_value(0, kp, ks, 6000, 6004), Status.BadArgument);
  vm.effective = vm.rootId;
  assert.equal(vm.host.proxy_get_header_map_pairs(0, 6000, 6004), Status.BadArgument, 'no request map on the root context');
});

test('host: properties use Envoy paths (segments joined by NUL); unknown ones are NotFound', onlyV8(RAW), () => {
  const { vm, put } = rawVm();
  vm.effective = vm.rootId;
  const get = (path) => {
    const [pp, ps] = put(4096, Buffer.from(path.join('\0')));
    const st = vm.host.proxy_get_property(pp, ps, 6000, 6004);
    const dv = vm.dv();
    return st === Status.Ok ? vm.readStr(dv.getUint32(6000, true), dv.getUint32(6004, true)) : st;
  };
  assert.equal(get(['plugin_vm_id']), 'jwtgate');
  assert.equal(get(['plugin_name']), 'jwtgate');
  assert.equal(get(['no', 'such']), Status.NotFound);
  assert.equal(get(['request', 'path']), Status.NotFound, 'no request on the root context');
});
