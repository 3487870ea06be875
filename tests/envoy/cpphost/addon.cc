// Node-API bindings of the embedder: a synchronous API for host.mjs's CppEnvoy. Only data
// crosses here (no JS is called from C++): the JS side drains logs and HTTP calls after each call
// and answers the calls through `deliver`.
#include <node_api.h>

#include <cstring>
#include <string>

#include "embedder.h"
#include "src/shared_data.h"

using jwtgate_cpphost::Embedder;
using jwtgate_cpphost::Headers;
using jwtgate_cpphost::State;

namespace {

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, nullptr, "cpphost addon: " #call " failed");                          \
      return nullptr;                                                                              \
    }                                                                                              \
  } while (0)

struct Args {
  napi_value v[8];
  size_t n = 8;
};

Args args(napi_env env, napi_callback_info info) {
  Args a;
  napi_get_cb_info(env, info, &a.n, a.v, nullptr, nullptr);
  return a;
}

// A string or a Buffer, as bytes.
bool bytes(napi_env env, napi_value v, std::string *out) {
  bool is_buffer = false;
  napi_is_buffer(env, v, &is_buffer);
  if (is_buffer) {
    void *data;
    size_t len;
    if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) return false;
    out->assign(static_cast<const char *>(data), len);
    return true;
  }
  size_t len;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->resize(len + 1);
  napi_get_value_string_utf8(env, v, out->data(), len + 1, &len);
  out->resize(len);
  return true;
}

napi_value str(napi_env env, std::string_view s) {
  napi_value v;
  napi_create_string_latin1(env, s.data(), s.size(), &v);
  return v;
}

napi_value buf(napi_env env, std::string_view s) {
  napi_value v;
  void *data;
  napi_create_buffer_copy(env, s.size(), s.data(), &data, &v);
  return v;
}

napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

napi_value big(napi_env env, int64_t i) {
  napi_value v;
  napi_create_bigint_int64(env, i, &v);
  return v;
}

napi_value boolean(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

void set(napi_env env, napi_value o, const char *k, napi_value v) { napi_set_named_property(env, o, k, v); }

napi_value get(napi_env env, napi_value o, const char *k) {
  napi_value v;
  napi_get_named_property(env, o, k, &v);
  return v;
}

bool isNullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_undefined || t == napi_null;
}

// [[name, value], ...] with names lower-cased by the caller and values strings or Buffers.
bool readHeaders(napi_env env, napi_value arr, Headers *out) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return false;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e, k, v;
    napi_get_element(env, arr, i, &e);
    napi_get_element(env, e, 0, &k);
    napi_get_element(env, e, 1, &v);
    std::string ks, vs;
    if (!bytes(env, k, &ks) || !bytes(env, v, &vs)) return false;
    out->emplace_back(std::move(ks), std::move(vs));
  }
  return true;
}

napi_value headersValue(napi_env env, const Headers &h, bool values_as_buffers) {
  napi_value arr;
  napi_create_array_with_length(env, h.size(), &arr);
  for (size_t i = 0; i < h.size(); i++) {
    napi_value pair;
    napi_create_array_with_length(env, 2, &pair);
    napi_set_element(env, pair, 0, str(env, h[i].first));
    napi_set_element(env, pair, 1, values_as_buffers ? buf(env, h[i].second) : str(env, h[i].second));
    napi_set_element(env, arr, i, pair);
  }
  return arr;
}

Embedder *self(napi_env env, napi_value v) {
  void *p = nullptr;
  napi_get_value_external(env, v, &p);
  return static_cast<Embedder *>(p);
}

uint64_t u64(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_bigint) {
    uint64_t r;
    bool lossless;
    napi_get_value_bigint_uint64(env, v, &r, &lossless);
    return r;
  }
  double d;
  napi_get_value_double(env, v, &d);
  return static_cast<uint64_t>(d);
}

