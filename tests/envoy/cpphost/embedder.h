// An Envoy-style embedder of proxy-wasm-cpp-host (Envoy's own proxy-wasm host library) on the
// WAMR runtime, for the filter's scenario tests. The library does what Envoy delegates to it:
// module loading, ABI detection, import linking, the context lifecycle, memory marshalling, the
// base VM, the canary and the per-worker clones. This file adds what Envoy's
// source/extensions/common/wasm/{wasm,context}.cc add on top, with Envoy's semantics (see
// README.md in this folder), and a small model of the rest of Envoy the filter can observe:
// workers, a filter manager for one HTTP filter, clusters answered by the test, a virtual clock.
//
// Everything is driven synchronously by the Node addon (addon.cc); nothing here calls JS.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "include/proxy-wasm/wasm.h"

namespace jwtgate_cpphost {

using Headers = std::vector<std::pair<std::string, std::string>>;

class Embedder;
class Vm;

/** A local reply as the client sees it. */
struct Reply {
  uint32_t status = 0;
  Headers headers;
  std::string body;
  std::string details;
};

/** Where a stream stands, as the tests read it (the stand-in's vocabulary). */
enum class State { Headers, Paused, Continued, Replied, Reset };

class Context;

/** One HTTP stream through the filter: its header map, body, trailers and fate. */
struct Stream {
  uint64_t id = 0;
  int worker = 0;
  Headers headers;            // the request header map (names lower-case)
  std::optional<Headers> upstream_headers;  // what went upstream, when released by a leak
  std::optional<std::string> body;
  std::optional<Headers> trailers;
  State state = State::Headers;
  std::optional<Reply> reply;
  bool unfiltered = false;    // the worker has no plugin (on_configure failed there)
  bool leaked = false;        // released upstream by a body/trailers Continue while headers stopped
  // Filter-manager bookkeeping.
  bool headers_available = false;  // Envoy's request_headers_ is set
  bool headers_stopped = false;    // headers callback returned a stop status
  bool stop_all = false;           // ... and it was StopAllIteration*: body/trailers are held
  bool in_headers_callback = false;
  bool continue_requested = false;
  bool body_pending = false, trailers_pending = false;
  bool body_available = false, trailers_available = false;
  bool body_stopped = false;
  bool end_of_stream = false;
  bool finished = false;
  std::map<std::string, std::string> filter_state;  // proxy_set_property, "wasm." prefixed
  std::unique_ptr<Context> context;
};

/** An HTTP call the filter dispatched, for the test's cluster handler to answer. */
struct Callout {
  uint64_t vm_serial = 0;  // the VM whose root context owns the call
  std::string vm_name;
  uint32_t root_id = 0;
  uint32_t token = 0;
  std::string cluster;
  Headers headers;
  std::string body;
  int64_t timeout_ms = 0;
  std::string refused;  // "unknown cluster" | "missing pseudo-header" | "" (dispatched)
};

struct LogLine {
  std::string vm;
  uint32_t level;
  std::string msg;
};

struct Metric {
  uint32_t type = 0;
  int64_t value = 0;
};

/** Envoy's Context (context.cc): the host side of one root or stream context. */
class Context : public proxy_wasm::ContextBase {
public:
  Context(Vm *wasm);                                                         // VM context
  Context(Vm *wasm, const std::shared_ptr<proxy_wasm::PluginBase> &plugin);  // root context
  Context(Vm *wasm, uint32_t root_id, const std::shared_ptr<proxy_wasm::PluginHandleBase> &handle,
          Stream *stream);                                                   // stream context

  Vm *vm() const;
  Context *rootContext() const { return static_cast<Context *>(root_context()); }
  Stream *stream() const { return stream_; }

  // The HTTP call response being delivered to this (root) context.
  struct CallResponse {
    Headers headers;
    std::string body;
  };
  const CallResponse *call_response_ = nullptr;
  uint32_t status_code_ = 0;
  std::string status_message_;

  void error(std::string_view message) override;
  proxy_wasm::WasmResult unimplemented() override;
  proxy_wasm::WasmResult log(uint32_t level, std::string_view message) override;
  uint32_t getLogLevel() override;
  uint64_t getCurrentTimeNanoseconds() override;
  uint64_t getMonotonicTimeNanoseconds() override;
  std::string_view getConfiguration() override;
  std::pair<uint32_t, std::string_view> getStatus() override;
  proxy_wasm::BufferInterface *getBuffer(proxy_wasm::WasmBufferType type) override;
  bool endOfStream(proxy_wasm::WasmStreamType type) override;
  proxy_wasm::WasmResult setTimerPeriod(std::chrono::milliseconds period, uint32_t *token) override;

