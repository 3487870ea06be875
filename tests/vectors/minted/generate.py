#!/usr/bin/env python3
"""Mints the `minted` JWS vectors with PyJWT + cryptography (an independent implementation).

Run from the repository root:

    pip install pyjwt==2.10.1 cryptography
    python3 tests/vectors/minted/generate.py
    (cd tests/vectors/minted && npm ci && node generate.mjs)   # the panva `jose` half

Writes `keys/*.pem` (TEST KEYS, DO NOT USE — created on the first run only), `jwks.json` (the
public keys) and the `pyjwt` cases of `tokens.json` (the `jose` cases, written by
generate.mjs, are kept). RS* and EdDSA signatures are deterministic, so regeneration leaves
`git diff` empty; PS* and ES* signatures are randomised by design (RFC 8017 §9.1 salt, ECDSA
nonce), so an existing token is kept as long as its header and claims are unchanged.
"""
import base64
import json
import os

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")

IAT = 1767225600  # 2026-01-01T00:00:00Z
NOW = IAT + 300
CLAIMS = {
    "iss": "https://minted.jwtgate.test",
    "sub": "global:default:mongo:mongo:mongo:default",
    "aud": ["vault.io"],
    "iat": IAT,
    "nbf": IAT,
    "exp": IAT + 3600,
    "nomad_namespace": "default",
    "nomad_job_id": "mongo",
}

# name -> (generator, kid, JWK alg or None, in the JWKS?)
KEY_SPECS = {
    "rsa-rs256": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "rsa-rs256", "RS256", True),
    "rsa-any": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "rsa-any", None, True),
    "p256": (lambda: ec.generate_private_key(ec.SECP256R1()), "p256", "ES256", True),
    "p384": (lambda: ec.generate_private_key(ec.SECP384R1()), "p384", "ES384", True),
    "p521": (lambda: ec.generate_private_key(ec.SECP521R1()), "p521", "ES512", True),
    "ed25519": (lambda: ed25519.Ed25519PrivateKey.generate(), "ed25519", "EdDSA", True),
    # Not published: signs the "wrong key" cases.
    "attacker-rsa": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), None, None, False),
    "attacker-ed25519": (lambda: ed25519.Ed25519PrivateKey.generate(), None, None, False),
}


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def int_b64u(i, length=None):
    length = length or (i.bit_length() + 7) // 8
    return b64u(i.to_bytes(length, "big"))


def load_or_create(name):
    path = os.path.join(KEYS, name + ".pem")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), password=None)
    key = KEY_SPECS[name][0]()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    os.makedirs(KEYS, exist_ok=True)
    with open(path, "wb") as f:
        f.write(pem)
    return key


def public_jwk(key, kid, alg):
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers()
        jwk = {"kty": "RSA", "n": int_b64u(n.n), "e": int_b64u(n.e)}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        n = pub.public_numbers()
        crv, size = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}[pub.curve.name]
        jwk = {"kty": "EC", "crv": crv, "x": int_b64u(n.x, size), "y": int_b64u(n.y, size)}
    else:
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
    jwk["use"] = "sig"
    if kid:
        jwk["kid"] = kid
    if alg:
        jwk["alg"] = alg
    return jwk


def tamper_payload(token):
    """Re-encodes the payload with one claim changed, keeping header and signature."""
    h, p, s = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    claims["sub"] = claims["sub"] + "-admin"
    p2 = b64u(json.dumps(claims, separators=(",", ":")).encode())
    return ".".join([h, p2, s])


