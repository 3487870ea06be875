//! Native tests of the filter's logic (`filter`, `jwks`, `metrics`) against a mock host: what a
//! proxy sees (local replies, header edits, resumes, dispatched calls, shared data, logs,
//! counters) for requests driven through the same `Root`/`Http` methods the proxy-wasm
//! callbacks call. The mock keeps the ABI's rules that matter to the filter: calls act on the
//! effective context, a stream that is gone cannot be made effective, shared data has Envoy's
//! compare-and-swap, counters are process-wide. What only a real host shows (the ABI itself,
//! Envoy's callback order, traps) stays with `tests/envoy/` on the V8 stand-in and
//! proxy-wasm-cpp-host.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use proxy_wasm::types::Action;

use super::filter::{Http, Root};
use super::host::{Host, LogLevel, Status};

const SAMPLE_NOW_MS: u64 = 1_767_225_900_000;
const ROOT_ID: u32 = 1;

fn sample(name: &str) -> &'static str {
    match name {
        "jwks" => include_str!("../../tests/fixtures/sample/jwks.json"),
        "token" => include_str!("../../tests/fixtures/sample/token.jwt"),
        "role" => include_str!("../../tests/fixtures/sample/role.json"),
        _ => include_str!("../../tests/fixtures/sample/policy.hcl"),
    }
}

/// Keys without the sample token's `kid` (a rotated set).
const OTHER_JWKS: &str = include_str!("../../tests/vectors/minted/jwks.json");

/// The bundled sample (Nomad → Vault tutorial) as the plugin configuration, as
/// `src/gate/tests.rs` builds it: `keys` is `"jwks": …` or `"remote_jwks": …`.
fn sample_config(keys: &str, extra: &str) -> String {
    let policy = serde_json::to_string(sample("policy")).unwrap();
    format!(
        r#"{{"providers":[{{"name":"nomad",{keys},
            "claim_to_headers":[{{"header_name":"x-nomad-job","claim_name":"nomad_job_id"}}],
            "vault":{{"role":{},"role_name":"nomad-workloads",
            "policies":[{{"name":"nomad-workloads","policy":{policy}}}]}}}}]{extra}}}"#,
        sample("role")
    )
}

