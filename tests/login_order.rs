//! Runs `tests/vectors/login-order/*.json` (format: tests/vectors/login-order/README.md): the
//! analysis, each suggested fix re-analysed, and the login simulation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

mod support;

use std::collections::BTreeSet;

use jwtgate::parse_policy;
use jwtgate::Request;
use jwtgate::VaultRole;
use jwtgate::{analyze_login_order, login_order_note, simulate_logins, suggest_login_fix};
use jwtgate::{login_order_depends, login_order_free_keys, Alias, Authorizer, TemplateContext};
use jwtgate::{Knowledge, Setup, Severity, Step};
use jwtgate::{Limits, UnixTime};
use serde_json::{json, Value};

fn setup(file: &str, doc: &Value) -> Setup {
    let dir = support::vectors_dir().join("login-order");
    let limits = Limits::default();
    let role_bytes = match doc.get("roleFile") {
        Some(f) => std::fs::read(dir.join(f.as_str().unwrap())).unwrap(),
        None => serde_json::to_vec(&doc["role"]).unwrap(),
    };
    let role = VaultRole::from_json(&role_bytes, &limits).unwrap();
    let policies = doc["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let text = match p.get("file") {
                Some(f) => std::fs::read_to_string(dir.join(f.as_str().unwrap())).unwrap(),
                None => p["text"].as_str().unwrap().to_string(),
            };
            parse_policy(name, &text, &limits).unwrap_or_else(|e| panic!("{file}: {e}"))
        })
        .collect();
    let mut s = Setup::new(role, doc["roleName"].as_str().unwrap(), policies);
    if let Some(k) = doc.get("knowledge") {
        s.knowledge = serde_json::from_value::<Knowledge>(k.clone()).unwrap();
    }
    s
}

fn check_analysis(file: &str, doc: &Value, s: &Setup) {
    let a = analyze_login_order(s);
    let want = &doc["analysis"];
    assert_eq!(a.hazard, want["hazard"].as_bool().unwrap(), "{file}: hazard; {a:#?}");
    if let Some(findings) = want.get("findings").and_then(Value::as_array) {
        let got = serde_json::to_value(&a.findings).unwrap();
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), findings.len(), "{file}: findings {got:#?}");
        for (g, w) in got.iter().zip(findings) {
            for (k, v) in w.as_object().unwrap() {
                let actual = match k.as_str() {
                    "ownPath" | "pathAfterB" | "crosses" => &g["example"][k],
                    _ => &g[k],
                };
                assert_eq!(actual, v, "{file}: finding field {k} in {g:#}");
            }
            assert!(!g["message"].as_str().unwrap().is_empty(), "{file}: message");
        }
    }
    let suggestions = suggest_login_fix(s, &a);
    if let Some(w) = want.get("suggestions") {
        let got: Vec<&str> = suggestions.iter().map(|x| x.user_claim.as_str()).collect();
        let want: Vec<&str> = w.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(got, want, "{file}: suggestions");
    }
    // Each suggestion, applied independently of `suggest`, leaves no hazard.
    for sug in &suggestions {
        let mut fixed = s.clone();
        fixed.role = sug.role.clone();
        fixed.knowledge.extra_claims.extend(sug.extra_claims.clone());
        let after = analyze_login_order(&fixed);
        assert!(!after.hazard, "{file}: suggestion {} leaves {:#?}", sug.title, after.findings);
        if sug.user_claim == "/extra_claims/nomad_workload_id" {
            let cfg = sug.nomad_agent_config.as_deref().unwrap();
            assert!(cfg.contains("default_identity {") && cfg.contains("extra_claims {"), "{cfg}");
            assert!(
                cfg.contains(r#"nomad_workload_id = "${job.region}:${job.namespace}:${job.id}""#)
            );
        }
    }
}

