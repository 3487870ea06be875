// A stand-in for Envoy's proxy-wasm host (proxy-wasm-cpp-host + Envoy's additions), ABI 0.2.1,
// on Node's WebAssembly (V8, Envoy's default runtime). It loads the *built* filter and behaves
// as Envoy does for everything the filter can touch — see
// ../../../shared/research/envoy-proxy-wasm.md §b and §d for the facts each rule follows:
//
// * linking: every import must be one Envoy registers, with Envoy's exact signature; exports the
//   host looks up must have the expected signature; ABI marker and allocator are required;
// * start-up: `_initialize` (then `main(0,0)`) runs with only a whitelist of hostcalls allowed;
//   anything else traps and the load fails;
// * one canary VM runs on_context_create/on_vm_start/on_configure and is discarded, then every
//   worker VM (a fresh instance) does the same;
// * header maps are bytes, names lower-cased, `get` returns the first value, repeated
//   `authorization` headers are coalesced with "," (Envoy registers it as an inline header);
//   request headers are readable/writable only in on_request_headers and while paused from it;
// * `proxy_send_local_response` and `proxy_continue_stream` are deferred until the VM call
//   returns; a local reply stops the stream whatever the callback returned;
// * `proxy_http_call` runs on the root context: unknown cluster or a missing `:method`, `:path`
//   or `:authority` is BadArgument; timeouts and unhealthy clusters answer 504/503 as Envoy's
//   router does; resets arrive as (0 headers, 0 body); call maps/body readable only inside
//   on_http_call_response;
// * ticks per root context, shared data with CAS shared by every VM of the same vm_id,
//   properties, metrics shared by name, log levels;
// * a trap fails that VM: the stream gets a 503 (`wasm_fail_stream`), then FAIL_CLOSED answers
//   503 to everything on that worker, FAIL_RELOAD builds a fresh VM for the first request after
//   the reload back-off (503 inside it).

import { readFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { parseModule } from './wasm-module.mjs';

export const Status = {
  Ok: 0, NotFound: 1, BadArgument: 2, SerializationFailure: 3, ParseFailure: 4,
  InvalidMemoryAccess: 6, Empty: 7, CasMismatch: 8, InternalFailure: 10, BrokenConnection: 11,
  Unimplemented: 12,
};

const w = (n, ret = 'i') => `${'i'.repeat(n)}>${ret}`;

// Functions Envoy registers under "env" for ABI 0.2.1 (cpp-host exports.h + wasm.cc, Envoy wasm.cc).
export const ENV_IMPORTS = {
  proxy_log: w(3), proxy_get_status: w(3), proxy_set_property: w(4), proxy_get_property: w(4),
  proxy_send_local_response: w(8), proxy_get_shared_data: w(5), proxy_set_shared_data: w(5),
  proxy_register_shared_queue: w(3), proxy_resolve_shared_queue: w(5),
  proxy_dequeue_shared_queue: w(3), proxy_enqueue_shared_queue: w(3),
  proxy_get_header_map_value: w(5), proxy_add_header_map_value: w(5),
  proxy_replace_header_map_value: w(5), proxy_remove_header_map_value: w(3),
  proxy_get_header_map_pairs: w(3), proxy_set_header_map_pairs: w(3), proxy_get_header_map_size: w(2),
  proxy_get_buffer_status: w(3), proxy_get_buffer_bytes: w(5), proxy_set_buffer_bytes: w(5),
  proxy_http_call: w(10), proxy_grpc_call: w(12), proxy_grpc_stream: w(9), proxy_grpc_close: w(1),
  proxy_grpc_cancel: w(1), proxy_grpc_send: w(4), proxy_set_tick_period_milliseconds: w(1),
  proxy_get_current_time_nanoseconds: w(1), proxy_define_metric: w(4), proxy_increment_metric: 'iI>i',
  proxy_record_metric: 'iI>i', proxy_get_metric: w(2), proxy_set_effective_context: w(1),
  proxy_done: w(0), proxy_call_foreign_function: w(6),
  proxy_continue_stream: w(1), proxy_close_stream: w(1), proxy_get_log_level: w(1),
  pthread_equal: w(2), emscripten_notify_memory_growth: w(1, ''), envoy_resolve_dns: w(3),
};

// WASI preview1 as the most conservative (2022-era) Envoy registers it, under both module names.
export const WASI_IMPORTS = {
  fd_write: w(4), fd_read: w(4), fd_seek: 'iIii>i', fd_close: w(1), fd_fdstat_get: w(2),
  environ_get: w(2), environ_sizes_get: w(2), args_get: w(2), args_sizes_get: w(2),
  clock_time_get: 'iIi>i', random_get: w(2), proc_exit: w(1, ''), path_open: 'iiiiiIIii>i',
  fd_prestat_get: w(2), fd_prestat_dir_name: w(3),
};

// Exports the host looks up, with the signatures it requires (cpp-host wasm.cc getFunctions).
export const MODULE_EXPORTS = {
  _initialize: w(0, ''), _start: w(0, ''), main: w(2), malloc: w(1), proxy_on_memory_allocate: w(1),
  proxy_validate_configuration: w(2), proxy_on_vm_start: w(2), proxy_on_configure: w(2),
  proxy_on_tick: w(1, ''), proxy_on_context_create: w(2, ''), proxy_on_new_connection: w(1),
  proxy_on_downstream_data: w(3), proxy_on_upstream_data: w(3),
  proxy_on_downstream_connection_close: w(2, ''), proxy_on_upstream_connection_close: w(2, ''),
  proxy_on_request_headers: w(3), proxy_on_request_body: w(3), proxy_on_request_trailers: w(2),
  proxy_on_request_metadata: w(2), proxy_on_response_headers: w(3), proxy_on_response_body: w(3),
  proxy_on_response_trailers: w(2), proxy_on_response_metadata: w(2),
  proxy_on_http_call_response: w(5, ''), proxy_on_grpc_receive: w(3, ''), proxy_on_grpc_close: w(3, ''),
  proxy_on_grpc_receive_initial_metadata: w(3, ''), proxy_on_grpc_receive_trailing_metadata: w(3, ''),
  proxy_on_queue_ready: w(2, ''), proxy_on_foreign_function: w(3, ''), proxy_on_done: w(1),
  proxy_on_log: w(1, ''), proxy_on_delete: w(1, ''),
};

// Hostcalls V8-Envoy allows while the module starts (cpp-host: anything else is
// `restricted_callback`).
const START_ALLOWED = new Set([
  'proxy_log', 'fd_write', 'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get',
  'clock_time_get', 'clock_res_get', 'random_get', 'poll_oneoff', 'fd_fdstat_get',
  'fd_fdstat_set_flags', 'fd_prestat_get', 'fd_prestat_dir_name', 'emscripten_notify_memory_growth',
]);

const EMPTY = Buffer.alloc(0);
const MAP = { REQUEST_HEADERS: 0, REQUEST_TRAILERS: 1, RESPONSE_HEADERS: 2, RESPONSE_TRAILERS: 3, CALL_HEADERS: 6, CALL_TRAILERS: 7 };
const BUF = { REQUEST_BODY: 0, CALL_BODY: 4, VM_CONFIG: 6, PLUGIN_CONFIG: 7 };
// Envoy registers `authorization` as an inline header: repeated values are joined with ",".
const INLINE_COALESCED = new Set(['authorization']);

const toBuf = (v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));
const byteLength = (v) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length);
const put = (out, v, at) => (typeof v === 'string' ? out.write(v, at, 'utf8') : out.set(v, at));

