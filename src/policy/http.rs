//! HTTP method + path → the Vault request a proxy should authorize (`vault/http/logical.go`).
//!
//! | method | operation |
//! |---|---|
//! | `GET` | `read`; `list` with `?list=<true>` (Go `ParseBool` spellings) |
//! | `LIST` | `list` |
//! | `POST`, `PUT` | see [`WriteAs`] |
//! | `PATCH` | `patch` |
//! | `DELETE` | `delete` |
//!
//! A list request's path gets a trailing `/`, as Vault's HTTP layer adds one. The configured
//! prefix (`/v1/` by default) is stripped; a path outside it is an invalid request.
//!
//! `POST`/`PUT` are `update` or `create` depending on whether the target exists (Vault asks the
//! backend's existence check); offline we cannot know, so the caller chooses with [`WriteAs`]:
//! `update` (default: what Vault uses for backends without an existence check and for
//! existing secrets), `create`, or `either` (allowed if the rule grants create *or* update —
//! the report names which one matched).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::acl::Operation;
use super::PolicyError;

/// How `POST`/`PUT` map to a capability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteAs {
    /// `update` (Vault's operation for existing targets and backends without existence checks).
    #[default]
    Update,
    /// `create` (the target does not exist yet).
    Create,
    /// Allowed if either `create` or `update` is granted.
    Either,
}

/// Options for [`crate::Request::from_http`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpOptions {
    /// Prefix stripped from the URL path (default `/v1/`).
    pub prefix: String,
    /// How `POST`/`PUT` map to a capability.
    pub write_as: WriteAs,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions { prefix: "/v1/".to_string(), write_as: WriteAs::Update }
    }
}

/// The request an HTTP call amounts to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    /// The Vault path (prefix stripped, percent-decoded, list paths ending in `/`).
    pub path: String,
    /// The operation.
    pub operation: Operation,
    /// For `POST`/`PUT` with [`WriteAs::Either`]: also accept `create`.
    pub also_create: bool,
    /// How the mapping was decided, for the report.
    pub note: String,
}

/// Maps `method` and `path_and_query` (the request target, e.g. `/v1/kv/data/x?list=true`).
pub fn from_http(
    method: &str,
    path_and_query: &str,
    options: &HttpOptions,
) -> Result<HttpRequest, PolicyError> {
    let (raw_path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    let raw_path = raw_path.split('#').next().unwrap_or("");
    let stripped = if options.prefix.is_empty() {
        raw_path
    } else if let Some(rest) = raw_path.strip_prefix(options.prefix.as_str()) {
        rest
    } else if raw_path == options.prefix.trim_end_matches('/') {
        ""
    } else {
        return Err(PolicyError::request(alloc::format!(
            "path {raw_path:?} does not start with the prefix {:?}",
            options.prefix
        )));
    };
    let mut path = percent_decode(stripped)?;
    let list_query = query_list(query)?;
    let method_upper = method.to_ascii_uppercase();
    let (operation, also_create, note) = match method_upper.as_str() {
        "GET" if list_query => (Operation::List, false, "GET with ?list=true is a list request"),
        "GET" => (Operation::Read, false, "GET is a read request"),
        "LIST" => (Operation::List, false, "LIST is a list request"),
        "POST" | "PUT" => match options.write_as {
            WriteAs::Update => (
                Operation::Update,
                false,
                "POST/PUT is update (Vault uses create instead when the backend's existence \
                 check says the target does not exist yet)",
            ),
            WriteAs::Create => (Operation::Create, false, "POST/PUT treated as create"),
            WriteAs::Either => (
                Operation::Update,
                true,
                "POST/PUT is create or update; either capability allows it",
            ),
        },
        "PATCH" => (Operation::Patch, false, "PATCH is a patch request"),
        "DELETE" => (Operation::Delete, false, "DELETE is a delete request"),
        other => {
            return Err(PolicyError::request(alloc::format!("unsupported HTTP method {other:?}")))
        }
    };
    if operation == Operation::List && !path.ends_with('/') {
        path.push('/');
    }
    Ok(HttpRequest { path, operation, also_create, note: note.to_string() })
}

/// Whether the query has `list=<true>` (Go's `strconv.ParseBool` true spellings); an invalid
/// boolean is an error, as in Vault.
fn query_list(query: &str) -> Result<bool, PolicyError> {
    let mut list = false;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k != "list" {
            continue;
        }
        list = match v {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
            "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => false,
            other => {
                return Err(PolicyError::request(alloc::format!(
                    "invalid value for list parameter: {other:?}"
                )))
            }
        };
    }
    Ok(list)
}

fn percent_decode(s: &str) -> Result<String, PolicyError> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| core::str::from_utf8(h).ok());
            let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                return Err(PolicyError::request(alloc::format!(
                    "invalid percent-encoding in {s:?}"
                )));
            };
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| PolicyError::request(alloc::format!("path {s:?} is not UTF-8 once decoded")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        let o = HttpOptions::default();
        let r = from_http("GET", "/v1/secret/metadata?list=true", &o).unwrap();
        assert_eq!((r.path.as_str(), r.operation), ("secret/metadata/", Operation::List));
        let r = from_http("LIST", "/v1/secret/metadata/", &o).unwrap();
        assert_eq!(r.path, "secret/metadata/");
        assert_eq!(from_http("PUT", "/v1/kv/data/a%20b", &o).unwrap().path, "kv/data/a b");
        assert_eq!(from_http("PATCH", "/v1/x", &o).unwrap().operation, Operation::Patch);
        assert!(from_http("GET", "/v2/x", &o).is_err());
        assert!(from_http("HEAD", "/v1/x", &o).is_err());
        assert!(from_http("GET", "/v1/x?list=maybe", &o).is_err());
    }
}