// create({ wasm, config, vmConfig, workers, failurePolicy, pluginName, vmId, nowNs, logLevel,
//          clusters, allowOnHeadersStopIteration, reloadBackoffMs }) → handle
napi_value Create(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  napi_value o = a.v[0];
  Embedder::Options opts;
  bytes(env, get(env, o, "wasm"), &opts.wasm);
  bytes(env, get(env, o, "config"), &opts.config);
  bytes(env, get(env, o, "vmConfig"), &opts.vm_config);
  bytes(env, get(env, o, "pluginName"), &opts.plugin_name);
  bytes(env, get(env, o, "vmId"), &opts.vm_id);
  bytes(env, get(env, o, "failurePolicy"), &opts.failure_policy);
  opts.workers = static_cast<int>(u64(env, get(env, o, "workers")));
  opts.now_ns = u64(env, get(env, o, "nowNs"));
  opts.log_level = static_cast<uint32_t>(u64(env, get(env, o, "logLevel")));
  opts.reload_backoff_ms = u64(env, get(env, o, "reloadBackoffMs"));
  bool allow = false;
  napi_get_value_bool(env, get(env, o, "allowOnHeadersStopIteration"), &allow);
  opts.allow_on_headers_stop_iteration = allow;
  napi_value clusters = get(env, o, "clusters");
  uint32_t n = 0;
  napi_get_array_length(env, clusters, &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value c;
    napi_get_element(env, clusters, i, &c);
    std::string s;
    bytes(env, c, &s);
    opts.clusters.insert(s);
  }
  auto *e = new Embedder(std::move(opts));
  napi_value handle;
  CHECK(napi_create_external(env, e, [](napi_env, void *p, void *) { delete static_cast<Embedder *>(p); },
                             nullptr, &handle));
  return handle;
}

napi_value Load(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  auto err = self(env, a.v[0])->load();
  if (err.empty()) {
    napi_value v;
    napi_get_null(env, &v);
    return v;
  }
  return str(env, err);
}

// request(h, worker, headers, body|null, trailers|null, codecStatus) → stream id
napi_value Request(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  int worker = static_cast<int>(u64(env, a.v[1]));
  Headers headers;
  if (!readHeaders(env, a.v[2], &headers)) {
    napi_throw_type_error(env, nullptr, "headers: [[name, string|Buffer]]");
    return nullptr;
  }
  std::optional<std::string> body;
  if (!isNullish(env, a.v[3])) {
    body.emplace();
    bytes(env, a.v[3], &*body);
  }
  std::optional<Headers> trailers;
  if (!isNullish(env, a.v[4])) {
    trailers.emplace();
    readHeaders(env, a.v[4], &*trailers);
  }
  auto id = e->request(worker, std::move(headers), std::move(body), std::move(trailers),
                       static_cast<uint32_t>(u64(env, a.v[5])));
  return num(env, static_cast<double>(id));
}

const char *stateName(State s) {
  switch (s) {
  case State::Headers: return "headers";
  case State::Paused: return "paused";
  case State::Continued: return "continued";
  case State::Replied: return "replied";
  case State::Reset: return "reset";
  }
  return "?";
}

// stream(h, id) → { state, reply, headers, leaked, held, unfiltered, filterState } (a snapshot)
napi_value StreamInfo(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  auto *s = self(env, a.v[0])->stream(u64(env, a.v[1]));
  napi_value o;
  napi_create_object(env, &o);
  if (!s) return o;
  set(env, o, "state", str(env, stateName(s->state)));
  set(env, o, "leaked", boolean(env, s->leaked));
  set(env, o, "unfiltered", boolean(env, s->unfiltered));
  // What the filter has not been handed yet (null once body and trailers were delivered).
  napi_value held;
  if (s->body_pending || s->trailers_pending) {
    napi_create_object(env, &held);
    napi_value none;
    napi_get_null(env, &none);
    set(env, held, "body", s->body_pending ? buf(env, *s->body) : none);
    set(env, held, "trailers", s->trailers_pending ? headersValue(env, *s->trailers, true) : none);
  } else {
    napi_get_null(env, &held);
  }
  set(env, o, "held", held);
  // The request as the upstream got it.
  set(env, o, "headers", headersValue(env, s->upstream_headers ? *s->upstream_headers : s->headers, true));
  if (s->reply) {
    napi_value r;
    napi_create_object(env, &r);
    set(env, r, "status", num(env, s->reply->status));
    set(env, r, "headers", headersValue(env, s->reply->headers, false));
    set(env, r, "body", buf(env, s->reply->body));
    set(env, r, "details", str(env, s->reply->details));
    set(env, o, "reply", r);
  }
  Headers fs(s->filter_state.begin(), s->filter_state.end());
  set(env, o, "filterState", headersValue(env, fs, true));
  return o;
}