fn inline_config() -> String {
    sample_config(&format!(r#""jwks":{}"#, sample("jwks")), "")
}

/// A remote JWKS through cluster `c`; `remote` adds members to `remote_jwks`.
fn remote_config(remote: &str, extra: &str) -> String {
    sample_config(
        &format!(
            r#""remote_jwks":{{"cluster":"c","authority":"nomad.example:4646","path":"/jwks"{remote}}}"#
        ),
        extra,
    )
}

const NO_RETRIES: &str =
    r#","retry":{"num_retries":0,"base_interval_ms":100,"max_interval_ms":1000}"#;
const MONGO: &str = "/v1/kv/data/default/mongo/config";
const REDIS: &str = "/v1/kv/data/default/redis/config";

// ---------------------------------------------------------------------------------------------
// The mock host.

/// What every VM of one proxy process shares: the clock, shared data and the counters.
#[derive(Default)]
struct Process {
    now_ms: Cell<u64>,
    /// Shared data: value and its CAS token.
    data: RefCell<BTreeMap<String, (Vec<u8>, u32)>>,
    cas: Cell<u32>,
    /// Another VM's write landing right after the next read of a key ending in the given
    /// suffix (a compare-and-swap race).
    race: RefCell<Option<(String, Vec<u8>)>>,
    /// Counters by name; a name defined by several VMs is one counter, as in Envoy.
    counters: RefCell<Vec<(String, u64)>>,
}

impl Process {
    fn new() -> Rc<Process> {
        let p = Process::default();
        p.now_ms.set(SAMPLE_NOW_MS);
        Rc::new(p)
    }

    fn advance(&self, ms: u64) {
        self.now_ms.set(self.now_ms.get() + ms);
    }

    fn write(&self, key: &str, value: &[u8]) {
        self.cas.set(self.cas.get() + 1);
        self.data.borrow_mut().insert(key.to_string(), (value.to_vec(), self.cas.get()));
    }

    fn counter(&self, name: &str) -> u64 {
        self.counters.borrow().iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Reply {
    status: u32,
    headers: Vec<(String, String)>,
    body: String,
}

/// One stream as the proxy sees it.
#[derive(Default)]
struct Stream {
    headers: Vec<(String, Vec<u8>)>,
    reply: Option<Reply>,
    resumed: usize,
    filter_state: Vec<(String, Vec<u8>)>,
    gone: bool,
}

#[derive(Clone, Debug)]
struct Call {
    token: u32,
    cluster: String,
    headers: Vec<(String, String)>,
    timeout_ms: u64,
}

/// One VM's side of the host.
#[derive(Default)]
struct VmHost {
    config: Vec<u8>,
    logs: Vec<(LogLevel, String)>,
    debug: bool,
    tick_ms: Option<u64>,
    streams: BTreeMap<u32, Stream>,
    effective: u32,
    calls: Vec<Call>,
    /// The call response being delivered: `:status` and body.
    response: Option<(Vec<u8>, Vec<u8>)>,
    /// Calls on a stream that is gone (the real host would refuse them).
    misdirected: usize,
    /// The clusters the proxy knows.
    clusters: Vec<String>,
}

#[derive(Clone)]
struct Mock {
    process: Rc<Process>,
    vm: Rc<RefCell<VmHost>>,
}

impl Mock {
    fn on_stream(&self, f: impl FnOnce(&mut Stream)) {
        let mut vm = self.vm.borrow_mut();
        let id = vm.effective;
        match vm.streams.get_mut(&id) {
            Some(s) if !s.gone => f(s),
            _ => vm.misdirected += 1,
        }
    }
}

impl Host for Mock {
    fn plugin_configuration(&self) -> Vec<u8> {
        self.vm.borrow().config.clone()
    }

    fn set_tick_period(&self, period_ms: u64) {
        self.vm.borrow_mut().tick_ms = Some(period_ms);
    }

    fn now_ms(&self) -> u64 {
        self.process.now_ms.get()
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.vm.borrow_mut().logs.push((level, message.to_string()));
    }

    fn logs_debug(&self) -> bool {
        self.vm.borrow().debug
    }

    fn define_counter(&self, name: &str) -> Option<u32> {
        let mut counters = self.process.counters.borrow_mut();
        let i = match counters.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                counters.push((name.to_string(), 0));
                counters.len() - 1
            }
        };
        u32::try_from(i).ok()
    }

    fn increment_counter(&self, id: u32) {
        if let Some((_, v)) = self.process.counters.borrow_mut().get_mut(id as usize) {
            *v += 1;
        }
    }

    fn set_effective_stream(&self, id: u32) -> bool {
        let mut vm = self.vm.borrow_mut();
        if vm.streams.get(&id).is_some_and(|s| !s.gone) {
            vm.effective = id;
            true
        } else {
            false
        }
    }

    fn request_headers(&self) -> Vec<(String, Vec<u8>)> {
        let vm = self.vm.borrow();
        vm.streams.get(&vm.effective).map(|s| s.headers.clone()).unwrap_or_default()
    }

    fn set_request_header(&self, name: &str, value: &[u8]) {
        self.on_stream(|s| {
            s.headers.retain(|(n, _)| n != name);
            s.headers.push((name.to_string(), value.to_vec()));
        });
    }

    fn remove_request_header(&self, name: &str) {
        self.on_stream(|s| s.headers.retain(|(n, _)| n != name));
    }

    fn set_filter_state(&self, name: &str, value: &[u8]) {
        self.on_stream(|s| s.filter_state.push((name.to_string(), value.to_vec())));
    }

    fn send_local_reply(&self, status: u32, headers: &[(&str, &str)], body: &[u8]) {
        let reply = Reply {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: String::from_utf8(body.to_vec()).unwrap(),
        };
        self.on_stream(|s| {
            assert!(s.reply.is_none(), "a second local reply on one stream");
            s.reply = Some(reply);
        });
    }

    fn resume_request(&self) {
        self.on_stream(|s| s.resumed += 1);
    }

    fn dispatch_call(
        &self,
        cluster: &str,
        headers: &[(&str, &str)],
        timeout_ms: u64,
    ) -> Result<u32, Status> {
        if !self.vm.borrow().clusters.iter().any(|c| c == cluster) {
            // Envoy's answer for a cluster it does not know.
            return Err(Status::BadArgument);
        }
        let mut vm = self.vm.borrow_mut();
        let token = 100 + u32::try_from(vm.calls.len()).unwrap();
        vm.calls.push(Call {
            token,
            cluster: cluster.to_string(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            timeout_ms,
        });
        Ok(token)
    }

    fn call_response_status(&self) -> Vec<u8> {
        self.vm.borrow().response.as_ref().map(|r| r.0.clone()).unwrap_or_default()
    }

    fn call_response_body(&self, len: usize) -> Vec<u8> {
        let vm = self.vm.borrow();
        let body = vm.response.as_ref().map(|r| r.1.as_slice()).unwrap_or_default();
        body.get(..len).unwrap_or(body).to_vec()
    }

    fn shared_get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), Status> {
        let found = self.process.data.borrow().get(key).cloned();
        let race = self.process.race.borrow_mut().take_if(|(suffix, _)| key.ends_with(&**suffix));
        if let Some((_, v)) = race {
            self.process.write(key, &v);
        }
        Ok(match found {
            Some((v, cas)) => (Some(v), Some(cas)),
            None => (None, None),
        })
    }

    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), Status> {
        // Envoy: a CAS token is checked only against an existing value.
        let current = self.process.data.borrow().get(key).map(|(_, c)| *c);
        if let (Some(want), Some(have)) = (cas, current) {
            if want != have {
                return Err(Status::CasMismatch);
            }
        }
        self.process.write(key, value);
        Ok(())
    }
}

/// One worker VM: its root context, its open streams and its side of the host.
struct Vm {
    host: Mock,
    root: Root<Mock>,
    streams: BTreeMap<u32, Http<Mock>>,
    next_stream: u32,
}

impl Vm {
    /// A VM in `process` configured with `config`; `configure` tells whether it was accepted.
    fn with(process: &Rc<Process>, config: &str) -> (Vm, bool) {
        // The proxy knows every cluster the configuration names.
        let clusters = serde_json::from_str::<serde_json::Value>(config)
            .ok()
            .and_then(|c| c["providers"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p["remote_jwks"]["cluster"].as_str().map(String::from))
            .collect();
        let vm = Rc::new(RefCell::new(VmHost {
            config: config.as_bytes().to_vec(),
            clusters,
            ..VmHost::default()
        }));
        let host = Mock { process: Rc::clone(process), vm };
        let mut root = Root::new(ROOT_ID, host.clone());
        host.vm.borrow_mut().effective = ROOT_ID;
        let ok = root.configure();
        (Vm { host, root, streams: BTreeMap::new(), next_stream: 2 }, ok)
    }

    fn new(process: &Rc<Process>, config: &str) -> Vm {
        let (vm, ok) = Vm::with(process, config);
        assert!(ok, "refused: {:?}", vm.host.vm.borrow().logs);
        vm
    }

    /// A new stream with `GET path`, the token (if any) as a bearer token and a client's copy
    /// of the claim header; returns its id and the headers callback's action.
    fn request(&mut self, path: &str, token: Option<&str>) -> (u32, Action) {
        let mut headers = vec![
            (String::from(":method"), b"GET".to_vec()),
            (String::from(":path"), path.as_bytes().to_vec()),
            (String::from(":authority"), b"vault.example".to_vec()),
            (String::from("x-nomad-job"), b"injected".to_vec()),
        ];
        if let Some(t) = token {
            headers.push((String::from("authorization"), format!("Bearer {}", t.trim()).into()));
        }
        self.send(headers)
    }

    /// A new stream with these request headers; returns its id and the headers callback's
    /// action.
    fn send(&mut self, headers: Vec<(String, Vec<u8>)>) -> (u32, Action) {
        let id = self.next_stream;
        self.next_stream += 1;
        self.host.vm.borrow_mut().streams.insert(id, Stream { headers, ..Stream::default() });
        let mut http = self.root.stream(id);
        self.host.vm.borrow_mut().effective = id;
        let action = http.request_headers();
        self.streams.insert(id, http);
        (id, action)
    }

    /// The client goes away: the host destroys the stream's context.
    fn close(&mut self, id: u32) {
        if let Some(s) = self.host.vm.borrow_mut().streams.get_mut(&id) {
            s.gone = true;
        }
        drop(self.streams.remove(&id));
    }

    /// Delivers the response of call `token` (status and body) to the root context.
    fn respond(&mut self, token: u32, status: &str, body: &str) {
        let len = body.len();
        {
            let mut vm = self.host.vm.borrow_mut();
            vm.response = Some((status.as_bytes().to_vec(), body.as_bytes().to_vec()));
            vm.effective = ROOT_ID;
        }
        self.root.call_response(token, 1, len);
        self.host.vm.borrow_mut().response = None;
    }

    fn tick(&mut self) {
        self.host.vm.borrow_mut().effective = ROOT_ID;
        self.root.tick();
    }

    fn calls(&self) -> Vec<Call> {
        self.host.vm.borrow().calls.clone()
    }

    fn last_call(&self) -> u32 {
        self.calls().last().expect("a dispatched call").token
    }

    fn reply(&self, id: u32) -> Option<Reply> {
        self.host.vm.borrow().streams.get(&id).and_then(|s| s.reply.clone())
    }

    fn resumed(&self, id: u32) -> usize {
        self.host.vm.borrow().streams.get(&id).map_or(0, |s| s.resumed)
    }

    /// The stream's request headers as they go upstream (values as text).
    fn headers(&self, id: u32) -> Vec<(String, String)> {
        let vm = self.host.vm.borrow();
        vm.streams[&id]
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    fn header(&self, id: u32, name: &str) -> Option<String> {
        self.headers(id).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The body and trailers callbacks' answer for stream `id`.
    fn after_headers(&self, id: u32) -> Action {
        self.streams[&id].after_headers()
    }

    fn logs(&self) -> Vec<(LogLevel, String)> {
        self.host.vm.borrow().logs.clone()
    }

    fn logged(&self, level: LogLevel, line: &str) -> bool {
        self.logs().iter().any(|(l, m)| *l == level && m == line)
    }
}

/// The reply's `code` member.
fn code(reply: &Reply) -> String {
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    body["code"].as_str().unwrap_or_default().to_string()
}

/// An allowed request as it goes upstream: the claim header from the token, the token gone.
fn assert_forwarded(vm: &Vm, id: u32) {
    assert_eq!(vm.reply(id), None);
    assert_eq!(vm.header(id, "x-nomad-job").as_deref(), Some("mongo"));
    assert_eq!(vm.header(id, "authorization"), None);
    assert_eq!(vm.after_headers(id), Action::Continue);
}

// ---------------------------------------------------------------------------------------------
// Inline keys: the answer applied to the stream.

#[test]
fn an_allowed_request_continues_with_claim_headers_set_and_the_token_removed() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &inline_config());
    let (id, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Continue);
    assert_forwarded(&vm, id);
    assert_eq!(vm.resumed(id), 0, "a request decided in its headers callback is not resumed");
    // Headers other than the token and the claim header are left alone.
    assert_eq!(vm.header(id, ":authority").as_deref(), Some("vault.example"));
    assert_eq!((p.counter("jwtgate.allowed"), p.counter("jwtgate.cache_miss")), (1, 1));
    // The second request is answered from the cache, with the same edits.
    let (id, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Continue);
    assert_forwarded(&vm, id);
    assert_eq!((p.counter("jwtgate.allowed"), p.counter("jwtgate.cache_hit")), (2, 1));
    assert!(vm.calls().is_empty());
    assert_eq!(vm.host.vm.borrow().tick_ms, None, "inline keys need no tick");
}

#[test]
fn a_missing_or_invalid_token_gets_the_401_reply_and_the_stream_is_held() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &inline_config());
    let (id, action) = vm.request(MONGO, None);
    assert_eq!(action, Action::Pause);
    assert_eq!(
        vm.reply(id),
        Some(Reply {
            status: 401,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("www-authenticate".into(), r#"Bearer realm="jwtgate""#.into()),
            ],
            body: r#"{"code":"ERR_TOKEN_MISSING","message":"token is missing"}"#.into(),
        })
    );
    // Nothing of the request goes upstream: its body and trailers are held too.
    assert_eq!(vm.after_headers(id), Action::Pause);
    assert_eq!(vm.resumed(id), 0);

    let (id, action) = vm.request(MONGO, Some("not-a-token"));
    assert_eq!(action, Action::Pause);
    let reply = vm.reply(id).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (401, "ERR_JWS_MALFORMED"));
    let challenge = &reply.headers.iter().find(|(k, _)| k == "www-authenticate").unwrap().1;
    assert!(
        challenge
            .starts_with(r#"Bearer realm="jwtgate", error="invalid_token", error_description=""#),
        "{challenge}"
    );
    assert_eq!(vm.after_headers(id), Action::Pause);
    assert_eq!(p.counter("jwtgate.denied"), 2);
    assert_eq!(p.counter("jwtgate.denied.err_token_missing"), 1);
    assert_eq!(p.counter("jwtgate.denied.err_jws_malformed"), 1);
}

