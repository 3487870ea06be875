//! The proxy-wasm callbacks: each one hands its arguments to the filter's [`Root`] or [`Http`]
//! over the real host ([`Proxy`]). Nothing is decided here, so the filter's logic is what the
//! native tests run.

use alloc::boxed::Box;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};

use super::filter::{Http, Root};
use super::host::Proxy;

/// The root-context factory registered in `_initialize`.
pub fn new_root(id: u32) -> Box<dyn RootContext> {
    Box::new(Root::new(id, Proxy))
}

impl Context for Root<Proxy> {
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        num_headers: usize,
        body_size: usize,
        _: usize,
    ) {
        self.call_response(token_id, num_headers, body_size);
    }
}

impl RootContext for Root<Proxy> {
    fn on_configure(&mut self, _size: usize) -> bool {
        self.configure()
    }

    fn on_tick(&mut self) {
        self.tick();
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(self.stream(context_id)))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

impl Context for Http<Proxy> {
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        num_headers: usize,
        body_size: usize,
        _: usize,
    ) {
        self.call_response(token_id, num_headers, body_size);
    }
}

impl HttpContext for Http<Proxy> {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        self.request_headers()
    }

    fn on_http_request_body(&mut self, _body_size: usize, _end_of_stream: bool) -> Action {
        self.after_headers()
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        self.after_headers()
    }
}