/**
 * Serialises header pairs as proxy-wasm does: u32 n, n×(u32 klen, u32 vlen), then k\0v\0...
 * One allocation, bytes written in place (as cpp-host's exportPairs does into module memory);
 * names may be strings or bytes, values bytes.
 */
export function serializePairs(pairs) {
  const n = pairs.length;
  const lens = new Array(2 * n);
  let size = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    lens[2 * i] = byteLength(pairs[i][0]);
    lens[2 * i + 1] = byteLength(pairs[i][1]);
    size += lens[2 * i] + lens[2 * i + 1] + 2;
  }
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(n, 0);
  let p = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const [k, v] = pairs[i];
    out.writeUInt32LE(lens[2 * i], 4 + i * 8);
    out.writeUInt32LE(lens[2 * i + 1], 8 + i * 8);
    put(out, k, p); p += lens[2 * i]; out[p++] = 0;
    put(out, v, p); p += lens[2 * i + 1]; out[p++] = 0;
  }
  return out;
}

/** A copy of `u8[start, end)` as a Buffer (from Node's pool when small, without species lookups). */
function copyBytes(u8, start, end) {
  const out = Buffer.allocUnsafe(end - start);
  out.set(u8.subarray(start, end));
  return out;
}

/**
 * Parses a serialised pair buffer, `buf[start, end)`; a malformed one is an empty map (as
 * cpp-host does). Values are copies as bytes, or latin1 strings with `strings`; names are latin1
 * strings, or what `nameAt(offset in buf, length)` makes of them.
 */
export function parsePairs(buf, strings = false, nameAt = null, start = 0, end = buf.length) {
  try {
    if (end - start < 4) return [];
    const n = buf.readUInt32LE(start);
    if (n > 1024 || end - start > 1 << 20 || start + 4 + n * 8 > end) return [];
    let p = start + 4 + n * 8;
    const out = [];
    for (let i = 0; i < n; i++) {
      const kl = buf.readUInt32LE(start + 4 + i * 8);
      const vl = buf.readUInt32LE(start + 8 + i * 8);
      if (p + kl + vl + 2 > end) return [];
      const k = nameAt ? nameAt(p, kl) : buf.toString('latin1', p, p + kl); p += kl + 1;
      const v = strings ? buf.toString('latin1', p, p + vl) : copyBytes(buf, p, p + vl); p += vl + 1;
      out.push([k, v]);
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * Lays out request headers (names as strings, values as strings or bytes) as proxy-wasm pairs in
 * one pass, as a codec fills a header map: strings written once (UTF-8) into a slab shared by
 * consecutive requests. Returns the bytes, each value's (offset, length), and whether a value
 * holds a byte the codec refuses (NUL, CR, LF).
 */
function encodeRequestPairs(pairs) {
  const n = pairs.length;
  // An upper bound (3 bytes per UTF-16 unit); only what is written is taken from the slab.
  let bound = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const [k, v] = pairs[i];
    bound += 3 * k.length + (typeof v === 'string' ? 3 * v.length : v.length) + 2;
  }
  if (slab.length - slabUsed < bound) {
    slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, bound));
    slabUsed = 0;
  }
  const start = slabUsed;
  const out = slab;
  const offsets = new Array(2 * n);
  out.writeUInt32LE(n, start);
  let p = start + 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const [k, v] = pairs[i];
    const kl = writeString(out, k, p);
    p += kl;
    out[p++] = 0;
    const vl = typeof v === 'string' ? writeString(out, v, p) : (out.set(v, p), v.length);
    offsets[2 * i] = p - start;
    offsets[2 * i + 1] = vl;
    p += vl;
    out[p++] = 0;
    out.writeUInt32LE(kl, start + 4 + i * 8);
    out.writeUInt32LE(vl, start + 8 + i * 8);
  }
  slabUsed = p;
  const encoded = out.subarray(start, p);
  // CR and LF anywhere: then look value by value (a name may hold them; the codec check is on
  // values). NUL: the first one at or after each value must be its terminator.
  let forbidden = false;
  if (encoded.indexOf(10) !== -1 || encoded.indexOf(13) !== -1) {
    for (let i = 0; i < n && !forbidden; i++) {
      const v = encoded.subarray(offsets[2 * i], offsets[2 * i] + offsets[2 * i + 1]);
      forbidden = v.indexOf(10) !== -1 || v.indexOf(13) !== -1;
    }
  }
  for (let i = 0; i < n && !forbidden; i++) {
    forbidden = encoded.indexOf(0, offsets[2 * i]) !== offsets[2 * i] + offsets[2 * i + 1];
  }
  return { encoded, offsets, forbidden };
}

// Request header maps are carved from slabs (as Node pools small Buffers): one allocation per
// many requests instead of one per request.
const SLAB_SIZE = 64 * 1024;
let slab = Buffer.allocUnsafe(0);
let slabUsed = 0;

/** Writes `s` as UTF-8 at `at`; short ASCII strings without a native call. Returns the length. */
function writeString(out, s, at) {
  const len = s.length;
  if (len <= 32) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[at + i] = c;
    }
    if (i === len) return len;
  }
  return out.write(s, at, 'utf8');
}

/** The size of a request's header block, names and values, as the codec limits it. */
function headerBytesOf(headers) {
  let n = 0;
  for (let i = 0; i < headers.length; i++) n += headers[i][0].length + headers[i][1].length;
  return n;
}

/** NUL, CR or LF: bytes Envoy's codecs refuse in a header value. */
function forbiddenInValue(v) {
  return v.indexOf(10) !== -1 || v.indexOf(13) !== -1 || v.indexOf(0) !== -1;
}

class Trap extends Error {}

/**
 * A header map key: the name a hostcall passes (bytes in module memory), matched as Envoy's
 * LowerCaseString is (ASCII case-insensitively against the map's lower-case names) in place;
 * the name as a string only when the map keeps it (a new entry).
 */
class Key {
  constructor(vm, ptr, len) {
    this.mem = vm.u8();
    if (ptr + len > this.mem.length) throw new Trap('out of bounds memory access');
    this.vm = vm;
    this.ptr = ptr;
    this.len = len;
  }
  /** Whether `name` (a map entry's lower-case name) is this key. */
  is(name) {
    const { mem, ptr, len } = this;
    if (name.length !== len) return false;
    for (let i = 0; i < len; i++) {
      const c = mem[ptr + i];
      if (name.charCodeAt(i) !== (c >= 0x41 && c <= 0x5a ? c + 0x20 : c)) return false;
    }
    return true;
  }
  /**
   * The name as the map keeps it: ASCII lower-cased. Names seen before come from the VM's table
   * (a filter sets the same few names on every request; a string is immutable, so sharing one
   * is a copy), others are decoded; the table is bounded.
   */
  name() {
    const { mem, ptr, len, vm } = this;
    let h = len;
    for (let i = 0; i < len; i++) h = (Math.imul(h, 31) + (mem[ptr + i] | 0x20)) | 0;
    const known = vm.keyNames.get(h);
    if (known !== undefined && this.is(known)) return known;
    const raw = vm.readStr(ptr, len);
    const key = /[A-Z]/.test(raw) ? raw.replace(/[A-Z]+/g, (u) => u.toLowerCase()) : raw;
    if (vm.keyNames.size < 256) vm.keyNames.set(h, key);
    return key;
  }
}

