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

/// Envoy's `remote_jwks` defaults as the filter maps them: 2 s timeout (+1 s for a lost
/// response), 10 min cache refreshed 1 min early, 2 retries from 200 ms, 5 s failed window.
fn envoy_like() -> KeySetConfig {
    let mut c = KeySetConfig::new(Source::Jwks(JWKS_URL.into()));
    c.timeout_ms = 3_000;
    c.refresh_before_ms = 60_000;
    c.max_stale_ms = u64::MAX;
    c.backoff_base_ms = 200;
    c.backoff_max_ms = 5_000;
    c.retries = 2;
    c.failed_refetch_ms = 5_000;
    c.peer_lease_ms = 8_000;
    c.require_usable_key = true;
    c
}

fn pair(config: KeySetConfig) -> Pair {
    Pair { ks: RemoteKeySet::new(config), now: 1_767_225_600_000, requests: Vec::new() }
}

#[test]
fn a_cycle_retries_then_gives_up_for_the_failed_window_then_starts_over() {
    let mut p = pair(envoy_like());
    let start = p.now;
    assert_eq!(p.drive(|_| Some((503, String::new()))), [Handled::Failed]);
    assert!(p.ks.in_cycle(), "a retry is scheduled");
    p.step();
    assert_eq!(p.now - start, 200);
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    p.step();
    assert_eq!(p.now - start, 600, "backoff doubles");
    assert_eq!(p.drive(|_| Some((504, String::new()))), [Handled::GaveUp]);
    let gave_up = p.now;
    assert!(!p.ks.in_cycle());
    assert!(p.ks.gave_up(p.now));
    assert_eq!(p.ks.last_error().unwrap().to_string(), format!("GET {JWKS_URL} answered HTTP 504"));
    // Inside the window: no fetch, and an unknown kid asks for nothing.
    assert_eq!(p.ks.poll_timeout(), Some(gave_up + 5_000));
    assert_eq!(p.ks.handle_unknown_kid(p.now), KidMiss::Cooling);
    p.now += 4_999;
    assert_eq!(p.drive(|_| panic!("inside the failed window")), []);
    // After it a new cycle starts, with all its retries and the backoff from its base.
    p.step();
    assert!(!p.ks.gave_up(p.now));
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    let failed = p.now;
    p.step();
    assert_eq!(p.now - failed, 200);
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(1)]);
    assert_eq!(p.requests.len(), 5);
}

#[test]
fn a_document_without_a_usable_key_is_a_failure_when_required() {
    let empty = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\"}]}";
    let mut p = pair(envoy_like());
    assert_eq!(p.drive(|_| ok(empty.into())), [Handled::Failed]);
    assert_eq!(p.ks.last_error().unwrap().code(), Code::KeysMissing);
    assert!(matches!(p.ks.keys(p.now), Keys::None));
    // Without the requirement (the npm default) an empty set is keys like any other.
    let mut p = Pair::new(Source::Jwks(JWKS_URL.into()));
    assert_eq!(p.drive(|_| ok(empty.into())), [Handled::Keys(1)]);
}

#[test]
fn refresh_before_expiry_keeps_the_keys_fresh_across_the_refresh() {
    let mut p = pair(envoy_like());
    p.drive(|_| ok(jwks("k1")));
    let fetched = p.now;
    assert_eq!(p.ks.poll_timeout(), Some(fetched + 540_000), "one minute before the 10 min");
    p.step();
    assert_eq!(p.fresh_kids(), ["k1"], "still fresh while refreshing");
    assert_eq!(p.drive(|_| ok(jwks("k2"))), [Handled::Keys(2)]);
    assert_eq!(p.fresh_kids(), ["k2"]);
    // A refresh that fails is retried while the keys at hand stay fresh, then gives up.
    p.step();
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    p.step();
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    p.step();
    assert_eq!(p.drive(|_| None), [Handled::GaveUp]);
    assert_eq!(p.fresh_kids(), ["k2"]);
}

