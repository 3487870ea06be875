//! # jwtgate
//!
//! One engine that decides whether a workload may do what it asks: it verifies a
//! workload-identity JWT (Nomad, or any OIDC issuer) against a JWKS or PEM keys, applies
//! either RFC 7519 claim rules or HashiCorp Vault's JWT-auth role semantics exactly, and
//! explains every step in a [`report::Report`].
//!
//! The crate is `no_std` + `alloc`; the `std` feature (default) only adds
//! `std::error::Error` impls. Time is always an input ([`time::UnixTime`]): nothing here reads
//! a clock, fetches a URL or touches a file, so the same decision runs natively, in Node, in a
//! browser and inside an Envoy proxy.
//!
//! | layer | module | error enum |
//! |---|---|---|
//! | strict JSON | [`json`] | [`json::JsonError`] |
//! | strict base64url | [`b64`] | [`b64::Base64Problem`] |
//! | compact JWS, header, algorithms | [`jose`] | [`jose::JoseError`] |
//! | keys: JWK/JWKS/PEM, selection, signatures | [`jose::jwk`], [`jose::select`] | [`jose::KeyError`] |
//! | claims: `standard` and `vault` profiles | [`claims`] | [`claims::ClaimError`] |
//! | Vault role and auth-method config | [`role`] | [`role::ConfigError`] |
//! | everything together | [`verify`] | [`Error`] |
//! | unverified, tolerant decode for inspectors | [`inspect`] | none: problems become warnings |
//! | login-order hazards: shared aliases, the fix, a login simulation | [`login_order`] | [`role::ConfigError`] |
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod authorize;
pub mod aws;
pub mod b64;
pub mod cache;
pub mod claims;
mod code;
pub mod documents;
pub mod duration;
#[cfg(feature = "envoy")]
pub mod envoy;
pub mod error;
pub mod failure;
pub mod gate;
pub mod identity;
pub mod inspect;
pub mod jose;
#[cfg(feature = "js")]
pub mod js;
#[cfg(feature = "js-mint")]
pub mod js_mint;
#[cfg(any(feature = "js", feature = "js-mint"))]
mod js_shared;
pub mod json;
pub mod limits;
mod load_error;
pub mod login_order;
#[cfg(feature = "mint")]
pub mod mint;
pub mod policy;
pub mod report;
pub mod role;
pub mod session;
pub mod time;
pub mod verify;

pub use code::Code;
pub use error::Error;
pub use gate::{
    Decision, Detail, Gate, GateConfig, GateError, GateRequest, KeyState, Keyring, ProviderKeys,
    Verdict,
};
pub use limits::Limits;
pub use load_error::{Coded, LoadError};
pub use time::UnixTime;
