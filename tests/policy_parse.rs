//! Runs `tests/vectors/policy/*.json` (format: tests/vectors/policy/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use jwtgate::Limits;
use jwtgate::{parse_policy, PolicyError};

#[test]
fn policy_parse_vectors() {
    let mut count = 0;
    for (file, doc) in support::load_kind("policy") {
        for case in doc["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let got = parse_policy("vector", case["text"].as_str().unwrap(), &Limits::default());
            let expect = &case["expect"];
            if let Some(ok) = expect.get("ok") {
                let p = got.unwrap_or_else(|e| panic!("{file}: {name}: {e}"));
                assert_eq!(p.paths.len() as u64, ok["paths"].as_u64().unwrap(), "{file}: {name}");
                if let Some(t) = ok.get("templated") {
                    assert_eq!(p.templated, t.as_bool().unwrap(), "{file}: {name}");
                }
                if let Some(caps) = ok.get("capabilities") {
                    let got: Vec<Vec<&str>> =
                        p.paths.iter().map(|r| r.capabilities.names()).collect();
                    let want: Vec<Vec<&str>> = caps
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| {
                            l.as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect()
                        })
                        .collect();
                    assert_eq!(got, want, "{file}: {name}");
                }
                if let Some(keys) = ok.get("allowed_parameters") {
                    let got: Vec<&String> =
                        p.paths[0].allowed_parameters.as_ref().unwrap().keys().collect();
                    let want: Vec<&str> =
                        keys.as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
                    assert_eq!(got, want, "{file}: {name}");
                }
                for key in ["min_wrapping_ttl", "max_wrapping_ttl"] {
                    if let Some(v) = ok.get(key) {
                        let got = if key.starts_with("min") {
                            p.paths[0].min_wrapping_ttl
                        } else {
                            p.paths[0].max_wrapping_ttl
                        };
                        assert_eq!(got, v.as_i64(), "{file}: {name}: {key}");
                    }
                }
            } else {
                let want = &expect["error"];
                let e = match got {
                    Ok(p) => panic!("{file}: {name}: parsed, expected an error: {p:?}"),
                    Err(e) => e,
                };
                let text = e.to_string();
                assert_eq!(
                    e.code().as_str(),
                    want["code"].as_str().unwrap(),
                    "{file}: {name}: {text}"
                );
                if let Some(c) = want.get("contains") {
                    assert!(text.contains(c.as_str().unwrap()), "{file}: {name}: {text}");
                }
                let (line, column, snippet) = match &e {
                    PolicyError::Syntax { line, column, snippet, .. } => {
                        (*line, *column, Some(snippet.clone()))
                    }
                    PolicyError::Invalid { line, column, snippet, .. } => {
                        (*line, *column, Some(snippet.clone()))
                    }
                    PolicyError::Json {
                        error: jwtgate::JsonError::Invalid { line, column, .. },
                        ..
                    } => (*line, *column, None),
                    _ => (0, 0, None),
                };
                if let Some(l) = want.get("line") {
                    assert_eq!(line as u64, l.as_u64().unwrap(), "{file}: {name}: {text}");
                }
                if let Some(c) = want.get("column") {
                    assert_eq!(column as u64, c.as_u64().unwrap(), "{file}: {name}: {text}");
                }
                if let Some(s) = want.get("snippet") {
                    assert_eq!(snippet.as_deref(), s.as_str(), "{file}: {name}");
                }
            }
            count += 1;
        }
    }
    assert!(count >= 20, "only {count} policy vectors");
}

mod never_panics {
    use jwtgate::__internal::render_template;
    use jwtgate::HttpOptions;
    use jwtgate::Limits;
    use jwtgate::Request;
    use jwtgate::{parse_policy, TemplateContext};
    use proptest::prelude::*;

    fn hclish() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("path"),
                Just("\""),
                Just("{"),
                Just("}"),
                Just("["),
                Just("]"),
                Just("="),
                Just(","),
                Just("capabilities"),
                Just("read"),
                Just("\n"),
                Just("#"),
                Just("//"),
                Just("/*"),
                Just("*/"),
                Just("<<EOF\n"),
                Just("EOF"),
                Just("\\"),
                Just("{{"),
                Just("}}"),
                Just("+"),
                Just("*"),
                Just("-1.5e"),
                Just("é"),
                Just(" "),
            ],
            0..40,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]
        #[test]
        fn policy_parser_and_renderer_never_panic(s in hclish(), raw in ".{0,64}") {
            let _ = parse_policy("fuzz", &s, &Limits::default());
            let _ = parse_policy("fuzz", &raw, &Limits::default());
            let _ = render_template(&s, &TemplateContext::default());
            let _ = render_template(&raw, &TemplateContext::default());
            let _ = Request::from_http("GET", &raw, &HttpOptions::default());
            let _ = jwtgate::parse_trust_policy(&raw, &Limits::default());
        }
    }
}