#[test]
fn an_unknown_kid_refetch_is_tried_once_and_reports_the_end_of_its_cycle() {
    let mut p = pair(envoy_like());
    p.drive(|_| ok(jwks("k1")));
    p.now += 30_000;
    assert_eq!(p.ks.handle_unknown_kid(p.now), KidMiss::Refetch);
    let req = p.ks.poll_fetch(p.now).unwrap();
    // A second unknown kid while the first one's refetch is in flight: pending, not a new one.
    assert_eq!(p.ks.handle_unknown_kid(p.now), KidMiss::Pending);
    assert!(p.ks.handle_kid_miss(p.now));
    // It fails: the keys are fresh, so nothing is left to retry; the cycle is over.
    assert_eq!(p.ks.handle_error(req.id, "connection reset", p.now), Handled::Failed);
    assert!(!p.ks.in_cycle());
    assert!(!p.ks.gave_up(p.now), "one failed attempt is not a give-up");
    assert_eq!(
        p.ks.last_error().unwrap().to_string(),
        format!("GET {JWKS_URL} failed: connection reset")
    );
    assert_eq!(p.ks.handle_unknown_kid(p.now), KidMiss::Cooling);
}

/// A key set waiting for a peer (another worker VM) that holds the fetch until `lease`.
fn waiting_for_peer(p: &mut Pair, lease: u64) -> FetchRequest {
    let req = p.ks.poll_fetch(p.now).unwrap();
    assert!(p.ks.handle_peer_fetching(req.id, lease, p.now));
    assert!(p.ks.waiting_for_peer() && p.ks.in_cycle() && !p.ks.is_fetching());
    req
}

#[test]
fn a_peers_published_document_ends_the_wait_and_older_ones_are_ignored() {
    let mut p = pair(envoy_like());
    let lease = p.ks.lease_until(p.now);
    assert_eq!(lease, p.now + 8_000);
    let req = waiting_for_peer(&mut p, lease);
    assert_eq!(p.drive(|_| panic!("the peer fetches")), []);
    assert_eq!(p.ks.poll_timeout(), Some(lease));
    // The request not sent is not ours to answer any more.
    assert_eq!(p.ks.handle_response(req.id, 200, jwks("x").as_bytes(), p.now), Handled::Ignored);
    p.now += 700;
    let published = p.now - 100;
    assert_eq!(
        p.ks.handle_peer_document(jwks("k1").as_bytes(), published, p.now),
        Handled::Keys(1)
    );
    assert!(!p.ks.in_cycle());
    assert_eq!(p.fresh_kids(), ["k1"]);
    assert_eq!(
        p.ks.document().unwrap().fetched_at_ms(),
        published,
        "its age counts from the peer's fetch"
    );
    // The same record again, or an older one, changes nothing; a refused one neither.
    assert_eq!(
        p.ks.handle_peer_document(jwks("k1").as_bytes(), published, p.now),
        Handled::Ignored
    );
    assert_eq!(
        p.ks.handle_peer_document(jwks("k0").as_bytes(), published - 1, p.now),
        Handled::Ignored
    );
    assert_eq!(p.ks.handle_peer_document(b"{}", published + 1, p.now), Handled::Ignored);
    // The unknown-kid cooldown runs from the peer's fetch.
    p.now = published + 29_999;
    assert_eq!(p.ks.handle_unknown_kid(p.now), KidMiss::Cooling);
    // A document fetched "later than now" (the clock stepped back): served, refetched at once.
    let mut q = pair(envoy_like());
    assert_eq!(
        q.ks.handle_peer_document(jwks("k1").as_bytes(), q.now + 7_200_000, q.now),
        Handled::Keys(1)
    );
    assert_eq!(q.ks.poll_timeout(), Some(0));
    assert_eq!(q.drive(|_| ok(jwks("k2"))), [Handled::Keys(2)]);
}