/** Index of the first entry named `key` at or after `from` in a header list, or -1. */
function indexOfKey(list, key, from) {
  for (let i = from; i < list.length; i++) if (key.is(list[i][0])) return i;
  return -1;
}

/** Removes every entry named `key` at or after `from`, in place; whether any was there. */
function dropKey(list, key, from) {
  const first = indexOfKey(list, key, from);
  if (first === -1) return false;
  let kept = first;
  for (let i = first + 1; i < list.length; i++) if (!key.is(list[i][0])) list[kept++] = list[i];
  list.length = kept;
  return true;
}

/** One HTTP stream through the filter. */
export class Stream {
  constructor(worker, id, headers, encoded = null) {
    this.worker = worker;
    this.id = id;
    this.headers = headers; // [[lower-case name, Buffer]]
    this.encoded = encoded; // `headers` serialised as pairs; null once they change
    this.state = 'new'; // 'headers' | 'paused' | 'continued' | 'replied' | 'done'
    this.reply = null; // { status, headers: [[k, v]], body: Buffer, details }
    this.pendingReply = null;
    // Set later; declared here so every stream has one shape (V8 keeps property access fast).
    this.vm = undefined;
    this.ctx = undefined;
    this.unfiltered = undefined;
    this.finished = undefined;
    this.filterState = undefined;
    // Request body and trailers not yet handed to the filter: { body, trailers } (see
    // Worker#deliverData), and the trailers map while its callback runs.
    this.held = null;
    this.trailerMap = null;
    // A body or trailers callback returned Continue while the headers were stopped, which
    // released the request upstream without the filter letting its headers through.
    this.leaked = false;
  }
  /** First value of a forwarded (upstream) request header as a string, or undefined. */
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
    if (this.state === 'done') return;
    this.worker.finish(this);
  }
}

/** One Wasm VM (a fresh instance of the compiled module), as Envoy creates per worker. */
class VM {
  constructor(envoy, name) {
    this.envoy = envoy;
    this.name = name;
    this.failed = false;
    this.contexts = new Map(); // id → { kind: 'root' | 'stream', root, stream? }
    this.nextContextId = 1;
    this.effective = 0;
    this.current = null; // name of the callback running
    this.restricted = false;
    this.deferred = [];
    this.callCtx = null; // call response data during on_http_call_response
    this.configBuffer = null;
    this.nextCallToken = 0;
    this.metricIds = new Map(); // id → the metric (`envoy.metrics`' entry for its name)
    this.nextMetricId = 1;
    this.lastCalloutStatus = { code: 0, message: '' };
    this.ticks = new Map(); // root id → { period, next }
    const imports = envoy.buildImports(this);
    this.instance = new WebAssembly.Instance(envoy.module, imports);
    this.exports = this.instance.exports;
    // The callbacks by name, as a host resolves them once at load (cpp-host getFunctions): the
    // exports object is a large frozen dictionary, slow to look names up in per call.
    this.callbacks = new Map(Object.entries(this.exports).filter(([, v]) => typeof v === 'function'));
    this.memory = this.exports.memory;
    this.allocFn = this.exports.malloc ?? this.exports.proxy_on_memory_allocate;
    this.viewU8 = new Uint8Array(0);
    this.viewDv = null;
    this.viewBuf = null;
    this.keyNames = new Map(); // hash of a header name's bytes → the name (see Key#name)
    this.bodyCtx = null; // { stream, body } while on_request_body runs
  }

  /** How often each hostcall was made, by name (counted per import slot, not per name lookup). */
  get hostcallCounts() {
    const m = new Map();
    this.hostcallNames.forEach((n, i) => {
      if (this.hostcallTally[i]) m.set(n, (m.get(n) ?? 0) + this.hostcallTally[i]);
    });
    return m;
  }

  // ---- memory helpers ----
  // Views over the module's memory are made once per memory growth, not on every access:
  // growing detaches the old ArrayBuffer, and a view of a detached buffer has length 0 (so the
  // `memory.buffer` getter, a runtime call, is only asked then).
  views() {
    if (this.viewU8.byteLength === 0) {
      const b = this.memory.buffer;
      this.viewU8 = new Uint8Array(b);
      this.viewDv = new DataView(b);
      this.viewBuf = Buffer.from(b);
    }
    return this.viewBuf;
  }
  u8() {
    this.views();
    return this.viewU8;
  }
  dv() {
    this.views();
    return this.viewDv;
  }
  /** A copy of module memory [ptr, ptr + len) (the module may reuse it once the call returns). */
  read(ptr, len) {
    const mem = this.views();
    if (ptr + len > mem.length) throw new Trap('out of bounds memory access');
    return copyBytes(this.viewU8, ptr, ptr + len);
  }
  /** All of module memory (a Buffer), once [ptr, ptr + len) is known to lie inside it. */
  memoryHolding(ptr, len) {
    const mem = this.views();
    if (ptr + len > mem.length) throw new Trap('out of bounds memory access');
    return mem;
  }
  /** Module memory [ptr, ptr + len) in place, for a host function that copies what it keeps. */
  view(ptr, len) {
    const mem = this.views();
    if (ptr + len > mem.length) throw new Trap('out of bounds memory access');
    return mem.subarray(ptr, ptr + len);
  }
  readStr(ptr, len) {
    const mem = this.views();
    if (ptr + len > mem.length) throw new Trap('out of bounds memory access');
    return mem.toString('latin1', ptr, ptr + len);
  }
  writeU32(ptr, v) {
    this.dv().setUint32(ptr, v >>> 0, true);
  }
  /** Allocates `size` bytes with the module's allocator (as Envoy does for every returned value). */
  malloc(size) {
    const ptr = this.allocFn(size);
    if (ptr === 0 && size > 0) throw new Trap('module allocator failed');
    return ptr;
  }
  /** Copies bytes into module memory allocated with the module's allocator. */
  alloc(bytes) {
    const ptr = this.malloc(bytes.length);
    this.u8().set(bytes, ptr);
    return ptr;
  }
  /** Writes (ptr, size) of a copy of `bytes` to the two out-pointers; empty ⇒ (0, 0). */
  writeOut(bytes, ptrPtr, sizePtr) {
    const ptr = bytes.length ? this.alloc(bytes) : 0;
    const dv = this.dv();
    dv.setUint32(ptrPtr, ptr, true);
    dv.setUint32(sizePtr, bytes.length, true);
  }

  /** Calls an export as Envoy does: traps fail the VM; deferred actions run afterwards. */
  call(name, a, b, c, d, e) {
    const fn = this.callbacks.get(name);
    if (!fn) return { ok: true, value: undefined, missing: true };
    if (this.failed) return { ok: false, error: 'vm failed' };
    const outer = this.current === null;
    const prevCurrent = this.current;
    const prevEffective = this.effective;
    this.current = name;
    this.effective = a ?? 0;
    try {
      const timing = outer ? this.envoy.timing : null;
      const t0 = timing ? performance.now() : 0;
      // Extra arguments are ignored by a wasm function, missing ones are never passed here.
      const value = fn(a, b, c, d, e);
      if (timing) timing.vmMs += performance.now() - t0;
      return { ok: true, value };
    } catch (err) {
      this.failed = true;
      this.failedAtNs = this.envoy.nowNs;
      const msg = `Function: ${name} failed: ${err?.message ?? err}`;
      this.envoy.log(this.name, 4, `Wasm VM failed ${msg}`);
      this.failure = msg;
      return { ok: false, error: msg };
    } finally {
      this.current = prevCurrent;
      this.effective = prevEffective;
      if (outer && this.deferred.length) this.runDeferred();
    }
  }

