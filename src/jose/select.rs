//! Choosing the key for a token and verifying the signature with it.
