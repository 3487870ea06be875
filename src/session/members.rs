//! `authorize`'s `alias` and `verification` members, kept as text for the last verification
//! answered.

use alloc::string::{String, ToString};

use serde_json::{Map, Value};

use crate::code::Code;
use crate::failure::Failure;
use crate::session::cached::CachedVerification;

/// The `alias` and `verification` members of `authorize`'s answer as text, for the last
/// verification answered: a cached token is authorized again and again, and those members
/// (the whole verification report) are most of the answer's serialisation work, while only
/// the decision changes per request. Reused only for an entry whose whole text (header,
/// claims, key, alias, report, window) is equal to the one they were written from, so they
/// are exactly what serialising that entry again would write.
///
/// Each new entry gets a new number (`members` in the answer), so that a caller holding
/// that entry's `verification` already (`have`) is answered `verification: null` and
/// `"elided": true` instead of the text again (pkg/src/api.js fills the member from its own
/// copy, on read). Numbers belong to this session; the caller keys its copy by session.
#[derive(Default)]
pub struct VerifiedMembers {
    /// `CachedVerification::json` of the entry, `alias` text, `verification` text.
    last: Option<(String, String, String)>,
    /// The number of `last`.
    id: u64,
}

impl VerifiedMembers {
    /// The `{"ok": …}` answer of `report` (the authorization report's members) with
    /// `rendered: null`, `alias` and `verification` added: the same text as serialising the
    /// whole object as a `Value` (members in key order), without rebuilding the verification
    /// members for an entry seen last time.
    pub fn answer(
        &mut self,
        mut report: Map<String, Value>,
        entry: &CachedVerification,
        have: Option<u64>,
    ) -> Result<String, Failure> {
        let unserializable = || Failure::new(Code::JsonInvalid, "result could not be serialized");
        let fresh = !matches!(&self.last, Some((json, _, _)) if *json == entry.json);
        if fresh {
            self.id = self.id.wrapping_add(1);
            let text = |v: Result<Value, serde_json::Error>| {
                v.and_then(|v| serde_json::to_string(&v)).unwrap_or_else(|_| "null".into())
            };
            self.last = Some((
                entry.json.clone(),
                text(serde_json::to_value(&entry.verified.alias)),
                text(serde_json::to_value(&entry.verified.report)),
            ));
        }
        let Some((_, alias, verification)) = &self.last else {
            return Err(unserializable());
        };
        let elided = have == Some(self.id);
        // Placeholders, so the map orders every member; their text is written below.
        for key in ["rendered", "alias", "verification"] {
            report.insert(key.into(), Value::Null);
        }
        let mut out = String::with_capacity(alias.len() + verification.len() + 2048);
        out.push_str("{\"ok\":{");
        for (i, (key, value)) in report.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key.as_str()).map_err(|_| unserializable())?);
            out.push(':');
            match key.as_str() {
                "alias" => out.push_str(alias),
                "verification" if elided => out.push_str("null"),
                "verification" => out.push_str(verification),
                _ => out.push_str(&serde_json::to_string(value).map_err(|_| unserializable())?),
            }
        }
        out.push_str("},\"members\":");
        out.push_str(&self.id.to_string());
        if elided {
            out.push_str(",\"elided\":true");
        }
        out.push('}');
        Ok(out)
    }
}
