#!/usr/bin/env python3
"""Generates tests/vectors/inspect/cases.json: inputs for the tolerant, unverified `inspect`
decode, with what it must tolerate, warn about and decode. Python stdlib only, deterministic.

Run from the repository root:  python3 tests/vectors/inspect/generate.py
(`--check` compares with the committed file instead of writing it; CI runs that.)
"""
import base64
import hashlib
import json
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def js(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def sig_bytes(seed: str, n: int = 256) -> bytes:
    out, counter = b"", 0
    while len(out) < n:
        out += hashlib.sha256(f"jwtgate inspect {seed} {counter}".encode()).digest()
        counter += 1
    return out[:n]


HEADER = {"alg": "RS256", "kid": "2c4b8e3a-6f41-4d0e-9b3c-1d5e7f9a0b2c", "typ": "JWT"}
# A Nomad workload identity for Vault (named identity `vault_default`, with exp and iss).
CLAIMS = {
    "aud": ["vault.io"],
    "exp": 1764393600,
    "iat": 1764390000,
    "iss": "https://nomad.example.com:4646",
    "jti": "0b5e2a43-1c8f-4d3e-9a6b-7c2d1e0f3a4b",
    "nbf": 1764390000,
    "nomad_allocation_id": "5f1a7c2e-3b9d-4e8f-a6c1-2d7e9b0f4a3c",
    "nomad_job_id": "mongo",
    "nomad_namespace": "default",
    "nomad_task": "mongo",
    "sub": "global:default:mongo:db:mongo:vault_default",
}
# Chosen so the signature's base64url contains both '-' and '_' (for the alphabet cases).
SIG = b"\xfb\xff\xbf" + sig_bytes("signature", 253)


def tok(header=None, claims=None, sig=SIG, raw_header=None, raw_payload=None):
    h = raw_header if raw_header is not None else js(HEADER if header is None else header)
    p = raw_payload if raw_payload is not None else js(CLAIMS if claims is None else claims)
    return f"{b64u(h)}.{b64u(p)}.{b64u(sig)}"


def hdr(**changes):
    h = dict(HEADER)
    for k, v in changes.items():
        if v is DROP:
            h.pop(k, None)
        else:
            h[k] = v
    return h


def cl(**changes):
    c = dict(CLAIMS)
    for k, v in changes.items():
        if v is DROP:
            c.pop(k, None)
        else:
            c[k] = v
    return c


DROP = object()
T = tok()
H, P, S = T.split(".")
assert "-" in S and "_" in S
cases = []


def case(name, why, input, token, tolerated=(), warnings=(), strict_code=None, **expect):
    entry = {
        "name": name,
        "why": why,
        "input": input,
        "token": token,
        "tolerated": sorted(set(tolerated)),
        "warnings": sorted(set(warnings)),
        "strict_code": strict_code,
    }
    entry.update(expect)
    cases.append(entry)


# ---- cleaning the input ----
case("clean", "a well-formed token: nothing tolerated, nothing to warn about", T, T,
     header=HEADER, payload=CLAIMS, signature=S, segment_status=["ok", "ok", "ok"])
case("whitespace_around", "read from a file or pasted with a newline", f"\n  {T} \r\n", T,
     ["whitespace"])
case("bearer_prefix", "an Authorization header value", f"Bearer {T}", T, ["bearer_prefix"])
case("bearer_lowercase_extra_spaces", "`bearer` in any case, several spaces",
     f"bearer   {T}", T, ["bearer_prefix"])
case("bearer_upper_quoted", "quotes inside the prefix", f'BEARER "{T}"', T,
     ["bearer_prefix", "quotes"])
case("double_quoted", "copied from JSON or a shell variable", f'"{T}"', T, ["quotes"])
case("single_quoted_with_spaces", "single quotes with spaces inside", f"' {T} '", T,
     ["quotes", "whitespace"])
case("quoted_bearer", "a quoted header value", f'"Bearer {T}"', T, ["quotes", "bearer_prefix"])
case("authorization_header_line", "a whole header line",
     f"Authorization: Bearer {T}", T, ["embedded"])
case("json_member", "a token inside a JSON document", json.dumps({"jwt": T, "ttl": 3600}), T,
     ["embedded"])
case("log_line", "a token in a log line", f'2026-11-29T06:00:00Z level=info token={T} user=bob',
     T, ["embedded"])
case("url_fragment", "an OAuth redirect URL",
     f"https://app.example/cb#id_token={T}&state=af0ifjsldkj", T, ["embedded"])
case("trailing_quote_only", "a token copied with one trailing quote (jwt.io issue #723)",
     f'{T}"', T, ["embedded"])
wrapped = "\n".join(T[i:i + 76] for i in range(0, len(T), 76))
case("line_wrapped", "a token wrapped at 76 columns by a terminal or mail client", wrapped, T,
     ["inner_whitespace"])

# ---- tolerated base64 ----
padded_sig = S + "=" * (-len(S) % 4)
assert padded_sig != S
case("padding", "'=' padding on the signature", f"{H}.{P}.{padded_sig}", f"{H}.{P}.{padded_sig}",
     ["padding"], [], "ERR_JWS_BASE64", signature=S,
     segment_status=["ok", "ok", "tolerated"])
std_sig = S.replace("-", "+").replace("_", "/")
case("standard_alphabet", "standard base64 alphabet in the signature",
     f"{H}.{P}.{std_sig}", f"{H}.{P}.{std_sig}", ["standard_alphabet"], [], "ERR_JWS_BASE64",
     signature=S)
std_padded = std_sig + "=" * (-len(S) % 4)
case("standard_alphabet_padded", "plain base64 (both irregularities)",
     f"{H}.{P}.{std_padded}", f"{H}.{P}.{std_padded}", ["padding", "standard_alphabet"], [],
     "ERR_JWS_BASE64", signature=S)
URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
assert len(S) % 4 == 2  # 256 bytes: the last symbol has 4 unused bits
bits_sig = S[:-1] + URL[URL.index(S[-1]) | 1]
case("trailing_bits", "non-canonical last symbol", f"{H}.{P}.{bits_sig}", f"{H}.{P}.{bits_sig}",
     ["trailing_bits"], [], "ERR_JWS_BASE64", signature=S)

# ---- partial tokens ----
case("two_segments", "signature stripped together with its dot", f"{H}.{P}", f"{H}.{P}",
     ["partial"], ["signature_missing"], "ERR_JWS_MALFORMED", header=HEADER, payload=CLAIMS,
     signature=None, segment_status=["ok", "ok"])
case("one_segment", "only the header", H, H, ["partial"], ["payload_missing", "signature_missing"],
     "ERR_JWS_MALFORMED", header=HEADER, payload=None)
case("signature_stripped", "signature removed, dot kept", f"{H}.{P}.", f"{H}.{P}.", [],
     ["signature_empty"], "ERR_JWS_SIGNATURE_EMPTY", signature=None,
     segment_status=["ok", "ok", "empty"])
case("four_segments", "an extra segment", f"{T}.{S}", f"{T}.{S}", [], ["too_many_segments"],
     "ERR_JWS_MALFORMED", segment_status=["ok", "ok", "ok", "extra"])

# ---- header warnings ----
case("alg_none", "unsigned token", tok(hdr(alg="none"), sig=b""),
     tok(hdr(alg="none"), sig=b""), [], ["alg_none", "signature_empty"], "ERR_JWS_ALG_NONE")
case("alg_none_upper", "`NONE`", tok(hdr(alg="NONE")), tok(hdr(alg="NONE")), [],
     ["alg_none_variant"], "ERR_JWS_ALG_UNSUPPORTED")
case("alg_hs256", "HMAC", tok(hdr(alg="HS256")), tok(hdr(alg="HS256")), [], ["alg_hmac"],
     "ERR_JWS_ALG_UNSUPPORTED")
case("alg_unknown", "ES256K", tok(hdr(alg="ES256K")), tok(hdr(alg="ES256K")), [],
     ["alg_unknown"], "ERR_JWS_ALG_UNSUPPORTED")
case("alg_missing", "no alg", tok(hdr(alg=DROP)), tok(hdr(alg=DROP)), [], ["alg_missing"],
     "ERR_JWS_HEADER_INVALID")
case("alg_number", "alg is a number", tok(hdr(alg=1)), tok(hdr(alg=1)), [], ["alg_type"],
     "ERR_JWS_HEADER_INVALID")
nomad_default = tok(hdr(alg="EdDSA"), cl(exp=DROP, iss=DROP, aud="nomadproject.io",
                                         sub="global:default:mongo:db:mongo:default"),
                    sig=sig_bytes("ed", 64))
case("nomad_default_identity_pre_1_7",
     "a Nomad default identity from a pre-1.7 EdDSA key, no oidc_issuer configured",
     nomad_default, nomad_default, [],
     ["alg_eddsa_aws", "aud_nomad_default", "exp_missing", "iss_missing"], None)
case("kid_missing", "no kid", tok(hdr(kid=DROP)), tok(hdr(kid=DROP)), [], ["kid_missing"])
case("kid_number", "kid is a number", tok(hdr(kid=7)), tok(hdr(kid=7)), [], ["kid_type"],
     "ERR_JWS_HEADER_INVALID")
case("b64_false", "RFC 7797", tok(hdr(b64=False, crit=["b64"])),
     tok(hdr(b64=False, crit=["b64"])), [], ["b64", "crit"], "ERR_JWS_CRIT_UNSUPPORTED")
case("crit", "critical extension", tok(hdr(crit=["x"], x=1)), tok(hdr(crit=["x"], x=1)), [],
     ["crit"], "ERR_JWS_CRIT_UNSUPPORTED")
case("embedded_keys", "jku and jwk in the header (key injection attempts)",
     tok(hdr(jku="https://evil.example/jwks.json", jwk={"kty": "oct", "k": "AA"})),
     tok(hdr(jku="https://evil.example/jwks.json", jwk={"kty": "oct", "k": "AA"})), [],
     ["embedded_key"], None)
dup_h = tok(raw_header=b'{"alg":"RS256","kid":"a","alg":"none"}')
case("duplicate_header_member", "two alg members: the last one is shown", dup_h, dup_h, [],
     ["duplicate_member", "alg_none"], "ERR_JSON_DUPLICATE_MEMBER",
     header={"alg": "none", "kid": "a"})
case("header_not_json", "header is not JSON", tok(raw_header=b"alg=RS256"),
     tok(raw_header=b"alg=RS256"), [], ["not_json"], "ERR_JSON_INVALID", header=None)
case("header_array", "header is a JSON array", tok(raw_header=b'["RS256"]'),
     tok(raw_header=b'["RS256"]'), [], ["not_object"], "ERR_JWS_HEADER_INVALID",
     header=["RS256"])
nu = tok(raw_header=b'{"alg":"RS256","kid":"\xff"}')
case("header_not_utf8", "invalid UTF-8 in the header: shown with U+FFFD", nu, nu, [],
     ["not_utf8"], "ERR_JSON_INVALID", header={"alg": "RS256", "kid": "\ufffd"})
bad_h = H + "A" * ((1 - len(H)) % 4)
assert len(bad_h) % 4 == 1
case("header_not_base64", "a segment of impossible length (4k+1) cannot be decoded at all", f"{bad_h}.{P}.{S}",
     f"{bad_h}.{P}.{S}", [], ["not_base64url"], "ERR_JWS_BASE64", header=None, payload=CLAIMS,
     segment_status=["invalid", "ok", "ok"])

# ---- claim warnings ----
case("exp_missing", "no exp", tok(claims=cl(exp=DROP)), tok(claims=cl(exp=DROP)), [],
     ["exp_missing"])
case("iss_missing", "no iss", tok(claims=cl(iss=DROP)), tok(claims=cl(iss=DROP)), [],
     ["iss_missing"])
ms = cl(exp=1764393600000, iat=1764390000000, nbf=1764390000000)
case("times_in_milliseconds", "Date.now() used instead of seconds", tok(claims=ms),
     tok(claims=ms), [], ["time_in_milliseconds"])
st = cl(exp="1764393600")
case("time_as_string", "exp as a string", tok(claims=st), tok(claims=st), [],
     ["time_not_number"])
inv = cl(exp=1764390000, iat=1764393600, nbf=1764393600)
case("exp_before_iat", "exp before iat and nbf after exp", tok(claims=inv), tok(claims=inv), [],
     ["exp_before_iat", "nbf_after_exp"])
ty = cl(aud=[1], sub=42)
case("claim_types", "aud with a number, sub a number", tok(claims=ty), tok(claims=ty), [],
     ["claim_type"])
dup_p = tok(raw_payload=b'{"iss":"i","exp":1764393600,"sub":"a","sub":"b"}')
case("duplicate_claim", "two sub claims: the last one is shown", dup_p, dup_p, [],
     ["duplicate_member"], "ERR_JSON_DUPLICATE_MEMBER",
     payload={"iss": "i", "exp": 1764393600, "sub": "b"})
case("payload_array", "payload is an array", tok(raw_payload=b"[1,2]"),
     tok(raw_payload=b"[1,2]"), [], ["not_object"], "ERR_JWT_CLAIMS_INVALID", payload=[1, 2])
deep = b'{"iss":"i","exp":1,"d":' + b"[" * 20 + b"]" * 20 + b"}"
case("payload_too_deep", "nesting over max_json_depth is shown anyway", tok(raw_payload=deep),
     tok(raw_payload=deep), [], ["limit_exceeded"], "ERR_LIMIT_EXCEEDED")

# ---- junk ----
case("empty", "nothing", "", "", [], ["no_token_found"], "ERR_JWS_MALFORMED", segment_status=[])
case("only_whitespace", "whitespace only", " \n\t ", "", ["whitespace"], ["no_token_found"],
     "ERR_JWS_MALFORMED")
case("prose", "text without a token", "hello, world!", "", [], ["no_token_found"],
     "ERR_JWS_MALFORMED")
case("word", "a single word is read as a one-segment token", "hello", "hello", ["partial"],
     ["not_base64url", "payload_missing", "signature_missing"], "ERR_JWS_MALFORMED")

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), "duplicate case names"
text = json.dumps(cases, indent=1, ensure_ascii=True) + "\n"
if "--check" in sys.argv[1:]:
    # CI mode: the committed file must be exactly what this generator produces.
    with open(OUT, encoding="utf-8", newline="") as f:
        if f.read() != text:
            sys.exit(f"{os.path.relpath(OUT)} is stale: run python3 {os.path.relpath(__file__)}")
    print(f"{os.path.relpath(OUT)}: {len(cases)} cases, up to date")
else:
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")