  proxy_wasm::WasmResult httpCall(std::string_view cluster, const proxy_wasm::Pairs &headers,
                                  std::string_view body, const proxy_wasm::Pairs &trailers,
                                  int timeout_ms, uint32_t *token_ptr) override;

  proxy_wasm::WasmResult defineMetric(uint32_t type, std::string_view name, uint32_t *id) override;
  proxy_wasm::WasmResult incrementMetric(uint32_t id, int64_t offset) override;
  proxy_wasm::WasmResult recordMetric(uint32_t id, uint64_t value) override;
  proxy_wasm::WasmResult getMetric(uint32_t id, uint64_t *value) override;

  proxy_wasm::WasmResult getProperty(std::string_view path, std::string *result) override;
  proxy_wasm::WasmResult setProperty(std::string_view key, std::string_view value) override;

  proxy_wasm::WasmResult continueStream(proxy_wasm::WasmStreamType type) override;
  proxy_wasm::WasmResult closeStream(proxy_wasm::WasmStreamType type) override;
  proxy_wasm::WasmResult sendLocalResponse(uint32_t status, std::string_view body,
                                           proxy_wasm::Pairs headers, uint32_t grpc_status,
                                           std::string_view details) override;
  void clearRouteCache() override {}
  void failStream(proxy_wasm::WasmStreamType type) override;

  proxy_wasm::WasmResult getSharedData(std::string_view key,
                                       std::pair<std::string, uint32_t> *data) override;
  proxy_wasm::WasmResult setSharedData(std::string_view key, std::string_view value,
                                       uint32_t cas) override;

  proxy_wasm::WasmResult addHeaderMapValue(proxy_wasm::WasmHeaderMapType type,
                                           std::string_view key, std::string_view value) override;
  proxy_wasm::WasmResult getHeaderMapValue(proxy_wasm::WasmHeaderMapType type,
                                           std::string_view key,
                                           std::string_view *result) override;
  proxy_wasm::WasmResult getHeaderMapPairs(proxy_wasm::WasmHeaderMapType type,
                                           proxy_wasm::Pairs *result) override;
  proxy_wasm::WasmResult setHeaderMapPairs(proxy_wasm::WasmHeaderMapType type,
                                           const proxy_wasm::Pairs &pairs) override;
  proxy_wasm::WasmResult removeHeaderMapValue(proxy_wasm::WasmHeaderMapType type,
                                              std::string_view key) override;
  proxy_wasm::WasmResult replaceHeaderMapValue(proxy_wasm::WasmHeaderMapType type,
                                               std::string_view key,
                                               std::string_view value) override;
  proxy_wasm::WasmResult getHeaderMapSize(proxy_wasm::WasmHeaderMapType type,
                                          uint32_t *result) override;

private:
  Headers *mapOf(proxy_wasm::WasmHeaderMapType type, bool writable);
  Stream *stream_ = nullptr;
  proxy_wasm::BufferBase buffer_;
};

/** Envoy's Wasm (wasm.cc): one VM, with its name in the logs and its timers. */
class Vm : public proxy_wasm::WasmBase {
public:
  Vm(Embedder *embedder, std::string name, std::unique_ptr<proxy_wasm::WasmVm> vm,
     std::string_view vm_id, std::string_view vm_configuration, std::string_view vm_key);
  Vm(Embedder *embedder, std::string name,
     const std::shared_ptr<proxy_wasm::WasmHandleBase> &base,
     const proxy_wasm::WasmVmFactory &factory);

  Embedder *embedder() const { return embedder_; }
  const std::string &name() const { return name_; }
  uint64_t serial() const { return serial_; }

  proxy_wasm::ContextBase *createVmContext() override { return new Context(this); }
  proxy_wasm::ContextBase *
  createRootContext(const std::shared_ptr<proxy_wasm::PluginBase> &plugin) override {
    return new Context(this, plugin);
  }
  proxy_wasm::ContextBase *
  createContext(const std::shared_ptr<proxy_wasm::PluginBase> &plugin) override {
    return new Context(this, plugin);
  }
  void setTimerPeriod(uint32_t root_id, std::chrono::milliseconds period) override;
  proxy_wasm::CallOnThreadFunction callOnThreadFunction() override {
    return [](const std::function<void()> &f) { f(); };
  }
  void error(std::string_view message) override;

