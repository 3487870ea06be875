//! `authorize` cost against the number of policy paths (10, 1,000, 10,000).
//!
//! `cargo bench --bench authorize` — divan (the project's bench harness, already a dev
//! dependency; criterion would add a second harness to compile) prints fastest / slowest /
//! median / mean; quote the median. The rule set mixes the three stores evenly (exact
//! `kv/data/team<i>/app`, prefix `kv/data/team<i>/*`, wildcard `kv/+/team<i>/config`, plus one
//! templated path), and each request hits the middle of the set so every store is consulted.
//! `build` is the once-per-identity cost (render templates + index), `authorize` the per-request
//! cost, which must not grow with the number of paths. `prepared_1000_templated` is a request
//! for an identity already rendered by [`PreparedPolicies`]; `render_each_call_1000_templated`
//! the same request rendering 1,000 templated paths first.

#![allow(clippy::unwrap_used)]

use divan::{black_box, Bencher};
use jwtgate::Alias;
use jwtgate::{parse_policy, Operation, Policy, TemplateContext};
use jwtgate::{Authorizer, PreparedPolicies, Request};
use jwtgate::{Limits, UnixTime};

fn main() {
    divan::main();
}

const SIZES: &[usize] = &[10, 1_000, 10_000];

fn policy(n: usize) -> Policy {
    let mut text = String::from(
        "path \"kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/*\" { capabilities = [\"read\"] }\n",
    );
    for i in 0..n.saturating_sub(1) {
        let line = match i % 3 {
            0 => format!("path \"kv/data/team{i}/app\" {{ capabilities = [\"read\"] }}\n"),
            1 => format!("path \"kv/data/team{i}/*\" {{ capabilities = [\"list\"] }}\n"),
            _ => format!("path \"kv/+/team{i}/config\" {{ capabilities = [\"update\"] }}\n"),
        };
        text.push_str(&line);
    }
    let limits = Limits { max_document_len: 4 << 20, ..Limits::default() };
    parse_policy("bench", &text, &limits).unwrap()
}

fn context() -> TemplateContext {
    let mut alias = Alias { name: "mongo".into(), ..Alias::default() };
    alias.metadata.insert("nomad_namespace".into(), "default".into());
    TemplateContext::for_alias(&alias, "AUTH_METHOD_ACCESSOR", UnixTime(1_700_000_000))
}

fn requests(n: usize) -> Vec<Request> {
    let mid = (n / 2 / 3) * 3; // an index whose rule is exact
    vec![
        Request::new(format!("kv/data/team{mid}/app"), Operation::Read),
        Request::new(format!("kv/data/team{}/x/y", mid + 1), Operation::List),
        Request::new(format!("kv/data/team{}/config", mid + 2), Operation::Update),
        Request::new("kv/data/default/mongo/config", Operation::Read),
        Request::new("secret/nothing/here", Operation::Read),
    ]
}

// 64 iterations per sample (~0.5 ms): single-iteration samples of a few microseconds let one
// interrupt or cache refill move the median by 2x between runs.
#[divan::bench(args = SIZES, sample_size = 64)]
fn authorize(bencher: Bencher, n: usize) {
    let authz = Authorizer::new(&[policy(n)], &context());
    let reqs = requests(n);
    assert!(authz.authorize(&reqs[0]).allowed);
    bencher.bench_local(|| {
        for r in &reqs {
            black_box(authz.authorize(black_box(r)));
        }
    });
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn build(bencher: Bencher, n: usize) {
    let p = [policy(n)];
    let ctx = context();
    bencher.bench_local(|| black_box(Authorizer::new(black_box(&p), &ctx)));
}

/// 1,000 path blocks, every one templated (the shape of issue 18's measurement).
fn templated_policy() -> Policy {
    let mut text = String::new();
    for i in 0..1_000 {
        text.push_str(&format!(
            "path \"kv/data/{{{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}}}/team{i}/*\" {{ capabilities = [\"read\"] }}\n"
        ));
    }
    let limits = Limits { max_document_len: 4 << 20, ..Limits::default() };
    parse_policy("bench", &text, &limits).unwrap()
}

/// A request through [`PreparedPolicies`] for an identity it has rendered before: what a
/// cached token pays per `authorize` (a context comparison, then the lookup). `render_each_call`
/// is the same request rendering the 1,000 templated paths afresh, as every call did before.
#[divan::bench(sample_size = 64)]
fn prepared_1000_templated(bencher: Bencher) {
    let mut prepared = PreparedPolicies::new(vec![templated_policy()]);
    let ctx = context();
    let req = Request::new("kv/data/default/team500/x", Operation::Read);
    assert!(prepared.authorizer(&ctx).authorize(&req).allowed);
    bencher.bench_local(|| black_box(prepared.authorizer(black_box(&ctx)).authorize(&req)));
}

#[divan::bench(sample_count = 20)]
fn render_each_call_1000_templated(bencher: Bencher) {
    let p = [templated_policy()];
    let ctx = context();
    let req = Request::new("kv/data/default/team500/x", Operation::Read);
    bencher.bench_local(|| black_box(Authorizer::new(black_box(&p), &ctx).authorize(&req)));
}
