//! `bound_claims_type = "glob"` matching: go-glob semantics (`ryanuber/go-glob`) — only `*`
//! is special (any run of characters, including none), the whole subject must match, matching
//! is case-sensitive, there is no escaping.
//!
//! Divergence (recorded in `tests/vectors/known-divergences.json`): go-glob v1.0.0, which
//! Vault pins, accepts a subject that runs out just before a one-character final segment
//! (`ab*c` matches `ab`, `*a*b` matches `ba`), and panics when the final segment is longer.
//! jwtgate matches correctly and reports, through [`go_glob_v1`], when Vault would disagree.

/// Whether `pattern` matches all of `subject`.
pub fn matches(pattern: &str, subject: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else { return pattern == subject };
    let Some(mut rest) = subject.strip_prefix(first) else { return false };
    let middle: alloc::vec::Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        // No `*` at all: plain equality.
        return rest.is_empty();
    };
    // Leftmost match of each middle segment is optimal when `*` is the only wildcard.
    for seg in middle {
        match rest.find(seg) {
            Some(i) => rest = rest.get(i + seg.len()..).unwrap_or(""),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// What go-glob v1.0.0 (Vault's pinned version) answers for the same inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoGlob {
    /// go-glob matches.
    Match,
    /// go-glob does not match.
    NoMatch,
    /// go-glob slices out of range: the Vault request fails with an internal error.
    Panic,
}

/// A model of go-glob v1.0.0's `Glob`, used only to explain divergences.
pub fn go_glob_v1(pattern: &str, subject: &str) -> GoGlob {
    if pattern.is_empty() {
        return if subject.is_empty() { GoGlob::Match } else { GoGlob::NoMatch };
    }
    let parts: alloc::vec::Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return if subject == pattern { GoGlob::Match } else { GoGlob::NoMatch };
    }
    let leading = pattern.starts_with('*');
    let trailing = pattern.ends_with('*');
    let end = parts.len() - 1;
    let mut subj = subject;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if leading {
                continue;
            }
            if !subj.starts_with(part) {
                return GoGlob::NoMatch;
            }
        } else if i == end {
            if !subj.is_empty() {
                return if trailing || subj.ends_with(part) {
                    GoGlob::Match
                } else {
                    GoGlob::NoMatch
                };
            }
        } else if !subj.contains(part) {
            return GoGlob::NoMatch;
        }
        // `strings.Index(subj, part) + len(part)`: -1 + len when absent (only possible at the
        // end with an exhausted subject).
        let idx = subj.find(part).map_or(-1, |i| i as isize) + part.len() as isize;
        match usize::try_from(idx).ok().and_then(|i| subj.get(i..)) {
            Some(s) => subj = s,
            None => return GoGlob::Panic,
        }
    }
    GoGlob::Match
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_semantics() {
        let yes = [
            ("*", ""),
            ("*", "abc"),
            ("a*", "a"),
            ("*c", "abc"),
            ("a*c", "abbbc"),
            ("a*b*c", "abc"),
            ("a**c", "ac"),
            ("api-*-prod", "api-x-prod"),
            ("", ""),
            ("abc", "abc"),
            ("a*a", "aa"),
        ];
        for (p, s) in yes {
            assert!(matches(p, s), "{p} should match {s}");
        }
        let no = [
            ("", "a"),
            ("abc", "abd"),
            ("a*", "ba"),
            ("*c", "cb"),
            ("ab*c", "ab"),
            ("*a*b", "ba"),
            ("a*a", "a"),
            ("A*", "a"),
            ("a?c", "abc"),
        ];
        for (p, s) in no {
            assert!(!matches(p, s), "{p} should not match {s}");
        }
    }

    #[test]
    fn go_glob_quirk_model() {
        assert_eq!(go_glob_v1("ab*c", "ab"), GoGlob::Match);
        assert_eq!(go_glob_v1("*a*b", "ba"), GoGlob::Match);
        assert_eq!(go_glob_v1("ab*cd", "ab"), GoGlob::Panic);
        assert_eq!(go_glob_v1("a*c", "abc"), GoGlob::Match);
        assert_eq!(go_glob_v1("a*c", "abd"), GoGlob::NoMatch);
    }

    mod prop {
        use super::super::*;
        use alloc::format;
        use alloc::vec;
        use alloc::vec::Vec;
        use proptest::prelude::*;

        /// Textbook wildcard matching by dynamic programming over characters, written from
        /// the go-glob contract (`*` = any run, everything else literal, whole subject):
        /// `m[i][j]` = the first `i` pattern characters match the first `j` subject ones.
        fn reference(pattern: &str, subject: &str) -> bool {
            let p: Vec<char> = pattern.chars().collect();
            let s: Vec<char> = subject.chars().collect();
            let mut m = vec![vec![false; s.len() + 1]; p.len() + 1];
            m[0][0] = true;
            for i in 1..=p.len() {
                for j in 0..=s.len() {
                    m[i][j] = if p[i - 1] == '*' {
                        m[i - 1][j] || (j > 0 && m[i][j - 1])
                    } else {
                        j > 0 && m[i - 1][j - 1] && p[i - 1] == s[j - 1]
                    };
                }
            }
            m[p.len()][s.len()]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            /// A two-letter alphabet makes overlapping and repeated segments common.
            #[test]
            fn agrees_with_the_reference(p in "[ab*]{0,8}", s in "[ab]{0,10}") {
                prop_assert_eq!(matches(&p, &s), reference(&p, &s), "{:?} vs {:?}", p, s);
            }

            #[test]
            fn agrees_on_any_text(p in "[a\\u{e9}\\u{1F600}*.?]{0,8}", s in "[a\\u{e9}\\u{1F600}.?]{0,10}") {
                prop_assert_eq!(matches(&p, &s), reference(&p, &s), "{:?} vs {:?}", p, s);
            }

            /// Vault's go-glob v1.0.0 only ever over-accepts or fails: whenever the correct
            /// answer is a match, the model says match too (the divergence is one-sided).
            #[test]
            fn go_glob_model_only_over_accepts(p in "[ab*]{0,8}", s in "[ab]{0,10}") {
                let go = go_glob_v1(&p, &s);
                if reference(&p, &s) {
                    prop_assert_eq!(go, GoGlob::Match, "{:?} vs {:?}", p, s);
                }
                // Without a `*` there is nothing to diverge on.
                if !p.contains('*') {
                    prop_assert_eq!(go == GoGlob::Match, p == s);
                }
            }

            #[test]
            fn never_panics(p in "\\PC{0,16}", s in "\\PC{0,16}") {
                let _ = matches(&p, &s);
                let _ = go_glob_v1(&p, &s);
            }

            /// A literal subject always matches itself, and `*` around it still matches.
            #[test]
            fn literal_and_star_wrapped(s in "[a-z.-]{0,12}") {
                prop_assert!(matches(&s, &s));
                let wrapped = format!("*{s}*");
                prop_assert!(matches(&wrapped, &s));
            }
        }
    }
}
