// CppEnvoy: the scenario interface of ../host.mjs's Envoy, over the cpp-host embedder (Envoy's
// own proxy-wasm host library on WAMR, ./embedder.cc) loaded as a Node addon (./addon.cc, built
// by ./build.sh). The C++ side is the Envoy: VMs, contexts, header maps, local replies, stats,
// shared data, timers, the filter manager. This side only does what a test supplies: the
// clusters' answers (with Envoy's router timeouts), the virtual clock's event queue, and the
// codec's refusals before any filter runs.

import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ADDON_BUILD_COMMAND = 'bash tests/envoy/cpphost/build.sh   (or: make test-envoy)';

/** Path of the built addon (target/cpphost, or CPPHOST_OUT). */
export function addonPath() {
  return join(process.env.CPPHOST_OUT ? resolve(process.env.CPPHOST_OUT) : join(root, 'target', 'cpphost'), 'jwtgate_cpphost.node');
}

let addon = null;
function load() {
  if (addon) return addon;
  const p = addonPath();
  if (!existsSync(p)) throw new Error(`cpp-host addon not found at ${p}; build it with:\n  ${ADDON_BUILD_COMMAND}`);
  addon = createRequire(import.meta.url)(p);
  return addon;
}

const toBuf = (v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));
// Envoy registers `authorization` as an inline header: repeated values are joined with ",".
const INLINE_COALESCED = new Set(['authorization']);

// Hostcalls `trapNext` can make fail: those whose host side can answer a status (the SDK panics
// on one it does not expect). Others (time, buffers) have no status to give.
const TRAPPABLE = new Set([
  'proxy_get_header_map_pairs', 'proxy_get_header_map_value', 'proxy_add_header_map_value',
  'proxy_replace_header_map_value', 'proxy_remove_header_map_value', 'proxy_set_header_map_pairs',
  'proxy_http_call', 'proxy_get_shared_data', 'proxy_set_shared_data', 'proxy_log',
  'proxy_define_metric', 'proxy_increment_metric', 'proxy_continue_stream',
  'proxy_send_local_response', 'proxy_set_tick_period_milliseconds',
]);

/** One HTTP stream: live views of the C++ stream until finished, then a final snapshot. */
class CppStream {
  constructor(envoy, id, worker) {
    this.envoy = envoy;
    this.id = id;
    this.worker = worker;
    this.final = null;
  }
  snap() {
    return this.final ?? load().stream(this.envoy.handle, this.id);
  }
  get state() {
    return this.snap().state;
  }
  get reply() {
    return this.snap().reply ?? null;
  }
  get headers() {
    return this.snap().headers;
  }
  get leaked() {
    return this.snap().leaked;
  }
  /** Body and trailers not yet handed to the filter (`{ body, trailers }`), or null. */
  get held() {
    return this.snap().held;
  }
  get unfiltered() {
    return this.snap().unfiltered || undefined;
  }
  get filterState() {
    const fs = this.snap().filterState;
    return fs.length ? new Map(fs) : undefined;
  }
  get finished() {
    return this.final !== null || undefined;
  }
  header(name) {
    const e = this.headers.find(([k]) => k === name);
    return e ? e[1].toString('latin1') : undefined;
  }
  headerCount(name) {
    return this.headers.filter(([k]) => k === name).length;
  }
  replyHeader(name) {
    const e = this.reply?.headers.find(([k]) => k === name);
    return e ? e[1] : undefined;
  }
  get json() {
    return this.reply ? JSON.parse(this.reply.body.toString('utf8')) : undefined;
  }
  /** Ends the stream as Envoy does: on_log, on_done, on_delete. */
  finish() {
    if (this.final) return;
    const a = load();
    a.finish(this.envoy.handle, this.id);
    this.envoy.drain();
    this.final = a.stream(this.envoy.handle, this.id);
    a.forget(this.envoy.handle, this.id);
  }
}

/** A worker as tests see it: its current VM's state (read from the embedder). */
class CppWorker {
  constructor(envoy, index) {
    this.envoy = envoy;
    this.index = index;
  }
  info() {
    return load().workers(this.envoy.handle)[this.index];
  }
  get unfiltered() {
    return this.info().unfiltered;
  }
  get vm() {
    const w = this.info();
    const failure = w.failed ? this.envoy.failures.get(w.name) : undefined;
    return {
      name: w.name,
      failed: w.failed,
      failure,
      rootId: w.rootId,
      memoryBytes: w.memoryBytes,
      ticks: new Map(w.ticks.map(([rootId, period]) => [rootId, { period }])),
    };
  }
}