  runDeferred() {
    const actions = this.deferred;
    this.deferred = [];
    if (this.failed) return;
    for (const a of actions) a();
  }

  start() {
    this.restricted = true;
    try {
      if (this.exports._initialize) {
        const r = this.call('_initialize');
        if (!r.ok) return r;
        if (this.exports.main) {
          const m = this.call('main', 0, 0);
          if (!m.ok) return m;
        }
      } else if (this.exports._start) {
        const r = this.call('_start');
        if (!r.ok) return r;
      }
      return { ok: true };
    } finally {
      this.restricted = false;
    }
  }

  /** Root context: create, vm_start, configure. Returns whether the plugin was accepted. */
  configure(configBytes, vmConfigBytes) {
    const root = this.nextContextId++;
    this.rootId = root;
    this.contexts.set(root, { kind: 'root', root });
    let r = this.call('proxy_on_context_create', root, 0);
    if (!r.ok) return false;
    this.configBuffer = { type: BUF.VM_CONFIG, bytes: vmConfigBytes };
    r = this.call('proxy_on_vm_start', root, vmConfigBytes.length);
    this.configBuffer = null;
    if (!r.ok || (r.missing !== true && r.value === 0)) return false;
    this.configBuffer = { type: BUF.PLUGIN_CONFIG, bytes: configBytes };
    r = this.call('proxy_on_configure', root, configBytes.length);
    this.configBuffer = null;
    return r.ok && (r.missing === true || r.value !== 0);
  }

  contextFor(id) {
    return this.contexts.get(id);
  }
  /** The stream of the effective context, if it is a stream. */
  effectiveStream() {
    const c = this.contexts.get(this.effective);
    return c?.kind === 'stream' ? c.stream : null;
  }
  effectiveRoot() {
    const c = this.contexts.get(this.effective);
    return c ? c.root : this.rootId;
  }
}

/** The stand-in Envoy: one plugin configuration, a canary, N worker VMs. */
export class Envoy {
  /**
   * @param {object} o
   * @param {string|Uint8Array} o.wasm path or bytes of the built filter
   * @param {string|object} o.config plugin configuration (object → JSON)
   * @param {object} [o.clusters] name → handler(req) returning a response (see `deliver`)
   * @param {number} [o.workers=2]
   * @param {'FAIL_CLOSED'|'FAIL_RELOAD'} [o.failurePolicy='FAIL_CLOSED']
   * @param {number} [o.nowMs] start of the virtual wall clock
   */
  constructor(o) {
    this.bytes = typeof o.wasm === 'string' ? readFileSync(o.wasm) : o.wasm;
    this.config = typeof o.config === 'string' ? Buffer.from(o.config) : Buffer.from(JSON.stringify(o.config));
    this.vmConfig = Buffer.from(o.vmConfig ?? '');
    this.clusters = o.clusters ?? {};
    this.workerCount = o.workers ?? 2;
    this.failurePolicy = o.failurePolicy ?? 'FAIL_CLOSED';
    // Envoy's Wasm PluginConfig `allow_on_headers_stop_iteration` (Envoy >= 1.35): a Pause from
    // on_request_headers is a single StopIteration, so body and trailers reach the filter while
    // the headers are stopped. Default false: StopAllIterationAndWatermark, everything after
    // the headers waits for the resume.
    this.allowOnHeadersStopIteration = o.allowOnHeadersStopIteration ?? false;
    this.pluginName = o.pluginName ?? 'jwtgate';
    this.vmId = o.vmId ?? 'jwtgate';
    this.nowNs = BigInt(Math.round((o.nowMs ?? 1_767_225_600_000) * 1e6)); // 2026-01-01
    this.logLevel = o.logLevel ?? 1; // debug: tests read the filter's debug lines
    // Benchmarks only: time spent inside the module's callbacks and, within that, inside host
    // functions (tests/envoy/bench.mjs splits filter-side from host-side cost with it).
    this.timing = o.timing ? { vmMs: 0, hostcallMs: 0 } : null;
    this.logs = [];
    this.sharedData = o.sharedData ?? new Map(); // vm_id → Map(key → { value, cas })
    this.cas = { next: 1 };
    this.metrics = new Map(); // name → { type, value }
    this.callouts = []; // every proxy_http_call, in order
    this.events = []; // { at: ns, fire() }
    this.unexpectedHostcalls = [];
    this.nextStreamId = 1000;
    this.workers = [];
    this.loaded = false;
    this.loadError = null;
    this.load();
  }

  get nowMs() {
    return Number(this.nowNs / 1_000_000n);
  }

  log(vm, level, msg) {
    this.logs.push({ vm, level, msg });
  }
  logsMatching(re) {
    return this.logs.filter((l) => re.test(l.msg));
  }
  metric(name) {
    return this.metrics.get(name)?.value ?? 0n;
  }

  // ---- loading ----
  load() {
    const info = parseModule(this.bytes);
    this.moduleInfo = info;
    const fail = (msg) => {
      this.loadError = msg;
      this.log('main', 4, msg);
      return false;
    };
    const marker = info.exports.find((e) => e.kind === 'func' && /^proxy_abi_version_/.test(e.name));
    if (!marker || marker.name !== 'proxy_abi_version_0_2_1') {
      return fail('Missing or unknown Proxy-Wasm ABI version');
    }
    for (const imp of info.imports) {
      if (imp.kind === 'global') return fail(`Failed to load Wasm module due to an imported global: ${imp.module}.${imp.name}`);
      if (imp.kind !== 'func') continue;
      const table = imp.module === 'env' ? ENV_IMPORTS
        : imp.module === 'wasi_snapshot_preview1' || imp.module === 'wasi_unstable' ? WASI_IMPORTS : {};
      const want = table[imp.name];
      if (!want) return fail(`Failed to load Wasm module due to a missing import: ${imp.module}.${imp.name}`);
      if (want !== imp.sig) {
        return fail(`Failed to load Wasm module due to an import type mismatch: ${imp.module}.${imp.name}, want: ${imp.sig}, but host exports: ${want}`);
      }
    }
    for (const e of info.exports) {
      const want = MODULE_EXPORTS[e.name] ?? (e.name === 'proxy_on_request_headers' ? w(3) : undefined);
      if (e.kind === 'func' && want && want !== e.sig) return fail(`Bad function signature for: ${e.name}, want ${want}`);
    }
    if (!info.exports.some((e) => e.name === 'malloc' || e.name === 'proxy_on_memory_allocate')) {
      return fail('Wasm module is missing malloc function');
    }
    if (!info.exports.some((e) => e.kind === 'memory' && e.name === 'memory')) return fail('Wasm module is missing memory export');
    this.module = new WebAssembly.Module(this.bytes);
    // Base VM: started once (restricted), never configured.
    const base = new VM(this, 'base');
    const started = base.start();
    if (!started.ok) return fail(`Wasm VM failed to start: ${started.error}`);
    // Canary: a clone that must accept the configuration; then discarded.
    const canary = new VM(this, 'canary');
    if (!canary.start().ok || !canary.configure(this.config, this.vmConfig)) {
      return fail('Unable to create Wasm HTTP filter: plugin configuration rejected by the canary');
    }
    this.canary = canary;
    this.forget(canary);
    for (let i = 0; i < this.workerCount; i++) {
      this.workers.push(new Worker(this, i));
    }
    this.loaded = true;
    return true;
  }