#[test]
fn a_policy_denial_is_403_and_logged_only_at_debug_level() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &inline_config());
    let (id, _) = vm.request(REDIS, Some(sample("token")));
    let reply = vm.reply(id).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (403, "ERR_POLICY_DENIED"));
    assert!(!vm.logs().iter().any(|(l, _)| *l == LogLevel::Debug));
    vm.host.vm.borrow_mut().debug = true;
    let (id, _) = vm.request(REDIS, Some(sample("token")));
    assert_eq!(vm.reply(id), Some(reply));
    let debug: Vec<String> =
        vm.logs().into_iter().filter(|(l, _)| *l == LogLevel::Debug).map(|(_, m)| m).collect();
    assert_eq!(debug.len(), 1);
    assert!(
        debug[0].starts_with("jwtgate: denied: ") && debug[0].ends_with(" (ERR_POLICY_DENIED)"),
        "{debug:?}"
    );
}

#[test]
fn filter_state_is_published_for_allowed_and_denied_requests() {
    let p = Process::new();
    let config = sample_config(&format!(r#""jwks":{}"#, sample("jwks")), r#","filter_state":true"#);
    let mut vm = Vm::new(&p, &config);
    let state = |vm: &Vm, id: u32, name: &str| {
        let host = vm.host.vm.borrow();
        host.streams[&id]
            .filter_state
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let (allowed, _) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(state(&vm, allowed, "jwtgate.decision").as_deref(), Some("allowed"));
    assert_eq!(state(&vm, allowed, "jwtgate.nomad_job_id").as_deref(), Some("mongo"));
    let (denied, _) = vm.request(REDIS, Some(sample("token")));
    assert_eq!(state(&vm, denied, "jwtgate.decision").as_deref(), Some("denied"));
    assert_eq!(state(&vm, denied, "jwtgate.code").as_deref(), Some("ERR_POLICY_DENIED"));
}

// ---------------------------------------------------------------------------------------------
// Configuration.

#[test]
fn a_refused_configuration_logs_one_error_line_and_requests_are_refused() {
    let p = Process::new();
    let (mut vm, ok) = Vm::with(&p, r#"{"providers":[],"tick_period":5}"#);
    assert!(!ok);
    let logs = vm.logs();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].0, LogLevel::Error);
    assert!(
        logs[0].1.starts_with(
            "jwtgate: rejecting plugin configuration: invalid filter configuration at "
        ),
        "{logs:?}"
    );
    // A host that still sends requests to a refused root gets refusals, never a Continue.
    let (id, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Pause);
    assert_eq!(code(&vm.reply(id).unwrap()), "ERR_FILTER_CONFIG_INVALID");
}

#[test]
fn configuring_logs_the_summary_and_the_login_order_hazard() {
    let p = Process::new();
    let vm = Vm::new(&p, &inline_config());
    assert!(
        vm.logged(LogLevel::Info, "jwtgate: configured 1 provider(s), 0 rule(s), root context 1")
    );
    // One warning line per hazard the core finds in the configuration (the tutorial's role
    // gives one alias to a job name shared by every namespace), in the core's order and words.
    let case = corpus_case("allow/vault-role-and-policy.json");
    let vm = Vm::new(&p, &case["config"].to_string());
    let hazards = case["decision"]["login_order"].as_array().unwrap();
    assert!(!hazards.is_empty());
    let lines: Vec<String> = vm
        .logs()
        .into_iter()
        .filter(|(l, m)| *l == LogLevel::Warn && m.contains("login-order hazard"))
        .map(|(_, m)| m)
        .collect();
    let expected: Vec<String> = hazards
        .iter()
        .map(|h| {
            format!(
                r#"jwtgate: provider "nomad": login-order hazard ({}, {}): {}"#,
                h["code"].as_str().unwrap(),
                h["severity"].as_str().unwrap(),
                h["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(lines, expected);
    // A provider without Vault policies has none.
    let quiet = Vm::new(&p, &corpus_case("allow/bearer-standard.json")["config"].to_string());
    assert!(!quiet.logs().iter().any(|(_, m)| m.contains("login-order hazard")));
    let remote = Vm::new(&p, &remote_config("", r#","tick_period_ms":250"#));
    assert_eq!(remote.host.vm.borrow().tick_ms, Some(250), "remote keys are driven by the tick");
}

#[test]
fn declared_extra_claims_leave_the_fixed_role_without_a_hazard_line() {
    use crate::gate::tests::{fixed_role_config, sample_with_extra_claims, FIXED_ROLE_KNOWLEDGE};
    let p = Process::new();
    let hazard_lines = |vm: &Vm| {
        vm.logs().iter().filter(|(l, m)| *l == LogLevel::Warn && m.contains("login-order")).count()
    };
    // The suggested fix without `vault.knowledge`: jwtgate cannot tell the extra claim fixes
    // the namespace, and says so.
    let undeclared = Vm::new(&p, &fixed_role_config(None));
    assert!(hazard_lines(&undeclared) > 0, "{:?}", undeclared.logs());
    // Declared as the Nomad agent block renders it: no warning, and the token it keys on is
    // allowed its own path with no login-order words at debug level either.
    let mut vm = Vm::new(&p, &fixed_role_config(Some(FIXED_ROLE_KNOWLEDGE)));
    assert_eq!(hazard_lines(&vm), 0, "{:?}", vm.logs());
    vm.host.vm.borrow_mut().debug = true;
    let token = sample_with_extra_claims();
    let (id, action) = vm.request(MONGO, Some(&token));
    assert_eq!((action, vm.reply(id)), (Action::Continue, None), "{:?}", vm.logs());
    assert!(!vm.logs().iter().any(|(_, m)| m.contains("login order")), "{:?}", vm.logs());
}

#[test]
fn at_debug_level_a_policy_answer_says_whether_it_depends_on_login_order() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &inline_config());
    let debug = |vm: &Vm| -> Vec<String> {
        vm.logs().into_iter().filter(|(l, _)| *l == LogLevel::Debug).map(|(_, m)| m).collect()
    };
    // At info level: nothing computed, nothing logged.
    let (id, _) = vm.request(MONGO, Some(sample("token")));
    assert_forwarded(&vm, id);
    let (_, _) = vm.request("/v1/kv/data/prod/mongo/config", Some(sample("token")));
    assert!(debug(&vm).is_empty(), "{:?}", vm.logs());
    vm.host.vm.borrow_mut().debug = true;
    // The sample token's own path: allowed, denied after mongo of another namespace logs in.
    let (id, _) = vm.request(MONGO, Some(sample("token")));
    assert_forwarded(&vm, id);
    let lines = debug(&vm);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("jwtgate: allowed: GET {MONGO}: depends on login order: "))
            && lines[0].contains("another nomad_namespace"),
        "{lines:?}"
    );
    // redis's path: denied whoever logs in with alias "mongo": the denial line says nothing more.
    let (id, _) = vm.request(REDIS, Some(sample("token")));
    assert_eq!(code(&vm.reply(id).unwrap()), "ERR_POLICY_DENIED");
    let lines = debug(&vm);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].ends_with(" (ERR_POLICY_DENIED)"), "{lines:?}");
    // prod/mongo's path: denied now, allowed after prod/mongo logs in; on the denial's line.
    let (id, _) = vm.request("/v1/kv/data/prod/mongo/config", Some(sample("token")));
    assert_eq!(code(&vm.reply(id).unwrap()), "ERR_POLICY_DENIED");
    let lines = debug(&vm);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[2].starts_with("jwtgate: denied: ")
            && lines[2].contains(" (ERR_POLICY_DENIED); depends on login order: ")
            && lines[2].contains("nomad_namespace = "),
        "{lines:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Remote keys: pause, fetch, resume.

#[test]
fn requests_wait_for_the_first_fetch_and_one_response_wakes_them_all() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &remote_config("", ""));
    let (a, action_a) = vm.request(MONGO, Some(sample("token")));
    let (b, action_b) = vm.request(REDIS, Some(sample("token")));
    assert_eq!((action_a, action_b), (Action::Pause, Action::Pause));
    assert_eq!((vm.after_headers(a), vm.after_headers(b)), (Action::Pause, Action::Pause));
    let calls = vm.calls();
    assert_eq!(calls.len(), 1, "one fetch for every waiting request: {calls:?}");
    assert_eq!(calls[0].cluster, "c");
    assert_eq!(calls[0].timeout_ms, 2000);
    let h: Vec<(&str, &str)> =
        calls[0].headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        h,
        [
            (":method", "GET"),
            (":path", "/jwks"),
            (":authority", "nomad.example:4646"),
            ("accept", "application/json, application/jwk-set+json"),
            ("user-agent", "jwtgate-envoy"),
        ]
    );
    assert_eq!((vm.reply(a), vm.resumed(a)), (None, 0));
    assert_eq!(p.counter("jwtgate.paused"), 2);

    p.advance(40);
    vm.respond(calls[0].token, "200", sample("jwks"));
    assert!(vm.logged(LogLevel::Info, "jwtgate: provider nomad: JWKS loaded"));
    assert_eq!(p.counter("jwtgate.jwks_fetch_success"), 1);
    // Both decided now: the allowed one resumed with its edits, the other answered.
    assert_eq!(vm.resumed(a), 1);
    assert_forwarded(&vm, a);
    assert_eq!(vm.resumed(b), 0);
    let reply = vm.reply(b).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (403, "ERR_POLICY_DENIED"));
    assert_eq!(vm.after_headers(b), Action::Pause);
    // Later requests are decided at once with the loaded keys.
    let (c, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Continue);
    assert_forwarded(&vm, c);
    assert_eq!(vm.calls().len(), 1);
}