#[test]
fn a_peer_that_dies_holding_the_fetch_is_waited_for_until_its_lease_only() {
    let mut p = pair(envoy_like());
    let lease = p.now + 8_000;
    waiting_for_peer(&mut p, lease);
    // The peer renews its claim with each attempt: the wait follows it.
    p.now += 3_000;
    p.ks.handle_peer_lock(Some(p.now + 8_000), p.now);
    assert_eq!(p.ks.poll_timeout(), Some(p.now + 8_000));
    // It died: its lease ends, nothing was published; this key set fetches itself.
    p.step();
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(1)]);
    assert_eq!(p.requests.len(), 1);

    // A lease implausibly far ahead (a clock jump, a broken writer) is not waited for: the
    // caller takes the fetch over with the same request.
    let mut p = pair(envoy_like());
    let req = p.ks.poll_fetch(p.now).unwrap();
    assert!(!p.ks.handle_peer_fetching(req.id, p.now + 86_400_000, p.now));
    assert!(!p.ks.handle_peer_fetching(req.id, p.now - 1, p.now), "a lease already over");
    assert!(p.ks.is_fetching());
    assert_eq!(p.ks.handle_response(req.id, 200, jwks("k1").as_bytes(), p.now), Handled::Keys(1));

    // A peer that releases its claim without publishing: the wait ends at once.
    let mut p = pair(envoy_like());
    let lease = p.now + 8_000;
    waiting_for_peer(&mut p, lease);
    p.now += 1_000;
    p.ks.handle_peer_lock(None, p.now);
    assert_eq!(p.ks.poll_timeout(), Some(p.now));
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(1)]);
}

#[test]
fn a_peers_give_up_is_shared_unless_this_key_set_knows_better() {
    // Waiting for the peer: its give-up ends the wait with its reason, for the window.
    let mut p = pair(envoy_like());
    let since = p.now;
    let lease = p.now + 8_000;
    waiting_for_peer(&mut p, lease);
    assert!(!p.ks.handle_peer_failure(since - 1, "older", p.now), "from before the wait");
    p.now += 1_000;
    assert!(p.ks.handle_peer_failure(p.now, "JWKS host answered status 503", p.now));
    assert!(p.ks.gave_up(p.now) && !p.ks.in_cycle());
    assert_eq!(p.ks.last_error().unwrap().to_string(), "JWKS host answered status 503");
    assert_eq!(p.ks.last_error().unwrap().code(), Code::FetchFailed);
    assert_eq!(p.drive(|_| panic!("inside the shared window")), []);
    p.step();
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(1)]);
    // Keys fetched after the failure, or a window already over: not taken.
    assert!(!p.ks.handle_peer_failure(p.now - 1, "stale", p.now));
    assert!(!p.ks.handle_peer_failure(p.now - 6_000, "over", p.now + 1));
    // Our own cycle in progress: its own retries decide.
    let mut p = pair(envoy_like());
    assert_eq!(p.drive(|_| None), [Handled::Failed]);
    assert!(!p.ks.handle_peer_failure(p.now, "theirs", p.now));
    assert!(p.ks.in_cycle());
}

