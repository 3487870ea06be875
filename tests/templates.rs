//! Runs `tests/vectors/templates/*.json` (format: tests/vectors/templates/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use jwtgate::__internal::render_template;
use jwtgate::TemplateContext;
use serde_json::Value;

#[test]
fn template_vectors() {
    let mut count = 0;
    for (file, doc) in support::load_kind("templates") {
        let base = doc["context"].as_object().cloned().unwrap_or_default();
        for case in doc["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let mut ctx_json = base.clone();
            if let Some(over) = case.get("context").and_then(Value::as_object) {
                for (k, v) in over {
                    ctx_json.insert(k.clone(), v.clone());
                }
            }
            let ctx: TemplateContext = serde_json::from_value(Value::Object(ctx_json)).unwrap();
            let got = render_template(case["template"].as_str().unwrap(), &ctx);
            let expect = &case["expect"];
            match (&got, expect.get("rendered")) {
                (Ok(s), Some(want)) => assert_eq!(s, want.as_str().unwrap(), "{file}: {name}"),
                (Ok(s), None) => panic!("{file}: {name}: rendered {s:?}, expected an error"),
                (Err(e), Some(_)) => panic!("{file}: {name}: unexpected error {e:?}"),
                (Err(e), None) => {
                    let text = e.error.to_string();
                    if let Some(want) = expect.get("error") {
                        assert_eq!(text, want.as_str().unwrap(), "{file}: {name}");
                    }
                    if let Some(prefix) = expect.get("error_prefix") {
                        assert!(
                            text.starts_with(prefix.as_str().unwrap()),
                            "{file}: {name}: {text}"
                        );
                    }
                    if let Some(d) = expect.get("directive") {
                        assert_eq!(e.directive, d.as_str().unwrap(), "{file}: {name}");
                    }
                }
            }
            count += 1;
        }
    }
    assert!(count >= 40, "only {count} template vectors");
}