napi_value Finish(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  self(env, a.v[0])->finish(u64(env, a.v[1]));
  return nullptr;
}

napi_value ForgetStream(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  self(env, a.v[0])->forget(u64(env, a.v[1]));
  return nullptr;
}

// drain(h) → { logs: [[vm, level, msg]], callouts: [...], unimplemented: n } since the last drain
napi_value Drain(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  napi_value o, logs, calls;
  napi_create_object(env, &o);
  napi_create_array_with_length(env, e->logs.size(), &logs);
  for (size_t i = 0; i < e->logs.size(); i++) {
    napi_value l;
    napi_create_array_with_length(env, 3, &l);
    napi_set_element(env, l, 0, str(env, e->logs[i].vm));
    napi_set_element(env, l, 1, num(env, e->logs[i].level));
    // Log text is UTF-8 (the filter's messages).
    napi_value m;
    napi_create_string_utf8(env, e->logs[i].msg.data(), e->logs[i].msg.size(), &m);
    napi_set_element(env, l, 2, m);
    napi_set_element(env, logs, i, l);
  }
  e->logs.clear();
  napi_create_array_with_length(env, e->callouts.size(), &calls);
  for (size_t i = 0; i < e->callouts.size(); i++) {
    const auto &c = e->callouts[i];
    napi_value r;
    napi_create_object(env, &r);
    set(env, r, "vmSerial", num(env, static_cast<double>(c.vm_serial)));
    set(env, r, "vm", str(env, c.vm_name));
    set(env, r, "rootId", num(env, c.root_id));
    set(env, r, "token", num(env, c.token));
    set(env, r, "cluster", str(env, c.cluster));
    set(env, r, "headers", headersValue(env, c.headers, false));
    set(env, r, "body", buf(env, c.body));
    set(env, r, "timeoutMs", num(env, static_cast<double>(c.timeout_ms)));
    if (!c.refused.empty()) set(env, r, "refused", str(env, c.refused));
    napi_set_element(env, calls, i, r);
  }
  e->callouts.clear();
  set(env, o, "logs", logs);
  set(env, o, "callouts", calls);
  set(env, o, "unimplemented", num(env, static_cast<double>(e->unimplemented.size())));
  e->unimplemented.clear();
  return o;
}

// deliver(h, vmSerial, rootId, token, reset, headers, body)
napi_value Deliver(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  bool reset = false;
  napi_get_value_bool(env, a.v[4], &reset);
  Headers headers;
  readHeaders(env, a.v[5], &headers);
  std::string body;
  bytes(env, a.v[6], &body);
  self(env, a.v[0])->deliver(u64(env, a.v[1]), static_cast<uint32_t>(u64(env, a.v[2])),
                             static_cast<uint32_t>(u64(env, a.v[3])), reset, std::move(headers),
                             std::move(body));
  return nullptr;
}

// nextTick(h) → [atNs (BigInt), worker, rootId] | null
napi_value NextTick(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  auto t = self(env, a.v[0])->nextTick();
  napi_value v;
  if (!t) {
    napi_get_null(env, &v);
    return v;
  }
  napi_create_array_with_length(env, 3, &v);
  napi_value at;
  napi_create_bigint_uint64(env, std::get<0>(*t), &at);
  napi_set_element(env, v, 0, at);
  napi_set_element(env, v, 1, num(env, std::get<1>(*t)));
  napi_set_element(env, v, 2, num(env, std::get<2>(*t)));
  return v;
}

napi_value Tick(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  self(env, a.v[0])->tick(static_cast<int>(u64(env, a.v[1])), static_cast<uint32_t>(u64(env, a.v[2])));
  return nullptr;
}

napi_value Now(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  napi_value v;
  napi_create_bigint_uint64(env, self(env, a.v[0])->opts.now_ns, &v);
  return v;
}

napi_value SetNow(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  self(env, a.v[0])->opts.now_ns = u64(env, a.v[1]);
  return nullptr;
}

// setOption(h, name, value): failurePolicy (string), trapNext (string | null)
napi_value SetOption(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  std::string name, value;
  bytes(env, a.v[1], &name);
  if (!isNullish(env, a.v[2])) bytes(env, a.v[2], &value);
  if (name == "failurePolicy") e->opts.failure_policy = value;
  else if (name == "trapNext") e->trap_next = value;
  return nullptr;
}

