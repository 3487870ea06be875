//! The lifecycle driven by a fake clock that jumps to `poll_timeout()` (quinn-proto's
//! `tests/util.rs` `Pair::step`) and a fake issuer that answers each `FetchRequest`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;

const JWKS_URL: &str = "https://issuer.example/.well-known/jwks.json";
const ISSUER: &str = "https://issuer.example";

/// The sample JWKS (one RSA key) with its `kid` replaced: a rotation keeps the key material but
/// changes what a token can name.
fn jwks(kid: &str) -> String {
    include_str!("../../../tests/fixtures/sample/jwks.json")
        .replace("b4b3f0c2-6a1d-4f8e-9c57-3e2d1a0f9b64", kid)
}

fn kids(doc: &Document) -> Vec<String> {
    doc.keys().keys.iter().filter_map(|k| k.kid.clone()).collect()
}

/// What the fake issuer answers: a status and body, or `None` for a transport failure.
type Answer = Option<(u16, String)>;

struct Pair {
    ks: RemoteKeySet,
    now: u64,
    requests: Vec<FetchRequest>,
}

impl Pair {
    fn new(source: Source) -> Pair {
        Pair {
            ks: RemoteKeySet::new(KeySetConfig::new(source)),
            now: 1_767_225_600_000,
            requests: Vec::new(),
        }
    }

    /// Jumps the clock to the next wake-up (never backwards).
    fn step(&mut self) {
        if let Some(t) = self.ks.poll_timeout() {
            self.now = self.now.max(t);
        }
        self.ks.handle_timeout(self.now);
    }

    /// Makes every request the key set asks for at `now`, answering each with `issuer`.
    fn drive(&mut self, mut issuer: impl FnMut(&FetchRequest) -> Answer) -> Vec<Handled> {
        let mut handled = Vec::new();
        self.ks.handle_timeout(self.now);
        while let Some(req) = self.ks.poll_fetch(self.now) {
            self.requests.push(req.clone());
            handled.push(match issuer(&req) {
                Some((status, body)) => {
                    self.ks.handle_response(req.id, status, body.as_bytes(), self.now)
                }
                None => self.ks.handle_failure(req.id, self.now),
            });
            assert!(handled.len() < 10, "the key set keeps asking");
        }
        handled
    }

    fn fresh_kids(&self) -> Vec<String> {
        match self.ks.keys(self.now) {
            Keys::Fresh(d) => kids(d),
            other => panic!("expected fresh keys, got {other:?}"),
        }
    }
}

fn ok(body: String) -> Answer {
    Some((200, body))
}

#[test]
fn fetches_once_serves_fresh_then_refreshes_when_stale() {
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    assert!(matches!(p.ks.keys(p.now), Keys::None));
    assert_eq!(p.ks.poll_timeout(), Some(0), "nothing fetched: wake at once");
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(1)]);
    assert_eq!(p.requests[0].url, JWKS_URL);
    assert_eq!(p.requests[0].timeout_ms, 5_000);
    assert!(!p.requests[0].discovery);
    assert_eq!(p.fresh_kids(), ["k1"]);
    let fetched = p.now;
    // Nothing to do while fresh; the next wake-up is when the keys go stale (10 min).
    assert_eq!(p.drive(|_| panic!("no request while fresh")), []);
    assert_eq!(p.ks.poll_timeout(), Some(fetched + 600_000));
    p.step();
    assert_eq!(p.now, fetched + 600_000);
    assert!(matches!(p.ks.keys(p.now), Keys::Stale(d) if kids(d) == ["k1"]));
    assert_eq!(p.drive(|_| ok(jwks("k2"))), [Handled::Keys(2)]);
    assert_eq!(p.fresh_kids(), ["k2"]);
    assert_eq!(p.requests.len(), 2);
}

#[test]
fn unknown_kid_refetches_at_most_once_per_cooldown() {
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    p.drive(|_| ok(jwks("old")));
    let fetched = p.now;
    // The issuer rotated right after our fetch; a token names the new key.
    p.now = fetched + 29_999;
    assert!(!p.ks.handle_kid_miss(p.now), "inside the cooldown after a fetch");
    assert_eq!(p.drive(|_| panic!("cooling down")), []);
    p.now = fetched + 30_000;
    assert!(p.ks.handle_kid_miss(p.now));
    assert_eq!(p.ks.poll_timeout(), Some(0), "a refetch is due at once");
    assert_eq!(p.drive(|_| ok(jwks("new"))), [Handled::Keys(2)]);
    let refetched = p.now;
    assert_eq!(p.fresh_kids(), ["new"]);
    // A token with a kid nobody has: no refetch right after the last one...
    p.now += 1_000;
    assert!(!p.ks.handle_kid_miss(p.now));
    assert_eq!(p.drive(|_| panic!("cooling down")), []);
    // ...and a refetch that fails is not asked for again by every request in the cooldown.
    p.now += 30_000;
    assert!(p.ks.handle_kid_miss(p.now));
    assert_eq!(p.drive(|_| Some((503, String::new()))), [Handled::Failed]);
    assert!(!p.ks.in_cycle(), "the keys are fresh: no retry for a kid miss");
    p.now += 10_000;
    assert!(!p.ks.handle_kid_miss(p.now), "the failed refetch started the cooldown");
    assert_eq!(p.drive(|_| panic!("the keys are fresh: no retry for a kid miss")), []);
    assert_eq!(p.ks.poll_timeout(), Some(refetched + 600_000), "next: the refresh");
    assert_eq!(p.fresh_kids(), ["new"]);
    assert_eq!(p.requests.len(), 3);
}

