#!/usr/bin/env python3
"""Writes the gate conformance corpus (format: README.md here).

Run from the repository root (needs `cryptography`):

    python3 tests/vectors/gate/generate.py            # write the cases
    python3 tests/vectors/gate/generate.py --check    # fail if the committed files differ
    JWTGATE_BLESS=1 cargo test --test gate            # write each case's `decision` golden

Keys are fixed (Ed25519 seeds derived from a label; the sample RSA key of
tests/fixtures/sample), and Ed25519 and RS256 signatures are deterministic, so regeneration
leaves `git diff` empty. The `expect` members are written by hand from Envoy's jwt_authn and
Vault's JWT auth behaviour (the reference is in each case's description); the `decision` golden
is kept from the committed file (the native runner writes it).
"""
import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "sample"

NOW = 1767225900  # 2026-01-01T00:05:00Z
ISS = "https://nomad.example:4646"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class EdKey:
    def __init__(self, label, kid):
        seed = hashlib.sha256(f"jwtgate gate corpus {label}".encode()).digest()
        self.private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        self.kid = kid
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw), "kid": kid, "alg": "EdDSA", "use": "sig"}
        self.pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, data):
        return self.private.sign(data)


class RsaKey:
    def __init__(self):
        self.private = serialization.load_pem_private_key((SAMPLE / "signing-key.pem").read_bytes(), None)
        self.jwks = json.loads((SAMPLE / "jwks.json").read_text())
        self.kid = self.jwks["keys"][0]["kid"]

    def sign(self, data):
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())


A = EdKey("key A", "gate-a")
B = EdKey("key B", "gate-b")
X = EdKey("attacker", "gate-a")  # not published; signs with A's kid
RSA = RsaKey()


def jwks(*keys):
    return {"keys": [k.jwk for k in keys]}


def claims(**over):
    c = {
        "iss": ISS, "aud": ["vault.io"], "sub": "global:default:mongo:db:mongo:default",
        "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3540,
        "nomad_namespace": "default", "nomad_job_id": "mongo", "nomad_task": "mongo",
        "nomad_allocation_id": "5b2f5c34-0000-4000-8000-000000000001",
    }
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def token(key, body, alg="EdDSA", header=None, kid="default"):
    h = {"alg": alg, "typ": "JWT"}
    h["kid"] = key.kid if kid == "default" else kid
    if h["kid"] is None:
        del h["kid"]
    h.update(header or {})
    signing_input = b64u(compact(h)) + "." + b64u(compact(body))
    return signing_input + "." + b64u(key.sign(signing_input.encode()))


def unsigned(body):
    return b64u(compact({"alg": "none", "typ": "JWT"})) + "." + b64u(compact(body)) + "."


ROLE = json.loads((SAMPLE / "role.json").read_text())
POLICY = (SAMPLE / "policy.hcl").read_text()
CLAIM_HEADERS = [{"header_name": "x-nomad-job", "claim_name": "nomad_job_id"},
                 {"header_name": "x-nomad-namespace", "claim_name": "nomad_namespace"}]


def provider(**over):
    p = {"name": "nomad", "issuer": ISS, "audiences": ["vault.io"], "jwks": jwks(A),
         "claim_to_headers": CLAIM_HEADERS}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def vault_provider(role=None, **over):
    p = {"name": "nomad", "issuer": ISS, "jwks": jwks(A), "claim_to_headers": CLAIM_HEADERS,
         "vault": {"role": role or ROLE, "role_name": "nomad-workloads",
                   "policies": [{"name": "nomad-workloads", "policy": POLICY}]}}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def remote(**over):
    r = {"cluster": "nomad_jwks", "authority": "nomad.example:4646", "path": "/.well-known/jwks.json",
         "timeout_ms": 1000, "cache_duration_seconds": 300, "kid_refetch_cooldown_seconds": 30,
         "retry": {"num_retries": 0, "base_interval_ms": 100, "max_interval_ms": 1000}}
    r.update(over)
    return r


def bearer(extra=None):
    return [["authorization", "Bearer $TOKEN"]] + (extra or [])


