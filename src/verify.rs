//! The whole verification: parse, choose a key, check the signature, check the claims,
//! bind the Vault role — with a [`crate::report::Report`] of every step.