#[test]
fn outage_backs_off_exponentially_and_serves_stale_keys_for_a_while() {
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    p.drive(|_| ok(jwks("k1")));
    let fetched = p.now;
    p.step(); // stale now
    let mut delays = Vec::new();
    while p.now < fetched + 600_000 + 3_600_000 {
        assert!(matches!(p.ks.keys(p.now), Keys::Stale(_)), "stale keys served during the outage");
        let failed_at = p.now;
        assert_eq!(p.drive(|_| Some((503, "busy".into()))), [Handled::Failed]);
        let problem = p.ks.last_error().unwrap();
        assert_eq!(problem.code(), Code::FetchFailed);
        assert_eq!(problem.to_string(), format!("GET {JWKS_URL} answered HTTP 503"));
        assert_eq!(p.drive(|_| panic!("no retry before the backoff ends")), []);
        p.step();
        delays.push(p.now - failed_at);
    }
    // Truncated exponential backoff: 1 s doubled per failure, at most 5 min.
    assert_eq!(
        delays[..10],
        [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]
    );
    assert!(delays[10..].iter().all(|d| *d == 300_000));
    // Past cache max age + max stale: nothing is served, and the reason is known.
    assert!(matches!(p.ks.keys(p.now), Keys::None));
    assert_eq!(p.ks.last_error().map(FetchProblem::code), Some(Code::FetchFailed));
    // The issuer comes back: new keys, and the backoff starts over.
    assert_eq!(p.drive(|_| ok(jwks("k2"))), [Handled::Keys(2)]);
    assert_eq!(p.fresh_kids(), ["k2"]);
    assert!(p.ks.last_error().is_none());
    p.step();
    let failed_at = p.now;
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    assert_eq!(p.ks.last_error().unwrap().to_string(), format!("GET {JWKS_URL} failed"));
    p.step();
    assert_eq!(p.now - failed_at, 1_000);
}

#[test]
fn a_document_the_core_refuses_keeps_the_keys_and_backs_off() {
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    p.drive(|_| ok(jwks("k1")));
    p.step();
    assert_eq!(p.drive(|_| ok("{\"nope\": 1}".into())), [Handled::Failed]);
    assert_eq!(p.ks.last_error().unwrap().code(), Code::JwksInvalid);
    assert_eq!(p.drive(|_| panic!("backing off")), []);
    p.step();
    assert_eq!(p.drive(|_| ok("not json".into())), [Handled::Failed]);
    assert!(p.ks.last_error().unwrap().code().as_str().starts_with("ERR_JSON"));
    assert!(matches!(p.ks.keys(p.now), Keys::Stale(d) if kids(d) == ["k1"] && d.generation() == 1));
}

#[test]
fn discovery_then_jwks_and_the_discovered_uri_is_reused_while_fresh() {
    let discovery_url = format!("{ISSUER}/.well-known/openid-configuration");
    let keys_url = "https://keys.issuer.example/jwks";
    let doc = format!("{{\"issuer\":\"{ISSUER}\",\"jwks_uri\":\"{keys_url}\",\"id_token_signing_alg_values_supported\":[\"RS256\"]}}");
    let mut p = Pair::new(Source::Discovery(format!("{ISSUER}/")));
    // The configured issuer has a trailing slash: the document must say exactly that.
    assert_eq!(p.drive(|_| ok(doc.clone())), [Handled::Failed]);
    assert_eq!(p.requests[0].url, discovery_url);
    assert!(p.requests[0].discovery);
    assert_eq!(p.ks.last_error().unwrap().code(), Code::DiscoveryIssuerMismatch);

    let mut p = Pair::new(Source::Discovery(ISSUER.into()));
    let issuer = |req: &FetchRequest| {
        if req.url == discovery_url {
            ok(doc.clone())
        } else if req.url == keys_url {
            ok(jwks("k1"))
        } else {
            Some((404, String::new()))
        }
    };
    assert_eq!(p.drive(issuer), [Handled::Discovered, Handled::Keys(1)]);
    assert_eq!(
        p.requests.iter().map(|r| (r.url.as_str(), r.discovery)).collect::<Vec<_>>(),
        [(discovery_url.as_str(), true), (keys_url, false)]
    );
    // A kid-miss refetch inside the cache age goes straight to the JWKS.
    p.now += 30_000;
    assert!(p.ks.handle_kid_miss(p.now));
    assert_eq!(p.drive(issuer), [Handled::Keys(2)]);
    assert_eq!(p.requests[2].url, keys_url);
    // After the cache age, a refresh discovers again (the issuer may have moved its keys).
    p.step();
    assert_eq!(p.drive(issuer), [Handled::Discovered, Handled::Keys(3)]);
    assert_eq!(p.requests.len(), 5);
    // A JWKS failure forgets the URI: the retry starts with discovery.
    p.step();
    assert_eq!(
        p.drive(|req| if req.discovery { ok(doc.clone()) } else { None }),
        [Handled::Discovered, Handled::Failed]
    );
    p.step();
    assert_eq!(p.drive(issuer), [Handled::Discovered, Handled::Keys(4)]);
}