/** Shared data of this Envoy's VM id, as a Map-like view (set ignores a given cas). */
class SharedView {
  constructor(envoy) {
    this.envoy = envoy;
  }
  get(k) {
    return load().sharedGet(this.envoy.handle, k) ?? undefined;
  }
  has(k) {
    return this.get(k) !== undefined;
  }
  set(k, e) {
    load().sharedSet(this.envoy.handle, k, toBuf(e.value));
    return this;
  }
  keys() {
    return load().sharedKeys(this.envoy.handle)[Symbol.iterator]();
  }
  *entries() {
    for (const k of this.keys()) yield [k, this.get(k)];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get size() {
    return load().sharedKeys(this.envoy.handle).length;
  }
}

/** The cpp-host Envoy: same constructor options and scenario methods as ../host.mjs's Envoy. */
export class CppEnvoy {
  constructor(o) {
    const a = load();
    this.host = 'wamr';
    this.bytes = typeof o.wasm === 'string' ? readFileSync(o.wasm) : Buffer.from(o.wasm);
    this.config = typeof o.config === 'string' ? Buffer.from(o.config) : Buffer.from(JSON.stringify(o.config));
    this.clusters = o.clusters ?? {};
    this.workerCount = o.workers ?? 2;
    this.pluginName = o.pluginName ?? 'jwtgate';
    this.vmId = o.vmId ?? 'jwtgate';
    this.logs = [];
    this.callouts = [];
    this.events = [];
    this.eventSeq = 0;
    this.unexpectedHostcalls = [];
    this.failures = new Map(); // VM name → its failure message
    this.maxRequestHeadersKb = o.maxRequestHeadersKb ?? 60;
    this.allowOnHeadersStopIteration = o.allowOnHeadersStopIteration ?? false;
    this.handle = a.create({
      wasm: this.bytes,
      config: this.config,
      vmConfig: Buffer.from(o.vmConfig ?? ''),
      workers: this.workerCount,
      failurePolicy: o.failurePolicy ?? 'FAIL_CLOSED',
      pluginName: this.pluginName,
      vmId: this.vmId,
      nowNs: BigInt(Math.round((o.nowMs ?? 1_767_225_600_000) * 1e6)),
      logLevel: o.logLevel ?? 1,
      clusters: Object.keys(this.clusters),
      allowOnHeadersStopIteration: this.allowOnHeadersStopIteration,
      reloadBackoffMs: o.reloadBackoffMs ?? 1000,
    });
    this._failurePolicy = o.failurePolicy ?? 'FAIL_CLOSED';
    // Shared data given by the test is in place before any VM starts.
    for (const [k, e] of o.sharedData?.get(this.vmId) ?? []) a.sharedSet(this.handle, k, toBuf(e.value));
    const err = a.load(this.handle);
    this.loadError = err;
    this.loaded = err === null;
    this.drain();
    this.workers = this.loaded ? Array.from({ length: this.workerCount }, (_, i) => new CppWorker(this, i)) : [];
    // The canary is discarded once it accepted the configuration: no timer of it stays armed.
    this.canary = { name: 'canary', discarded: true, ticks: new Map() };
    this.rr = -1;
  }

  get nowNs() {
    return load().now(this.handle);
  }
  set nowNs(v) {
    load().setNow(this.handle, v);
  }
  get nowMs() {
    return Number(this.nowNs / 1_000_000n);
  }
  get failurePolicy() {
    return this._failurePolicy;
  }
  set failurePolicy(p) {
    this._failurePolicy = p;
    load().setOption(this.handle, 'failurePolicy', p);
  }
  /** The next call of this hostcall returns a status the SDK does not expect: it panics (a trap). */
  set trapNext(name) {
    if (name && !TRAPPABLE.has(name)) throw new Error(`trapNext: the cpp-host cannot make ${name} fail (it has no status to answer); mark the scenario onlyV8`);
    load().setOption(this.handle, 'trapNext', name ?? null);
  }

  log(vm, level, msg) {
    this.logs.push({ vm, level, msg });
  }
  logsMatching(re) {
    return this.logs.filter((l) => re.test(l.msg));
  }
  get metrics() {
    return new Map(load().metrics(this.handle).map(([name, type, value]) => [name, { type, value }]));
  }
  metric(name) {
    return this.metrics.get(name)?.value ?? 0n;
  }
  shared() {
    return new SharedView(this);
  }

  /** Takes what the embedder produced (logs, dispatched calls) and answers the calls. */
  drain() {
    const d = load().drain(this.handle);
    for (const [vm, level, msg] of d.logs) {
      this.logs.push({ vm, level, msg });
      const m = /^Wasm VM failed (.*)$/s.exec(msg);
      if (m && !this.failures.has(vm)) this.failures.set(vm, m[1]);
    }
    for (let i = 0; i < d.unimplemented; i++) this.unexpectedHostcalls.push('unimplemented proxy-wasm API');
    for (const c of d.callouts) this.dispatch(c);
  }