  struct Timer {
    uint64_t period_ms = 0;
    uint64_t next_ns = 0;
  };
  std::map<uint32_t, Timer> timers;           // root context id → its tick
  std::unordered_map<uint32_t, std::string> metric_names;  // per-VM id → stat name
  uint64_t failed_at_ns = 0;

private:
  Embedder *embedder_;
  std::string name_;
  uint64_t serial_;
};

/** One worker thread: its VM (replaced on FAIL_RELOAD), its plugin handle and root context. */
struct Worker {
  int index = 0;
  std::shared_ptr<proxy_wasm::WasmHandleBase> handle;
  std::shared_ptr<proxy_wasm::PluginHandleBase> plugin_handle;
  Vm *vm = nullptr;
  uint32_t root_id = 0;
  bool unfiltered = false;
  int reloads = 0;
};

/** The Envoy around the filter: configuration, VMs, streams, clusters, stats, logs, clock. */
class Embedder {
public:
  struct Options {
    std::string wasm, config, vm_config, plugin_name = "jwtgate", vm_id = "jwtgate";
    int workers = 2;
    std::string failure_policy = "FAIL_CLOSED";
    uint64_t now_ns = 0;
    uint32_t log_level = 1;
    std::set<std::string> clusters;
    bool allow_on_headers_stop_iteration = false;
    uint64_t reload_backoff_ms = 1000;
  };
  explicit Embedder(Options o);
  ~Embedder();

  /** Loads the module (base VM, canary, workers) as Envoy does; the error, or "" when loaded. */
  std::string load();

  uint64_t request(int worker, Headers headers, std::optional<std::string> body,
                   std::optional<Headers> trailers, uint32_t codec_status);
  void finish(uint64_t id);
  void forget(uint64_t id) { streams_.erase(id); }
  Stream *stream(uint64_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }
  /** Delivers an HTTP call's outcome to its root context: headers/body, or a reset. */
  void deliver(uint64_t vm_serial, uint32_t root_id, uint32_t token, bool reset, Headers headers,
               std::string body);
  /** The earliest armed tick: (at, worker, root id). */
  std::optional<std::tuple<uint64_t, int, uint32_t>> nextTick() const;
  void tick(int worker, uint32_t root_id);

  // Envoy-wide state the contexts reach.
  Options opts;
  std::string shared_vm_id;  // the library's shared-data key: unique per embedder (test isolation)
  std::vector<LogLine> logs;
  std::vector<Callout> callouts;
  std::vector<std::string> unimplemented;
  std::map<std::string, Metric> metrics;
  std::vector<Worker> workers;
  std::string trap_next;
  bool takeTrap(const char *hostcall) {
    if (trap_next != hostcall) return false;
    trap_next.clear();
    return true;
  }
  void log(const std::string &vm, uint32_t level, std::string msg) {
    logs.push_back({vm, level, std::move(msg)});
  }
  uint64_t nextSerial() { return ++serial_; }
  std::unique_ptr<proxy_wasm::WasmVm> newWamrVm(const std::string &name);

  // Filter manager.
  void afterHeaders(Stream &s, proxy_wasm::FilterHeadersStatus status);
  void deliverBodyAndTrailers(Stream &s);
  void resume(Stream &s);
  void applyReply(Stream &s, Reply r);

private:
  bool createWorkerVm(Worker &w, const std::string &name);
  std::shared_ptr<proxy_wasm::WasmHandleBase> base_;
  std::shared_ptr<proxy_wasm::PluginBase> plugin_;
  std::string pending_name_ = "base";
  std::unordered_map<uint64_t, std::unique_ptr<Stream>> streams_;
  // Failed VMs replaced by FAIL_RELOAD, kept while streams may still point into them.
  std::vector<std::pair<std::shared_ptr<proxy_wasm::WasmHandleBase>,
                        std::shared_ptr<proxy_wasm::PluginHandleBase>>> retired_;
  uint64_t next_stream_id_ = 1000;
  uint64_t serial_ = 0;
  static uint64_t instances_;
};

}  // namespace jwtgate_cpphost
