//! src/README.md documents every error code, in the order `Code::ALL` lists them.
#![allow(clippy::std_instead_of_alloc)]

use jwtgate::Code;

#[test]
fn readme_code_table_matches_code_all() {
    let readme = include_str!("../src/README.md");
    let start = readme.find("<!-- codes:start").expect("codes:start marker");
    let end = readme.find("<!-- codes:end -->").expect("codes:end marker");
    let documented: Vec<&str> = readme[start..end]
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    let declared: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        documented, declared,
        "src/README.md error-code table is stale: run `python3 scripts/readme-codes.py`"
    );
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::BTreeSet::new();
    for code in Code::ALL {
        let text = code.as_str();
        assert!(text.starts_with("ERR_"), "{text}");
        assert!(text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
        assert!(seen.insert(text), "duplicate code {text}");
    }
}