def get(path="/v1/kv/data/default/mongo/config", headers=None, method="GET"):
    return {"method": method, "path": path, "headers": bearer() if headers is None else headers}


def fetch(doc, status=200):
    return {"status": status, "body": doc if isinstance(doc, str) else json.dumps(doc)}


CASES = {}


def case(group, name, description, config, tok, request, expect, now=NOW, fetches=None):
    c = {"description": description, "config": config, "token": tok, "request": request, "now": now}
    if fetches is not None:
        c["fetches"] = fetches
    c["expect"] = expect
    CASES[f"{group}/{name}"] = c


def allow(**extra):
    return {"verdict": "allow", "status": 200, **extra}


def deny(status, code):
    return {"verdict": "deny", "status": status, "code": code}


GOOD = token(A, claims())
STD = {"providers": [provider()]}
VAULT = {"providers": [vault_provider()]}
ENVOY = "Envoy jwt_authn (authenticator.cc, jwks_cache.cc)"
VAULT_REF = "Vault JWT auth (path_login.go, claims.go)"

# ---- allow ----------------------------------------------------------------------------------
case("allow", "bearer-standard",
     f"A valid EdDSA token in Authorization: forwarded, claim headers set, the token removed "
     f"(forward defaults to false). {ENVOY}", STD, GOOD, get(),
     allow(set=[["x-nomad-job", "mongo"], ["x-nomad-namespace", "default"]], remove=["authorization"]))
case("allow", "injected-claim-headers-replaced",
     "Client copies of the claim headers are replaced by the verified claims; another provider's "
     "claim header is removed (every configured claim header is the filter's). Envoy "
     "jwt_authn claim_to_headers overwrites the header.",
     {"providers": [provider(), provider(name="other", issuer="https://other.example", jwks=jwks(B),
                                         claim_to_headers=[{"header_name": "x-other-sub", "claim_name": "sub"}])]},
     GOOD, get(headers=bearer([["x-nomad-job", "admin"], ["x-other-sub", "root"]])),
     allow(set=[["x-nomad-job", "mongo"], ["x-nomad-namespace", "default"]], remove=["x-other-sub", "authorization"]))
case("allow", "claim-absent-header-removed",
     "A configured claim the token lacks: the header is removed, not forwarded from the client. "
     "Envoy jwt_authn only adds headers for claims present.",
     {"providers": [provider(claim_to_headers=[{"header_name": "x-team", "claim_name": "team"}])]},
     GOOD, get(headers=bearer([["x-team", "injected"]])), allow(remove=["x-team", "authorization"]))
case("allow", "claim-object-as-base64",
     "An object claim is forwarded as standard padded base64 of its JSON, a number as JSON "
     "(Envoy jwt_authn addJWTClaimToHeader).",
     {"providers": [provider(claim_to_headers=[{"header_name": "x-extra", "claim_name": "extra"},
                                               {"header_name": "x-iat", "claim_name": "iat"},
                                               {"header_name": "x-ws", "claim_name": "extra.workload"}])]},
     token(A, claims(extra={"workload": "mongo", "n": 1})), get(), allow())
case("allow", "forward-keeps-token",
     f"forward: true keeps the token in the forwarded request. {ENVOY} (JwtProvider.forward)",
     {"providers": [provider(forward=True)]}, GOOD, get(), allow())
case("allow", "token-in-query-parameter",
     "A token read from a query parameter is removed from the forwarded :path (Envoy jwt_authn "
     "from_params with forward: false).",
     {"providers": [provider(from_headers=[], from_params=["access_token"])]}, GOOD,
     get(path="/v1/kv/data/default/mongo/config?x=1&access_token=$TOKEN", headers=[]),
     allow(path="/v1/kv/data/default/mongo/config?x=1"))
case("allow", "token-in-cookie",
     "A token read from a cookie is left in place (Envoy jwt_authn does not rewrite cookies).",
     {"providers": [provider(from_headers=[], from_cookies=["jwt"])]}, GOOD,
     get(headers=[["cookie", "a=1; jwt=$TOKEN"]]), allow())
