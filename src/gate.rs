//! The gate: the parts of the decision chain every front end shares. For now it holds the
//! sans-I/O key-set lifecycle ([`keyset`]): when to fetch a remote JWKS (or its OIDC discovery
//! document), what to do with the answer, and which keys to verify with at a given time. The
//! front ends only move bytes: the npm package with `fetch`, the Envoy filter with
//! `proxy_http_call`.

pub mod keyset;

pub use keyset::{
    Document, FetchProblem, FetchRequest, Handled, KeySetConfig, Keys, RemoteKeySet, Source,
};
