//! Policies parsed once, and rendered once per identity, for callers that authorize many
//! requests against the same policy set (a verifier in the npm package, a proxy).
//!
//! Rendering reads the whole [`TemplateContext`] — the entity and its aliases (name, metadata,
//! custom metadata, id, accessor), the groups, the server option and, for `time.now`
//! templates, the time — so a rendering is reused only for a context *equal* to the one it was
//! made from (compared in full, no hash that could collide): one identity never receives
//! another's rendering. `now` is left out of the comparison only when no templated path
//! mentions `time`, since then nothing reads it.
//!
//! Bounded: at most [`PreparedPolicies::DEFAULT_IDENTITIES`] renderings are kept (most
//! recently used first); the least recently used one is dropped to make room.

use alloc::vec::Vec;

use super::Authorizer;
use crate::policy::{Policy, TemplateContext};
use crate::time::UnixTime;

/// A parsed policy set and its most recent renderings.
#[derive(Clone, Debug)]
pub struct PreparedPolicies {
    policies: Vec<Policy>,
    reads_time: bool,
    capacity: usize,
    /// Most recently used first.
    rendered: Vec<(TemplateContext, Authorizer)>,
}

impl PreparedPolicies {
    /// Renderings kept by [`PreparedPolicies::new`].
    pub const DEFAULT_IDENTITIES: usize = 8;

    /// Prepares `policies`, keeping up to [`Self::DEFAULT_IDENTITIES`] renderings.
    pub fn new(policies: Vec<Policy>) -> Self {
        Self::with_capacity(policies, Self::DEFAULT_IDENTITIES)
    }

    /// Prepares `policies`, keeping up to `identities` renderings (at least one: the rendering
    /// [`Self::authorizer`] lends out lives here).
    pub fn with_capacity(policies: Vec<Policy>, identities: usize) -> Self {
        let reads_time = policies
            .iter()
            .flat_map(|p| &p.paths)
            .any(|rule| rule.templated && rule.path.contains("time"));
        PreparedPolicies { policies, reads_time, capacity: identities, rendered: Vec::new() }
    }

    /// The parsed policies.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// How many renderings are kept now.
    pub fn len(&self) -> usize {
        self.rendered.len()
    }

    /// Whether no rendering is kept.
    pub fn is_empty(&self) -> bool {
        self.rendered.is_empty()
    }

    /// The policies rendered for `ctx` and indexed: reused when a context equal to `ctx` (in
    /// everything rendering reads) was seen recently, built and kept otherwise.
    pub fn authorizer(&mut self, ctx: &TemplateContext) -> &Authorizer {
        let key = self.key(ctx);
        match self.rendered.iter().position(|(k, _)| *k == key) {
            Some(0) => {}
            Some(i) => self.rendered[..=i].rotate_right(1),
            None => {
                let authz = Authorizer::new(&self.policies, ctx);
                if self.rendered.len() >= self.capacity.max(1) {
                    self.rendered.pop();
                }
                self.rendered.insert(0, (key, authz));
            }
        }
        &self.rendered[0].1
    }

    /// `ctx` as compared: the time only when a template can read it.
    fn key(&self, ctx: &TemplateContext) -> TemplateContext {
        let mut key = ctx.clone();
        if !self.reads_time {
            key.now = UnixTime(0);
        }
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::Request;
    use crate::identity::Alias;
    use crate::policy::{parse_policy, Operation};
    use crate::Limits;

    const TEXT: &str = "path \"kv/{{identity.entity.aliases.ACC.metadata.team}}/*\" { capabilities = [\"read\"] }\n\
                        path \"kv/{{identity.entity.aliases.ACC.custom_metadata.tier}}/x\" { capabilities = [\"read\"] }\n\
                        path \"kv/{{identity.entity.metadata.site}}/y\" { capabilities = [\"read\"] }";

    fn ctx(name: &str, team: &str, accessor: &str) -> TemplateContext {
        let mut alias = Alias { name: name.into(), ..Alias::default() };
        alias.metadata.insert("team".into(), team.into());
        TemplateContext::for_alias(&alias, accessor, UnixTime(1_700_000_000))
    }

    fn allowed(p: &mut PreparedPolicies, ctx: &TemplateContext, path: &str) -> bool {
        p.authorizer(ctx).authorize(&Request::new(path, Operation::Read)).allowed
    }

    #[test]
    fn each_identity_gets_its_own_rendering() {
        let policy = parse_policy("p", TEXT, &Limits::default()).unwrap();
        let mut p = PreparedPolicies::new(alloc::vec![policy]);
        let a = ctx("a", "red", "ACC");
        let b = ctx("a", "blue", "ACC");
        assert!(allowed(&mut p, &a, "kv/red/1"));
        assert!(!allowed(&mut p, &b, "kv/red/1"));
        assert!(allowed(&mut p, &b, "kv/blue/1"));
        assert!(allowed(&mut p, &a, "kv/red/1"));
        assert_eq!(p.len(), 2);
        // Another accessor renders nothing for this policy.
        assert!(!allowed(&mut p, &ctx("a", "red", "OTHER"), "kv/red/1"));
        // Entity extras are part of the key: custom metadata and entity metadata.
        let mut c = a.clone();
        c.entity.as_mut().unwrap().aliases[0].custom_metadata.insert("tier".into(), "gold".into());
        assert!(allowed(&mut p, &c, "kv/gold/x"));
        assert!(!allowed(&mut p, &a, "kv/gold/x"));
        let mut d = a.clone();
        d.entity.as_mut().unwrap().metadata.insert("site".into(), "eu".into());
        assert!(allowed(&mut p, &d, "kv/eu/y"));
        assert!(!allowed(&mut p, &a, "kv/eu/y"));
        // The time does not split the key when no template reads it.
        let mut later = a.clone();
        later.now = UnixTime(1_800_000_000);
        let before = p.len();
        assert!(allowed(&mut p, &later, "kv/red/1"));
        assert_eq!(p.len(), before);
    }

    #[test]
    fn bounded_and_time_aware() {
        let text = "path \"t/{{time.now}}\" { capabilities = [\"read\"] }";
        let policy = parse_policy("p", text, &Limits::default()).unwrap();
        let mut p = PreparedPolicies::with_capacity(alloc::vec![policy], 2);
        let mut c = ctx("a", "red", "ACC");
        assert!(allowed(&mut p, &c, "t/1700000000"));
        c.now = UnixTime(1_700_000_001);
        assert!(allowed(&mut p, &c, "t/1700000001"));
        assert!(!allowed(&mut p, &c, "t/1700000000"));
        c.now = UnixTime(1_700_000_002);
        assert!(allowed(&mut p, &c, "t/1700000002"));
        assert_eq!(p.len(), 2);
        let mut one = PreparedPolicies::with_capacity(p.policies().to_vec(), 0);
        assert!(allowed(&mut one, &c, "t/1700000002"));
        c.now = UnixTime(1_700_000_003);
        assert!(allowed(&mut one, &c, "t/1700000003"));
        assert_eq!(one.len(), 1);
    }
}