  /** Drops every timer and callout of a discarded VM. */
  forget(vm) {
    vm.ticks.clear();
    vm.discarded = true;
  }

  newVm(name) {
    const vm = new VM(this, name);
    if (!vm.start().ok) return null;
    if (!vm.configure(this.config, this.vmConfig)) {
      // Envoy: a worker whose on_configure fails after the canary passed has no filter.
      this.log(name, 4, 'worker VM rejected a configuration the canary accepted');
      return null;
    }
    return vm;
  }

  // ---- time and events ----
  schedule(atNs, fire) {
    this.events.push({ at: atNs, fire, seq: this.eventSeq = (this.eventSeq ?? 0) + 1 });
  }
  nextEvent(limitNs) {
    let best = null;
    for (const e of this.events) if (e.at <= limitNs && (!best || e.at < best.at || (e.at === best.at && e.seq < best.seq))) best = e;
    for (const wk of this.workers) {
      const vm = wk.vm;
      if (!vm || vm.failed) continue;
      for (const [root, t] of vm.ticks) {
        if (t.period > 0 && t.next <= limitNs && (!best || t.next < best.at)) {
          best = { at: t.next, tick: { vm, root, t } };
        }
      }
    }
    return best;
  }
  /** Delivers everything due now (zero-delay callout responses). */
  settle() {
    this.advance(0);
  }
  /** Moves the virtual clock forward by `ms`, firing ticks, responses and timeouts in order. */
  advance(ms) {
    // Nothing scheduled and no tick period set: only the clock moves.
    if (this.events.length === 0 && !this.workers.some((wk) => wk.vm && wk.vm.ticks.size > 0)) {
      this.nowNs += BigInt(Math.round(ms * 1e6));
      return;
    }
    const target = this.nowNs + BigInt(Math.round(ms * 1e6));
    for (let guard = 0; guard < 100_000; guard++) {
      const e = this.nextEvent(target);
      if (!e) break;
      if (e.at > this.nowNs) this.nowNs = e.at;
      if (e.tick) {
        const { vm, root, t } = e.tick;
        t.next = this.nowNs + BigInt(t.period) * 1_000_000n;
        vm.call('proxy_on_tick', root);
      } else {
        this.events.splice(this.events.indexOf(e), 1);
        e.fire();
      }
    }
    this.nowNs = target;
  }

  // ---- requests ----
  /** Starts a request on a worker (round-robin unless `worker` is given). */
  request(req) {
    return this.start(this.prepare(req));
  }
  /**
   * A request as the codec hands it to the filter chain: the worker it lands on and its header
   * map, built but not yet seen by any filter. Use each prepared request once (the filter edits
   * its map).
   */
  prepare({ worker, method = 'GET', path = '/', authority = 'api.example', scheme = 'https', headers = [], body, trailers } = {}) {
    const wk = this.workers[worker ?? (this.rr = ((this.rr ?? -1) + 1) % this.workers.length)];
    const list = [[':method', method], [':path', path], [':authority', authority], [':scheme', scheme]];
    for (const [k, v] of headers) {
      const name = k.toLowerCase();
      const existing = INLINE_COALESCED.has(name) ? list.find(([n]) => n === name) : undefined;
      if (existing) existing[1] = Buffer.concat([toBuf(existing[1]), Buffer.from(','), toBuf(v)]);
      else list.push([name, v]);
    }
    // The codec's work, done once: the map laid out as proxy-wasm pairs (what
    // proxy_get_header_map_pairs copies into module memory), values as views into it.
    const { encoded, offsets, forbidden } = encodeRequestPairs(list);
    for (let i = 0; i < list.length; i++) list[i][1] = encoded.subarray(offsets[2 * i], offsets[2 * i] + offsets[2 * i + 1]);
    // The codec sizes the header block as it parses it (Envoy keeps a map's byte size as entries
    // are added), before any filter runs.
    // Body (string or bytes) and trailers ([[name, value]]), when the request has them.
    const data = body === undefined && trailers === undefined ? null : {
      body: body === undefined ? null : toBuf(body),
      trailers: trailers === undefined ? null : trailers.map(([k, v]) => [k.toLowerCase(), toBuf(v)]),
    };
    return { worker: wk, headers: list, encoded, forbidden, headerBytes: headerBytesOf(list), data };
  }
  /** Runs a prepared request through the filter chain (see `prepare`). */
  start(prepared) {
    return prepared.worker.request(prepared.headers, prepared.encoded, prepared.forbidden, prepared.headerBytes, prepared.data);
  }
  /** request + settle + finish. */
  send(req) {
    return this.sendPrepared(this.prepare(req));
  }
  /** start + settle + finish for a prepared request. */
  sendPrepared(prepared) {
    const s = this.start(prepared);
    this.settle();
    s.finish();
    return s;
  }

  // ---- imports ----
  buildImports(vm) {
    const env = {};
    const wasi = {};
    const host = makeHostFunctions(this, vm);
    vm.host = host; // direct access for the host's own tests
    const envoy = this;
    const names = [];
    const counts = [];
    vm.hostcallNames = names;
    vm.hostcallTally = counts;
    for (const imp of this.moduleInfo.imports) {
      if (imp.kind !== 'func') continue;
      const name = imp.name;
      const impl = host[name] ?? (() => {
        envoy.unexpectedHostcalls.push(name);
        return Status.Unimplemented;
      });
      const slot = names.length;
      names.push(name);
      counts.push(0);
      const allowedAtStart = START_ALLOWED.has(name);
      // Fixed parameters rather than rest/spread: no array per hostcall. Extra arguments are
      // undefined and every host function declares exactly the ones it reads.
      const wrapped = (a, b, c, d, e, f, g, h, i, j) => {
        counts[slot]++;
        if (vm.restricted && !allowedAtStart) {
          throw new Trap(`restricted_callback: ${name} called during start-up`);
        }
        // Fault injection for tests of the trap path: the next call of this hostcall traps,
        // as a filter bug (unreachable, out-of-bounds access) would.
        if (envoy.trapNext === name) {
          envoy.trapNext = null;
          throw new Trap(`unreachable (injected in ${name})`);
        }
        const timing = envoy.timing;
        if (!timing) return impl(a, b, c, d, e, f, g, h, i, j);
        const t0 = performance.now();
        try {
          return impl(a, b, c, d, e, f, g, h, i, j);
        } finally {
          timing.hostcallMs += performance.now() - t0;
        }
      };
      (imp.module === 'env' ? env : wasi)[name] = wrapped;
    }
    return { env, wasi_snapshot_preview1: wasi, wasi_unstable: wasi };
  }

  shared() {
    if (!this.sharedData.has(this.vmId)) this.sharedData.set(this.vmId, new Map());
    return this.sharedData.get(this.vmId);
  }
}

/** One worker thread: its VM (replaced on FAIL_RELOAD) and its streams. */
class Worker {
  constructor(envoy, index) {
    this.envoy = envoy;
    this.index = index;
    this.vm = envoy.newVm(`worker${index}`);
    // Envoy has no plugin handle for a worker whose on_configure failed after the canary
    // passed: the filter silently does not run there (requests pass unauthenticated).
    this.unfiltered = this.vm === null;
    this.streams = new Map();
  }