/// Envoy's shared data as the filter uses it for one key set: the fetch lock with its CAS
/// version, the published document and the give-up record.
#[derive(Default)]
struct Shared {
    lock: Option<(&'static str, u64)>,
    cas: u32,
    record: Option<(u64, String)>,
    fail: Option<(u64, String)>,
}

impl Shared {
    fn write_lock(&mut self, value: Option<(&'static str, u64)>, cas: Option<u32>) -> bool {
        if cas.is_some_and(|c| c != self.cas) {
            return false;
        }
        self.lock = value;
        self.cas += 1;
        true
    }
}

/// One worker VM: its key set and the filter's claim (read the lock, let the core judge a
/// peer's lease, write with CAS). `race` writes between the read and the write.
fn claim(
    vm: &'static str,
    ks: &mut RemoteKeySet,
    shared: &mut Shared,
    req: &FetchRequest,
    now: u64,
    race: impl FnOnce(&mut Shared),
) -> bool {
    let (current, cas) = (shared.lock, shared.cas);
    if let Some((holder, lease)) = current {
        if holder != vm && ks.handle_peer_fetching(req.id, lease, now) {
            return false;
        }
    }
    race(shared);
    if !shared.write_lock(Some((vm, ks.lease_until(now))), Some(cas)) {
        let lease = shared.lock.map_or(now, |(_, l)| l);
        assert!(ks.handle_peer_fetching(req.id, lease, now), "the winner's lease is plausible");
        return false;
    }
    true
}

#[test]
fn two_workers_fetch_once_through_the_lock_and_a_cas_conflict_makes_the_loser_wait() {
    let mut shared = Shared::default();
    let mut a = pair(envoy_like());
    let mut b = pair(envoy_like());
    let now = a.now;
    // Both want keys at once; B's write loses to A's, which lands between B's read and write.
    let req_b = b.ks.poll_fetch(now).unwrap();
    let req_a = a.ks.poll_fetch(now).unwrap();
    let mut a_won = false;
    let b_won = claim("vm2", &mut b.ks, &mut shared, &req_b, now, |s| {
        a_won = claim("vm1", &mut a.ks, s, &req_a, now, |_| {});
    });
    assert!(a_won && !b_won);
    assert!(b.ks.waiting_for_peer());
    assert_eq!(b.ks.poll_timeout(), Some(now + 8_000), "until A's lease");
    // A's fetch succeeds: it publishes and releases; B takes the document on its tick.
    assert_eq!(
        a.ks.handle_response(req_a.id, 200, jwks("k1").as_bytes(), now + 50),
        Handled::Keys(1)
    );
    let doc = a.ks.document().unwrap();
    shared.record = Some((doc.fetched_at_ms(), doc.text().into()));
    assert!(shared.write_lock(None, None));
    let tick = now + 1_000;
    let (at, text) = shared.record.clone().unwrap();
    assert_eq!(b.ks.handle_peer_document(text.as_bytes(), at, tick), Handled::Keys(1));
    assert!(!b.ks.in_cycle());
    b.now = tick;
    assert_eq!(b.fresh_kids(), ["k1"]);
    // Both refresh at the same time; one fetch again.
    let due = at + 540_000;
    let (ra, rb) = (a.ks.poll_fetch(due).unwrap(), b.ks.poll_fetch(due).unwrap());
    assert!(claim("vm1", &mut a.ks, &mut shared, &ra, due, |_| {}));
    assert!(!claim("vm2", &mut b.ks, &mut shared, &rb, due, |_| {}));
    // A gives up after its retries (renewing its claim per attempt); B shares the give-up.
    assert_eq!(a.ks.handle_failure(ra.id, due), Handled::Failed);
    let mut t;
    let last = loop {
        t = a.ks.poll_timeout().unwrap();
        let r = a.ks.poll_fetch(t).unwrap();
        assert!(claim("vm1", &mut a.ks, &mut shared, &r, t, |_| {}), "A renews its own claim");
        match a.ks.handle_failure(r.id, t) {
            Handled::GaveUp => break r,
            h => assert_eq!(h, Handled::Failed),
        }
    };
    assert!(last.id > ra.id);
    shared.fail = Some((t, "JWKS host answered status 503".into()));
    assert!(shared.write_lock(None, None));
    let (failed_at, reason) = shared.fail.clone().unwrap();
    assert!(b.ks.handle_peer_failure(failed_at, &reason, t + 500));
    assert!(b.ks.gave_up(t + 500));
    assert!(matches!(b.ks.keys(t + 500), Keys::Fresh(_)), "the keys at hand still decide");
}

#[test]
fn an_abandoned_request_is_not_a_failure_and_durations_can_change_per_call() {
    let mut config = KeySetConfig::new(Source::Jwks(JWKS_URL.into()));
    config.backoff_base_ms = 0; // npm's fetchJwks: every call that needs keys may fetch
    config.max_stale_ms = 0;
    let mut p = Pair { ks: RemoteKeySet::new(config), now: 1_000_000, requests: Vec::new() };
    let first = p.ks.poll_fetch(p.now).unwrap();
    assert!(!p.ks.handle_cancel(first.id + 1, p.now), "not the request in flight");
    assert!(p.ks.handle_cancel(first.id, p.now));
    assert!(p.ks.last_error().is_none() && !p.ks.in_cycle());
    assert_eq!(
        p.ks.handle_response(first.id, 200, jwks("late").as_bytes(), p.now),
        Handled::Ignored
    );
    // Asked again at once: no backoff for an abandoned request.
    let second = p.ks.poll_fetch(p.now).unwrap();
    assert_eq!(p.ks.handle_failure(second.id, p.now), Handled::Failed);
    assert_eq!(p.drive(|_| ok(jwks("k1"))), [Handled::Keys(1)], "backoff 0: retried at once");
    p.now += 60_000;
    p.ks.retime(30_000, 60_000);
    assert!(matches!(p.ks.keys(p.now), Keys::None), "one minute old, 1 min max age, no stale");
    p.ks.retime(0, 600_000);
    assert_eq!(p.fresh_kids(), ["k1"]);
    assert_eq!(p.ks.handle_unknown_kid(p.now), KidMiss::Refetch, "no cooldown any more");
}
