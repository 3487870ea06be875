//! Counters through `proxy_define_metric` / `proxy_increment_metric`. Envoy keeps one stat per
//! name across all worker VMs (under `wasmcustom.`), so every VM defining `jwtgate.allowed`
//! adds to the same counter.
//!
//! Names are `jwtgate.<counter>`, or `jwtgate.<stat_prefix>.<counter>` with a `stat_prefix`:
//! `jwt_authn` puts its `stat_prefix` between the filter's namespace and the counter the same
//! way, so two filter instances (two listeners) count apart.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

use super::host::Host;

/// Fixed counters, defined at configuration time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counter {
    /// Requests forwarded after a successful check.
    Allowed,
    /// Requests answered locally (401/403/503).
    Denied,
    /// Requests the rules let through without a check.
    Bypassed,
    /// CORS preflights let through.
    CorsPreflightBypassed,
    /// Requests paused while keys were fetched.
    Paused,
    /// Successful JWKS fetches.
    JwksFetchSuccess,
    /// Failed JWKS fetch attempts.
    JwksFetchFailed,
    /// Verified-token cache hits.
    CacheHit,
    /// Verified-token cache misses.
    CacheMiss,
}

impl Counter {
    const ALL: [Counter; 9] = [
        Counter::Allowed,
        Counter::Denied,
        Counter::Bypassed,
        Counter::CorsPreflightBypassed,
        Counter::Paused,
        Counter::JwksFetchSuccess,
        Counter::JwksFetchFailed,
        Counter::CacheHit,
        Counter::CacheMiss,
    ];

    fn name(self) -> &'static str {
        match self {
            Counter::Allowed => "allowed",
            Counter::Denied => "denied",
            Counter::Bypassed => "bypassed",
            Counter::CorsPreflightBypassed => "cors_preflight_bypassed",
            Counter::Paused => "paused",
            Counter::JwksFetchSuccess => "jwks_fetch_success",
            Counter::JwksFetchFailed => "jwks_fetch_failed",
            Counter::CacheHit => "cache_hit",
            Counter::CacheMiss => "cache_miss",
        }
    }
}

/// This VM's metric ids.
#[derive(Default)]
pub struct Metrics {
    /// `jwtgate.` or `jwtgate.<stat_prefix>.`.
    prefix: String,
    /// Indexed by `Counter as usize` (a request bumps two or three of them).
    ids: [Option<u32>; Counter::ALL.len()],
    by_code: BTreeMap<&'static str, u32>,
}

impl Metrics {
    /// Defines the fixed counters. A host that refuses a definition only costs that counter.
    pub fn define(host: &impl Host, stat_prefix: Option<&str>) -> Metrics {
        let prefix = match stat_prefix {
            Some(p) => format!("jwtgate.{p}."),
            None => String::from("jwtgate."),
        };
        let mut m = Metrics { prefix, ..Metrics::default() };
        for c in Counter::ALL {
            let name = format!("{}{}", m.prefix, c.name());
            if let (Some(id), Some(slot)) = (host.define_counter(&name), m.ids.get_mut(c as usize))
            {
                *slot = Some(id);
            }
        }
        m
    }

    /// Adds one to `c`.
    pub fn inc(&self, host: &impl Host, c: Counter) {
        if let Some(&Some(id)) = self.ids.get(c as usize) {
            host.increment_counter(id);
        }
    }

    /// Adds one to `<prefix>denied.<code>` (e.g. `jwtgate.denied.err_jwt_expired`), defined on
    /// first use: the set of codes is fixed and small, so this stays bounded.
    pub fn inc_denied(&mut self, host: &impl Host, code: crate::Code) {
        self.inc(host, Counter::Denied);
        let key = code.as_str();
        let id = match self.by_code.get(key) {
            Some(&id) => id,
            None => {
                let name: String = format!("{}denied.{}", self.prefix, key.to_ascii_lowercase());
                match host.define_counter(&name) {
                    Some(id) => {
                        self.by_code.insert(key, id);
                        id
                    }
                    None => return,
                }
            }
        };
        host.increment_counter(id);
    }
}