  /**
   * `forbidden`: whether a value holds a byte the codec refuses, `headerBytes`: the header
   * block's size (`headerBytesOf`), when the caller knows.
   */
  request(headers, encoded = null, forbidden = undefined, headerBytes = headerBytesOf(headers), data = null) {
    const envoy = this.envoy;
    const id = envoy.nextStreamId++;
    const stream = new Stream(this, id, headers, encoded);
    if (this.unfiltered) {
      stream.state = 'continued';
      stream.unfiltered = true;
      return stream;
    }
    if (!this.vm || this.vm.failed) {
      // FAIL_RELOAD: a fresh VM after the reload back-off (reload_config.backoff.base_interval,
      // default 1 s); requests inside the window still get 503.
      const backoffNs = BigInt(envoy.reloadBackoffMs ?? 1000) * 1_000_000n;
      if (this.vm?.failed && envoy.failurePolicy === 'FAIL_RELOAD' && envoy.nowNs >= this.vm.failedAtNs + backoffNs) {
        envoy.log(`worker${this.index}`, 2, 'reloading failed Wasm VM');
        this.vm = envoy.newVm(`worker${this.index}.reload`);
      }
      if (!this.vm || this.vm.failed) {
        // FAIL_CLOSED (or a VM that could not be created): every request gets 503.
        stream.state = 'replied';
        stream.reply = { status: 503, headers: [], body: Buffer.alloc(0), details: 'wasm_fail_stream' };
        return stream;
      }
    }
    const vm = this.vm;
    stream.vm = vm;
    // Envoy's codecs refuse NUL, CR and LF in header values with a 400 before any filter runs;
    // the filter still gets a context and on_log (but never on_request_headers).
    // Envoy's default max_request_headers_kb (60 KiB): larger header blocks get 431 from the codec.
    const codecStatus = headerBytes > (envoy.maxRequestHeadersKb ?? 60) * 1024 ? 431
      : (forbidden ?? headers.some(([, v]) => forbiddenInValue(v))) ? 400 : 0;
    // Envoy hands out context ids per VM; streams follow the root id.
    const ctx = vm.nextContextId++;
    stream.ctx = ctx;
    vm.contexts.set(ctx, { kind: 'stream', root: vm.rootId, stream });
    this.streams.set(ctx, stream);
    vm.call('proxy_on_context_create', ctx, vm.rootId);
    if (codecStatus) {
      stream.state = 'replied';
      stream.reply = { status: codecStatus, headers: [], body: Buffer.alloc(0), details: 'codec_error' };
      return stream;
    }
    stream.state = 'headers';
    const r = vm.call('proxy_on_request_headers', ctx, headers.length, data ? 0 : 1);
    this.afterCallback(stream, r);
    if (data) {
      stream.held = data;
      this.deliverData(stream);
    }
    return stream;
  }

  /**
   * Hands the held request body and trailers to the filter as Envoy's filter manager does: the
   * body as one on_request_body(len, end_of_stream = no trailers), then the trailers. Right
   * after the headers when they continued. When the headers callback paused, by default
   * (cpp-host convertVmCallResultToFilterHeadersStatus: StopAllIterationAndWatermark) they wait
   * until the stream resumes; with allow_on_headers_stop_iteration they are delivered at once,
   * and a Continue from either callback while the headers are stopped releases the request
   * upstream (state 'continued', `leaked`). A local reply drops what is still held.
   */
  deliverData(stream) {
    const held = stream.held;
    if (!held || held.delivering) return;
    held.delivering = true;
    try {
      for (const part of ['body', 'trailers']) {
        if (held[part] === null) continue;
        const stopped = stream.state === 'paused';
        if (!(stream.state === 'continued' || (stopped && this.envoy.allowOnHeadersStopIteration))) return;
        const value = held[part];
        held[part] = null;
        const vm = stream.vm;
        if (!vm || vm.failed) return;
        let r;
        if (part === 'body') {
          vm.bodyCtx = { stream, body: value };
          r = vm.call('proxy_on_request_body', stream.ctx, value.length, held.trailers === null ? 1 : 0);
          vm.bodyCtx = null;
        } else {
          stream.trailerMap = { headers: value };
          r = vm.call('proxy_on_request_trailers', stream.ctx, value.length);
          stream.trailerMap = null;
        }
        if (!r.ok) {
          this.failStream(stream);
          return;
        }
        // Continue while the headers are still stopped: the filter manager resumes iteration
        // and headers, body and trailers go upstream.
        if (stopped && stream.state === 'paused' && r.value === 0) {
          stream.state = 'continued';
          stream.leaked = true;
        }
      }
      stream.held = null;
    } finally {
      held.delivering = false;
    }
  }

  /** Applies Envoy's rules after a stream callback returned. */
  afterCallback(stream, r) {
    if (!r.ok) {
      this.failStream(stream);
      return;
    }
    if (stream.pendingReply) {
      stream.reply = stream.pendingReply;
      stream.pendingReply = null;
      stream.state = 'replied';
    } else if (stream.state === 'headers') {
      // PAUSE from headers becomes StopAllIterationAndWatermark.
      stream.state = r.value === 0 ? 'continued' : 'paused';
    }
    if (this.vm?.failed) this.failPaused();
  }

  failStream(stream) {
    stream.state = 'replied';
    stream.reply = { status: 503, headers: [], body: Buffer.alloc(0), details: 'wasm_fail_stream' };
    this.failPaused();
  }

  /** Once the VM failed, every stream still waiting on it fails too. */
  failPaused() {
    for (const s of this.streams.values()) {
      if (s.state === 'paused' || s.state === 'headers') {
        s.state = 'replied';
        s.reply = { status: 503, headers: [], body: Buffer.alloc(0), details: 'wasm_fail_stream' };
      }
    }
  }