fn check_simulation(file: &str, doc: &Value, s: &Setup) {
    let Some(sim) = doc.get("simulation") else { return };
    let steps: Vec<Step> = serde_json::from_value(sim["steps"].clone()).unwrap();
    let request = sim.get("request").map(|r| {
        Request::parse(r["path"].as_str().unwrap(), r["operation"].as_str().unwrap()).unwrap()
    });
    let out = simulate_logins(
        s,
        &steps,
        request.as_ref(),
        doc["accessor"].as_str().unwrap(),
        UnixTime(doc["now"].as_i64().unwrap()),
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"));
    let expect = sim["expect"].as_array().unwrap();
    assert_eq!(out.steps.len(), expect.len(), "{file}: steps");
    for (got, want) in out.steps.iter().zip(expect) {
        let at = format!("{file}: step {}", got.step);
        if let Some(a) = want.get("alias") {
            assert_eq!(got.alias.as_deref(), a.as_str(), "{at}: alias");
        }
        if let Some(m) = want.get("aliasMetadata") {
            assert_eq!(json!(got.alias_metadata), *m, "{at}: alias metadata");
        }
        if let Some(d) = want.get("decisions") {
            let map: serde_json::Map<String, Value> =
                got.decisions.iter().map(|x| (x.token.clone(), json!(x.decision))).collect();
            assert_eq!(Value::Object(map), *d, "{at}: decisions {:#?}", got.decisions);
        }
        let order: BTreeSet<&str> =
            got.decisions.iter().filter(|d| d.depends_on_order).map(|d| d.token.as_str()).collect();
        let want_order: BTreeSet<&str> = want
            .get("dependsOnOrder")
            .and_then(Value::as_array)
            .map(|v| v.iter().map(|x| x.as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(order, want_order, "{at}: dependsOnOrder");
        assert_eq!(got.error.as_ref().map(|e| e.code), want.get("error").and_then(Value::as_str));
    }
    assert!(
        out.notes.iter().any(|n| n.contains("not checked")),
        "{file}: notes say what was skipped"
    );
}

/// The note a verdict carries under this setup: absent exactly when no hazard is expected;
/// otherwise the expected security and reliability findings, in order, and as the fix the
/// first expected suggestion.
fn check_note(file: &str, doc: &Value, s: &Setup) {
    let note = login_order_note(s);
    let want = &doc["analysis"];
    assert_eq!(note.is_some(), want["hazard"].as_bool().unwrap(), "{file}: note {note:#?}");
    let Some(note) = note else { return };
    assert!(note.hazards.iter().all(|f| f.severity != Severity::Notice), "{file}: notices");
    if let Some(findings) = want.get("findings").and_then(Value::as_array) {
        let codes: Vec<&str> = note.hazards.iter().map(|f| f.code.as_str()).collect();
        let keys: Vec<Option<&str>> = note.hazards.iter().map(|f| f.alias_key.as_deref()).collect();
        let hazards: Vec<&Value> = findings.iter().filter(|f| f["severity"] != "notice").collect();
        let want_codes: Vec<&str> = hazards.iter().map(|f| f["code"].as_str().unwrap()).collect();
        let want_keys: Vec<Option<&str>> = hazards.iter().map(|f| f["aliasKey"].as_str()).collect();
        assert_eq!((codes, keys), (want_codes, want_keys), "{file}: note hazards");
    }
    if let Some(first) = want.get("suggestions").and_then(|s| s.get(0)) {
        let fix = note.fix.as_ref().unwrap_or_else(|| panic!("{file}: no fix in the note"));
        assert_eq!(Some(fix.user_claim.as_str()), first.as_str(), "{file}: note fix");
        assert!(fix.verified, "{file}: the note's fix is verified");
    }
}

/// Each single answer: the policies decide it as expected for the token's own alias, and it
/// depends on login order exactly when the vector says, with the other login it names.
fn check_answers(file: &str, doc: &Value, s: &Setup) {
    let Some(answers) = doc.get("answers").and_then(Value::as_array) else { return };
    let free = login_order_free_keys(&analyze_login_order(s));
    let accessor = doc["accessor"].as_str().unwrap();
    for (i, a) in answers.iter().enumerate() {
        let at = format!("{file}: answers[{i}]");
        let alias = Alias {
            name: a["alias"]["name"].as_str().unwrap().into(),
            metadata: serde_json::from_value(a["alias"]["metadata"].clone()).unwrap(),
            groups: Vec::new(),
        };
        let ctx =
            TemplateContext::for_alias(&alias, accessor, UnixTime(doc["now"].as_i64().unwrap()));
        let r = &a["request"];
        let req =
            Request::parse(r["path"].as_str().unwrap(), r["operation"].as_str().unwrap()).unwrap();
        let allowed = Authorizer::new(&s.policies, &ctx).authorize(&req).allowed;
        assert_eq!(allowed, a["allowed"].as_bool().unwrap(), "{at}: allowed");
        let dep = login_order_depends(&s.policies, &ctx, accessor, &free, &req, allowed);
        assert_eq!(dep.is_some(), a["dependsOnOrder"].as_bool().unwrap(), "{at}: {dep:#?}");
        let Some(dep) = dep else { continue };
        assert!(dep.exact, "{at}: exact");
        assert_eq!(json!(dep.login), a["login"], "{at}: the other login");
        assert_eq!(dep.verdict, if allowed { "allowed" } else { "denied" }, "{at}");
        assert_eq!(dep.otherwise, if allowed { "denied" } else { "allowed" }, "{at}");
        assert!(dep.message.contains(&format!("{:?}", alias.name)), "{at}: {}", dep.message);
    }
}

#[test]
fn login_order_vectors() {
    let docs = support::load_kind("login-order");
    assert!(docs.len() >= 7, "login-order vectors missing");
    for (file, doc) in &docs {
        let s = setup(file, doc);
        check_analysis(file, doc, &s);
        check_note(file, doc, &s);
        check_answers(file, doc, &s);
        check_simulation(file, doc, &s);
    }
}

#[test]
fn bad_steps_are_typed_errors() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(support::vectors_dir().join("login-order/tutorial.json")).unwrap(),
    )
    .unwrap();
    let s = setup("tutorial.json", &doc);
    let run = |steps: Value| {
        let steps: Vec<Step> = serde_json::from_value(steps).unwrap();
        simulate_logins(&s, &steps, None, "AUTH_METHOD_ACCESSOR", UnixTime(0))
    };
    let e = run(json!([{"request": {"token": "nobody", "path": "kv/x", "operation": "read"}}]))
        .unwrap_err();
    assert_eq!(e.code().as_str(), "ERR_OPTIONS_INVALID");
    assert!(e.to_string().contains("\"nobody\""), "{e}");
    let c = json!({"nomad_job_id": "web"});
    let e = run(json!([{"login": "a", "claims": c}, {"login": "a", "claims": c}])).unwrap_err();
    assert!(e.to_string().contains("logs in twice"), "{e}");
    let e = run(json!([{"login": "a", "claims": c},
        {"request": {"token": "a", "path": "kv/x", "operation": "frobnicate"}}]))
    .unwrap_err();
    assert!(e.to_string().contains("frobnicate"), "{e}");
    let many: Vec<Value> =
        (0..300).map(|i| json!({"login": format!("t{i}"), "claims": c})).collect();
    assert!(run(Value::Array(many)).unwrap_err().to_string().contains("at most 256"));
    // A failed login is a step with an error, and leaves the alias alone.
    let out =
        run(json!([{"login": "a", "claims": c}, {"login": "b", "claims": {"nomad_job_id": 5}},
        {"login": "e", "claims": {"nomad_job_id": ""}}]))
        .unwrap();
    assert_eq!(out.steps[1].error.as_ref().unwrap().code, "ERR_USER_CLAIM_NOT_STRING");
    assert_eq!(out.steps[2].error.as_ref().unwrap().code, "ERR_ALIAS_NAME_EMPTY");
    assert_eq!(out.aliases.len(), 1);
}