#[test]
fn single_flight_and_stale_replies_are_ignored_by_id() {
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    let first = p.ks.poll_fetch(p.now).unwrap();
    assert_eq!(p.ks.poll_fetch(p.now), None, "one request at a time");
    assert!(p.ks.is_fetching());
    assert_eq!(
        p.ks.handle_response(first.id + 7, 200, jwks("forged").as_bytes(), p.now),
        Handled::Ignored
    );
    assert!(p.ks.is_fetching(), "an unknown id leaves the flight alone");
    // The request outlives its timeout.
    assert_eq!(p.ks.poll_timeout(), Some(p.now + 5_000));
    p.step();
    assert!(!p.ks.is_fetching());
    let problem = p.ks.last_error().unwrap();
    assert_eq!(problem.code(), Code::FetchTimeout);
    assert_eq!(problem.to_string(), format!("GET {JWKS_URL} timed out after 5000 ms"));
    p.step(); // backoff
    let second = p.ks.poll_fetch(p.now).unwrap();
    assert_ne!(second.id, first.id);
    // The first request's answer arrives late: ignored, whatever it holds.
    assert_eq!(
        p.ks.handle_response(first.id, 200, jwks("late").as_bytes(), p.now),
        Handled::Ignored
    );
    assert_eq!(p.ks.handle_failure(first.id, p.now), Handled::Ignored);
    assert!(matches!(p.ks.keys(p.now), Keys::None));
    assert_eq!(
        p.ks.handle_response(second.id, 200, jwks("k2").as_bytes(), p.now),
        Handled::Keys(1)
    );
    // An answer to a request already answered is ignored too.
    assert_eq!(
        p.ks.handle_response(second.id, 200, jwks("again").as_bytes(), p.now),
        Handled::Ignored
    );
    assert_eq!(p.fresh_kids(), ["k2"]);
}

#[test]
fn a_clock_stepping_back_neither_freezes_the_cooldown_nor_extends_freshness() {
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    p.now = 10_000_000;
    p.drive(|_| ok(jwks("k1")));
    p.now = 5_000; // the clock was corrected backwards
    assert!(
        matches!(p.ks.keys(p.now), Keys::Stale(d) if kids(d) == ["k1"]),
        "fetched \"in the future\": served, but due for a refetch"
    );
    assert!(!p.ks.handle_kid_miss(p.now), "the fetch counts as just now");
    assert_eq!(p.fresh_kids(), ["k1"]);
    assert_eq!(p.ks.poll_timeout(), Some(0), "their age is unknown: refetched at once");
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(2)]);
    p.now = 35_000;
    assert!(p.ks.handle_kid_miss(p.now), "the cooldown runs from the corrected time");
    assert_eq!(p.drive(|_| ok(jwks("k2"))), [Handled::Keys(3)]);
    // Freshness is measured from the corrected fetch time, not from 10_000_000.
    assert_eq!(p.ks.poll_timeout(), Some(35_000 + 600_000));

    // A backoff scheduled before the step back ends at most one delay after it.
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    p.now = 1_000_000;
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    p.now = 900_000;
    assert_eq!(p.drive(|_| panic!("backing off")), []);
    assert_eq!(p.ks.poll_timeout(), Some(901_000));
    p.step();
    // A request in flight across the step back still times out, one timeout after it.
    let req = p.ks.poll_fetch(p.now).unwrap();
    p.now = 800_000;
    p.ks.handle_timeout(p.now);
    assert!(p.ks.is_fetching());
    assert_eq!(p.ks.poll_timeout(), Some(805_000));
    p.step();
    assert!(!p.ks.is_fetching());
    assert_eq!(p.ks.handle_response(req.id, 200, jwks("late").as_bytes(), p.now), Handled::Ignored);
}

#[test]
fn durations_come_from_the_config() {
    let mut config = KeySetConfig::new(Source::Jwks(JWKS_URL.into()));
    config.cache_max_age_ms = 1_000;
    config.max_stale_ms = 0;
    config.cooldown_ms = 0;
    config.timeout_ms = 10;
    let mut p = Pair { ks: RemoteKeySet::new(config), now: 0, requests: Vec::new() };
    p.drive(|_| ok(jwks("k1")));
    assert_eq!(p.requests[0].timeout_ms, 10);
    assert!(p.ks.handle_kid_miss(p.now), "no cooldown");
    p.drive(|_| ok(jwks("k1")));
    p.now = 1_000;
    assert!(matches!(p.ks.keys(p.now), Keys::None), "no stale window");
}
