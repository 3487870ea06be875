//! The stable machine [`Code`] every error carries: a leaf module, so every layer can name its
//! codes without depending on the layers above it (the top-level [`crate::Error`] wraps them all).
//!
//! Codes are part of the public contract (mirrored to JavaScript as `err.code`): they are only
//! ever added, never renamed or removed.

use core::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// A stable machine code naming one kind of failure.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order (exported to JavaScript as `codes`).
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as written in documentation and JSON, e.g. `ERR_JWT_EXPIRED`.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }
        }
    };
}

codes! {
    // ---- limits and JSON ----
    /// A configured [`crate::Limits`] bound was exceeded.
    LimitExceeded = "ERR_LIMIT_EXCEEDED",
    /// A document is not valid JSON (syntax error, invalid UTF-8, trailing data).
    JsonInvalid = "ERR_JSON_INVALID",
    /// A JSON object has the same member name twice.
    JsonDuplicateMember = "ERR_JSON_DUPLICATE_MEMBER",
    /// A JSON document that must be an object is something else.
    JsonNotObject = "ERR_JSON_NOT_OBJECT",
    // ---- compact JWS ----
    /// The token is not three base64url segments separated by dots.
    JwsMalformed = "ERR_JWS_MALFORMED",
    /// A segment is not canonical unpadded base64url.
    JwsBase64 = "ERR_JWS_BASE64",
    /// The JOSE header is invalid (missing or non-string `alg`, bad `kid`/`crit` type, ...).
    JwsHeaderInvalid = "ERR_JWS_HEADER_INVALID",
    /// The header says `alg: none`: unsigned tokens are never accepted.
    JwsAlgNone = "ERR_JWS_ALG_NONE",
    /// The `alg` is not one of the ten asymmetric algorithms Vault accepts.
    JwsAlgUnsupported = "ERR_JWS_ALG_UNSUPPORTED",
    /// The `alg` is supported but not in the caller's allow-list.
    JwsAlgNotAllowed = "ERR_JWS_ALG_NOT_ALLOWED",
    /// The header lists a `crit` extension jwtgate does not understand, or `b64: false`.
    JwsCritUnsupported = "ERR_JWS_CRIT_UNSUPPORTED",
    /// The signature segment is empty.
    JwsSignatureEmpty = "ERR_JWS_SIGNATURE_EMPTY",
    /// The claims set (payload) is not a JSON object.
    JwtClaimsInvalid = "ERR_JWT_CLAIMS_INVALID",
    // ---- keys ----
    /// A JWKS document is unusable as a whole (not an object, no `keys` array).
    JwksInvalid = "ERR_JWKS_INVALID",
    /// A single JWK is unusable (missing members, bad encoding, point not on curve).
    JwkInvalid = "ERR_JWK_INVALID",
    /// A key type or curve jwtgate does not support.
    KeyUnsupported = "ERR_KEY_UNSUPPORTED",
    /// An RSA key is smaller than [`crate::Limits::min_rsa_bits`] or larger than the maximum.
    KeyWeak = "ERR_KEY_WEAK",
    /// A PEM block or the DER inside it cannot be parsed as a public key.
    PemInvalid = "ERR_PEM_INVALID",
    /// The token's `kid` is not in the key set.
    JwksNoMatchingKey = "ERR_JWKS_NO_MATCHING_KEY",
    /// No key in the set can verify this token's `alg` (wrong type or curve).
    JwksNoCompatibleKey = "ERR_JWKS_NO_COMPATIBLE_KEY",
    /// The key the `kid` names has a different `alg` or type than the token.
    JwkAlgMismatch = "ERR_JWK_ALG_MISMATCH",
    /// No candidate key verified the signature.
    JwsSignatureInvalid = "ERR_JWS_SIGNATURE_INVALID",
    /// No keys were given at all.
    KeysMissing = "ERR_KEYS_MISSING",
    /// An OIDC discovery document is unusable.
    DiscoveryInvalid = "ERR_DISCOVERY_INVALID",
    /// The discovery document's `issuer` differs from the URL it was fetched for.
    DiscoveryIssuerMismatch = "ERR_DISCOVERY_ISSUER_MISMATCH",
    /// A key is marked for another purpose (`use` other than `sig`, `key_ops` without `verify`).
    KeyNotForVerification = "ERR_KEY_NOT_FOR_VERIFICATION",
    /// A JWK or PEM block carries private key material; it is refused because anyone who saw
    /// the document could sign.
    KeyPrivate = "ERR_KEY_PRIVATE",
    // ---- claims ----
    /// `now` is past `exp` (plus tolerance).
    JwtExpired = "ERR_JWT_EXPIRED",
    /// `now` is before `nbf` (minus tolerance).
    JwtNotYetValid = "ERR_JWT_NOT_YET_VALID",
    /// `iat` is in the future (plus tolerance).
    JwtIssuedInFuture = "ERR_JWT_ISSUED_IN_FUTURE",
    /// None of `iat`, `nbf`, `exp` is present (Vault requires one).
    JwtNoTimeClaims = "ERR_JWT_NO_TIME_CLAIMS",
    /// A registered claim has the wrong JSON type.
    JwtClaimType = "ERR_JWT_CLAIM_TYPE",
    /// A required claim is absent.
    JwtClaimMissing = "ERR_JWT_CLAIM_MISSING",
    /// `iss` differs from the expected issuer.
    JwtIssuerMismatch = "ERR_JWT_ISSUER_MISMATCH",
    /// `aud` contains none of the expected audiences.
    JwtAudienceMismatch = "ERR_JWT_AUDIENCE_MISMATCH",
    /// The token has an `aud` but the Vault role binds no audiences.
    JwtAudienceUnexpected = "ERR_JWT_AUDIENCE_UNEXPECTED",
    /// `sub` differs from the expected subject.
    JwtSubjectMismatch = "ERR_JWT_SUBJECT_MISMATCH",
    /// A `bound_claims` entry does not match.
    BoundClaimMismatch = "ERR_BOUND_CLAIM_MISMATCH",
    /// A `bound_claims` key is absent or null in the token.
    BoundClaimMissing = "ERR_BOUND_CLAIM_MISSING",
    /// A `bound_claims` value in the token is an object, which Vault cannot compare.
    BoundClaimType = "ERR_BOUND_CLAIM_TYPE",
    /// The role's `user_claim` is absent or null.
    UserClaimMissing = "ERR_USER_CLAIM_MISSING",
    /// The role's `user_claim` is not a string.
    UserClaimNotString = "ERR_USER_CLAIM_NOT_STRING",
    /// The alias name (the `user_claim` value) is empty.
    AliasNameEmpty = "ERR_ALIAS_NAME_EMPTY",
    /// A `claim_mappings` source claim is not a string.
    ClaimMappingNotString = "ERR_CLAIM_MAPPING_NOT_STRING",
    /// The role's `groups_claim` is absent.
    GroupsClaimMissing = "ERR_GROUPS_CLAIM_MISSING",
    /// The role's `groups_claim` is not a string or list of strings.
    GroupsClaimInvalid = "ERR_GROUPS_CLAIM_INVALID",
    /// A claim key equals a registered claim name only under case folding (`SUB`, `ſub`).
    JwtClaimAmbiguous = "ERR_JWT_CLAIM_AMBIGUOUS",
    // ---- configuration ----
    /// A Vault role is invalid (as Vault would refuse it at write time).
    RoleInvalid = "ERR_ROLE_INVALID",
    /// The role is an `oidc` role (or has no `role_type`), which cannot log in with a JWT.
    RoleTypeOidc = "ERR_ROLE_TYPE_OIDC",
    /// The Vault auth-method config is invalid.
    ConfigInvalid = "ERR_CONFIG_INVALID",
    /// Caller options are invalid (unknown algorithm name, bad type, ...).
    OptionsInvalid = "ERR_OPTIONS_INVALID",
    /// Generating a test identity's key pair or signing it failed (`mint`).
    MintFailed = "ERR_MINT_FAILED",
    /// Fetching a JWKS or discovery document failed (network error, HTTP status, bad body);
    /// raised by the front ends that do I/O.
    FetchFailed = "ERR_FETCH_FAILED",
    /// Fetching a JWKS or discovery document took longer than the configured timeout.
    FetchTimeout = "ERR_FETCH_TIMEOUT",
    /// Fetching a JWKS or discovery document was given up because the caller's `AbortSignal`
    /// aborted.
    FetchAborted = "ERR_FETCH_ABORTED",
    // ---- policy and authorization ----
    /// A Vault policy cannot be parsed (HCL or JSON syntax).
    PolicyParse = "ERR_POLICY_PARSE",
    /// A Vault policy parses but is invalid (unknown key or capability, `+*`, ...).
    PolicyInvalid = "ERR_POLICY_INVALID",
    /// A path template has unbalanced `{{`/`}}`.
    TemplateUnbalanced = "ERR_TEMPLATE_UNBALANCED",
    /// An authorization request is invalid (unknown capability or method, empty path), or the
    /// Envoy filter refuses a request path it cannot decide on (dot, empty or encoded segments).
    RequestInvalid = "ERR_REQUEST_INVALID",
    /// An AWS IAM trust policy cannot be parsed or uses an unsupported element.
    TrustPolicyInvalid = "ERR_TRUST_POLICY_INVALID",
    /// Vault would answer "permission denied" (no rule, explicit deny, missing capability); report-only.
    PolicyDenied = "ERR_POLICY_DENIED",
    /// AWS STS would refuse the token (`InvalidIdentityToken`: issuer, audience, algorithm, size).
    AwsInvalidIdentityToken = "ERR_AWS_INVALID_IDENTITY_TOKEN",
    /// AWS STS would say the token is expired (`ExpiredTokenException`).
    AwsTokenExpired = "ERR_AWS_TOKEN_EXPIRED",
    /// The trust policy does not allow `sts:AssumeRoleWithWebIdentity` (`AccessDenied`).
    AwsAccessDenied = "ERR_AWS_ACCESS_DENIED",
    // ---- Envoy filter ----
    /// No token in any location the filter is configured to read.
    TokenMissing = "ERR_TOKEN_MISSING",
    /// Several tokens (or several credentials in one `Authorization` header) in one request.
    TokenMultiple = "ERR_TOKEN_MULTIPLE",
    /// A remote JWKS could not be fetched (network failure, non-200 status, unusable document).
    JwksUnavailable = "ERR_JWKS_UNAVAILABLE",
    /// The Envoy filter's plugin configuration is invalid.
    FilterConfigInvalid = "ERR_FILTER_CONFIG_INVALID",
    /// The token expires further from now than the Envoy provider's `max_lifetime_seconds`.
    JwtLifetimeExceeded = "ERR_JWT_LIFETIME_EXCEEDED",
    // ---- the engine ----
    /// An internal failure, not the input's fault: a front end hit a broken invariant or a trap
    /// and refused rather than guess. The engine discarded its state: the Envoy filter answers
    /// 503, the npm package restarts its wasm module and the next call runs on a fresh engine.
    Internal = "ERR_INTERNAL",
    /// The npm package's wasm module is not loaded yet: in browsers and bundlers, `await init()`
    /// before calling anything else.
    NotInitialised = "ERR_NOT_INITIALISED",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
