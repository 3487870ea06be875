#!/usr/bin/env python3
"""Builds the key-parsing and key-selection vectors with `cryptography` + PyJWT.

Run from the repository root (after tests/vectors/minted/generate.py, whose TEST keys it reuses):

    pip install pyjwt==2.10.1 cryptography
    python3 tests/vectors/keys/generate.py

Writes `jwks.json`, `pem.json`, `selection.json`; extra TEST keys and certificates (DO NOT USE)
are created in `keys/` on the first run only. Expected thumbprints are computed here, from the
RFC 7638 definition, independently of jwtgate. Regeneration leaves `git diff` empty (ES* tokens
are only rewritten when their header or claims change).
"""
import base64
import datetime
import hashlib
import json
import os

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
MINTED = os.path.join(HERE, "..", "minted", "keys")
KEYS = os.path.join(HERE, "keys")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def ib64(i, length=None):
    return b64u(i.to_bytes(length or (i.bit_length() + 7) // 8, "big"))


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def once(name, make):
    path = os.path.join(KEYS, name + ".pem")
    if not os.path.exists(path):
        key = make()
        os.makedirs(KEYS, exist_ok=True)
        with open(path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return load(path)


def text_once(name, make):
    """A randomised text (encrypted PEM), created on the first run only."""
    path = os.path.join(KEYS, name)
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(make())
    with open(path) as f:
        return f.read()


def cert_once(name, key, signer):
    path = os.path.join(KEYS, name + ".crt")
    if not os.path.exists(path):
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwtgate test " + name)])
        t = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(key.public_key()).serial_number(0x1234 + len(name))
                .not_valid_before(t).not_valid_after(t + datetime.timedelta(days=3650))
                .sign(signer, hashes.SHA256()))
        with open(path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(path) as f:
        return f.read()


def jwk(key, **extra):
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers()
        out = {"kty": "RSA", "n": ib64(n.n), "e": ib64(n.e)}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        n = pub.public_numbers()
        crv, size = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}[pub.curve.name]
        out = {"kty": "EC", "crv": crv, "x": ib64(n.x, size), "y": ib64(n.y, size)}
    else:
        out = {"kty": "OKP", "crv": "Ed25519",
               "x": b64u(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))}
    out.update(extra)
    return out


def thumbprint(j):
    """RFC 7638 §3: required members, lexicographic order, no whitespace, SHA-256."""
    req = {"RSA": ["e", "kty", "n"], "EC": ["crv", "kty", "x", "y"], "OKP": ["crv", "kty", "x"]}[j["kty"]]
    canon = json.dumps({k: j[k] for k in req}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canon.encode()).digest())


def usable(j, kid=None, alg=None):
    out = {"kid": kid, "kty": j["kty"], "thumbprint": thumbprint(j)}
    if "crv" in j:
        out["crv"] = j["crv"]
    if alg:
        out["alg"] = alg
    return out


def spki(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# ---- Ed25519 arithmetic (textbook RFC 8032 §5.1, test-data only) to build one signature that a
# cofactorless verifier (Go's crypto/ed25519, dalek `verify`) accepts but `verify_strict` refuses:
# a mixed-order key A' = aB + T8 and R = the neutral point. ----
ED_P = 2 ** 255 - 19
ED_L = 2 ** 252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P


def ed_add(P1, P2):
    (x1, y1), (x2, y2) = P1, P2
    t = ED_D * x1 * x2 * y1 * y2 % ED_P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, ED_P - 2, ED_P) % ED_P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, ED_P - 2, ED_P) % ED_P
    return (x3, y3)


def ed_mul(k, P):
    Q = (0, 1)
    while k:
        if k & 1:
            Q = ed_add(Q, P)
        P = ed_add(P, P)
        k >>= 1
    return Q