#[test]
fn a_failed_fetch_answers_as_configured() {
    for (extra, status) in [("", 503), (r#","on_jwks_failure":"401""#, 401)] {
        let p = Process::new();
        let mut vm = Vm::new(&p, &remote_config(NO_RETRIES, extra));
        let (id, _) = vm.request(MONGO, Some(sample("token")));
        vm.respond(vm.last_call(), "500", "oops");
        let reply = vm.reply(id).unwrap();
        assert_eq!((reply.status, code(&reply).as_str()), (status, "ERR_JWKS_UNAVAILABLE"));
        let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            body["message"],
            r#"keys of provider "nomad" are unavailable: JWKS host answered status 500"#
        );
        assert!(vm.logged(
            LogLevel::Warn,
            "jwtgate: provider nomad: JWKS fetch failed: JWKS host answered status 500"
        ));
        assert_eq!(p.counter("jwtgate.jwks_fetch_failed"), 1);
        assert_eq!(vm.resumed(id), 0);
        // Failing fast within `failed_refetch_seconds`: no new call, the same answer at once.
        let (again, action) = vm.request(MONGO, Some(sample("token")));
        assert_eq!(action, Action::Pause);
        assert_eq!(vm.reply(again).map(|r| r.status), Some(status));
        assert_eq!(vm.calls().len(), 1);
    }
}