  finish(stream) {
    const vm = stream.vm;
    if (vm && !vm.failed && vm.contexts.has(stream.ctx)) {
      vm.call('proxy_on_log', stream.ctx);
      vm.call('proxy_on_done', stream.ctx);
      vm.call('proxy_on_delete', stream.ctx);
      vm.contexts.delete(stream.ctx);
    }
    this.streams.delete(stream.ctx);
    stream.state = stream.state === 'paused' ? 'reset' : stream.state;
    stream.finished = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Host functions, bound to one VM.

function makeHostFunctions(envoy, vm) {
  const S = Status;
  // The header map a map type names, as a holder `{ headers, encoded?, readonly? }` (a Stream
  // for request headers), or null when that map is not available in this callback.
  const mapOf = (type) => {
    if (type === MAP.REQUEST_HEADERS) {
      const s = vm.effectiveStream();
      // Request headers exist only while the filter holds the request (headers callback or
      // paused from it). After continue they belong to the upstream: BadArgument.
      if (!s || !(s.state === 'headers' || s.state === 'paused')) return null;
      return s;
    }
    if (type === MAP.REQUEST_TRAILERS) {
      // Only inside on_request_trailers (the filter has no other window onto them).
      return vm.effectiveStream()?.trailerMap ?? null;
    }
    if (type === MAP.CALL_HEADERS || type === MAP.CALL_TRAILERS) {
      if (!vm.callCtx) return null;
      return type === MAP.CALL_HEADERS ? vm.callCtx.headerMap : vm.callCtx.trailerMap;
    }
    return null;
  };
  // The serialised pairs of a map, kept until the map changes (Envoy's map is already laid
  // out; only the copy into module memory is per call).
  const encodedOf = (m) => m.encoded ?? (m.encoded = serializePairs(m.headers));

  return {
    proxy_log(level, ptr, size) {
      if (level > 5) return S.BadArgument;
      const msg = vm.readStr(ptr, size);
      if (level >= envoy.logLevel) envoy.log(vm.name, level, msg);
      return S.Ok;
    },
    proxy_get_log_level(ptr) {
      vm.writeU32(ptr, envoy.logLevel);
      return S.Ok;
    },
    proxy_get_current_time_nanoseconds(ptr) {
      vm.dv().setBigUint64(ptr, envoy.nowNs, true);
      return S.Ok;
    },
    proxy_set_tick_period_milliseconds(ms) {
      const root = vm.effectiveRoot();
      vm.ticks.set(root, { period: ms >>> 0, next: envoy.nowNs + BigInt(ms >>> 0) * 1_000_000n });
      return S.Ok;
    },
    proxy_set_effective_context(id) {
      if (!vm.contexts.has(id)) return S.BadArgument;
      vm.effective = id;
      return S.Ok;
    },
    proxy_done() {
      return S.NotFound;
    },
    proxy_get_buffer_status(type, lenPtr, flagsPtr) {
      const b = currentBuffer(vm, type);
      if (!b) return S.NotFound;
      vm.writeU32(lenPtr, b.length);
      vm.writeU32(flagsPtr, 0);
      return S.Ok;
    },
    proxy_get_buffer_bytes(type, start, max, ptrPtr, sizePtr) {
      const b = currentBuffer(vm, type);
      if (!b) return S.NotFound;
      if (start > b.length) return S.BadArgument;
      const end = Math.min(b.length, start + (max >>> 0));
      vm.writeOut(b.subarray(start, end), ptrPtr, sizePtr);
      return S.Ok;
    },
    proxy_set_buffer_bytes() {
      return S.NotFound;
    },
    proxy_get_header_map_value(type, kp, ks, vpp, vsp) {
      const m = mapOf(type);
      if (!m) return S.BadArgument;
      const list = m.headers;
      const at = indexOfKey(list, new Key(vm, kp, ks), 0);
      if (at === -1) return S.NotFound;
      vm.writeOut(list[at][1], vpp, vsp);
      return S.Ok;
    },
    proxy_get_header_map_pairs(type, pp, sp) {
      const m = mapOf(type);
      if (!m) return S.BadArgument;
      vm.writeOut(m.headers.length ? encodedOf(m) : EMPTY, pp, sp);
      return S.Ok;
    },
    proxy_get_header_map_size(type, sp) {
      const m = mapOf(type);
      if (!m) return S.BadArgument;
      vm.writeU32(sp, encodedOf(m).length);
      return S.Ok;
    },
    proxy_set_header_map_pairs(type, p, size) {
      const m = mapOf(type);
      if (!m || m.readonly) return S.BadArgument;
      m.headers = parsePairs(vm.read(p, size)).map(([k, v]) => [k.toLowerCase(), v]);
      m.encoded = null;
      return S.Ok;
    },
    proxy_add_header_map_value(type, kp, ks, vp, vs) {
      const m = mapOf(type);
      if (!m || m.readonly) return S.BadArgument;
      m.headers.push([new Key(vm, kp, ks).name(), vm.read(vp, vs)]);
      m.encoded = null;
      return S.Ok;
    },
    proxy_replace_header_map_value(type, kp, ks, vp, vs) {
      const m = mapOf(type);
      if (!m || m.readonly) return S.BadArgument;
      const key = new Key(vm, kp, ks);
      const value = vm.read(vp, vs);
      // setCopy: the first entry takes the value, the others go; absent ⇒ appended.
      const list = m.headers;
      const at = indexOfKey(list, key, 0);
      if (at === -1) list.push([key.name(), value]);
      else {
        list[at] = [list[at][0], value];
        dropKey(list, key, at + 1);
      }
      m.encoded = null;
      return S.Ok;
    },
    proxy_remove_header_map_value(type, kp, ks) {
      const m = mapOf(type);
      if (!m || m.readonly) return S.BadArgument;
      if (dropKey(m.headers, new Key(vm, kp, ks), 0)) m.encoded = null;
      return S.Ok;
    },
    proxy_send_local_response(status, dp, ds, bp, bs, hp, hs, grpc) {
      const s = vm.effectiveStream();
      if (!s || !(s.state === 'headers' || s.state === 'paused')) return S.BadArgument;
      const details = ds ? vm.readStr(dp, ds).replace(/\s/g, '_') : '';
      const body = vm.read(bp, bs);
      // Read in place; names lower-cased as Envoy keys them (LowerCaseString).
      const mem = vm.memoryHolding(hp, hs);
      const headers = parsePairs(mem, true, (at, len) => new Key(vm, at, len).name(), hp, hp + hs);
      if (body.length && !headers.some(([k]) => k === 'content-type')) headers.push(['content-type', 'text/plain']);
      headers.push(['content-length', String(body.length)]);
      const reply = { status, headers, body, details, grpc };
      // Deferred until the VM call returns (cpp-host addAfterVmCallAction).
      if (s.state === 'headers') s.pendingReply = reply;
      else vm.deferred.push(() => { if (s.state === 'paused') { s.reply = reply; s.state = 'replied'; } });
      return S.Ok;
    },
    proxy_continue_stream(type) {
      const s = vm.effectiveStream();
      if (!s) return S.NotFound;
      if (type !== 0) return S.Ok;
      vm.deferred.push(() => {
        if (s.state === 'paused') {
          s.state = 'continued';
          s.worker.deliverData(s);
        }
      });
      return S.Ok;
    },
    proxy_close_stream() {
      return S.Ok;
    },
    proxy_http_call(cp, cs, hp, hs, bp, bs, tp, ts, timeoutMs, tokenPtr) {
      const cluster = vm.readStr(cp, cs);
      const headers = parsePairs(vm.read(hp, hs));
      const body = vm.read(bp, bs);
      const has = (n) => headers.some(([k]) => k === n);
      const handler = envoy.clusters[cluster];
      const record = { vm: vm.name, cluster, headers: Object.fromEntries(headers.map(([k, v]) => [k, v.toString('latin1')])), timeoutMs, at: envoy.nowMs };
      if (!handler) {
        envoy.callouts.push({ ...record, refused: 'unknown cluster' });
        return S.BadArgument;
      }
      if (!has(':path') || !has(':method') || !(has(':authority') || has('host'))) {
        envoy.callouts.push({ ...record, refused: 'missing pseudo-header' });
        return S.BadArgument;
      }
      vm.nextCallToken += 4;
      const token = vm.nextCallToken;
      vm.writeU32(tokenPtr, token);
      envoy.callouts.push(record);
      // The call belongs to the root context, whichever context dispatched it.
      const root = vm.effectiveRoot();
      const req = { method: record.headers[':method'], path: record.headers[':path'], authority: record.headers[':authority'] ?? record.headers.host, headers: record.headers, body };
      let res;
      try {
        res = handler(req, envoy);
      } catch (e) {
        res = { status: 503, body: 'upstream connect error or disconnect/reset before headers' };
      }
      deliver(envoy, vm, root, token, res ?? { status: 503, body: 'no healthy upstream' }, timeoutMs);
      return S.Ok;
    },
    proxy_get_status(codePtr, msgPtrPtr, msgSizePtr) {
      vm.writeU32(codePtr, vm.lastCalloutStatus.code);
      vm.writeOut(Buffer.from(vm.lastCalloutStatus.message), msgPtrPtr, msgSizePtr);
      return S.Ok;
    },
    proxy_get_shared_data(kp, ks, vpp, vsp, casPtr) {
      const key = vm.readStr(kp, ks);
      const e = envoy.shared().get(key);
      if (!e) return S.NotFound;
      vm.writeOut(e.value, vpp, vsp);
      vm.writeU32(casPtr, e.cas);
      return S.Ok;
    },
    proxy_set_shared_data(kp, ks, vp, vs, cas) {
      const key = vm.readStr(kp, ks);
      const map = envoy.shared();
      const e = map.get(key);
      if (e && cas !== 0 && cas !== e.cas) return S.CasMismatch;
      map.set(key, { value: vm.read(vp, vs), cas: envoy.cas.next++ });
      return S.Ok;
    },
    proxy_get_property(pp, ps, vpp, vsp) {
      const path = vm.readStr(pp, ps).split('\0');
      const v = property(envoy, vm, path);
      if (v === undefined) return S.NotFound;
      vm.writeOut(v, vpp, vsp);
      return S.Ok;
    },
    proxy_set_property(pp, ps, vp, vs) {
      const s = vm.effectiveStream();
      if (!s) return S.NotFound;
      s.filterState ??= new Map();
      s.filterState.set(`wasm.${vm.readStr(pp, ps)}`, vm.read(vp, vs));
      return S.Ok;
    },
    proxy_define_metric(type, np, ns, idPtr) {
      if (type > 2) return S.BadArgument;
      const name = vm.readStr(np, ns);
      if (!envoy.metrics.has(name)) envoy.metrics.set(name, { type, value: 0n });
      const id = vm.nextMetricId++ * 4 + type;
      vm.metricIds.set(id, envoy.metrics.get(name));
      vm.writeU32(idPtr, id);
      return S.Ok;
    },
    proxy_increment_metric(id, offset) {
      const m = vm.metricIds.get(id);
      if (!m) return S.NotFound;
      if (m.type === 0 && offset <= 0n) return S.BadArgument;
      m.value += offset;
      return S.Ok;
    },
    proxy_record_metric(id, value) {
      const m = vm.metricIds.get(id);
      if (!m) return S.NotFound;
      if (m.type === 0) m.value += value;
      else m.value = value;
      return S.Ok;
    },
    proxy_get_metric(id, ptr) {
      const m = vm.metricIds.get(id);
      if (!m) return S.NotFound;
      vm.dv().setBigUint64(ptr, BigInt.asUintN(64, m.value), true);
      return S.Ok;
    },
    // WASI, as Envoy implements it.
    random_get(ptr, len) {
      if (len > 65536) return 28; // EINVAL
      randomFillSync(vm.u8(), ptr, len);
      return 0;
    },
    clock_time_get(id, _precision, ptr) {
      if (id !== 0 && id !== 1) return 58; // ENOTSUP
      vm.dv().setBigUint64(ptr, envoy.nowNs, true);
      return 0;
    },
    fd_write(fd, iovs, n, writtenPtr) {
      let total = 0;
      let text = '';
      for (let i = 0; i < n; i++) {
        const p = vm.dv().getUint32(iovs + i * 8, true);
        const l = vm.dv().getUint32(iovs + i * 8 + 4, true);
        text += vm.readStr(p, l);
        total += l;
      }
      envoy.log(vm.name, fd === 2 ? 4 : 2, text.replace(/\n$/, ''));
      vm.writeU32(writtenPtr, total);
      return 0;
    },
    environ_sizes_get(c, s) { vm.writeU32(c, 0); vm.writeU32(s, 0); return 0; },
    environ_get() { return 0; },
    args_sizes_get(c, s) { vm.writeU32(c, 0); vm.writeU32(s, 0); return 0; },
    args_get() { return 0; },
    proc_exit() { envoy.log(vm.name, 4, 'proc_exit called'); },
  };
}

function currentBuffer(vm, type) {
  if (vm.configBuffer && vm.configBuffer.type === type) return vm.configBuffer.bytes;
  if (type === BUF.CALL_BODY && vm.callCtx) return vm.callCtx.body;
  if (type === BUF.REQUEST_BODY && vm.bodyCtx && vm.effectiveStream() === vm.bodyCtx.stream) return vm.bodyCtx.body;
  return null;
}

/** Envoy property paths the filter may read (strings raw, integers 8-byte little-endian). */
function property(envoy, vm, path) {
  const key = path.join('.');
  const s = vm.effectiveStream();
  const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  switch (key) {
    case 'plugin_name': return Buffer.from(envoy.pluginName);
    case 'plugin_root_id': return Buffer.from(envoy.pluginName);
    case 'plugin_vm_id': return Buffer.from(envoy.vmId);
    case 'request.path': return s ? Buffer.from(s.header(':path') ?? '') : undefined;
    case 'request.method': return s ? Buffer.from(s.header(':method') ?? '') : undefined;
    case 'request.host': return s ? Buffer.from(s.header(':authority') ?? '') : undefined;
    case 'request.id': return s ? Buffer.from(`req-${s.id}`) : undefined;
    case 'connection_id': return s ? u64(s.id) : undefined;
    default:
      if (path[0] === 'wasm' || key.startsWith('filter_state')) return s?.filterState?.get(key);
      return undefined;
  }
}

/**
 * Schedules the completion of an HTTP call. `res` from the cluster handler:
 *   { status, headers?, body?, delayMs? }  a response (after delayMs, default 0)
 *   { reset: true, delayMs? }              connection reset: (0 headers, 0 body), status 11
 *   { hang: true }                         never answers (the timeout fires)
 * A response slower than the call's timeout becomes Envoy's 504 "upstream request timeout".
 */
function deliver(envoy, vm, root, token, res, timeoutMs) {
  const delay = res.hang ? Infinity : (res.delayMs ?? 0);
  let at = delay;
  let response = res;
  if (timeoutMs > 0 && delay > timeoutMs) {
    at = timeoutMs;
    response = { status: 504, body: 'upstream request timeout' };
  }
  if (at === Infinity) return; // no timeout configured and no answer: hangs forever
  envoy.schedule(envoy.nowNs + BigInt(Math.round(at * 1e6)), () => {
    if (vm.failed || vm.discarded) return;
    let headers = [];
    let body = Buffer.alloc(0);
    if (response.reset) {
      vm.lastCalloutStatus = { code: Status.BrokenConnection, message: 'reset' };
    } else {
      const b = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      body = Buffer.from(b);
      headers = [[':status', String(response.status)], ['content-length', String(body.length)]];
      for (const [k, v] of Object.entries(response.headers ?? {})) headers.push([k.toLowerCase(), Buffer.from(String(v))]);
      headers = headers.map(([k, v]) => [k, toBuf(v)]);
      vm.lastCalloutStatus = { code: 0, message: '' };
    }
    vm.callCtx = { body, headerMap: { headers, readonly: true }, trailerMap: { headers: [], readonly: true } };
    const streamsBefore = [...envoy.workers.flatMap((wk) => [...wk.streams.values()])];
    const r = vm.call('proxy_on_http_call_response', root, token, headers.length, body.length, 0);
    vm.callCtx = null;
    if (!r.ok) {
      for (const wk of envoy.workers) if (wk.vm === vm) wk.failPaused();
    }
    void streamsBefore;
  });
}