def header_claims(token):
    h, p, _ = token.split(".")
    dec = lambda x: json.loads(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    return dec(h), dec(p)


def main():
    keys = {name: load_or_create(name) for name in KEY_SPECS}
    jwks = {"keys": [public_jwk(keys[n], spec[1], spec[2]) for n, spec in KEY_SPECS.items() if spec[3]]}
    with open(os.path.join(HERE, "jwks.json"), "w") as f:
        json.dump(jwks, f, indent=2)
        f.write("\n")

    def mint(alg, key, kid, claims=CLAIMS):
        headers = {"kid": kid} if kid else {}
        return jwt.encode(claims, keys[key], algorithm=alg, headers=headers)

    valid = lambda kid: {"valid": True, "kid": kid}
    invalid = lambda code: {"valid": False, "code": code}
    cases = []
    def add(id_, alg, token, expect, note):
        cases.append({"id": "pyjwt-" + id_, "minted_by": "pyjwt", "alg": alg, "token": token, "expect": expect, "note": note})

    for alg, key in [("RS256", "rsa-rs256"), ("RS384", "rsa-any"), ("RS512", "rsa-any"), ("PS256", "rsa-any"),
                     ("PS384", "rsa-any"), ("PS512", "rsa-any"), ("ES256", "p256"), ("ES384", "p384"),
                     ("ES512", "p521"), ("EdDSA", "ed25519")]:
        kid = KEY_SPECS[key][1]
        add(alg.lower(), alg, mint(alg, key, kid), valid(kid), f"{alg} signed with the {kid} key, kid in the header")
    add("rs256-no-kid", "RS256", mint("RS256", "rsa-rs256", None), valid("rsa-rs256"),
        "no kid: every compatible key is tried (Vault/go-oidc behaviour)")
    add("eddsa-no-kid", "EdDSA", mint("EdDSA", "ed25519", None), valid("ed25519"), "no kid, EdDSA")
    add("rs256-wrong-key", "RS256", mint("RS256", "attacker-rsa", "rsa-rs256"), invalid("ERR_JWS_SIGNATURE_INVALID"),
        "signed by a key not in the JWKS, claiming the kid of a published key")
    add("eddsa-wrong-key", "EdDSA", mint("EdDSA", "attacker-ed25519", "ed25519"), invalid("ERR_JWS_SIGNATURE_INVALID"),
        "EdDSA signed by an unpublished key, claiming the published kid")
    add("rs256-wrong-key-no-kid", "RS256", mint("RS256", "attacker-rsa", None), invalid("ERR_JWS_SIGNATURE_INVALID"),
        "no kid and an unpublished key: both RSA keys are tried, neither verifies")
    add("rs256-tampered", "RS256", tamper_payload(mint("RS256", "rsa-rs256", "rsa-rs256")), invalid("ERR_JWS_SIGNATURE_INVALID"),
        "valid token whose payload was re-encoded with sub changed")
    add("es256-tampered", "ES256", tamper_payload(mint("ES256", "p256", "p256")), invalid("ERR_JWS_SIGNATURE_INVALID"),
        "ES256 token with sub changed after signing")
    add("rs384-kid-of-rs256-key", "RS384", mint("RS384", "rsa-rs256", "rsa-rs256"), invalid("ERR_JWK_ALG_MISMATCH"),
        "RS384 signed by the key whose JWK says alg RS256: the JWK alg must equal the header alg")
    add("es256-kid-of-rsa-key", "ES256", mint("ES256", "p256", "rsa-any"), invalid("ERR_JWKS_NO_COMPATIBLE_KEY"),
        "ES256 token naming an RSA key (no JWK alg): the key type cannot verify ES256")
    add("es384-kid-of-p256-key", "ES384", mint("ES384", "p384", "p256"), invalid("ERR_JWK_ALG_MISMATCH"),
        "ES384 token naming the P-256 key (JWK alg ES256)")
    add("rs256-kid-not-found", "RS256", mint("RS256", "rsa-rs256", "rotated-away"), invalid("ERR_JWKS_NO_MATCHING_KEY"),
        "kid not in the JWKS: no fallback to the other keys even though one would verify")

    path = os.path.join(HERE, "tokens.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    old_cases = {c["id"]: c for c in old.get("cases", [])}
    # Keep randomised tokens whose header and claims are unchanged (reproducible output).
    for c in cases:
        prev = old_cases.get(c["id"])
        if prev and c["alg"][:2] in ("PS", "ES") and header_claims(prev["token"]) == header_claims(c["token"]):
            c["token"] = prev["token"]
    kept = [c for c in old.get("cases", []) if c.get("minted_by") != "pyjwt"]
    doc = {
        "description": "JWS tokens minted by independent libraries (PyJWT, panva jose) with the TEST keys in keys/; verify against jwks.json at `now`. Format: README.md.",
        "now": NOW,
        "jwks": "jwks.json",
        "claims": CLAIMS,
        "cases": sorted(kept + cases, key=lambda c: c["id"]),
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    cross_check(doc, jwks)


def cross_check(doc, jwks):
    """Every case, from either minter, must get the same verdict from PyJWT's own verification
    (signature with the key its kid names, or every key of its type without a kid; claims at
    `now`). The error codes are jwtgate's; PyJWT only confirms valid vs invalid."""
    by_kid = {k.get("kid"): k for k in jwks["keys"]}
    for c in doc["cases"]:
        header = jwt.get_unverified_header(c["token"])
        kid = header.get("kid")
        candidates = [by_kid[kid]] if kid in by_kid else ([] if kid else jwks["keys"])
        ok = False
        for k in candidates:
            if k.get("alg", c["alg"]) != c["alg"]:
                continue
            try:
                key = jwt.PyJWK(k, algorithm=c["alg"]).key
                jwt.decode(c["token"], key, algorithms=[c["alg"]], audience=doc["claims"]["aud"][0],
                           issuer=doc["claims"]["iss"], options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
                ok = True
                break
            except Exception:
                continue
        assert ok == c["expect"]["valid"], (c["id"], ok)


if __name__ == "__main__":
    main()
