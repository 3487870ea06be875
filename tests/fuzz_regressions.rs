//! Replays the committed fuzz corpus entries (`tests/vectors/fuzz/<target>/*`, format in that
//! folder's README) through the same harness the cargo-fuzz targets run
//! (`tests/fuzz/harness.rs`), on stable Rust: every entry must come back with each stage `Ok`
//! or a typed error with a published code (a panic fails the test), and the entries listed in
//! `tests/vectors/fuzz/expect.json` — the ones that crashed or misbehaved before a fix — must
//! produce exactly the outcomes recorded there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

#[path = "fuzz/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("vectors").join("fuzz")
}

/// The corpus entries of one target, sorted, as (file name, bytes).
fn entries(target: &str) -> Vec<(String, Vec<u8>)> {
    let d = dir().join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn render(stages: &[harness::Stage]) -> Vec<String> {
    stages
        .iter()
        .map(|(name, r)| match r {
            Ok(()) => format!("{name}=ok"),
            Err(code) => format!("{name}={code}"),
        })
        .collect()
}

#[test]
fn every_entry_returns_typed_outcomes() {
    let mut total = 0;
    for (target, run) in harness::TARGETS {
        let list = entries(target);
        assert!(!list.is_empty(), "{target}: no corpus entries");
        for (file, bytes) in &list {
            let stages = run(bytes);
            assert!(!stages.is_empty(), "{target}/{file}: no stage ran");
            for (name, r) in &stages {
                if let Err(code) = r {
                    let known = code.starts_with("template:")
                        || jwtgate::Code::ALL.iter().any(|c| c.as_str() == code);
                    assert!(known, "{target}/{file}: {name} returned unknown code {code}");
                }
            }
            total += 1;
        }
    }
    assert!(total >= 40, "the fuzz regression corpus shrank to {total} entries");
}

#[test]
fn fixed_crashes_keep_their_outcomes() {
    let text = std::fs::read_to_string(dir().join("expect.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut seen = BTreeSet::new();
    for e in doc["entries"].as_array().unwrap() {
        let target = e["target"].as_str().unwrap();
        let file = e["file"].as_str().unwrap();
        assert!(e["why"].as_str().is_some_and(|w| !w.is_empty()), "{file}: `why` is empty");
        assert!(seen.insert((target, file)), "{target}/{file} listed twice");
        let run = harness::TARGETS.iter().find(|(t, _)| *t == target).unwrap().1;
        let bytes = std::fs::read(dir().join(target).join(file))
            .unwrap_or_else(|err| panic!("{target}/{file}: {err}"));
        let got = render(&run(&bytes));
        for want in e["outcomes"].as_array().unwrap() {
            let want = want.as_str().unwrap();
            assert!(got.iter().any(|g| g == want), "{target}/{file}: expected {want}, got {got:?}");
        }
    }
}

#[test]
fn every_target_has_a_directory_and_nothing_else_is_there() {
    let targets: BTreeSet<&str> = harness::TARGETS.iter().map(|(t, _)| *t).collect();
    for e in std::fs::read_dir(dir()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            assert!(targets.contains(name.as_str()), "tests/vectors/fuzz/{name}: no such target");
        } else {
            assert!(
                ["README.md", "expect.json", "entries.mjs"].contains(&name.as_str()),
                "stray file {name}"
            );
        }
    }
}

/// Not a test: the tool that picks the regression entries. With `FUZZ_CORPUS=<dir>` (a
/// cargo-fuzz corpus root, e.g. `tests/fuzz/corpus` after `cargo fuzz cmin`), copies into
/// `tests/vectors/fuzz/<target>/` the smallest input of every distinct outcome signature (the
/// list of stage results) not already represented there, named by its SHA-256 prefix.
/// `cargo test --test fuzz_regressions -- --ignored select_entries`.
#[test]
#[ignore = "a corpus-selection tool, run by hand"]
fn select_entries() {
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;
    let Ok(root) = std::env::var("FUZZ_CORPUS") else { return };
    for (target, run) in harness::TARGETS {
        let mut have: BTreeSet<Vec<String>> = BTreeSet::new();
        for (_, bytes) in entries(target) {
            have.insert(render(&run(&bytes)));
        }
        let src = PathBuf::from(&root).join(target);
        let Ok(list) = std::fs::read_dir(&src) else { continue };
        let mut best: BTreeMap<Vec<String>, Vec<u8>> = BTreeMap::new();
        for e in list {
            // A running fuzzer may delete corpus files meanwhile.
            let Ok(bytes) = std::fs::read(e.unwrap().path()) else { continue };
            let sig = render(&run(&bytes));
            if have.contains(&sig) {
                continue;
            }
            let slot = best.entry(sig).or_insert_with(|| bytes.clone());
            if bytes.len() < slot.len() {
                *slot = bytes;
            }
        }
        for bytes in best.values() {
            let hash = Sha256::digest(bytes);
            let name: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
            std::fs::write(dir().join(target).join(name), bytes).unwrap();
        }
        println!("{target}: {} new entries", best.len());
    }
}