def ed_decode(b):
    y = int.from_bytes(b, "little") & ((1 << 255) - 1)
    sign = b[31] >> 7
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P) % ED_P
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P:
        x = x * pow(2, (ED_P - 1) // 4, ED_P) % ED_P
    assert (x * x - x2) % ED_P == 0
    if x & 1 != sign:
        x = ED_P - x
    return (x, y)


def ed_encode(P):
    x, y = P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def mixed_order_signature(claims_base):
    """Returns (public key bytes, compact JWS) with R = neutral point, valid under cofactorless
    verification only."""
    B = ed_decode((4 * pow(5, ED_P - 2, ED_P) % ED_P).to_bytes(32, "little"))  # base point, x even
    a = int.from_bytes(hashlib.sha512(b"jwtgate mixed-order test key").digest(), "little") % ED_L
    T8 = ed_decode(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
    assert ed_mul(8, T8) == (0, 1) and ed_mul(4, T8) != (0, 1)
    A = ed_encode(ed_add(ed_mul(a, B), T8))
    R = ed_encode((0, 1))
    header = b64u(json.dumps({"alg": "EdDSA", "kid": "mixed"}, separators=(",", ":")).encode())
    n = 0
    while True:
        payload = b64u(json.dumps(dict(claims_base, n=n), separators=(",", ":")).encode())
        msg = (header + "." + payload).encode()
        k = int.from_bytes(hashlib.sha512(R + A + msg).digest(), "little") % ED_L
        if k % 8 == 0:
            S = k * a % ED_L
            # Cofactorless check, as Go does: [S]B - [k]A' == R.
            kA = ed_mul(k, ed_decode(A))
            lhs = ed_add(ed_mul(S, B), ((ED_P - kA[0]) % ED_P, kA[1]))
            assert ed_encode(lhs) == R
            return A, header + "." + payload + "." + b64u(R + S.to_bytes(32, "little"))
        n += 1


def main():
    rsa_rs256 = load(os.path.join(MINTED, "rsa-rs256.pem"))
    rsa_any = load(os.path.join(MINTED, "rsa-any.pem"))
    p256 = load(os.path.join(MINTED, "p256.pem"))
    p384 = load(os.path.join(MINTED, "p384.pem"))
    p521 = load(os.path.join(MINTED, "p521.pem"))
    edk = load(os.path.join(MINTED, "ed25519.pem"))
    attacker = load(os.path.join(MINTED, "attacker-rsa.pem"))
    rsa1024 = once("rsa-1024", lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024))
    k1 = once("secp256k1", lambda: ec.generate_private_key(ec.SECP256K1()))
    e448 = once("ed448", lambda: ed448.Ed448PrivateKey.generate())

    R = jwk(rsa_rs256)
    P = jwk(p256)
    E = jwk(edk)
    weak = jwk(rsa1024)
    p256_x, p256_y = base64.urlsafe_b64decode(P["x"] + "="), base64.urlsafe_b64decode(P["y"] + "=")
    off_curve_y = b64u(p256_y[:-1] + bytes([p256_y[-1] ^ 1]))
    small_order = b64u(bytes([1] + [0] * 31))  # the neutral point: order 1

    J = []
    def case(id_, note, jwks, expect, text=None):
        c = {"id": id_, "note": note}
        if text is not None:
            c["jwks_text"] = text
        else:
            c["jwks"] = jwks
        c["expect"] = expect
        J.append(c)
    ok = lambda keys, skipped=(): {"keys": list(keys), "skipped": list(skipped)}
    skip = lambda index, code, kid=None: {"index": index, "kid": kid, "code": code}

    case("all-kinds", "one usable key of every supported kind, with kid/alg/use",
         {"keys": [dict(R, kid="r", alg="RS256", use="sig"), dict(jwk(rsa_any), kid="r2"), dict(P, kid="p256", alg="ES256"),
                   dict(jwk(p384), kid="p384"), dict(jwk(p521), kid="p521", alg="ES512"), dict(E, kid="ed", alg="EdDSA")]},
         ok([usable(R, "r", "RS256"), usable(jwk(rsa_any), "r2"), usable(P, "p256", "ES256"), usable(jwk(p384), "p384"),
             usable(jwk(p521), "p521", "ES512"), usable(E, "ed", "EdDSA")]))
    case("single-jwk", "a bare JWK object (no keys array) is a set of one", dict(E, kid="ed"), ok([usable(E, "ed")]))
    case("empty-set", "an empty keys array is a valid, empty set", {"keys": []}, ok([]))
    case("skipped-reasons", "every kind of unusable key is skipped with its own code; the good key survives",
         {"keys": [
             dict(R, kid="good"),
             dict(weak, kid="weak"),
             {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
             dict(P, kid="k1", crv="secp256k1"),
             {"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": E["x"]},
             dict(R, kid="enc", use="enc"),
             dict(R, kid="ops", key_ops=["encrypt", "wrapKey"]),
             dict(R, kid="private", d="AQAB"),
             {"kty": "RSA", "kid": "no-n", "e": "AQAB"},
             {"kty": "RSA", "kid": "x5c-only", "x5c": ["MIIB"]},
             dict(R, kid="padded", n=R["n"] + "="),
             dict(R, kid="std-alphabet", n=R["n"].replace("-", "+").replace("_", "/") if ("-" in R["n"] or "_" in R["n"]) else "+" + R["n"][1:]),
             dict(P, kid="off-curve", y=off_curve_y),
             dict(P, kid="short-x", x=b64u(p256_x[1:])),
             dict(R, kid="even-e", e="Ag"),
             dict(R, kid="e-one", e="AQ"),
             dict(R, kid="alg-hs256", alg="HS256"),
             dict(R, kid="alg-es256-on-rsa", alg="ES256"),
             {"kty": "OKP", "crv": "Ed25519", "kid": "small-order", "x": small_order},
             {"kty": "OKP", "crv": "Ed25519", "kid": "ed-short", "x": b64u(b"\x01" * 31)},
             dict(R, kid=7),
             "not an object",
             {"kid": "no-kty", "n": R["n"], "e": "AQAB"},
             dict(R, kid="ops-verify", key_ops=["sign", "verify"]),
         ]},
         ok([usable(R, "good"), usable(R, "ops-verify")], [
             skip(1, "ERR_KEY_WEAK", "weak"), skip(2, "ERR_KEY_UNSUPPORTED", "hmac"), skip(3, "ERR_KEY_UNSUPPORTED", "k1"),
             skip(4, "ERR_KEY_UNSUPPORTED", "x25519"), skip(5, "ERR_KEY_NOT_FOR_VERIFICATION", "enc"),
             skip(6, "ERR_KEY_NOT_FOR_VERIFICATION", "ops"), skip(7, "ERR_KEY_PRIVATE", "private"),
             skip(8, "ERR_JWK_INVALID", "no-n"), skip(9, "ERR_KEY_UNSUPPORTED", "x5c-only"), skip(10, "ERR_JWK_INVALID", "padded"),
             skip(11, "ERR_JWK_INVALID", "std-alphabet"), skip(12, "ERR_JWK_INVALID", "off-curve"), skip(13, "ERR_JWK_INVALID", "short-x"),
             skip(14, "ERR_JWK_INVALID", "even-e"), skip(15, "ERR_JWK_INVALID", "e-one"), skip(16, "ERR_KEY_UNSUPPORTED", "alg-hs256"),
             skip(17, "ERR_JWK_INVALID", "alg-es256-on-rsa"), skip(18, "ERR_KEY_WEAK", "small-order"), skip(19, "ERR_JWK_INVALID", "ed-short"),
             skip(20, "ERR_JWK_INVALID", None), skip(21, "ERR_JWK_INVALID", None), skip(22, "ERR_JWK_INVALID", "no-kty"),
         ]))
    small = ["0000000000000000000000000000000000000000000000000000000000000000",
             "0000000000000000000000000000000000000000000000000000000000000080",
             "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
             "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
             "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
             "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
             "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"]
    case("ed25519-small-order-keys", "every small-order Ed25519 point (orders 1, 2, 4, 8; both signs) is refused as weak",
         {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "o%d" % i, "x": b64u(bytes.fromhex(h))} for i, h in enumerate(small)]},
         ok([], [skip(i, "ERR_KEY_WEAK", "o%d" % i) for i in range(len(small))]))
    case("too-many-keys", "33 entries exceed the default max_jwks_keys (32)", {"keys": [dict(E, kid=str(i)) for i in range(33)]},
         {"error": "ERR_LIMIT_EXCEEDED"})
    case("keys-not-array", "keys must be an array", {"keys": {"kty": "RSA"}}, {"error": "ERR_JWKS_INVALID"})
    case("no-keys-no-kty", "neither a JWKS nor a JWK", {"issuer": "https://x"}, {"error": "ERR_JWKS_INVALID"})
    case("not-json", "syntax error", None, {"error": "ERR_JSON_INVALID"}, text='{"keys": [')
    case("array-document", "a JSON array is not a JWKS", None, {"error": "ERR_JSON_NOT_OBJECT"}, text="[]")
    case("duplicate-member", "duplicate member names are refused (strict JSON)", None, {"error": "ERR_JSON_DUPLICATE_MEMBER"},
         text='{"keys":[],"keys":[]}')

    # ---- PEM ----
    cert_rsa = cert_once("rsa-self-signed", rsa_any, rsa_any)
    cert_ec = cert_once("p256-signed-by-rsa", p256, rsa_any)
    pkcs1 = rsa_rs256.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    body = "".join(spki(p256).splitlines()[1:-1])
    P_ = []
    def pcase(id_, note, pems, keys, skipped=()):
        P_.append({"id": id_, "note": note, "pems": pems, "expect": {"keys": list(keys), "skipped": list(skipped)}})
    pk = lambda j: usable(j)
    pcase("spki-all-kinds", "SPKI PUBLIC KEY blocks of every kind, one per string (Vault's format)",
          [spki(rsa_rs256), spki(p256), spki(p384), spki(p521), spki(edk)],
          [pk(R), pk(P), pk(jwk(p384)), pk(jwk(p521)), pk(E)])
    pcase("pkcs1-rsa", "PKCS#1 RSA PUBLIC KEY", [pkcs1], [pk(R)])
    pcase("certificates", "X.509 certificates: the subject public key is used (RSA and EC)", [cert_rsa, cert_ec],
          [pk(jwk(rsa_any)), pk(P)])
    pcase("several-blocks", "three blocks in one string, with text around them and CRLF line endings",
          ["subject=CN=test\r\n" + spki(rsa_rs256).replace("\n", "\r\n") + "\r\n# comment\r\n" + cert_ec + spki(edk)],
          [pk(R), pk(P), pk(E)])
    pcase("unwrapped-and-indented", "body on one line and indented lines (Go's encoding/pem accepts both)",
          ["-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n",
           "\n".join("    " + l for l in spki(edk).splitlines())], [pk(P), pk(E)])
    pcase("ec-parameters-ignored", "OpenSSL's EC PARAMETERS block before a key is ignored",
          ["-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + spki(p256)], [pk(P)])
    pcase("unusable-blocks", "each unusable PEM is skipped with its own code; the good one survives",
          [spki(rsa_rs256),
           spki(rsa1024),
           spki(k1),
           spki(e448),
           rsa_any.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
           "no pem here",
           "-----BEGIN PUBLIC KEY-----\nMIIB\n",
           "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
           "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
           "-----BEGIN SSH2 PUBLIC KEY-----\nAAAA\n-----END SSH2 PUBLIC KEY-----\n",
           text_once("p256-encrypted.pem", lambda: p256.private_bytes(
               serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
               serialization.BestAvailableEncryption(b"pw")).decode())],
          [pk(R)],
          [skip(1, "ERR_KEY_WEAK"), skip(2, "ERR_KEY_UNSUPPORTED"), skip(3, "ERR_KEY_UNSUPPORTED"), skip(4, "ERR_KEY_PRIVATE"),
           skip(5, "ERR_PEM_INVALID"), skip(6, "ERR_PEM_INVALID"), skip(7, "ERR_PEM_INVALID"), skip(8, "ERR_PEM_INVALID"),
           skip(9, "ERR_KEY_UNSUPPORTED"), skip(10, "ERR_PEM_INVALID")])

    # ---- selection ----
    IAT = 1767225600
    claims = {"iss": "https://minted.jwtgate.test", "sub": "selection", "iat": IAT, "exp": IAT + 3600}
    S = []
    path = os.path.join(HERE, "selection.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = {c["id"]: c for c in json.load(f)["cases"]}
    def scase(id_, note, alg, key, kid, keys, expect):
        headers = {"kid": kid} if kid is not None else {}
        token = jwt.encode(claims, key, algorithm=alg, headers=headers)
        prev = old.get(id_)
        if prev and alg.startswith(("ES", "PS")) and prev["token"].split(".")[:2] == token.split(".")[:2]:
            token = prev["token"]
        S.append({"id": id_, "note": note, "token": token, "keys": keys, "expect": expect})
    valid = lambda index: {"valid": True, "index": index}
    invalid = lambda code, contains=None: {"valid": False, "code": code, **({"message_contains": contains} if contains else {})}
    RA = jwk(rsa_any)
    scase("same-kid-twice", "two keys share the kid: both are candidates, the second verifies", "RS256", rsa_rs256, "k",
          {"jwks": {"keys": [dict(RA, kid="k"), dict(R, kid="k")]}}, valid(1))
    scase("no-kid-tries-all", "no kid: every compatible key is tried in order", "RS256", rsa_rs256, None,
          {"jwks": {"keys": [dict(P, kid="p"), dict(RA, kid="a"), dict(R, kid="r")]}}, valid(2))
    scase("kid-no-fallback", "kid present but not in the set: no fallback, the error names the kid and lists the kids",
          "RS256", rsa_rs256, "gone", {"jwks": {"keys": [dict(RA, kid="a"), dict(R, kid="r"), R]}},
          invalid("ERR_JWKS_NO_MATCHING_KEY", ['"gone"', '"a", "r", (no kid)']))
    scase("kid-names-skipped-key", "the kid names a key that was skipped: its own reason is the answer", "RS256", rsa_rs256, "weak",
          {"jwks": {"keys": [dict(R, kid="r"), dict(weak, kid="weak")]}}, invalid("ERR_KEY_WEAK", ["weak", "1024"]))
    scase("empty-set", "no keys at all", "RS256", rsa_rs256, "r", {"jwks": {"keys": []}}, invalid("ERR_KEYS_MISSING"))
    scase("all-skipped", "every key skipped and no kid to name one", "RS256", rsa_rs256, None,
          {"jwks": {"keys": [dict(weak, kid="weak")]}}, invalid("ERR_KEYS_MISSING", ["1"]))
    scase("rank-alg-mismatch-over-incompatible", "no key tried: a JWK alg mismatch ranks above a wrong key type",
          "PS256", rsa_rs256, None, {"jwks": {"keys": [dict(P, kid="p"), dict(R, kid="r", alg="RS256")]}},
          invalid("ERR_JWK_ALG_MISMATCH", ["RS256", "PS256"]))
    scase("rank-signature-over-mismatch", "one key was tried and failed: that outranks the alg mismatch of another",
          "PS256", attacker, None, {"jwks": {"keys": [dict(R, kid="r", alg="RS256"), dict(RA, kid="a")]}},
          invalid("ERR_JWS_SIGNATURE_INVALID", ["PS256", "1 key"]))
    scase("incompatible-only", "only keys of the wrong type", "ES256", p256, None,
          {"jwks": {"keys": [dict(R, kid="r"), dict(E, kid="e")]}}, invalid("ERR_JWKS_NO_COMPATIBLE_KEY", ["ES256", "RSA", "OKP Ed25519"]))
    scase("pem-ignores-kid", "PEM keys: kid ignored, every key tried in order (Vault's staticKeySet)", "ES256", p256, "whatever",
          {"pems": [spki(rsa_rs256), spki(p384), spki(p256)]}, valid(2))
    scase("pem-nothing-verifies", "PEM keys, none verifies", "RS256", attacker, None,
          {"pems": [spki(rsa_rs256), spki(rsa_any)]}, invalid("ERR_JWS_SIGNATURE_INVALID", ["2 keys"]))
    scase("eddsa-small-order-key-skipped", "a small-order Ed25519 key is refused when loaded", "EdDSA", edk, "bad",
          {"jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "bad", "x": small_order}]}}, invalid("ERR_KEY_WEAK"))

    mixed_x, mixed_token = mixed_order_signature(claims)
    S.append({"id": "eddsa-small-order-r", "note": "R is the neutral point and the key has a small-order component: "
              "Go's crypto/ed25519 (Vault) and a cofactorless verify accept it, jwtgate's verify_strict refuses it "
              "(see known-divergences.json#ed25519-small-order)",
              "token": mixed_token, "keys": {"jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "mixed", "x": b64u(mixed_x)}]}},
              "expect": {"valid": False, "code": "ERR_JWS_SIGNATURE_INVALID", "cofactorless_accepts": True}})
    for name, cases in [("jwks.json", J), ("pem.json", P_), ("selection.json", S)]:
        with open(os.path.join(HERE, name), "w") as f:
            json.dump({"description": "see README.md", "cases": cases}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
