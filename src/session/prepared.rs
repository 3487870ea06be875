//! The policy sets a session was recently given, parsed once and rendered once per identity.

use alloc::vec::Vec;

use crate::authorize::PreparedPolicies;
use crate::failure::Failure;
use crate::limits::Limits;
use crate::policy::{parse_policy, Policy};
use crate::session::input::PolicyText;

/// The policy sets a session was recently given, most recently used first, each kept with
/// the limits it was parsed under (a set is reused only for the same texts, names and limits).
///
/// A set may also be kept under a caller-chosen `id` (`set` in the input), so that a caller
/// that sends the same policies again can name them instead of copying and comparing their
/// text: pkg/src/api.js numbers the sets of one verifier, each number naming one content for
/// good, and each session has its own `PreparedSets`, so an id never reaches another
/// session's policies. An id that is no longer kept gives `None`, never another set.
#[derive(Default)]
pub struct PreparedSets {
    sets: Vec<PreparedSet>,
}

/// One policy set kept by [`PreparedSets`].
struct PreparedSet {
    /// The caller's id for it, when it gave one (the latest one it gave for this content).
    id: Option<u64>,
    policies: Vec<PolicyText>,
    limits: Limits,
    prepared: PreparedPolicies,
}

impl PreparedSets {
    /// Policy sets kept per session (each keeps its own renderings, see [`PreparedPolicies`]).
    const CAPACITY: usize = 4;

    /// The prepared form of `policies`, parsed now unless the same set was seen recently;
    /// kept under `id` from now on when one is given.
    pub fn get(
        &mut self,
        policies: &[PolicyText],
        limits: &Limits,
        id: Option<u64>,
    ) -> Result<&mut PreparedPolicies, Failure> {
        let found =
            self.sets.iter().position(|s| s.policies.as_slice() == policies && s.limits == *limits);
        match found {
            Some(i) => self.sets[..=i].rotate_right(1),
            None => {
                let parsed = policies
                    .iter()
                    .map(|p| parse_policy(&p.name, &p.text, limits))
                    .collect::<Result<Vec<Policy>, _>>()?;
                if self.sets.len() >= Self::CAPACITY {
                    self.sets.pop();
                }
                let entry = PreparedSet {
                    id: None,
                    policies: policies.to_vec(),
                    limits: limits.clone(),
                    prepared: PreparedPolicies::new(parsed),
                };
                self.sets.insert(0, entry);
            }
        }
        if id.is_some() {
            // One id names one set: a set kept under it before loses it.
            for s in &mut self.sets {
                if s.id == id {
                    s.id = None;
                }
            }
            self.sets[0].id = id;
        }
        Ok(&mut self.sets[0].prepared)
    }

    /// The set kept under `id` (parsed under `limits`), if it is still kept.
    pub fn by_id(&mut self, id: u64, limits: &Limits) -> Option<&mut PreparedPolicies> {
        let i = self.sets.iter().position(|s| s.id == Some(id) && s.limits == *limits)?;
        self.sets[..=i].rotate_right(1);
        Some(&mut self.sets[0].prepared)
    }
}
