//! Vault's root-protected ("sudo") paths: a request to one is allowed only when the deciding
//! rule grants `sudo` in addition to the operation's capability.
//!
//! Source (facts, not code): each backend declares them in `PathsSpecial.Root`, relative to its
//! mount; `vault/router.go` `RootPath` takes the request's mount, then the longest declared
//! entry that is a prefix of the rest of the path: an entry ending in `*` matches by prefix, any
//! other only the exact rest. `vault/request_handling.go` passes the answer as
//! `PolicyCheckOpts.RootPrivsRequired`, and `performPolicyChecks` denies an allowed request
//! whose ACL result has no `RootPrivs` (the winning rule's `sudo` bit, `vault/acl.go`
//! `AllowOperation`), except for `help`.
//!
//! Lists as of hashicorp/vault `vault/logical_system.go` (`NewSystemBackend`, mount `sys/`) and
//! `vault/token_store.go` (`NewTokenStore`, mount `auth/token/`). Other backends' own root
//! paths (plugins, Enterprise-only endpoints) are not known offline, nor are paths under a
//! namespace prefix; a caller that knows more sets [`super::Request::sudo_required`].

/// `(mount, entries)`: the entries are relative to the mount, as Vault declares them.
const MOUNTS: &[(&str, &[&str])] = &[
    (
        "sys/",
        &[
            "auth/*",
            "remount",
            "audit",
            "audit/*",
            "raw",
            "raw/*",
            "replication/primary/secondary-token",
            "replication/performance/primary/secondary-token",
            "replication/dr/primary/secondary-token",
            "replication/reindex",
            "replication/dr/reindex",
            "replication/performance/reindex",
            "rotate",
            "config/cors",
            "config/auditing/*",
            "config/ui/headers/*",
            "plugins/catalog/*",
            "plugins/runtimes/catalog/*",
            "revoke-prefix/*",
            "revoke-force/*",
            "leases/revoke-prefix/*",
            "leases/revoke-force/*",
            "leases/lookup/*",
            "storage/raft/snapshot-auto/config/*",
            "leases",
            "internal/inspect/*",
            // Enforced by dedicated checks in Vault (`sys/seal`, `sys/step-down`), declared too.
            "seal",
            "step-down",
        ],
    ),
    ("auth/token/", &["revoke-orphan/*", "accessors*"]),
];

/// The root-protected entry `path` falls under (mount + entry, e.g. `sys/audit/*`), if any.
/// `path` has no leading `/` (as [`crate::policy::Acl::evaluate`] reports it).
pub fn root_entry(path: &str) -> Option<(&'static str, &'static str)> {
    let (mount, entries) = MOUNTS.iter().find(|(m, _)| path.starts_with(m))?;
    let rest = path.get(mount.len()..)?;
    // The longest entry key that is a prefix of `rest` decides, whatever its kind (a radix
    // tree's LongestPrefix): `audit/*` wins over `audit` for `audit/file`.
    let (entry, key) = entries
        .iter()
        .map(|e| (*e, e.strip_suffix('*').unwrap_or(e)))
        .filter(|(_, key)| rest.starts_with(key))
        .max_by_key(|(_, key)| key.len())?;
    let prefix = entry.ends_with('*');
    (prefix || key == rest).then_some((*mount, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(path: &str) -> bool {
        root_entry(path).is_some()
    }

    #[test]
    fn prefix_and_exact_entries() {
        assert_eq!(root_entry("sys/audit/file"), Some(("sys/", "audit/*")));
        assert!(root("sys/audit"));
        assert!(!root("sys/auditx"));
        assert!(root("sys/auth/jwt"));
        assert!(root("sys/auth/jwt/tune"));
        assert!(!root("sys/auth"), "listing auth methods needs no sudo");
        assert!(root("sys/leases/lookup/aws/creds/"));
        assert!(root("sys/leases"));
        assert!(!root("sys/leases/renew"), "the exact entry `leases` is the longest prefix");
        assert!(!root("sys/mounts/secret"));
        assert!(!root("sys/policies/acl/x"));
        assert!(root("sys/raw"));
        assert!(root("sys/raw/core/mounts"));
        assert!(root("auth/token/accessors/"));
        assert!(root("auth/token/accessors"));
        assert!(root("auth/token/revoke-orphan/abc"));
        assert!(!root("auth/token/revoke-orphan"));
        assert!(!root("auth/token/lookup-self"));
        assert!(!root("secret/sys/audit/file"));
        assert!(!root("sys"));
    }
}