// workers(h) → [{ serial, name, failed, failure, rootId, unfiltered, memoryBytes, ticks: [[root, periodMs]] }]
napi_value Workers(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  napi_value arr;
  napi_create_array_with_length(env, e->workers.size(), &arr);
  for (size_t i = 0; i < e->workers.size(); i++) {
    const auto &w = e->workers[i];
    napi_value o, ticks;
    napi_create_object(env, &o);
    set(env, o, "serial", num(env, w.vm ? static_cast<double>(w.vm->serial()) : 0));
    set(env, o, "name", str(env, w.vm ? w.vm->name() : ""));
    set(env, o, "failed", boolean(env, w.vm && w.vm->isFailed()));
    set(env, o, "rootId", num(env, w.root_id));
    set(env, o, "unfiltered", boolean(env, w.unfiltered));
    set(env, o, "memoryBytes",
        num(env, w.vm && w.vm->wasm_vm() ? static_cast<double>(w.vm->wasm_vm()->getMemorySize()) : 0));
    napi_create_array(env, &ticks);
    uint32_t k = 0;
    if (w.vm) {
      for (const auto &[root, t] : w.vm->timers) {
        napi_value p;
        napi_create_array_with_length(env, 2, &p);
        napi_set_element(env, p, 0, num(env, root));
        napi_set_element(env, p, 1, num(env, static_cast<double>(t.period_ms)));
        napi_set_element(env, ticks, k++, p);
      }
    }
    set(env, o, "ticks", ticks);
    napi_set_element(env, arr, i, o);
  }
  return arr;
}

// metrics(h) → [[name, type, value (BigInt)]]
napi_value Metrics(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  napi_value arr;
  napi_create_array_with_length(env, e->metrics.size(), &arr);
  uint32_t i = 0;
  for (const auto &[name, m] : e->metrics) {
    napi_value p;
    napi_create_array_with_length(env, 3, &p);
    napi_set_element(env, p, 0, str(env, name));
    napi_set_element(env, p, 1, num(env, m.type));
    napi_set_element(env, p, 2, big(env, m.value));
    napi_set_element(env, arr, i++, p);
  }
  return arr;
}

// Shared data, through the library's store under this embedder's VM id.
// sharedKeys(h) → [key]; sharedGet(h, key) → { value: Buffer, cas } | null; sharedSet(h, key, value)
napi_value SharedKeys(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  std::vector<std::string> keys;
  proxy_wasm::getGlobalSharedData().keys(e->shared_vm_id, &keys);
  napi_value arr;
  napi_create_array_with_length(env, keys.size(), &arr);
  for (size_t i = 0; i < keys.size(); i++) napi_set_element(env, arr, i, str(env, keys[i]));
  return arr;
}

napi_value SharedGet(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  std::string key;
  bytes(env, a.v[1], &key);
  std::pair<std::string, uint32_t> data;
  napi_value o;
  if (proxy_wasm::getGlobalSharedData().get(e->shared_vm_id, key, &data) != proxy_wasm::WasmResult::Ok) {
    napi_get_null(env, &o);
    return o;
  }
  napi_create_object(env, &o);
  set(env, o, "value", buf(env, data.first));
  set(env, o, "cas", num(env, data.second));
  return o;
}

napi_value SharedSet(napi_env env, napi_callback_info info) {
  auto a = args(env, info);
  Embedder *e = self(env, a.v[0]);
  std::string key, value;
  bytes(env, a.v[1], &key);
  bytes(env, a.v[2], &value);
  proxy_wasm::getGlobalSharedData().set(e->shared_vm_id, key, value, 0);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  struct Fn {
    const char *name;
    napi_callback cb;
  } fns[] = {{"create", Create},       {"load", Load},           {"request", Request},
             {"stream", StreamInfo},   {"finish", Finish},       {"forget", ForgetStream},
             {"drain", Drain},         {"deliver", Deliver},     {"nextTick", NextTick},
             {"tick", Tick},           {"now", Now},             {"setNow", SetNow},
             {"setOption", SetOption}, {"workers", Workers},     {"metrics", Metrics},
             {"sharedKeys", SharedKeys}, {"sharedGet", SharedGet}, {"sharedSet", SharedSet}};
  for (const auto &f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
