#!/usr/bin/env python3
"""Generates tests/vectors/adversarial/tokens.json: compact tokens that a strict JWS/JWT parser
must refuse, each with the jwtgate error code it must produce. Python stdlib only, deterministic
(no randomness, no clock), so regenerating leaves `git diff` empty.

Run from the repository root:  python3 tests/vectors/adversarial/generate.py
(`--check` compares with the committed file instead of writing it; CI runs that.)
"""
import base64
import hashlib
import json
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokens.json")

# Default limits (src/limits.rs); the boundary cases below are built against them.
MAX_TOKEN_LEN = 16 * 1024
MAX_HEADER_LEN = 2 * 1024
MAX_JSON_DEPTH = 16
MAX_CLAIMS = 128

URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def js(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def sig_bytes(seed: str, n: int = 256) -> bytes:
    """Deterministic stand-in signature bytes (the parser never checks the maths)."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"jwtgate adversarial {seed} {counter}".encode()).digest()
        counter += 1
    return out[:n]


HEADER = {"alg": "RS256", "kid": "2c4b8e3a-6f41-4d0e-9b3c-1d5e7f9a0b2c", "typ": "JWT"}
CLAIMS = {
    "aud": ["vault.io"],
    "iat": 1764390000,
    "jti": "0b5e2a43-1c8f-4d3e-9a6b-7c2d1e0f3a4b",
    "nbf": 1764390000,
    "exp": 1764393600,
    "iss": "https://nomad.example.com:4646",
    "sub": "global:default:mongo:db:mongo:vault_default",
    "nomad_namespace": "default",
    "nomad_job_id": "mongo",
    "nomad_allocation_id": "5f1a7c2e-3b9d-4e8f-a6c1-2d7e9b0f4a3c",
    "nomad_task": "mongo",
}
SIG = sig_bytes("signature")


def tok(header=None, claims=None, sig=SIG, raw_header=None, raw_payload=None):
    h = raw_header if raw_header is not None else js(HEADER if header is None else header)
    p = raw_payload if raw_payload is not None else js(CLAIMS if claims is None else claims)
    return f"{b64u(h)}.{b64u(p)}.{b64u(sig)}"


def hdr(**changes):
    h = dict(HEADER)
    for k, v in changes.items():
        if v is DELETE:
            h.pop(k, None)
        else:
            h[k] = v
    return h


def claims(**changes):
    c = dict(CLAIMS)
    c.update(changes)
    return c


DELETE = object()
cases = []


def case(name, token, code, why, contains=None):
    entry = {"name": name, "token": token, "code": code, "why": why}
    if contains is not None:
        entry["message_contains"] = contains
    cases.append(entry)


def segments(token):
    return token.split(".")


def swap_in_segment(token, index, old, new):
    parts = segments(token)
    assert old in parts[index], (parts[index], old)
    parts[index] = parts[index].replace(old, new, 1)
    return ".".join(parts)


def set_trailing_bits(text):
    """Sets the unused low bits of the last symbol, keeping the decoded bytes the same."""
    unused = {2: 4, 3: 2}[len(text) % 4]
    last = URL.index(text[-1].encode())
    assert last & ((1 << unused) - 1) == 0
    return text[:-1] + chr(URL[last | 1])


BASE = tok()

# ---- controls: these must parse, proving the rest fail for their stated reason only ----
case("control_nomad_rs256", BASE, None, "a well-formed Nomad-style RS256 token parses")
case(
    "control_eddsa_default_identity",
    tok(hdr(alg="EdDSA"), {k: v for k, v in CLAIMS.items() if k != "exp"}, sig_bytes("ed", 64)),
    None,
    "EdDSA header and no exp (a Nomad default identity) is well-formed; claim rules come later",
)

# ---- base64url ----
h, p, s = segments(BASE)
assert len(s) % 4 != 0
case("padding_signature", f"{h}.{p}.{s}{'=' * (-len(s) % 4)}", "ERR_JWS_BASE64",
     "'=' padding is forbidden in JWS base64url (RFC 7515 §2)", "segment 3 (signature)")
padded_header = hdr(kid="k")
ph = b64u(js(padded_header))
assert len(ph) % 4 != 0
case("padding_header", f"{ph}{'=' * (-len(ph) % 4)}.{p}.{s}", "ERR_JWS_BASE64",
     "'=' padding in the header segment", "segment 1 (header)")
std_sig = b"\xfb\xff" + SIG[2:]
t = tok(sig=std_sig)
assert segments(t)[2].startswith("-_")
case("standard_alphabet_signature", swap_in_segment(t, 2, "-_", "+/"), "ERR_JWS_BASE64",
     "the standard base64 alphabet ('+', '/') instead of base64url", "invalid byte '+' at offset 0")
t = tok(claims=claims(note="~~~~?>?>"))
pp = segments(t)[1]
assert "-" in pp or "_" in pp
old = "-" if "-" in pp else "_"
case("standard_alphabet_payload", swap_in_segment(t, 1, old, "+" if old == "-" else "/"),
     "ERR_JWS_BASE64", "standard alphabet in the payload segment", "segment 2 (payload)")
case("trailing_bits_signature", f"{h}.{p}.{set_trailing_bits(s)}", "ERR_JWS_BASE64",
     "last symbol with non-zero unused bits: a second spelling of the same signature",
     "non-canonical last symbol")
case("trailing_bits_header", f"{set_trailing_bits(ph)}.{p}.{s}", "ERR_JWS_BASE64",
     "non-canonical last symbol in the header segment", "segment 1 (header)")
bad_len = s + "A" * ((1 - len(s)) % 4)
assert len(bad_len) % 4 == 1
case("impossible_length_signature", f"{h}.{p}.{bad_len}", "ERR_JWS_BASE64",
     "a base64 text of length 4k+1 encodes no byte string", "length")
case("invalid_byte_signature", f"{h}.{p}.{s[:10]}!{s[11:]}", "ERR_JWS_BASE64",
     "a byte outside any base64 alphabet", "invalid byte '!' at offset 10")
case("non_ascii_in_payload", f"{h}.{p[:5]}é{p[6:]}.{s}", "ERR_JWS_BASE64",
     "a non-ASCII character inside a segment", "segment 2 (payload)")
case("nul_byte_in_header", f"{h[:3]}\u0000{h[4:]}.{p}.{s}", "ERR_JWS_BASE64",
     "a NUL byte inside a segment", "0x00")

# ---- whitespace (a strict parser never trims) ----
case("whitespace_leading", f" {BASE}", "ERR_JWS_MALFORMED", "leading space", "offset 0")
case("whitespace_trailing_newline", f"{BASE}\n", "ERR_JWS_MALFORMED",
     "trailing newline, as read from a file like secrets/nomad_token", "0x0a")
case("whitespace_inside_payload", f"{h}.{p[:20]} {p[20:]}.{s}", "ERR_JWS_MALFORMED",
     "a space inside the payload segment")
case("whitespace_crlf_inside_signature", f"{h}.{p}.{s[:64]}\r\n{s[64:]}", "ERR_JWS_MALFORMED",
     "a line break inside the signature (token wrapped by a terminal or mail client)")
case("whitespace_tab_after_dot", f"{h}.\t{p}.{s}", "ERR_JWS_MALFORMED", "a tab after a dot")
case("bearer_prefix", f"Bearer {BASE}", "ERR_JWS_MALFORMED",
     "the Authorization header value instead of the token", "Bearer")

# ---- segment structure ----
case("empty_string", "", "ERR_JWS_MALFORMED", "nothing at all", "1 segment")
case("one_segment", h, "ERR_JWS_MALFORMED", "only the header", "1 segment")
case("two_segments", f"{h}.{p}", "ERR_JWS_MALFORMED",
     "header and payload without the signature segment (signature stripped with its dot)",
     "2 segment")
case("four_segments", f"{BASE}.{s}", "ERR_JWS_MALFORMED", "an extra segment", "4 segment")
case("trailing_dot", f"{BASE}.", "ERR_JWS_MALFORMED", "trailing garbage: a fourth, empty segment")
case("five_segments_jwe", f"{h}.{s[:40]}.{s[40:56]}.{p}.{s[56:72]}", "ERR_JWS_MALFORMED",
     "five segments is the JWE (encrypted) compact form", "JWE")
case("only_dots", "..", "ERR_JWS_MALFORMED", "three empty segments", "segment 1 (header) is empty")
case("empty_header", f".{p}.{s}", "ERR_JWS_MALFORMED", "empty header segment",
     "segment 1 (header) is empty")
case("empty_payload", f"{h}..{s}", "ERR_JWS_MALFORMED",
     "empty payload: a JWS may have one, a JWT may not", "segment 2 (payload) is empty")
case("empty_signature", f"{h}.{p}.", "ERR_JWS_SIGNATURE_EMPTY",
     "signature stripped, dot kept (how people share tokens, and how alg:none tokens look)")

# ---- header JSON ----
case("header_array", tok(raw_header=b'["RS256"]'), "ERR_JWS_HEADER_INVALID",
     "the header is JSON but an array", "found array")
case("header_string", tok(raw_header=b'"RS256"'), "ERR_JWS_HEADER_INVALID",
     "the header is a JSON string", "found string")
case("header_null", tok(raw_header=b"null"), "ERR_JWS_HEADER_INVALID", "the header is JSON null")
case("header_not_json", tok(raw_header=b"alg=RS256"), "ERR_JSON_INVALID",
     "the header is not JSON", "JOSE header")
case("header_trailing_garbage", tok(raw_header=js(HEADER) + b"x"), "ERR_JSON_INVALID",
     "trailing bytes after the header object", "JOSE header")
case("header_two_objects", tok(raw_header=js(HEADER) + b'{"alg":"none"}'), "ERR_JSON_INVALID",
     "a second object after the header (a parser that stops early sees only the first)")
case("header_truncated", tok(raw_header=js(HEADER)[:-1]), "ERR_JSON_INVALID",
     "the header object is not closed")
case("header_utf8_bom", tok(raw_header=b"\xef\xbb\xbf" + js(HEADER)), "ERR_JSON_INVALID",
     "a UTF-8 byte-order mark before the header JSON")
case("header_non_utf8", tok(raw_header=b'{"alg":"RS256","kid":"\xff\xfe"}'), "ERR_JSON_INVALID",
     "the header bytes are not UTF-8", "segment 1 (header) is not UTF-8")
case("header_lone_surrogate_escape", tok(raw_header=b'{"alg":"RS256","kid":"\\ud800"}'),
     "ERR_JSON_INVALID", "a JSON escape for an unpaired UTF-16 surrogate is not a Unicode string")
case("header_duplicate_alg", tok(raw_header=b'{"alg":"RS256","alg":"none"}'),
     "ERR_JSON_DUPLICATE_MEMBER",
     "two alg members: a last-wins parser sees none, a first-wins one RS256", "\"alg\"")
case("header_duplicate_escaped", tok(raw_header=b'{"alg":"RS256","\\u0061lg":"none"}'),
     "ERR_JSON_DUPLICATE_MEMBER", "the duplicate is spelled with a \\u escape")
case("header_duplicate_kid", tok(raw_header=b'{"alg":"RS256","kid":"a","kid":"b"}'),
     "ERR_JSON_DUPLICATE_MEMBER", "two kid members choose different keys in different parsers")

# ---- alg ----
case("alg_none", tok(hdr(alg="none")), "ERR_JWS_ALG_NONE", "unsigned token")
case("alg_none_empty_signature", tok(hdr(alg="none"), sig=b""), "ERR_JWS_ALG_NONE",
     "the classic unsigned token: alg none and an empty signature; the alg is reported first")
case("alg_None", tok(hdr(alg="None")), "ERR_JWS_ALG_UNSUPPORTED",
     "alg names are case-sensitive: None is not none, and not a supported algorithm", "\"None\"")
case("alg_NONE", tok(hdr(alg="NONE")), "ERR_JWS_ALG_UNSUPPORTED", "upper-case NONE")
case("alg_missing", tok(hdr(alg=DELETE)), "ERR_JWS_HEADER_INVALID", "no alg member", "alg")
case("alg_number", tok(hdr(alg=256)), "ERR_JWS_HEADER_INVALID", "alg is a number", "number")
case("alg_null", tok(hdr(alg=None)), "ERR_JWS_HEADER_INVALID", "alg is null")
case("alg_array", tok(hdr(alg=["RS256"])), "ERR_JWS_HEADER_INVALID", "alg is an array")
case("alg_hs256", tok(hdr(alg="HS256")), "ERR_JWS_ALG_UNSUPPORTED",
     "HMAC: the key-confusion attack signs with the RSA public key as an HMAC secret", "HMAC")
case("alg_lowercase_rs256", tok(hdr(alg="rs256")), "ERR_JWS_ALG_UNSUPPORTED",
     "alg names are case-sensitive")
case("alg_es256k", tok(hdr(alg="ES256K")), "ERR_JWS_ALG_UNSUPPORTED",
     "secp256k1 is not one of Vault's algorithms")
case("alg_empty", tok(hdr(alg="")), "ERR_JWS_ALG_UNSUPPORTED", "empty alg string")
case("kid_number", tok(hdr(kid=1)), "ERR_JWS_HEADER_INVALID", "kid must be a string", "kid")
case("typ_object", tok(hdr(typ={"a": 1})), "ERR_JWS_HEADER_INVALID", "typ must be a string")

# ---- b64 and crit ----
case("b64_false", tok(hdr(b64=False, crit=["b64"])), "ERR_JWS_CRIT_UNSUPPORTED",
     "RFC 7797 unencoded payload changes what the signature covers", "b64")
case("b64_false_without_crit", tok(hdr(b64=False)), "ERR_JWS_CRIT_UNSUPPORTED",
     "b64 false even without crit is refused, not ignored")
case("b64_true", tok(hdr(b64=True)), "ERR_JWS_CRIT_UNSUPPORTED",
     "b64 is refused whatever its value: one meaning per token")
case("crit_unknown_extension",
     tok(hdr(crit=["https://example.invalid/ext"], **{"https://example.invalid/ext": 1})),
     "ERR_JWS_CRIT_UNSUPPORTED", "an extension we do not implement is marked critical",
     "https://example.invalid/ext")
case("crit_exp", tok(hdr(crit=["exp"], exp=1764393600)), "ERR_JWS_CRIT_UNSUPPORTED",
     "a header exp marked critical (RFC 7515 §4.1.11 example)")
case("crit_not_array", tok(hdr(crit="exp", exp=1)), "ERR_JWS_HEADER_INVALID",
     "crit must be an array", "crit")
case("crit_empty", tok(hdr(crit=[])), "ERR_JWS_HEADER_INVALID",
     "RFC 7515 §4.1.11: producers MUST NOT use the empty list", "empty")
case("crit_number_entry", tok(hdr(crit=[1])), "ERR_JWS_HEADER_INVALID", "crit entries are strings")
case("crit_registered_name", tok(hdr(crit=["alg"])), "ERR_JWS_HEADER_INVALID",
     "crit must not list names the JWS/JWA specs define", "registered")
case("crit_absent_member", tok(hdr(crit=["exp"])), "ERR_JWS_HEADER_INVALID",
     "crit lists a member the header does not have", "not in the header")

# ---- payload ----
case("payload_array", tok(raw_payload=b'[{"sub":"x"}]'), "ERR_JWT_CLAIMS_INVALID",
     "the payload is JSON but not an object", "found array")
case("payload_string", tok(raw_payload=b'"hello"'), "ERR_JWT_CLAIMS_INVALID",
     "a JSON string payload")
case("payload_number", tok(raw_payload=b"42"), "ERR_JWT_CLAIMS_INVALID", "a JSON number payload")
case("payload_not_json", tok(raw_payload=b"hello world"), "ERR_JSON_INVALID",
     "a plain-text JWS payload is not a claims set", "JWT claims set")
case("payload_trailing_garbage", tok(raw_payload=js(CLAIMS) + b" ,"), "ERR_JSON_INVALID",
     "trailing bytes after the claims object")
case("payload_non_utf8", tok(raw_payload=b'{"sub":"\xc3\x28"}'), "ERR_JSON_INVALID",
     "the claims bytes are not UTF-8", "segment 2 (payload) is not UTF-8")
case("claim_duplicate_sub", tok(raw_payload=b'{"sub":"a","exp":1764393600,"sub":"b"}'),
     "ERR_JSON_DUPLICATE_MEMBER", "two sub claims", "\"sub\"")
case("claim_duplicate_nested",
     tok(raw_payload=b'{"sub":"a","extra_claims":{"team":"x","team":"y"}}'),
     "ERR_JSON_DUPLICATE_MEMBER", "duplicate member inside a nested object (Nomad extra_claims)")

# ---- limits ----
def pad_claims_to(total_len):
    """A token of exactly total_len bytes, padding a claim."""
    base = len(tok(claims=claims(pad="")))
    lo, hi = 0, total_len
    while lo < hi:  # smallest pad whose token length >= total_len
        mid = (lo + hi) // 2
        if len(tok(claims=claims(pad="a" * mid))) < total_len:
            lo = mid + 1
        else:
            hi = mid
    assert base <= total_len
    # base64 grows in steps of 1-2 characters; vary the pad and the signature length together
    # until the token is exactly total_len bytes.
    for pad in range(max(lo - 8, 0), lo + 8):
        for cut in range(0, 8):
            t = tok(claims=claims(pad="a" * pad), sig=SIG[: len(SIG) - cut])
            if len(t) == total_len:
                return t
    raise AssertionError(f"cannot build a token of {total_len} bytes")


case("token_at_max_len", pad_claims_to(MAX_TOKEN_LEN), None,
     f"exactly max_token_len ({MAX_TOKEN_LEN}) bytes is accepted")
case("token_over_max_len", pad_claims_to(MAX_TOKEN_LEN + 1), "ERR_LIMIT_EXCEEDED",
     "one byte over max_token_len", "max_token_len")
case("token_huge", f"{h}.{'A' * 20_000}.{s}", "ERR_LIMIT_EXCEEDED",
     "refused by length before any decoding", "max_token_len")


def header_of_b64_len(n):
    hd = hdr(x="")
    i = 0
    while len(b64u(js(hd))) < n:
        i += 1
        hd = hdr(x="a" * i)
    assert len(b64u(js(hd))) == n, (n, len(b64u(js(hd))))
    return hd


case("header_at_max_len", tok(header_of_b64_len(MAX_HEADER_LEN)), None,
     f"a header segment of exactly max_header_len ({MAX_HEADER_LEN}) characters is accepted")
hd_over = header_of_b64_len(MAX_HEADER_LEN + 2)
case("header_over_max_len", tok(hd_over), "ERR_LIMIT_EXCEEDED",
     "a header segment over max_header_len", "max_header_len")


def nested(depth):
    """A claims set whose nesting depth (the object itself counting 1) is `depth`."""
    return b'{"sub":"a","deep":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


case("nesting_at_max_depth", tok(raw_payload=nested(MAX_JSON_DEPTH)), None,
     f"nesting depth exactly max_json_depth ({MAX_JSON_DEPTH}) is accepted")
case("nesting_over_max_depth", tok(raw_payload=nested(MAX_JSON_DEPTH + 1)), "ERR_LIMIT_EXCEEDED",
     "one level deeper than max_json_depth", "max_json_depth")
case("nesting_5000_deep", tok(raw_payload=b"[" * 5000), "ERR_LIMIT_EXCEEDED",
     "5000 unclosed arrays: must be refused without recursing 5000 times", "max_json_depth")
case("nesting_in_header",
     tok(raw_header=b'{"alg":"RS256","x":' + b"{\"a\":" * 20 + b"1" + b"}" * 20 + b"}"),
     "ERR_LIMIT_EXCEEDED", "deep nesting in the header", "max_json_depth")
many = {f"c{i:03}": i for i in range(MAX_CLAIMS)}
case("claims_at_max", tok(claims=many), None,
     f"exactly max_claims ({MAX_CLAIMS}) members is accepted")
many_over = dict(many, extra=1)
case("claims_over_max", tok(claims=many_over), "ERR_LIMIT_EXCEEDED",
     "one claim more than max_claims", "max_claims")

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