#[test]
fn a_reset_call_and_a_lost_response_both_end_in_the_configured_answer() {
    // A reset: the host delivers a response without headers.
    let p = Process::new();
    let mut vm = Vm::new(&p, &remote_config(NO_RETRIES, ""));
    let (id, _) = vm.request(MONGO, Some(sample("token")));
    vm.host.vm.borrow_mut().effective = ROOT_ID;
    vm.root.call_response(vm.last_call(), 0, 0);
    let body: serde_json::Value = serde_json::from_str(&vm.reply(id).unwrap().body).unwrap();
    assert_eq!(
        body["message"],
        r#"keys of provider "nomad" are unavailable: connection to the JWKS host failed (reset)"#
    );

    // A response that never comes (the SDK dropped it): the tick gives up after the timeout
    // plus the slack for Envoy's own 504.
    let p = Process::new();
    let mut vm = Vm::new(&p, &remote_config(&format!(r#","timeout_ms":1000{NO_RETRIES}"#), ""));
    let (id, _) = vm.request(MONGO, Some(sample("token")));
    p.advance(1_500);
    vm.tick();
    assert_eq!(vm.reply(id), None, "still within the timeout and its slack");
    p.advance(600);
    vm.tick();
    let reply = vm.reply(id).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (503, "ERR_JWKS_UNAVAILABLE"));
    assert!(reply.body.contains("JWKS response never arrived"), "{}", reply.body);
    assert!(vm.logged(LogLevel::Warn, "jwtgate: provider nomad: JWKS unavailable"));
}

#[test]
fn an_unknown_cluster_answers_at_once_instead_of_pausing() {
    let p = Process::new();
    let config = sample_config(
        &format!(
            r#""remote_jwks":{{"cluster":"nope","authority":"nomad.example:4646","path":"/jwks"{NO_RETRIES}}}"#
        ),
        "",
    );
    let mut vm = Vm::new(&p, &config);
    vm.host.vm.borrow_mut().clusters.clear();
    let (id, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Pause);
    let reply = vm.reply(id).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (503, "ERR_JWKS_UNAVAILABLE"));
    assert!(
        reply.body.contains(r#"cluster \"nope\" refused the call (unknown cluster?)"#),
        "{}",
        reply.body
    );
}

#[test]
fn retries_back_off_on_the_tick_while_requests_keep_waiting() {
    let p = Process::new();
    let retry = r#","retry":{"num_retries":1,"base_interval_ms":500,"max_interval_ms":500}"#;
    let mut vm = Vm::new(&p, &remote_config(retry, ""));
    let (id, _) = vm.request(MONGO, Some(sample("token")));
    vm.respond(vm.last_call(), "503", "");
    assert_eq!((vm.reply(id), vm.calls().len()), (None, 1), "waiting for the retry");
    p.advance(100);
    vm.tick();
    assert_eq!(vm.calls().len(), 1, "not before the backoff");
    p.advance(1_000);
    vm.tick();
    assert_eq!(vm.calls().len(), 2);
    vm.respond(vm.last_call(), "200", sample("jwks"));
    assert_eq!(vm.resumed(id), 1);
    assert_forwarded(&vm, id);
}

#[test]
fn a_stream_closed_while_waiting_is_not_resumed() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &remote_config("", ""));
    let (gone, _) = vm.request(MONGO, Some(sample("token")));
    let (stays, _) = vm.request(MONGO, Some(sample("token")));
    vm.close(gone);
    vm.respond(vm.last_call(), "200", sample("jwks"));
    assert_eq!((vm.resumed(gone), vm.reply(gone)), (0, None));
    assert_eq!(vm.host.vm.borrow().misdirected, 0, "no call was made on the closed stream");
    assert_eq!(vm.resumed(stays), 1);
    assert_forwarded(&vm, stays);
    // Decided once: the closed stream's request is not counted.
    assert_eq!(p.counter("jwtgate.allowed"), 1);
}

