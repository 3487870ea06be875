//! What the filter asks of its host, as one small trait: the request headers and the answer of
//! the effective stream, the `proxy_http_call` for remote keys, Envoy's shared data, the clock,
//! logs, metrics and the plugin configuration. The filter's logic (`filter`, `jwks`,
//! `metrics`) is written against [`Host`], so it runs natively against a mock host in the unit
//! tests; [`Proxy`] is the one implementation over the proxy-wasm SDK's `hostcalls`, and the
//! only code that calls them.
//!
//! The calls keep the ABI's model: stream calls act on the *effective* context, which the host
//! sets before each callback and [`Host::set_effective_stream`] moves to a paused stream; call
//! results are readable only inside the completion callback. Results the filter ignores on the
//! real host (a header edit on a stream that is gone) are not returned.

use alloc::string::String;
use alloc::vec::Vec;

pub use proxy_wasm::types::{LogLevel, Status};

/// The host calls the Envoy filter makes.
pub trait Host {
    /// The plugin configuration bytes (empty when the host has none).
    fn plugin_configuration(&self) -> Vec<u8>;
    /// Asks for `on_tick` every `period_ms` milliseconds.
    fn set_tick_period(&self, period_ms: u64);
    /// The host clock in milliseconds since the epoch (0 when the host has no clock).
    fn now_ms(&self) -> u64;
    /// Writes one log line.
    fn log(&self, level: LogLevel, message: &str);
    /// Whether the host logs at debug level or below (so a debug line is worth formatting).
    fn logs_debug(&self) -> bool;
    /// Defines a counter; `None` when the host refuses it.
    fn define_counter(&self, name: &str) -> Option<u32>;
    /// Adds one to a counter.
    fn increment_counter(&self, id: u32);

    /// Makes stream `id` the effective context; `false` when it is gone.
    fn set_effective_stream(&self, id: u32) -> bool;
    /// The effective stream's request headers, values as bytes (never trapping on non-UTF-8).
    fn request_headers(&self) -> Vec<(String, Vec<u8>)>;
    /// Sets a request header on the effective stream.
    fn set_request_header(&self, name: &str, value: &[u8]);
    /// Removes a request header from the effective stream.
    fn remove_request_header(&self, name: &str);
    /// Sets filter state (`wasm.<name>` in Envoy) on the effective stream.
    fn set_filter_state(&self, name: &str, value: &[u8]);
    /// Answers the effective stream locally.
    fn send_local_reply(&self, status: u32, headers: &[(&str, &str)], body: &[u8]);
    /// Resumes the effective stream's paused request.
    fn resume_request(&self);

    /// Dispatches a body-less HTTP call through `cluster`; the token routes its completion.
    fn dispatch_call(
        &self,
        cluster: &str,
        headers: &[(&str, &str)],
        timeout_ms: u64,
    ) -> Result<u32, Status>;
    /// The `:status` of the call response being delivered (empty when absent).
    fn call_response_status(&self) -> Vec<u8>;
    /// The first `len` bytes of the call response body being delivered.
    fn call_response_body(&self, len: usize) -> Vec<u8>;

    /// A shared-data value and its compare-and-swap token (`(None, None)` when absent).
    fn shared_get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), Status>;
    /// Writes a shared-data value; with `cas`, only if the value is still the one read.
    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), Status>;
}

#[cfg(target_arch = "wasm32")]
pub use proxy::Proxy;

#[cfg(target_arch = "wasm32")]
mod proxy {
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::time::Duration;

    use proxy_wasm::hostcalls;
    use proxy_wasm::types::{BufferType, LogLevel, MapType, MetricType, Status};

    use super::Host;

    /// The host Envoy (or any proxy-wasm host) provides, through the SDK's `hostcalls`.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Proxy;

    impl Host for Proxy {
        fn plugin_configuration(&self) -> Vec<u8> {
            hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
                .ok()
                .flatten()
                .unwrap_or_default()
        }

        fn set_tick_period(&self, period_ms: u64) {
            let _ = hostcalls::set_tick_period(Duration::from_millis(period_ms));
        }

        fn now_ms(&self) -> u64 {
            match hostcalls::get_current_time() {
                // Whole seconds and milliseconds apart: `as_millis` is a `u128`, which wasm
                // emulates.
                Ok(t) => t
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| {
                        d.as_secs()
                            .saturating_mul(1000)
                            .saturating_add(u64::from(d.subsec_millis()))
                    })
                    .unwrap_or(0),
                Err(_) => 0,
            }
        }

        fn log(&self, level: LogLevel, message: &str) {
            let _ = hostcalls::log(level, message);
        }

        fn logs_debug(&self) -> bool {
            matches!(hostcalls::get_log_level(), Ok(LogLevel::Trace | LogLevel::Debug))
        }

        fn define_counter(&self, name: &str) -> Option<u32> {
            hostcalls::define_metric(MetricType::Counter, name).ok()
        }

        fn increment_counter(&self, id: u32) {
            let _ = hostcalls::increment_metric(id, 1);
        }

        fn set_effective_stream(&self, id: u32) -> bool {
            hostcalls::set_effective_context(id).is_ok()
        }

        fn request_headers(&self) -> Vec<(String, Vec<u8>)> {
            hostcalls::get_map_bytes(MapType::HttpRequestHeaders).unwrap_or_default()
        }

        fn set_request_header(&self, name: &str, value: &[u8]) {
            let _ = hostcalls::set_map_value_bytes(MapType::HttpRequestHeaders, name, Some(value));
        }

        fn remove_request_header(&self, name: &str) {
            let _ = hostcalls::remove_map_value(MapType::HttpRequestHeaders, name);
        }

        fn set_filter_state(&self, name: &str, value: &[u8]) {
            let _ = hostcalls::set_property(alloc::vec![name], Some(value));
        }

        fn send_local_reply(&self, status: u32, headers: &[(&str, &str)], body: &[u8]) {
            let _ = hostcalls::send_http_response(status, headers.to_vec(), Some(body));
        }

        fn resume_request(&self) {
            let _ = hostcalls::resume_http_request();
        }

        fn dispatch_call(
            &self,
            cluster: &str,
            headers: &[(&str, &str)],
            timeout_ms: u64,
        ) -> Result<u32, Status> {
            let timeout = Duration::from_millis(timeout_ms);
            hostcalls::dispatch_http_call(cluster, headers.to_vec(), None, alloc::vec![], timeout)
        }

        fn call_response_status(&self) -> Vec<u8> {
            hostcalls::get_map_value_bytes(MapType::HttpCallResponseHeaders, ":status")
                .ok()
                .flatten()
                .unwrap_or_default()
        }

        fn call_response_body(&self, len: usize) -> Vec<u8> {
            hostcalls::get_buffer(BufferType::HttpCallResponseBody, 0, len)
                .ok()
                .flatten()
                .unwrap_or_default()
        }

        fn shared_get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), Status> {
            hostcalls::get_shared_data(key)
        }

        fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), Status> {
            hostcalls::set_shared_data(key, Some(value), cas)
        }
    }
}
