//! `bound_claims_type = "glob"` matching: go-glob semantics (`ryanuber/go-glob` v1.0.0, the
//! version Vault pins) — only `*` is special (any run of characters, including none), the whole
//! subject must match, matching is case-sensitive, there is no escaping.
//!
//! go-glob splits the pattern at `*`, requires the first part as a prefix, finds each middle
//! part leftmost in what is left, and ends with
//! `return trailingGlob || strings.HasSuffix(subj, parts[end])`: exactly anchored glob
//! matching, with no quirk (an older note claimed one; it was removed from go-glob in 2016).
//!
//! Cost: a role may bind a thousand patterns and a token carry hundreds of values, so one
//! match must be cheap. This one allocates nothing and is linear in pattern + subject: the
//! prefix and suffix are compared in place, and each middle segment is found with core's
//! substring search (Two-Way, linear) starting where the previous one ended, so no byte of the
//! subject is searched twice. Taking each segment at its leftmost position is optimal when
//! `*` is the only wildcard: any later match leaves less room for the rest.

/// Whether `pattern` matches all of `subject`.
#[cfg(test)]
pub fn matches(pattern: &str, subject: &str) -> bool {
    Glob::new(pattern).matches(subject)
}

/// A pattern split once at its `*`s, to be matched against many subjects.
#[derive(Clone, Copy, Debug)]
pub struct Glob<'a> {
    /// Text before the first `*` (the whole pattern when it has none).
    first: &'a str,
    /// Text between the first and the last `*` (`None` without any `*`).
    middle: Option<&'a str>,
    /// Text after the last `*`.
    last: &'a str,
    /// Whether `middle` holds a `*` (more than one middle segment).
    segmented: bool,
    /// The fewest bytes a matching subject has: the pattern without its `*`s.
    min_len: usize,
}

impl<'a> Glob<'a> {
    /// Splits `pattern` (no allocation).
    pub fn new(pattern: &'a str) -> Self {
        let stars = pattern.bytes().filter(|&b| b == b'*').count();
        let min_len = pattern.len() - stars;
        match pattern.split_once('*') {
            None => Glob { first: pattern, middle: None, last: "", segmented: false, min_len },
            Some((first, rest)) => {
                let (middle, last) = rest.rsplit_once('*').unwrap_or(("", rest));
                let segmented = middle.contains('*');
                Glob { first, middle: Some(middle), last, segmented, min_len }
            }
        }
    }

    /// Whether the pattern matches all of `subject`.
    pub fn matches(&self, subject: &str) -> bool {
        let Some(middle) = self.middle else { return self.first == subject };
        // Prefix and suffix in place, and no room for them to overlap.
        if subject.len() < self.min_len
            || (!self.first.is_empty() && !subject.starts_with(self.first))
            || (!self.last.is_empty() && !subject.ends_with(self.last))
        {
            return false;
        }
        let Some(mut rest) = subject.get(self.first.len()..subject.len() - self.last.len()) else {
            return false;
        };
        // The common shapes (`a*`, `*a`, `a*b`, `*a*`) have at most one middle segment: no
        // splitting per subject.
        if !self.segmented {
            return middle.is_empty() || find(rest, middle).is_some();
        }
        for seg in middle.split('*').filter(|s| !s.is_empty()) {
            match find(rest, seg) {
                Some(end) => rest = rest.get(end..).unwrap_or_default(),
                None => return false,
            }
        }
        true
    }
}

/// Segments up to this many bytes are found by comparing at each occurrence of their first
/// byte (at most this many byte comparisons per subject byte: still linear); longer ones by
/// core's Two-Way search, whose set-up would dominate for the short segments globs are made of.
const SHORT_SEGMENT: usize = 16;

/// The end of the leftmost occurrence of `needle` (not empty) in `haystack`.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.len() > SHORT_SEGMENT {
        return haystack.find(needle).map(|i| i + needle.len());
    }
    // Byte-wise is exact: `needle` starts with a UTF-8 leading byte, so in valid UTF-8 it
    // can only match at a character boundary.
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let (&lead, tail) = n.split_first()?;
    let last_start = h.len().checked_sub(n.len())?;
    let starts = h.get(..=last_start)?;
    let mut from = 0;
    while let Some(i) = starts.get(from..).and_then(|s| s.iter().position(|&b| b == lead)) {
        let at = from + i;
        // The segment's last byte first: a cheap reject before the comparison call.
        if h.get(at + tail.len()) == tail.last().or(Some(&lead))
            && h.get(at + 1..at + n.len()).is_some_and(|w| w == tail)
        {
            return Some(at + n.len());
        }
        from = at + 1;
    }
    None
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

        /// go-glob v1.0.0's steps as its source states them (a second, independent opinion):
        /// split at `*`; every part but the last is found leftmost in what is left of the
        /// subject (the first at offset 0 unless the pattern starts with `*`) and cut off
        /// through its end; then the rest must end with the last part (or the pattern ends
        /// with `*`).
        fn go_glob_model(pattern: &str, subject: &str) -> bool {
            let parts: Vec<&str> = pattern.split('*').collect();
            if parts.len() == 1 {
                return pattern == subject;
            }
            let mut subj = subject;
            for (i, part) in parts[..parts.len() - 1].iter().enumerate() {
                let Some(idx) = subj.find(part) else { return false };
                if i == 0 && !pattern.starts_with('*') && idx != 0 {
                    return false;
                }
                subj = &subj[idx + part.len()..];
            }
            pattern.ends_with('*') || subj.ends_with(parts[parts.len() - 1])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            #[test]
            fn agrees_with_go_glob_v1(p in "[ab*]{0,8}", s in "[ab]{0,10}") {
                prop_assert_eq!(matches(&p, &s), go_glob_model(&p, &s), "{:?} vs {:?}", p, s);
                prop_assert_eq!(reference(&p, &s), go_glob_model(&p, &s), "{:?} vs {:?}", p, s);
            }

            /// A two-letter alphabet makes overlapping and repeated segments common.
            #[test]
            fn agrees_with_the_reference(p in "[ab*]{0,8}", s in "[ab]{0,10}") {
                prop_assert_eq!(matches(&p, &s), reference(&p, &s), "{:?} vs {:?}", p, s);
            }

            /// Segments longer than `SHORT_SEGMENT` take the Two-Way path.
            #[test]
            fn agrees_with_long_segments(p in "([ab]{0,20}\\*){0,3}[ab]{0,20}", s in "[ab]{0,60}") {
                prop_assert_eq!(matches(&p, &s), reference(&p, &s), "{:?} vs {:?}", p, s);
                let wrapped = format!("*{s}*");
                prop_assert!(matches(&wrapped, &s));
            }

            #[test]
            fn agrees_on_any_text(p in "[a\\u{e9}\\u{1F600}*.?]{0,8}", s in "[a\\u{e9}\\u{1F600}.?]{0,10}") {
                prop_assert_eq!(matches(&p, &s), reference(&p, &s), "{:?} vs {:?}", p, s);
            }

            #[test]
            fn never_panics(p in "\\PC{0,16}", s in "\\PC{0,16}") {
                let _ = matches(&p, &s);
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
