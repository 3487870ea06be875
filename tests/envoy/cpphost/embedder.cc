// The Envoy-side behaviour over proxy-wasm-cpp-host: what Envoy's context.cc and wasm.cc
// override, and a filter manager for one HTTP filter. The facts each rule follows are cited in
// README.md (Envoy source/extensions/common/wasm/{context,wasm}.cc, source/common/http/
// filter_manager.cc, shared/research/envoy-proxy-wasm.md).
#include "embedder.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "include/proxy-wasm/wamr.h"

using proxy_wasm::FilterDataStatus;
using proxy_wasm::FilterHeadersStatus;
using proxy_wasm::FilterTrailersStatus;
using proxy_wasm::WasmBufferType;
using proxy_wasm::WasmHeaderMapType;
using proxy_wasm::WasmResult;
using proxy_wasm::WasmStreamType;

namespace jwtgate_cpphost {

uint64_t Embedder::instances_ = 0;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Envoy's LowerCaseString lookup: map names are lower-case, the key is lower-cased first.
bool sameName(const std::string &name, std::string_view key) {
  if (name.size() != key.size()) return false;
  for (size_t i = 0; i < key.size(); i++) {
    if (name[i] != std::tolower(static_cast<unsigned char>(key[i]))) return false;
  }
  return true;
}

bool removeAll(Headers &h, std::string_view key) {
  auto end = std::remove_if(h.begin(), h.end(), [&](const auto &e) { return sameName(e.first, key); });
  bool any = end != h.end();
  h.erase(end, h.end());
  return any;
}

const std::string *firstValue(const Headers &h, std::string_view key) {
  for (const auto &e : h) {
    if (sameName(e.first, key)) return &e.second;
  }
  return nullptr;
}

// Envoy's VM integration: failures and traces go to Envoy's log (here: the test's log).
class Integration : public proxy_wasm::WasmVmIntegration {
public:
  Integration(Embedder *e, std::string name) : embedder_(e), name_(std::move(name)) {}
  WasmVmIntegration *clone() override { return new Integration(embedder_, name_); }
  proxy_wasm::LogLevel getLogLevel() override { return proxy_wasm::LogLevel::info; }
  void error(std::string_view message) override {
    embedder_->log(name_, 4, "Wasm VM failed " + std::string(message));
  }
  void trace(std::string_view) override {}
  bool getNullVmFunction(std::string_view, bool, int, proxy_wasm::NullPlugin *, void *) override {
    return false;
  }
  void rename(std::string name) { name_ = std::move(name); }

private:
  Embedder *embedder_;
  std::string name_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Vm (Envoy's Wasm)

Vm::Vm(Embedder *embedder, std::string name, std::unique_ptr<proxy_wasm::WasmVm> vm,
       std::string_view vm_id, std::string_view vm_configuration, std::string_view vm_key)
    : WasmBase(std::move(vm), vm_id, vm_configuration, vm_key, {}, {}), embedder_(embedder),
      name_(std::move(name)), serial_(embedder->nextSerial()) {}

Vm::Vm(Embedder *embedder, std::string name,
       const std::shared_ptr<proxy_wasm::WasmHandleBase> &base,
       const proxy_wasm::WasmVmFactory &factory)
    : WasmBase(base, factory), embedder_(embedder), name_(std::move(name)),
      serial_(embedder->nextSerial()) {
  // A clone's integration is a clone of the base's: give it this VM's name for the logs.
  if (wasm_vm()) static_cast<Integration *>(wasm_vm()->integration().get())->rename(name_);
}

// Envoy's Wasm::setTickPeriod: one timer per root context, re-armed after each tick; 0 stops it.
void Vm::setTimerPeriod(uint32_t root_id, std::chrono::milliseconds period) {
  WasmBase::setTimerPeriod(root_id, period);
  if (period.count() == 0) {
    timers.erase(root_id);
    return;
  }
  timers[root_id] = {static_cast<uint64_t>(period.count()),
                     embedder_->opts.now_ns + static_cast<uint64_t>(period.count()) * 1000000};
}

void Vm::error(std::string_view message) { embedder_->log(name_, 4, std::string(message)); }

// ---------------------------------------------------------------------------------------------
// Context (Envoy's Context)

Context::Context(Vm *wasm) : ContextBase(wasm) {}
Context::Context(Vm *wasm, const std::shared_ptr<proxy_wasm::PluginBase> &plugin)
    : ContextBase(wasm, plugin) {}
Context::Context(Vm *wasm, uint32_t root_id,
                 const std::shared_ptr<proxy_wasm::PluginHandleBase> &handle, Stream *stream)
    : ContextBase(wasm, root_id, handle), stream_(stream) {
  allow_on_headers_stop_iteration_ = wasm->embedder()->opts.allow_on_headers_stop_iteration;
}

Vm *Context::vm() const { return static_cast<Vm *>(wasm_); }

// Envoy logs library errors at trace level; ContextBase's default aborts the process.
void Context::error(std::string_view message) { vm()->embedder()->log(vm()->name(), 0, std::string(message)); }

WasmResult Context::unimplemented() {
  vm()->embedder()->unimplemented.push_back("unimplemented proxy-wasm API");
  return WasmResult::Unimplemented;
}

WasmResult Context::log(uint32_t level, std::string_view message) {
  if (vm()->embedder()->takeTrap("proxy_log")) return WasmResult::InternalFailure;
  if (level > 5) return WasmResult::BadArgument;
  auto *e = vm()->embedder();
  if (level >= e->opts.log_level) e->log(vm()->name(), level, std::string(message));
  return WasmResult::Ok;
}

uint32_t Context::getLogLevel() { return vm()->embedder()->opts.log_level; }
uint64_t Context::getCurrentTimeNanoseconds() { return vm()->embedder()->opts.now_ns; }
uint64_t Context::getMonotonicTimeNanoseconds() { return vm()->embedder()->opts.now_ns; }

// The plugin configuration comes from the temporary plugin, set only around on_configure (and
// on_context_create of the root); otherwise this is the VM configuration.
std::string_view Context::getConfiguration() {
  if (temp_plugin_) return temp_plugin_->plugin_configuration_;
  return wasm_->vm_configuration();
}

// Callout status lives on the root context, which owns every HTTP call.
std::pair<uint32_t, std::string_view> Context::getStatus() {
  auto *root = rootContext();
  return {root->status_code_, root->status_message_};
}

proxy_wasm::BufferInterface *Context::getBuffer(WasmBufferType type) {
  switch (type) {
  case WasmBufferType::VmConfiguration:
    return buffer_.set(wasm_->vm_configuration());
  case WasmBufferType::PluginConfiguration:
    if (temp_plugin_) return buffer_.set(temp_plugin_->plugin_configuration_);
    return nullptr;
  case WasmBufferType::HttpRequestBody:
    if (stream_ && stream_->body_available && stream_->body) return buffer_.set(*stream_->body);
    return nullptr;
  case WasmBufferType::HttpCallResponseBody:
    // Served from the root context, whichever context is effective (the SDK switches to the
    // stream's context before its on_http_call_response reads the body).
    if (auto *r = rootContext()->call_response_) return buffer_.set(r->body);
    return nullptr;
  default:
    return nullptr;
  }
}

WasmResult Context::setTimerPeriod(std::chrono::milliseconds period, uint32_t *token) {
  if (vm()->embedder()->takeTrap("proxy_set_tick_period_milliseconds")) return WasmResult::InternalFailure;
  return ContextBase::setTimerPeriod(period, token);
}

bool Context::endOfStream(WasmStreamType) { return stream_ ? stream_->end_of_stream : true; }

// Envoy's httpCall: the cluster must exist, :path, :method and :authority must be present, the
// call belongs to this (root) context and gets a token from the VM.
WasmResult Context::httpCall(std::string_view cluster, const proxy_wasm::Pairs &headers,
                             std::string_view body, const proxy_wasm::Pairs &, int timeout_ms,
                             uint32_t *token_ptr) {
  auto *e = vm()->embedder();
  if (e->takeTrap("proxy_http_call")) return WasmResult::InternalFailure;
  if (timeout_ms < 0) return WasmResult::BadArgument;
  Callout c;
  c.vm_serial = vm()->serial();
  c.vm_name = vm()->name();
  c.root_id = rootContext()->id();
  c.cluster = std::string(cluster);
  for (const auto &p : headers) c.headers.emplace_back(lower(p.first), std::string(p.second));
  c.body = std::string(body);
  c.timeout_ms = timeout_ms;
  if (!e->opts.clusters.count(c.cluster)) {
    c.refused = "unknown cluster";
    e->callouts.push_back(std::move(c));
    return WasmResult::BadArgument;
  }
  if (!firstValue(c.headers, ":path") || !firstValue(c.headers, ":method") ||
      !firstValue(c.headers, ":authority")) {
    c.refused = "missing pseudo-header";
    e->callouts.push_back(std::move(c));
    return WasmResult::BadArgument;
  }
  c.token = wasm_->nextHttpCallId();
  *token_ptr = c.token;
  e->callouts.push_back(std::move(c));
  return WasmResult::Ok;
}

// Stats: ids are the VM's (WasmBase hands them out per type), values are shared by name across
// every VM, as Envoy's stats scope is.
WasmResult Context::defineMetric(uint32_t type, std::string_view name, uint32_t *id) {
  if (vm()->embedder()->takeTrap("proxy_define_metric")) return WasmResult::InternalFailure;
  if (type > static_cast<uint32_t>(proxy_wasm::MetricType::Max)) return WasmResult::BadArgument;
  auto *v = vm();
  uint32_t metric_id = type == 0 ? v->nextCounterMetricId()
                       : type == 1 ? v->nextGaugeMetricId()
                                   : v->nextHistogramMetricId();
  std::string n(name);
  auto &m = v->embedder()->metrics[n];
  m.type = type;
  v->metric_names[metric_id] = n;
  *id = metric_id;
  return WasmResult::Ok;
}

WasmResult Context::incrementMetric(uint32_t id, int64_t offset) {
  if (vm()->embedder()->takeTrap("proxy_increment_metric")) return WasmResult::InternalFailure;
  auto *v = vm();
  auto it = v->metric_names.find(id);
  auto type = id & proxy_wasm::WasmBase::kMetricTypeMask;
  if (type == 2) return WasmResult::BadArgument;
  if (it == v->metric_names.end()) return WasmResult::NotFound;
  auto &m = v->embedder()->metrics[it->second];
  if (type == 0 && offset <= 0) return WasmResult::BadArgument;
  m.value += offset;
  return WasmResult::Ok;
}

WasmResult Context::recordMetric(uint32_t id, uint64_t value) {
  auto *v = vm();
  auto it = v->metric_names.find(id);
  if (it == v->metric_names.end()) return WasmResult::NotFound;
  auto &m = v->embedder()->metrics[it->second];
  if ((id & proxy_wasm::WasmBase::kMetricTypeMask) == 0) m.value += static_cast<int64_t>(value);
  else m.value = static_cast<int64_t>(value);
  return WasmResult::Ok;
}

WasmResult Context::getMetric(uint32_t id, uint64_t *value) {
  auto *v = vm();
  if ((id & proxy_wasm::WasmBase::kMetricTypeMask) == 2) return WasmResult::BadArgument;
  auto it = v->metric_names.find(id);
  if (it == v->metric_names.end()) return WasmResult::NotFound;
  *value = static_cast<uint64_t>(v->embedder()->metrics[it->second].value);
  return WasmResult::Ok;
}

// The few property paths the filter may read (Envoy's encodings: strings raw, ints LE u64).
WasmResult Context::getProperty(std::string_view path, std::string *result) {
  std::string key(path);
  std::replace(key.begin(), key.end(), '\0', '.');
  auto *e = vm()->embedder();
  auto *s = stream_;
  auto header = [&](const char *n) -> WasmResult {
    if (!s) return WasmResult::NotFound;
    auto *v = firstValue(s->headers, n);
    *result = v ? *v : "";
    return WasmResult::Ok;
  };
  if (key == "plugin_name" || key == "plugin_root_id") return *result = e->opts.plugin_name, WasmResult::Ok;
  if (key == "plugin_vm_id") return *result = e->opts.vm_id, WasmResult::Ok;
  if (key == "request.path") return header(":path");
  if (key == "request.method") return header(":method");
  if (key == "request.host") return header(":authority");
  if (key == "request.id") {
    if (!s) return WasmResult::NotFound;
    *result = "req-" + std::to_string(s->id);
    return WasmResult::Ok;
  }
  if (key == "connection_id") {
    if (!s) return WasmResult::NotFound;
    uint64_t id = s->id;
    result->assign(reinterpret_cast<const char *>(&id), sizeof(id));
    return WasmResult::Ok;
  }
  if (s && (key.rfind("wasm.", 0) == 0 || key.rfind("filter_state.", 0) == 0)) {
    auto it = s->filter_state.find(key.rfind("filter_state.", 0) == 0 ? key.substr(13) : key);
    if (it == s->filter_state.end()) return WasmResult::NotFound;
    *result = it->second;
    return WasmResult::Ok;
  }
  return WasmResult::NotFound;
}

// Envoy's setProperty: filter state of the stream, under "wasm."; no stream → NotFound.
WasmResult Context::setProperty(std::string_view key, std::string_view value) {
  if (!stream_) return WasmResult::NotFound;
  stream_->filter_state["wasm." + std::string(key)] = std::string(value);
  return WasmResult::Ok;
}

// continueDecoding is deferred until the VM call returns; the request map is gone at once.
WasmResult Context::continueStream(WasmStreamType type) {
  if (vm()->embedder()->takeTrap("proxy_continue_stream")) return WasmResult::InternalFailure;
  if (!stream_) return WasmResult::NotFound;
  if (type != WasmStreamType::Request) return type == WasmStreamType::Response ? WasmResult::Ok : WasmResult::BadArgument;
  Stream *s = stream_;
  s->headers_available = false;
  s->body_available = false;
  s->trailers_available = false;
  Embedder *e = vm()->embedder();
  wasm_->addAfterVmCallAction([e, s] { e->resume(*s); });
  return WasmResult::Ok;
}

WasmResult Context::closeStream(WasmStreamType) {
  if (stream_ && stream_->state != State::Replied) stream_->state = State::Reset;
  return WasmResult::Ok;
}

// sendLocalReply, deferred until the VM call returns; header names lower-cased.
WasmResult Context::sendLocalResponse(uint32_t status, std::string_view body,
                                      proxy_wasm::Pairs headers, uint32_t, std::string_view details) {
  if (vm()->embedder()->takeTrap("proxy_send_local_response")) return WasmResult::InternalFailure;
  if (!stream_) return WasmResult::BadArgument;
  Reply r;
  r.status = status;
  r.body = std::string(body);
  for (const auto &p : headers) r.headers.emplace_back(lower(p.first), std::string(p.second));
  // Envoy's local reply: whitespace in details becomes '_'; a body gets a content type.
  r.details = std::string(details);
  for (auto &c : r.details) if (std::isspace(static_cast<unsigned char>(c))) c = '_';
  if (!r.body.empty() && !firstValue(r.headers, "content-type")) r.headers.emplace_back("content-type", "text/plain");
  r.headers.emplace_back("content-length", std::to_string(r.body.size()));
  Stream *s = stream_;
  Embedder *e = vm()->embedder();
  wasm_->addAfterVmCallAction([e, s, r = std::move(r)]() mutable { e->applyReply(*s, std::move(r)); });
  return WasmResult::Ok;
}

// A VM failure during a stream callback: Envoy answers that stream 503 (wasm_fail_stream).
void Context::failStream(WasmStreamType type) {
  if (!stream_ || type != WasmStreamType::Request) return;
  if (stream_->state == State::Replied) return;
  stream_->reply = Reply{503, {}, "", "wasm_fail_stream"};
  stream_->state = State::Replied;
  stream_->headers_available = false;
}

// Shared data: the library's own store (Envoy does not override it), keyed by the VM id.
WasmResult Context::getSharedData(std::string_view key, std::pair<std::string, uint32_t> *data) {
  if (vm()->embedder()->takeTrap("proxy_get_shared_data")) return WasmResult::InternalFailure;
  return ContextBase::getSharedData(key, data);
}
WasmResult Context::setSharedData(std::string_view key, std::string_view value, uint32_t cas) {
  if (vm()->embedder()->takeTrap("proxy_set_shared_data")) return WasmResult::InternalFailure;
  return ContextBase::setSharedData(key, value, cas);
}

// The map a header-map hostcall names, or null where Envoy has none: the request map only while
// the filter holds the request, HTTP-call maps from the root context during its response.
Headers *Context::mapOf(WasmHeaderMapType type, bool writable) {
  static Headers empty;
  switch (type) {
  case WasmHeaderMapType::RequestHeaders:
    return stream_ && stream_->headers_available ? &stream_->headers : nullptr;
  case WasmHeaderMapType::RequestTrailers:
    return stream_ && stream_->trailers_available && stream_->trailers ? &*stream_->trailers : nullptr;
  case WasmHeaderMapType::HttpCallResponseHeaders:
  case WasmHeaderMapType::HttpCallResponseTrailers:
    if (writable) return nullptr;
    if (auto *r = rootContext()->call_response_) {
      empty.clear();
      return type == WasmHeaderMapType::HttpCallResponseHeaders ? const_cast<Headers *>(&r->headers) : &empty;
    }
    return nullptr;
  default:
    return nullptr;
  }
}

WasmResult Context::addHeaderMapValue(WasmHeaderMapType type, std::string_view key, std::string_view value) {
  if (vm()->embedder()->takeTrap("proxy_add_header_map_value")) return WasmResult::InternalFailure;
  auto *m = mapOf(type, true);
  if (!m) return WasmResult::BadArgument;
  m->emplace_back(lower(key), std::string(value));
  return WasmResult::Ok;
}

WasmResult Context::getHeaderMapValue(WasmHeaderMapType type, std::string_view key, std::string_view *result) {
  if (vm()->embedder()->takeTrap("proxy_get_header_map_value")) return WasmResult::InternalFailure;
  auto *m = mapOf(type, false);
  if (!m) return WasmResult::BadArgument;
  auto *v = firstValue(*m, key);
  if (!v) return WasmResult::NotFound;
  *result = *v;
  return WasmResult::Ok;
}

WasmResult Context::getHeaderMapPairs(WasmHeaderMapType type, proxy_wasm::Pairs *result) {
  if (vm()->embedder()->takeTrap("proxy_get_header_map_pairs")) return WasmResult::InternalFailure;
  auto *m = mapOf(type, false);
  if (!m) return WasmResult::BadArgument;
  result->clear();
  for (const auto &e : *m) result->emplace_back(e.first, e.second);
  return WasmResult::Ok;
}

WasmResult Context::setHeaderMapPairs(WasmHeaderMapType type, const proxy_wasm::Pairs &pairs) {
  if (vm()->embedder()->takeTrap("proxy_set_header_map_pairs")) return WasmResult::InternalFailure;
  auto *m = mapOf(type, true);
  if (!m) return WasmResult::BadArgument;
  Headers next;
  for (const auto &p : pairs) next.emplace_back(lower(p.first), std::string(p.second));
  *m = std::move(next);
  return WasmResult::Ok;
}

WasmResult Context::removeHeaderMapValue(WasmHeaderMapType type, std::string_view key) {
  if (vm()->embedder()->takeTrap("proxy_remove_header_map_value")) return WasmResult::InternalFailure;
  auto *m = mapOf(type, true);
  if (!m) return WasmResult::BadArgument;
  removeAll(*m, key);
  return WasmResult::Ok;
}

// Envoy's setCopy (since 1.16): every entry of that name is removed, then one is added.
WasmResult Context::replaceHeaderMapValue(WasmHeaderMapType type, std::string_view key, std::string_view value) {
  if (vm()->embedder()->takeTrap("proxy_replace_header_map_value")) return WasmResult::InternalFailure;
  auto *m = mapOf(type, true);
  if (!m) return WasmResult::BadArgument;
  removeAll(*m, key);
  m->emplace_back(lower(key), std::string(value));
  return WasmResult::Ok;
}

// Envoy returns the map's byte size (names and values).
WasmResult Context::getHeaderMapSize(WasmHeaderMapType type, uint32_t *result) {
  auto *m = mapOf(type, false);
  if (!m) return WasmResult::BadArgument;
  size_t n = 0;
  for (const auto &e : *m) n += e.first.size() + e.second.size();
  *result = static_cast<uint32_t>(n);
  return WasmResult::Ok;
}

// ---------------------------------------------------------------------------------------------
// Embedder

Embedder::Embedder(Options o) : opts(std::move(o)) {
  shared_vm_id = opts.vm_id + "#" + std::to_string(++instances_);
}

Embedder::~Embedder() {
  // Streams first (their contexts point into the VMs), then plugins, then VMs.
  streams_.clear();
  for (auto &w : workers) {
    w.plugin_handle.reset();
    w.handle.reset();
  }
  base_.reset();
}

std::unique_ptr<proxy_wasm::WasmVm> Embedder::newWamrVm(const std::string &name) {
  auto vm = proxy_wasm::createWamrVm();
  vm->integration().reset(new Integration(this, name));
  return vm;
}

std::string Embedder::load() {
  // Envoy's createWasm: a base VM (load, ABI detection, linking, _initialize/main under the
  // start-up restrictions), then a canary clone that must accept the plugin configuration.
  plugin_ = std::make_shared<proxy_wasm::PluginBase>(opts.plugin_name, opts.plugin_name, shared_vm_id,
                                                     "wamr", opts.config, false, "");
  // vm_key: unique per embedder, so no two test Envoys share a base VM or a canary verdict.
  std::string vm_key = proxy_wasm::makeVmKey(shared_vm_id, opts.vm_config, opts.wasm);
  auto factory = [this](std::string_view key) -> std::shared_ptr<proxy_wasm::WasmHandleBase> {
    auto vm = std::make_shared<Vm>(this, "base", newWamrVm("base"), shared_vm_id, opts.vm_config, key);
    return std::make_shared<proxy_wasm::WasmHandleBase>(vm);
  };
  auto clone = [this](std::shared_ptr<proxy_wasm::WasmHandleBase> base) -> std::shared_ptr<proxy_wasm::WasmHandleBase> {
    std::string name = pending_name_;
    auto vm = std::make_shared<Vm>(this, name, base, [this, name] { return newWamrVm(name); });
    return std::make_shared<proxy_wasm::WasmHandleBase>(vm);
  };
  pending_name_ = "canary";
  size_t logs_before = logs.size();
  base_ = proxy_wasm::createWasm(vm_key, opts.wasm, plugin_, factory, clone, false);
  if (!base_) {
    // Envoy refuses the filter; say why: the canary's verdict, or the library's first error
    // (linking, ABI version, start-up).
    bool canary = false;
    std::string reason;
    for (size_t i = logs_before; i < logs.size(); i++) {
      canary = canary || logs[i].vm == "canary";
      if (reason.empty() && logs[i].level >= 4) reason = logs[i].msg;
    }
    std::string msg = "Unable to create Wasm HTTP filter: ";
    msg += canary ? "plugin configuration rejected by the canary" : reason.empty() ? "the module failed to load" : reason;
    log("main", 4, msg);
    return msg;
  }
  for (int i = 0; i < opts.workers; i++) {
    Worker w;
    w.index = i;
    pending_name_ = "worker" + std::to_string(i);
    w.unfiltered = !createWorkerVm(w, pending_name_);
    workers.push_back(std::move(w));
  }
  return "";
}

// The per-worker steps of the library's getOrCreateThreadLocalPlugin (clone, initialize, start,
// configure, plugin handle), done here because all workers share one thread in this process.
bool Embedder::createWorkerVm(Worker &w, const std::string &name) {
  pending_name_ = name;
  auto vm = std::make_shared<Vm>(this, name, base_, [this, name] { return newWamrVm(name); });
  auto handle = std::make_shared<proxy_wasm::WasmHandleBase>(vm);
  w.handle = handle;
  w.vm = vm.get();
  w.plugin_handle.reset();
  if (!vm->initialize()) return false;
  auto *root = vm->start(plugin_);
  if (!root || !vm->configure(root, plugin_)) {
    // Envoy: a worker whose on_configure fails after the canary passed has no filter.
    log(name, 4, "worker VM rejected a configuration the canary accepted");
    return false;
  }
  w.root_id = root->id();
  w.plugin_handle = std::make_shared<proxy_wasm::PluginHandleBase>(handle, plugin_);
  Vm *raw = vm.get();
  vm->wasm_vm()->addFailCallback([this, raw](proxy_wasm::FailState) {
    if (raw->failed_at_ns == 0) raw->failed_at_ns = opts.now_ns;
  });
  return true;
}

uint64_t Embedder::request(int wi, Headers headers, std::optional<std::string> body,
                           std::optional<Headers> trailers, uint32_t codec_status) {
  auto owned = std::make_unique<Stream>();
  Stream &s = *owned;
  s.id = next_stream_id_++;
  s.worker = wi;
  s.headers = std::move(headers);
  s.body = std::move(body);
  s.trailers = std::move(trailers);
  streams_[s.id] = std::move(owned);
  Worker &w = workers.at(wi);
  if (w.unfiltered) {
    s.unfiltered = true;
    s.state = State::Continued;
    return s.id;
  }
  if (w.vm->isFailed()) {
    // FAIL_RELOAD: a fresh VM after the reload back-off; inside it (and with FAIL_CLOSED) 503.
    uint64_t backoff = opts.reload_backoff_ms * 1000000;
    if (opts.failure_policy == "FAIL_RELOAD" && opts.now_ns >= w.vm->failed_at_ns + backoff) {
      log("worker" + std::to_string(wi), 2, "reloading failed Wasm VM");
      // Envoy keeps the failed VM until its streams drain; this model keeps it alive with them.
      std::string name = "worker" + std::to_string(wi) + ".reload";
      if (w.reloads++) name += std::to_string(w.reloads);
      retired_.push_back({w.handle, w.plugin_handle});
      createWorkerVm(w, name);
    }
    if (w.vm->isFailed() || !w.plugin_handle) {
      s.state = State::Replied;
      s.reply = Reply{503, {}, "", "wasm_fail_stream"};
      return s.id;
    }
  }
  s.context = std::make_unique<Context>(w.vm, w.root_id, w.plugin_handle, &s);
  s.context->onCreate();
  if (codec_status) {
    // The codec refused the request (bad bytes, too large): the filter never sees its headers.
    s.state = State::Replied;
    s.reply = Reply{codec_status, {}, "", "codec_error"};
    return s.id;
  }
  s.state = State::Headers;
  s.headers_available = true;
  s.in_headers_callback = true;
  s.end_of_stream = !s.body && !s.trailers;
  auto status = s.context->onRequestHeaders(static_cast<uint32_t>(s.headers.size()), s.end_of_stream);
  s.in_headers_callback = false;
  afterHeaders(s, status);
  return s.id;
}

// Envoy's filter manager after decodeHeaders returned.
void Embedder::afterHeaders(Stream &s, FilterHeadersStatus status) {
  if (s.state == State::Replied || s.state == State::Reset) return;
  s.body_pending = s.body.has_value();
  s.trailers_pending = s.trailers.has_value();
  if (status == FilterHeadersStatus::Continue || status == FilterHeadersStatus::ContinueAndEndStream ||
      s.continue_requested) {
    s.headers_available = false;
    s.state = State::Continued;
    deliverBodyAndTrailers(s);
    return;
  }
  s.state = State::Paused;
  s.headers_stopped = true;
  // StopIteration (only with allow_on_headers_stop_iteration): the body still reaches this
  // filter; StopAllIteration*: body and trailers wait until the filter continues.
  s.stop_all = status != FilterHeadersStatus::StopIteration;
  if (!s.stop_all) deliverBodyAndTrailers(s);
}

// decodeData / decodeTrailers for this filter. A Continue from either while the headers are
// stopped releases the whole request upstream (Envoy's filter manager continues the headers).
void Embedder::deliverBodyAndTrailers(Stream &s) {
  auto released = [&](bool cont) {
    if (!cont) return;
    if (s.state == State::Paused && s.headers_stopped) {
      // The headers go upstream as they are now. Envoy keeps the filter's request_headers_
      // (only a headers Continue or continueStream clears it): later edits succeed but arrive
      // nowhere.
      s.headers_stopped = false;
      s.upstream_headers = s.headers;
      s.state = State::Continued;
      s.leaked = true;
    }
  };
  if (s.body_pending) {
    s.body_pending = false;
    s.body_available = true;
    s.end_of_stream = !s.trailers;
    auto st = s.context->onRequestBody(static_cast<uint32_t>(s.body->size()), s.end_of_stream);
    if (s.state == State::Replied || s.state == State::Reset) return;
    bool cont = st == FilterDataStatus::Continue;
    if (cont) s.body_available = false;
    s.body_stopped = !cont;
    released(cont);
    if (!cont && s.state == State::Continued) {
      // Headers went on, the body is held: the request waits for the filter to continue.
      s.state = State::Paused;
    }
  }
  if (s.trailers_pending) {
    s.trailers_pending = false;
    s.trailers_available = true;
    s.end_of_stream = true;
    auto st = s.context->onRequestTrailers(static_cast<uint32_t>(s.trailers->size()));
    s.trailers_available = false;
    if (s.state == State::Replied || s.state == State::Reset) return;
    bool cont = st == FilterTrailersStatus::Continue;
    if (cont && s.body_stopped && !s.headers_stopped) {
      s.body_stopped = false;
      s.state = State::Continued;
    }
    released(cont);
    if (!cont && s.state == State::Continued) s.state = State::Paused;
  }
}

// continueDecoding: the stopped request goes on; held body and trailers now reach the filter.
void Embedder::resume(Stream &s) {
  if (s.in_headers_callback) {
    s.continue_requested = true;
    return;
  }
  if (s.state != State::Paused) return;
  s.headers_stopped = false;
  s.headers_available = false;
  s.body_stopped = false;
  s.state = State::Continued;
  if (s.stop_all) {
    s.stop_all = false;
    deliverBodyAndTrailers(s);
  }
}

void Embedder::applyReply(Stream &s, Reply r) {
  if (s.state == State::Replied || s.state == State::Reset || s.finished) return;
  s.reply = std::move(r);
  s.state = State::Replied;
  s.headers_available = false;
}

// Envoy's stream end: access log (on_log), then on_done and on_delete; the context goes.
void Embedder::finish(uint64_t id) {
  Stream *s = stream(id);
  if (!s || s->finished) return;
  if (s->context) {
    s->context->onLog();
    s->context->onDone();
    s->context->onDelete();
    s->context.reset();
  }
  if (s->state == State::Paused || s->state == State::Headers) s->state = State::Reset;
  s->finished = true;
}

void Embedder::deliver(uint64_t vm_serial, uint32_t root_id, uint32_t token, bool reset,
                       Headers headers, std::string body) {
  for (auto &w : workers) {
    if (!w.vm || w.vm->serial() != vm_serial || w.vm->isFailed()) continue;
    auto *root = static_cast<Context *>(w.vm->getContext(root_id));
    if (!root) return;
    Context::CallResponse response{std::move(headers), std::move(body)};
    if (reset) {
      // Envoy's onHttpCallFailure: BrokenConnection, "reset", no headers and no body.
      root->status_code_ = static_cast<uint32_t>(WasmResult::BrokenConnection);
      root->status_message_ = "reset";
      root->onHttpCallResponse(token, 0, 0, 0);
    } else {
      root->status_code_ = 0;
      root->status_message_.clear();
      root->call_response_ = &response;
      root->onHttpCallResponse(token, static_cast<uint32_t>(response.headers.size()),
                               static_cast<uint32_t>(response.body.size()), 0);
      root->call_response_ = nullptr;
    }
    return;
  }
}

std::optional<std::tuple<uint64_t, int, uint32_t>> Embedder::nextTick() const {
  std::optional<std::tuple<uint64_t, int, uint32_t>> best;
  for (const auto &w : workers) {
    if (!w.vm || w.vm->isFailed() || !w.plugin_handle) continue;
    for (const auto &[root, t] : w.vm->timers) {
      if (!best || t.next_ns < std::get<0>(*best)) best = std::make_tuple(t.next_ns, w.index, root);
    }
  }
  return best;
}

// Envoy's tickHandler: re-arm, then on_tick on the root context.
void Embedder::tick(int wi, uint32_t root_id) {
  auto &w = workers.at(wi);
  auto it = w.vm->timers.find(root_id);
  if (it == w.vm->timers.end()) return;
  it->second.next_ns = opts.now_ns + it->second.period_ms * 1000000;
  if (auto *root = w.vm->getContext(root_id)) root->onTick(0);
}

}  // namespace jwtgate_cpphost