#[test]
fn an_unknown_kid_refetches_at_most_once_per_cooldown() {
    let p = Process::new();
    let mut vm = Vm::new(&p, &remote_config(r#","kid_refetch_cooldown_seconds":30"#, ""));
    let (first, _) = vm.request(MONGO, Some(sample("token")));
    // The JWKS host serves a set without the token's kid.
    vm.respond(vm.last_call(), "200", OTHER_JWKS);
    // Just fetched: within the cooldown, so no refetch and a refusal.
    let reply = vm.reply(first).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (401, "ERR_JWKS_NO_MATCHING_KEY"));
    assert_eq!(vm.calls().len(), 1);
    p.advance(10_000);
    let (id, _) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(vm.reply(id).map(|r| r.status), Some(401));
    assert_eq!(vm.calls().len(), 1, "still cooling");

    // Past the cooldown: this request triggers one refetch and waits for it.
    p.advance(21_000);
    let (waits, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!((action, vm.calls().len()), (Action::Pause, 2));
    // Another unknown-kid request meanwhile is refused at once, without a third call.
    let (other, _) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(vm.reply(other).map(|r| r.status), Some(401));
    assert_eq!(vm.calls().len(), 2);
    // The rotated set has the kid: the waiting request is allowed.
    vm.respond(vm.last_call(), "200", sample("jwks"));
    assert_eq!(vm.resumed(waits), 1);
    assert_forwarded(&vm, waits);
}

#[test]
fn the_tick_refreshes_keys_before_they_expire_without_holding_requests() {
    let p = Process::new();
    let remote = r#","cache_duration_seconds":60,"refresh_before_seconds":10"#;
    let mut vm = Vm::new(&p, &remote_config(remote, ""));
    vm.request(MONGO, Some(sample("token")));
    vm.respond(vm.last_call(), "200", sample("jwks"));
    p.advance(45_000);
    vm.tick();
    assert_eq!(vm.calls().len(), 1, "not yet within refresh_before of expiry");
    p.advance(6_000);
    vm.tick();
    assert_eq!(vm.calls().len(), 2, "the tick refreshes 10 s before expiry");
    // The refresh is in flight: requests are still decided at once with the current keys.
    let (id, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Continue);
    assert_forwarded(&vm, id);
    vm.respond(vm.last_call(), "200", sample("jwks"));
    assert_eq!(p.counter("jwtgate.jwks_fetch_success"), 2);
    p.advance(40_000);
    vm.tick();
    assert_eq!(vm.calls().len(), 2, "the refreshed set lasts another cache duration");
}

// ---------------------------------------------------------------------------------------------
// Two VMs of one process: one fetch, shared through shared data.

#[test]
fn a_second_vm_takes_the_peers_document_from_shared_data_instead_of_fetching() {
    let p = Process::new();
    let config = remote_config("", "");
    let mut a = Vm::new(&p, &config);
    let mut b = Vm::new(&p, &config);
    let (on_a, _) = a.request(MONGO, Some(sample("token")));
    let (on_b, action) = b.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Pause);
    assert_eq!((a.calls().len(), b.calls().len()), (1, 0), "VM b waits for a's fetch");
    a.respond(a.last_call(), "200", sample("jwks"));
    assert_forwarded(&a, on_a);
    assert_eq!(b.resumed(on_b), 0, "b learns of the document on its tick");
    b.tick();
    assert!(b.logged(LogLevel::Info, "jwtgate: provider nomad: JWKS loaded from shared data"));
    assert_eq!(b.resumed(on_b), 1);
    assert_forwarded(&b, on_b);
    assert_eq!(b.calls().len(), 0);
    // The counters are the process's: both VMs' requests add up.
    assert_eq!(p.counter("jwtgate.allowed"), 2);

    // A VM started later (a reload) loads the published document without fetching.
    let mut c = Vm::new(&p, &config);
    let (on_c, action) = c.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Continue);
    assert_forwarded(&c, on_c);
    assert_eq!(c.calls().len(), 0);
}

