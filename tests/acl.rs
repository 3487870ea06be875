//! Runs `tests/vectors/acl/*.json` (format: tests/vectors/acl/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jwtgate::authorize::{Authorizer, Request};
use jwtgate::policy::http::{HttpOptions, WriteAs};
use jwtgate::policy::{parse_policy, Operation, TemplateContext};
use jwtgate::Limits;
use serde_json::Value;

fn files(dir: &str) -> Vec<(String, Value)> {
    let path = format!("{}/tests/vectors/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut entries: Vec<_> =
        std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.display().to_string(),
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

fn request(case: &Value) -> Request {
    if let Some(h) = case.get("http") {
        let mut opts = HttpOptions::default();
        if let Some(p) = h.get("prefix") {
            opts.prefix = p.as_str().unwrap().to_string();
        }
        if let Some(w) = h.get("write_as") {
            opts.write_as = serde_json::from_value::<WriteAs>(w.clone()).unwrap();
        }
        return Request::from_http(
            h["method"].as_str().unwrap(),
            h["target"].as_str().unwrap(),
            &opts,
        )
        .unwrap();
    }
    let r = &case["request"];
    let mut req = Request::new(
        r["path"].as_str().unwrap(),
        Operation::parse(r["operation"].as_str().unwrap()).unwrap(),
    );
    req.sudo_required = r.get("sudo_required").and_then(Value::as_bool).unwrap_or(false);
    req.wrap_ttl = r.get("wrap_ttl").and_then(Value::as_i64);
    req
}

#[test]
fn acl_vectors() {
    let mut count = 0;
    for (file, doc) in files("acl") {
        for case in doc["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let policies: Vec<_> = case["policies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    parse_policy(
                        p["name"].as_str().unwrap(),
                        p["text"].as_str().unwrap(),
                        &Limits::default(),
                    )
                    .unwrap()
                })
                .collect();
            let ctx: TemplateContext = match case.get("context") {
                Some(c) => serde_json::from_value(c.clone()).unwrap(),
                None => TemplateContext::default(),
            };
            let report = Authorizer::new(&policies, &ctx).authorize(&request(case));
            let json = serde_json::to_value(&report).unwrap();
            let expect = &case["expect"];
            let ctx_msg =
                format!("{file}: {name}: {}", serde_json::to_string_pretty(&json).unwrap());
            assert_eq!(report.allowed, expect["allowed"].as_bool().unwrap(), "{ctx_msg}");
            assert_eq!(json["decision"], if report.allowed { "allowed" } else { "denied" });
            if let Some(v) = expect.get("via") {
                assert_eq!(&json["via"], v, "{ctx_msg}");
            }
            if let Some(w) = expect.get("winner") {
                assert_eq!(
                    &json["winner"]["pattern"],
                    if w.is_null() { &Value::Null } else { w },
                    "{ctx_msg}"
                );
                if w.is_null() {
                    assert!(report.winner.is_none(), "{ctx_msg}");
                }
            }
            if let Some(ps) = expect.get("winner_policies") {
                let got: Vec<&str> = report
                    .winner
                    .as_ref()
                    .unwrap()
                    .sources
                    .iter()
                    .map(|s| s.policy.as_str())
                    .collect();
                let want: Vec<&str> =
                    ps.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
                assert_eq!(got, want, "{ctx_msg}");
            }
            if let Some(c) = expect.get("winner_capabilities") {
                assert_eq!(&json["winner"]["capabilities"], c, "{ctx_msg}");
            }
            if let Some(l) = expect.get("losers") {
                let got: Vec<(String, String)> = report
                    .others
                    .iter()
                    .map(|o| (o.rule.pattern.clone(), o.reason.to_string()))
                    .collect();
                let want: Vec<(String, String)> = l
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string())
                    })
                    .collect();
                assert_eq!(got, want, "{ctx_msg}");
            }
            if let Some(p) = expect.get("path") {
                assert_eq!(&json["request"]["path"], p, "{ctx_msg}");
            }
            if let Some(o) = expect.get("operation") {
                assert_eq!(&json["request"]["operation"], o, "{ctx_msg}");
            }
            if let Some(d) = expect.get("dropped") {
                let got: Vec<&str> = report.dropped.iter().map(|d| d.path.as_str()).collect();
                let want: Vec<&str> =
                    d.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
                assert_eq!(got, want, "{ctx_msg}");
            }
            // The last step always states the decision.
            let last = report.steps.last().unwrap();
            assert_eq!(last.id, "decision");
            count += 1;
        }
    }
    assert!(count >= 45, "only {count} acl vectors");
}