  /** An HTTP call: recorded, handed to the cluster's handler, its answer scheduled. */
  dispatch(c) {
    const headers = Object.fromEntries(c.headers);
    const record = { vm: c.vm, cluster: c.cluster, headers, timeoutMs: c.timeoutMs, at: this.nowMs };
    if (c.refused) {
      this.callouts.push({ ...record, refused: c.refused });
      return;
    }
    this.callouts.push(record);
    const req = { method: headers[':method'], path: headers[':path'], authority: headers[':authority'], headers, body: c.body };
    let res;
    try {
      res = this.clusters[c.cluster](req, this);
    } catch {
      res = { status: 503, body: 'upstream connect error or disconnect/reset before headers' };
    }
    res ??= { status: 503, body: 'no healthy upstream' };
    // Envoy's router: a response slower than the call's timeout becomes 504.
    const delay = res.hang ? Infinity : (res.delayMs ?? 0);
    let at = delay;
    let response = res;
    if (c.timeoutMs > 0 && delay > c.timeoutMs) {
      at = c.timeoutMs;
      response = { status: 504, body: 'upstream request timeout' };
    }
    if (at === Infinity) return;
    this.schedule(this.nowNs + BigInt(Math.round(at * 1e6)), () => {
      if (response.reset) {
        load().deliver(this.handle, c.vmSerial, c.rootId, c.token, true, [], Buffer.alloc(0));
      } else {
        const b = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
        const body = Buffer.from(b);
        const h = [[':status', String(response.status)], ['content-length', String(body.length)]];
        for (const [k, v] of Object.entries(response.headers ?? {})) h.push([k.toLowerCase(), String(v)]);
        load().deliver(this.handle, c.vmSerial, c.rootId, c.token, false, h, body);
      }
      this.drain();
    });
  }

  schedule(atNs, fire) {
    this.events.push({ at: atNs, fire, seq: ++this.eventSeq });
  }
  /** Delivers everything due now (zero-delay callout responses). */
  settle() {
    this.advance(0);
  }
  /** Moves the virtual clock forward by `ms`, firing ticks, responses and timeouts in order. */
  advance(ms) {
    const a = load();
    const target = this.nowNs + BigInt(Math.round(ms * 1e6));
    for (let guard = 0; guard < 100_000; guard++) {
      let best = null;
      for (const e of this.events) if (e.at <= target && (!best || e.at < best.at || (e.at === best.at && e.seq < best.seq))) best = e;
      const t = a.nextTick(this.handle);
      const tickFirst = t && t[0] <= target && (!best || t[0] < best.at);
      if (!best && !tickFirst) break;
      const at = tickFirst ? t[0] : best.at;
      if (at > this.nowNs) this.nowNs = at;
      if (tickFirst) {
        a.tick(this.handle, t[1], t[2]);
        this.drain();
      } else {
        this.events.splice(this.events.indexOf(best), 1);
        best.fire();
      }
    }
    this.nowNs = target;
  }

  /** Starts a request on a worker (round-robin unless `worker` is given). */
  request(req) {
    return this.start(this.prepare(req));
  }
  /**
   * A request as the codec hands it to the filter chain: worker, header map (authorization
   * coalesced), body, trailers, and the codec's own refusal (400 for NUL/CR/LF in a value, 431
   * past max_request_headers_kb) decided before any filter runs.
   */
  prepare({ worker, method = 'GET', path = '/', authority = 'api.example', scheme = 'https', headers = [], body, trailers } = {}) {
    const wk = worker ?? (this.rr = (this.rr + 1) % this.workerCount);
    const list = [[':method', method], [':path', path], [':authority', authority], [':scheme', scheme]];
    for (const [k, v] of headers) {
      const name = k.toLowerCase();
      const existing = INLINE_COALESCED.has(name) ? list.find(([n]) => n === name) : undefined;
      if (existing) existing[1] = Buffer.concat([toBuf(existing[1]), Buffer.from(','), toBuf(v)]);
      else list.push([name, toBuf(v)]);
    }
    const bytes = list.map(([k, v]) => [k, toBuf(v)]);
    let size = 0;
    for (const [k, v] of bytes) size += k.length + v.length;
    const forbidden = bytes.some(([, v]) => v.includes(0) || v.includes(10) || v.includes(13));
    const codec = size > this.maxRequestHeadersKb * 1024 ? 431 : forbidden ? 400 : 0;
    const tr = trailers ? trailers.map(([k, v]) => [k.toLowerCase(), toBuf(v)]) : null;
    return { worker: wk, headers: bytes, body: body === undefined ? null : toBuf(body), trailers: tr, codec };
  }
  /** Runs a prepared request through the filter chain (see `prepare`). */
  start(p) {
    if (!this.loaded) throw new Error(`no filter: ${this.loadError}`);
    const id = load().request(this.handle, p.worker, p.headers, p.body, p.trailers, p.codec);
    this.drain();
    return new CppStream(this, id, p.worker);
  }
  /** request + settle + finish. */
  send(req) {
    return this.sendPrepared(this.prepare(req));
  }
  /** start + settle + finish for a prepared request. */
  sendPrepared(p) {
    const s = this.start(p);
    this.settle();
    s.finish();
    return s;
  }
}