#[test]
fn a_peer_that_wins_the_lock_race_is_waited_for_until_its_lease_ends() {
    let p = Process::new();
    let remote = format!(
        r#","cache_duration_seconds":60,"refresh_before_seconds":10,"timeout_ms":1000{NO_RETRIES}"#
    );
    let mut vm = Vm::new(&p, &remote_config(&remote, ""));
    vm.request(MONGO, Some(sample("token")));
    vm.respond(vm.last_call(), "200", sample("jwks"));
    // Time to refresh; another VM claims the fetch lock between this VM's read and its
    // compare-and-swap.
    p.advance(51_000);
    // Within what one lease lasts here (timeout + 1 s slack + the longest backoff: 3 s); a
    // deadline further away would not be believed.
    let deadline = p.now_ms.get() + 2_500;
    let peer = format!("vm-peer\n{deadline}").into_bytes();
    *p.race.borrow_mut() = Some((String::from("|lock"), peer.clone()));
    vm.tick();
    assert_eq!(vm.calls().len(), 1, "the peer won the race: no second fetch");
    let locks: Vec<Vec<u8>> = p
        .data
        .borrow()
        .iter()
        .filter(|(k, _)| k.ends_with("|lock"))
        .map(|(_, (v, _))| v.clone())
        .collect();
    assert_eq!(locks, [peer], "the peer's claim is not overwritten");
    // Requests are decided meanwhile with the keys at hand.
    let (id, action) = vm.request(MONGO, Some(sample("token")));
    assert_eq!(action, Action::Continue);
    assert_forwarded(&vm, id);
    // The peer dies without publishing: once its lease is over, this VM fetches itself.
    p.advance(1_000);
    vm.tick();
    assert_eq!(vm.calls().len(), 1, "within the peer's lease");
    p.advance(2_000);
    vm.tick();
    assert_eq!(vm.calls().len(), 2, "the lease is over");
    vm.respond(vm.last_call(), "200", sample("jwks"));
    assert_eq!(p.counter("jwtgate.jwks_fetch_success"), 2);
}