case("allow", "payload-header",
     "forward_payload_header carries the payload segment as sent, padded on request (Envoy "
     "jwt_authn forward_payload_header, pad_forward_payload_header).",
     {"providers": [provider(forward_payload_header="x-jwt-payload", pad_forward_payload_header=True)]},
     GOOD, get(headers=bearer([["x-jwt-payload", "forged"]])), allow())
case("allow", "rs256-pem",
     "The sample RS256 token with the key given as PEM (SPKI).",
     {"providers": [provider(jwks=None, pem=[serialization.load_pem_private_key(
         (SAMPLE / "signing-key.pem").read_bytes(), None).public_key().public_bytes(
         serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()])]},
     token(RSA, claims(), alg="RS256"), get(), allow())
case("allow", "expired-within-clock-skew",
     "Expired 30 s ago, inside the default 60 s clock_skew_seconds (Envoy jwt_authn default).",
     STD, token(A, claims(exp=NOW - 30)), get(), allow())
case("allow", "second-provider-verifies",
     "Two providers read the same header; the first has no key for the token, the second "
     "verifies it (Envoy jwt_authn requires_any).",
     {"providers": [provider(), provider(name="other", jwks=jwks(B), claim_to_headers=[])]},
     token(B, claims()), get(), allow(remove=["x-nomad-job", "x-nomad-namespace", "authorization"]))
case("allow", "vault-role-and-policy",
     f"The bundled sample: Nomad's tutorial role and policy allow the job's own secret. The "
     f"answer depends on login order (the alias is shared by same-named jobs). {VAULT_REF}; "
     f"Vault ACL templating (identity.entity.aliases.<accessor>.metadata).",
     VAULT, GOOD, get(), allow())

# ---- 401: authentication ----------------------------------------------------------------------
case("unauthenticated", "missing", f"No token: 401 with a bare Bearer challenge (RFC 6750 §3.1). {ENVOY}",
     STD, None, get(headers=[]), deny(401, "ERR_TOKEN_MISSING"))
case("unauthenticated", "other-scheme", "Authorization: Basic is not a bearer token: missing.",
     STD, None, get(headers=[["authorization", "Basic dXNlcjpwYXNz"]]), deny(401, "ERR_TOKEN_MISSING"))
case("unauthenticated", "empty-bearer", "`Bearer ` with nothing after it carries no credential.",
     STD, None, get(headers=[["authorization", "Bearer "]]), deny(401, "ERR_TOKEN_MISSING"))
case("unauthenticated", "expired", f"exp an hour ago, past the 60 s skew. {ENVOY} (Jwt expired)",
     STD, token(A, claims(iat=NOW - 7200, nbf=NOW - 7200, exp=NOW - 3600)), get(), deny(401, "ERR_JWT_EXPIRED"))
case("unauthenticated", "not-yet-valid", f"nbf ten minutes ahead, past the 60 s skew. {ENVOY} (Jwt not yet valid)",
     STD, token(A, claims(nbf=NOW + 600)), get(), deny(401, "ERR_JWT_NOT_YET_VALID"))
case("unauthenticated", "bad-signature", "Signed by a key that is not published, with the published kid.",
     STD, token(X, claims()), get(), deny(401, "ERR_JWS_SIGNATURE_INVALID"))
case("unauthenticated", "wrong-issuer", f"iss is not the provider's issuer. {ENVOY} (Jwt issuer is not configured)",
     STD, token(A, claims(iss="https://evil.example")), get(), deny(401, "ERR_JWT_ISSUER_MISMATCH"))
case("unauthenticated", "wrong-audience", f"aud holds no configured audience. {ENVOY} (Audiences in Jwt are not allowed)",
     STD, token(A, claims(aud=["other"])), get(), deny(401, "ERR_JWT_AUDIENCE_MISMATCH"))
case("unauthenticated", "alg-none", "alg none is never accepted (RFC 8725 §3.1).",
     STD, unsigned(claims()), get(), deny(401, "ERR_JWS_ALG_NONE"))
case("unauthenticated", "malformed", f"Not a compact JWS (two segments). {ENVOY} (Jwt is not in the form of Header.Payload.Signature)",
     STD, "eyJhbGciOiJFZERTQSJ9.e30", get(), deny(401, "ERR_JWS_MALFORMED"))
case("unauthenticated", "unknown-kid-inline", "kid not in the inline JWKS: no refetch for inline keys.",
     STD, token(B, claims()), get(), deny(401, "ERR_JWKS_NO_MATCHING_KEY"))
case("unauthenticated", "alg-not-allowed", "The provider allows RS256 only; the token is EdDSA.",
     {"providers": [provider(algorithms=["RS256"])]}, GOOD, get(), deny(401, "ERR_JWS_ALG_NOT_ALLOWED"))
case("unauthenticated", "token-too-long", "Longer than limits.maxTokenLen: refused before parsing.",
     {"providers": [provider()], "limits": {"maxTokenLen": 64}}, GOOD, get(), deny(401, "ERR_LIMIT_EXCEEDED"))
case("unauthenticated", "two-different-tokens", "A token in the header and another in the query: refused.",
     {"providers": [provider(from_params=["access_token"], from_headers=[{"name": "authorization", "value_prefix": "Bearer "}])]},
     GOOD, get(path=f"/v1/kv/data/default/mongo/config?access_token={token(A, claims(jti='other'))}"),
     deny(401, "ERR_TOKEN_MULTIPLE"))
case("unauthenticated", "crit-unknown", "An unknown crit header parameter (RFC 7515 §4.1.11).",
     STD, token(A, claims(), header={"crit": ["exp2"], "exp2": 1}), get(), deny(401, "ERR_JWS_CRIT_UNSUPPORTED"))
case("unauthenticated", "control-character-token", "A token with a space inside is not a token.",
     STD, None, get(headers=[["authorization", "Bearer abc def.ghi"]]), deny(401, "ERR_JWS_MALFORMED"))

# ---- jwt_authn's own checks -------------------------------------------------------------------
case("jwt_authn", "subjects-prefix-match", f"subjects prefix matches sub. {ENVOY} (isSubjectAllowed)",
     {"providers": [provider(subjects={"prefix": "global:default:"})]}, GOOD, get(), allow())
case("jwt_authn", "subjects-mismatch", f"sub does not match subjects. {ENVOY} (isSubjectAllowed)",
     {"providers": [provider(subjects={"exact": "global:prod:mongo:db:mongo:default"})]}, GOOD, get(),
     deny(401, "ERR_JWT_SUBJECT_MISMATCH"))
case("jwt_authn", "max-lifetime-exceeded", f"exp - now is not below max_lifetime_seconds. {ENVOY} (isLifetimeAllowed)",
     {"providers": [provider(max_lifetime_seconds=600)]}, GOOD, get(), deny(401, "ERR_JWT_LIFETIME_EXCEEDED"))
case("jwt_authn", "max-lifetime-within", f"exp - now below max_lifetime_seconds. {ENVOY} (isLifetimeAllowed)",
     {"providers": [provider(max_lifetime_seconds=7200)]}, GOOD, get(), allow())

# ---- 403: policies ----------------------------------------------------------------------------
case("forbidden", "other-job", f"The tutorial policy grants kv/data/<namespace>/<job>/*; redis is another job. {VAULT_REF}; Vault ACL",
     VAULT, GOOD, get("/v1/kv/data/default/redis/config"), deny(403, "ERR_POLICY_DENIED"))
case("forbidden", "write-not-granted", "POST is update; the policy grants read only (Vault ACL capabilities).",
     VAULT, GOOD, get(method="POST"), deny(403, "ERR_POLICY_DENIED"))
case("forbidden", "other-namespace", "The token's namespace is default; prod is not granted.",
     VAULT, GOOD, get("/v1/kv/data/prod/mongo/config"), deny(403, "ERR_POLICY_DENIED"))
case("forbidden", "other-namespace-token", "A prod/mongo token reads prod/mongo; default/mongo is not granted to it.",
     VAULT, token(A, claims(nomad_namespace="prod")), get(), deny(403, "ERR_POLICY_DENIED"))
case("forbidden", "list-not-granted", "LIST needs the list capability (Vault ACL).",
     VAULT, GOOD, get("/v1/kv/data/default/mongo/", method="LIST"), deny(403, "ERR_POLICY_DENIED"))

# ---- Vault role: bound claims, several failing checks -----------------------------------------
BOUND = dict(ROLE, bound_claims={"nomad_namespace": "default", "nomad_job_id": ["mongo", "redis"]})
case("vault-role", "bound-claims-match", f"bound_claims match (a list value matches any). {VAULT_REF} (validateBoundClaims)",
     {"providers": [vault_provider(BOUND)]}, GOOD, get(), allow())
case("vault-role", "bound-claims-mismatch", f"nomad_namespace is not the bound value. {VAULT_REF} (validateBoundClaims)",
     {"providers": [vault_provider(BOUND)]}, token(A, claims(nomad_namespace="prod")),
     get("/v1/kv/data/prod/mongo/config"), deny(401, "ERR_BOUND_CLAIM_MISMATCH"))
case("vault-role", "bound-claims-glob", f"bound_claims_type glob (Vault ≥ 1.4). {VAULT_REF}",
     {"providers": [vault_provider(dict(ROLE, bound_claims_type="glob", bound_claims={"nomad_job_id": "mon*"}))]},
     GOOD, get(), allow())
case("vault-role", "several-failures",
     f"Wrong audience, expired and a bound claim mismatch: the first failure in Vault's order (aud) "
     f"is the verdict, the others are also failing. {VAULT_REF}",
     {"providers": [vault_provider(BOUND)]},
     token(A, claims(aud=["other"], iat=NOW - 7200, nbf=NOW - 7200, exp=NOW - 3600, nomad_namespace="prod")),
     get(), dict(deny(401, "ERR_JWT_AUDIENCE_MISMATCH"), also_failing=["exp", "bound_claims.nomad_namespace"]))
case("vault-role", "bound-subject-and-claims",
     f"bound_subject and bound_claims both fail: sub first (Vault checks sub before the bound claims). {VAULT_REF}",
     {"providers": [vault_provider(dict(BOUND, bound_subject="global:default:redis:db:redis:default"))]},
     token(A, claims(nomad_namespace="batch")), get(),
     dict(deny(401, "ERR_JWT_SUBJECT_MISMATCH"), also_failing=["bound_claims.nomad_namespace"]))
case("vault-role", "user-claim-missing",
     f"The token has no nomad_job_id (the role's user_claim). {VAULT_REF} (claim \"...\" not found in token)",
     VAULT, token(A, claims(nomad_job_id=None)), get(), deny(401, "ERR_USER_CLAIM_MISSING"))
case("vault-role", "bad-signature-and-claims",
     "A forged signature, and the claims fail too: the signature is the verdict; the claims are "
     "still reported (unverified).",
     {"providers": [vault_provider(BOUND)]}, token(X, claims(aud=["other"], nomad_namespace="prod")),
     get(), dict(deny(401, "ERR_JWS_SIGNATURE_INVALID"), also_failing=["aud", "bound_claims.nomad_namespace"]))
case("vault-role", "bound-audiences",
     f"The role's bound_audiences decide the audience (the provider has none). {VAULT_REF}",
     {"providers": [vault_provider(dict(ROLE, bound_audiences=["nomad.io"]))]}, GOOD, get(),
     deny(401, "ERR_JWT_AUDIENCE_MISMATCH"))
case("vault-role", "expired-with-vault-leeway",
     f"Expired 200 s ago: past the role's default leeways (expiration_leeway 150 s, clock_skew_leeway 60 s). {VAULT_REF}",
     VAULT, token(A, claims(iat=NOW - 3800, nbf=NOW - 3800, exp=NOW - 200)), get(), deny(401, "ERR_JWT_EXPIRED"))

# ---- 400: paths -------------------------------------------------------------------------------
for name, path, desc in [
    ("dot-segment", "/v1/kv/data/default/mongo/../redis/config", "a literal .. segment"),
    ("encoded-slash", "/v1/kv/data/default/mongo/..%2Fredis/config", "an encoded / (Vault decodes, then resolves)"),
    ("empty-segment", "/v1/kv/data/default/mongo//config", "an empty segment"),
    ("backslash", "/v1/kv/data/default/mongo/..\\redis", "a raw backslash"),
    ("encoded-percent", "/v1/kv/data/default/mongo/%252F", "%25 (a second decoding makes %2F)"),
]:
    case("path", name, f"A path holding {desc} is refused with 400 before any rule or policy.",
         VAULT, GOOD, get(path), deny(400, "ERR_REQUEST_INVALID"))
case("path", "bypass-does-not-apply", "A /healthz bypass rule never covers /healthz/../v1/...: 400.",
     {"providers": [provider()], "rules": [{"prefix": "/healthz", "action": "bypass"}]}, None,
     get("/healthz/../v1/kv/data/default/mongo/config", headers=[]), deny(400, "ERR_REQUEST_INVALID"))

# ---- rules ------------------------------------------------------------------------------------
RULES = {"providers": [provider()], "rules": [
    {"prefix": "/healthz", "action": "bypass"},
    {"prefix": "/public/", "action": "allow_missing"},
    {"prefix": "/api/v1/", "strip_prefix": "/api/v1/"},
    {"exact": "/write", "methods": ["POST"], "action": "require"},
]}
case("rules", "bypass", "A bypass rule lets the request through without a token.", RULES, None,
     get("/healthz", headers=[]), {"verdict": "pass", "status": 200})
case("rules", "bypass-strips-claim-headers", "Even on a bypass, client copies of claim headers are removed.",
     RULES, None, get("/healthz", headers=[["x-nomad-job", "admin"]]),
     {"verdict": "pass", "status": 200, "remove": ["x-nomad-job", "x-nomad-namespace"]})
case("rules", "allow-missing-without-token", f"allow_missing without a token passes. {ENVOY} (allow_missing)",
     RULES, None, get("/public/x", headers=[]), {"verdict": "pass", "status": 200})
case("rules", "allow-missing-bad-token", f"allow_missing with an invalid token is refused. {ENVOY} (allow_missing, not allow_missing_or_failed)",
     RULES, token(A, claims(exp=NOW - 3600, iat=NOW - 7200, nbf=NOW - 7200)), get("/public/x"), deny(401, "ERR_JWT_EXPIRED"))
case("rules", "allow-missing-valid-token", "allow_missing with a valid token: verified, claim headers set.",
     RULES, GOOD, get("/public/x"), allow())
case("rules", "strip-prefix", "strip_prefix maps /api/v1/ onto Vault's path before the policies.",
     {"providers": [vault_provider()], "rules": [{"prefix": "/api/v1/", "strip_prefix": "/api/v1/"}]},
     GOOD, get("/api/v1/kv/data/default/mongo/config"), allow())
case("rules", "strip-prefix-forbidden", "strip_prefix applies to denials too.",
     {"providers": [vault_provider()], "rules": [{"prefix": "/api/v1/", "strip_prefix": "/api/v1/"}]},
     GOOD, get("/api/v1/kv/data/default/redis/config"), deny(403, "ERR_POLICY_DENIED"))
case("rules", "rule-providers", "A rule naming one provider ignores the others' tokens: missing.",
     {"providers": [provider(), provider(name="other", jwks=jwks(B), from_headers=[{"name": "x-other-token"}], claim_to_headers=[])],
      "rules": [{"prefix": "/", "providers": ["other"]}]},
     GOOD, get(), deny(401, "ERR_TOKEN_MISSING"))
case("rules", "cors-preflight", "bypass_cors_preflight lets an OPTIONS preflight through.",
     dict(RULES, bypass_cors_preflight=True), None,
     get("/v1/kv/data/default/mongo/config", method="OPTIONS",
         headers=[["origin", "https://app.example"], ["access-control-request-method", "GET"]]),
     {"verdict": "pass", "status": 200})
case("rules", "cors-preflight-not-enabled", "Without bypass_cors_preflight a preflight needs a token.",
     RULES, None, get("/v1/kv/data/default/mongo/config", method="OPTIONS",
                      headers=[["origin", "https://app.example"], ["access-control-request-method", "GET"]]),
     deny(401, "ERR_TOKEN_MISSING"))

# ---- remote keys ------------------------------------------------------------------------------
REMOTE = {"providers": [provider(jwks=None, remote_jwks=remote())]}
case("remote", "fetch-then-allow", "The first request waits for the JWKS fetch, then is decided.",
     REMOTE, GOOD, get(), allow(), fetches=[fetch(jwks(A))])
case("remote", "rotation-refetch",
     "The token's kid is not in the fetched JWKS: one refetch (cooldown 0) finds the rotated key.",
     {"providers": [provider(jwks=None, remote_jwks=remote(kid_refetch_cooldown_seconds=0))]},
     token(B, claims()), get(), allow(), fetches=[fetch(jwks(A)), fetch(jwks(A, B))])
case("remote", "unknown-kid-within-cooldown",
     "The token's kid is not in the JWKS fetched just now: no refetch inside the cooldown; refused.",
     REMOTE, token(B, claims()), get(), deny(401, "ERR_JWKS_NO_MATCHING_KEY"), fetches=[fetch(jwks(A))])
case("remote", "fetch-failure-503", "The JWKS host answers 500 and no retry is configured: 503.",
     REMOTE, GOOD, get(), deny(503, "ERR_JWKS_UNAVAILABLE"), fetches=[fetch("oops", 500)])
case("remote", "fetch-failure-401", f"on_jwks_failure 401, as jwt_authn answers (Jwks remote fetch is failed). {ENVOY}",
     dict(REMOTE, on_jwks_failure="401"), GOOD, get(), deny(401, "ERR_JWKS_UNAVAILABLE"), fetches=[fetch("oops", 500)])
case("remote", "fetch-not-json", "The JWKS host answers 200 with something that is not a JWKS: 503.",
     REMOTE, GOOD, get(), deny(503, "ERR_JWKS_UNAVAILABLE"), fetches=[fetch("<html>")])
case("remote", "discovery", "OIDC discovery: the issuer's document names the JWKS on the same host.",
     {"providers": [provider(jwks=None, remote_jwks=remote(path=None, discovery=True))]}, GOOD, get(), allow(),
     fetches=[fetch({"issuer": ISS, "jwks_uri": f"{ISS}/.well-known/jwks.json"}), fetch(jwks(A))])
case("remote", "vault-role-remote", "Remote keys with the Vault role and policy: denied path.",
     {"providers": [vault_provider(jwks=None, remote_jwks=remote())]}, GOOD,
     get("/v1/kv/data/default/redis/config"), deny(403, "ERR_POLICY_DENIED"), fetches=[fetch(jwks(A))])


def render(name, c):
    path = HERE / f"{name}.json"
    if path.exists():
        old = json.loads(path.read_text())
        if "decision" in old:
            c = dict(c, decision=old["decision"])
    return path, json.dumps(c, indent=2, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv
    stale = []
    names = set()
    for name, c in sorted(CASES.items()):
        path, text = render(name, c)
        names.add(path)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    extra = [p for p in HERE.glob("*/*.json") if p not in names]
    if check and (stale or extra):
        for s in stale:
            print(f"stale: {s}", file=sys.stderr)
        for e in extra:
            print(f"not written by generate.py: {e.relative_to(ROOT)}", file=sys.stderr)
        print("regenerate: python3 tests/vectors/gate/generate.py", file=sys.stderr)
        sys.exit(1)
    if not check:
        for e in extra:
            e.unlink()
    print(f"{len(CASES)} cases" + (" (checked)" if check else ""))


if __name__ == "__main__":
    main()