#[test]
fn a_peers_give_up_is_shared_so_every_vm_fails_fast() {
    let p = Process::new();
    let config = remote_config(NO_RETRIES, "");
    let mut a = Vm::new(&p, &config);
    let mut b = Vm::new(&p, &config);
    let (on_a, _) = a.request(MONGO, Some(sample("token")));
    let (on_b, _) = b.request(MONGO, Some(sample("token")));
    a.respond(a.last_call(), "500", "");
    assert_eq!(a.reply(on_a).map(|r| r.status), Some(503));
    b.tick();
    let reply = b.reply(on_b).unwrap();
    assert_eq!((reply.status, code(&reply).as_str()), (503, "ERR_JWKS_UNAVAILABLE"));
    assert!(reply.body.contains("JWKS host answered status 500"), "{}", reply.body);
    assert_eq!(b.calls().len(), 0, "b never fetched itself");
}

// ---------------------------------------------------------------------------------------------
// The gate conformance corpus through the filter.

fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/gate")
}

fn corpus_case(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(corpus_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every case of `tests/vectors/gate/` through the filter (as `tests/envoy/gate-corpus.test.mjs`
/// runs them through the built module): the case's `fetches` answer the filter's calls in
/// order, and what the proxy shows must be the golden decision's answer byte for byte — the
/// local reply (status, headers, body), or the request going upstream with exactly the golden's
/// edits and every other header untouched.
#[test]
fn the_gate_corpus_gives_the_golden_answer_through_the_filter() {
    let mut names = Vec::new();
    for group in std::fs::read_dir(corpus_dir()).unwrap() {
        let group = group.unwrap().path();
        if group.is_dir() {
            for f in std::fs::read_dir(&group).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "json") {
                    names.push(f);
                }
            }
        }
    }
    names.sort();
    assert!(names.len() >= 60, "{} cases", names.len());
    for path in names {
        let name = path.display().to_string();
        let c: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let golden = &c["decision"];
        let token = c["token"].as_str();
        let fill = |v: &str| token.map_or(v.to_string(), |t| v.replace("$TOKEN", t));
        let p = Process::new();
        p.now_ms.set(c["now"].as_u64().unwrap() * 1000);
        let mut vm = Vm::new(&p, &c["config"].to_string());
        let method = c["request"]["method"].as_str().unwrap();
        let req_path = fill(c["request"]["path"].as_str().unwrap());
        let mut headers = vec![
            (String::from(":method"), method.as_bytes().to_vec()),
            (String::from(":path"), req_path.as_bytes().to_vec()),
        ];
        for h in c["request"]["headers"].as_array().unwrap() {
            headers.push((h[0].as_str().unwrap().to_string(), fill(h[1].as_str().unwrap()).into()));
        }
        let sent = headers.clone();
        let (id, action) = vm.send(headers);
        let mut fetches = c["fetches"].as_array().cloned().unwrap_or_default().into_iter();
        let mut served = 0;
        let settled = |vm: &Vm| vm.reply(id).is_some() || vm.resumed(id) > 0;
        let mut rounds = 0;
        while action == Action::Pause && !settled(&vm) && rounds < 10 {
            rounds += 1;
            let calls = vm.calls();
            if let Some(call) = calls.get(served) {
                let f = fetches.next().unwrap_or_else(|| panic!("{name}: an unexpected fetch"));
                served += 1;
                vm.respond(call.token, &f["status"].to_string(), f["body"].as_str().unwrap());
            } else {
                vm.tick();
            }
        }
        assert_eq!(fetches.next(), None, "{name}: fetches left unused");
        if let Some(reply) = golden.get("reply") {
            let got = vm.reply(id).unwrap_or_else(|| panic!("{name}: expected a local reply"));
            let want = Reply {
                status: u32::try_from(reply["status"].as_u64().unwrap()).unwrap(),
                headers: reply["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
                    .collect(),
                body: reply["body"].as_str().unwrap().into(),
            };
            assert_eq!(got, want, "{name}");
            assert_eq!(Some(u64::from(got.status)), golden["status"].as_u64(), "{name}");
            continue;
        }
        assert_eq!(golden["status"], 200, "{name}: a golden without a reply is forwarded");
        assert_eq!(vm.reply(id), None, "{name}");
        assert_eq!(action == Action::Continue, vm.resumed(id) == 0, "{name}: continued once");
        // The request as the filter received it, with the golden's edits applied.
        let up = &golden["upstream"];
        let mut expected: Vec<(String, String)> = sent
            .iter()
            .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        for k in up["remove"].as_array().into_iter().flatten() {
            expected.retain(|(n, _)| n != k.as_str().unwrap());
        }
        for kv in up["set"].as_array().into_iter().flatten() {
            let (k, v) = (kv[0].as_str().unwrap(), kv[1].as_str().unwrap());
            expected.retain(|(n, _)| n != k);
            expected.push((k.into(), v.into()));
        }
        if let Some(path) = up["path"].as_str() {
            expected.retain(|(n, _)| n != ":path");
            expected.push((":path".into(), path.into()));
        }
        let mut got = vm.headers(id);
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{name}");
    }
}
