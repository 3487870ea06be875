#!/usr/bin/env python3
"""Writes the cargo-fuzz seed corpora (tests/fuzz/corpus/<target>/, not committed) from the
committed vectors under tests/vectors/, in the input formats tests/fuzz/harness.rs documents
(multi-part inputs joined with the byte 0xFF). Python 3 standard library only; deterministic.

    python3 tests/fuzz/seeds.py            # from the repository root
"""
import base64
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VEC = os.path.join(ROOT, "tests", "vectors")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
SEP = b"\xff"


def load(*p):
    with open(os.path.join(VEC, *p), encoding="utf-8") as f:
        return json.load(f)


def b(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    return json.dumps(x, separators=(",", ":")).encode("utf-8")


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def write(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def unsigned_token(claims, alg="RS256", kid="2c4b8e3a-6f41-4d0e-9b3c-1d5e7f9a0b2c"):
    header = {"alg": alg, "kid": kid, "typ": "JWT"}
    sig = b64u(b"\x01" * 64)
    return f"{b64u(b(header))}.{b64u(b(claims))}.{sig}"


def main():
    tokens = []
    for c in load("adversarial", "tokens.json"):
        tokens.append(c["token"])
    for c in load("inspect", "cases.json"):
        tokens.append(c["input"])
    minted = load("minted", "tokens.json")
    for c in minted["cases"]:
        if isinstance(c.get("token"), str):
            tokens.append(c["token"])
    for t in tokens:
        write("compact", b(t))

    jwks_docs = [minted["jwks"]]
    for c in load("keys", "jwks.json")["cases"]:
        doc = c["jwks_text"] if "jwks_text" in c else c.get("jwks")
        write("jwks", b(doc))
        jwks_docs.append(doc)
    for c in load("keys", "discovery.json")["cases"]:
        write("jwks", b(c["document"]))

    pems = []
    for c in load("keys", "pem.json")["cases"]:
        write("pem", SEP.join(b(p) for p in c["pems"]))
        pems.extend(c["pems"])
    for d in ("keys/keys", "minted/keys"):
        for name in sorted(os.listdir(os.path.join(VEC, d))):
            with open(os.path.join(VEC, d, name), "rb") as f:
                text = f.read()
            write("pem", text)
            # The DER inside, for the SPKI / PKCS#1 parsers.
            body = b"".join(l for l in text.splitlines() if l and not l.startswith(b"-----"))
            try:
                write("pem", base64.b64decode(body))
            except Exception:  # noqa: BLE001 - an unparsable body is simply not a DER seed
                pass

    policies = []
    for c in load("policy", "parse.json")["cases"]:
        write("policy", b(c["text"]))
        policies.append(c["text"])
    acl_cases = []
    for name in sorted(os.listdir(os.path.join(VEC, "acl"))):
        if name.endswith(".json"):
            acl_cases.extend(load("acl", name)["cases"])
    for c in acl_cases:
        texts = []
        for p in c["policies"]:
            t = p.get("text") if isinstance(p, dict) else p
            if isinstance(t, str):
                texts.append(t)
                write("policy", b(t))
        req = c.get("request") or {}
        if "http" in c:
            h = c["http"]
            req_b = b(f'{h["method"]} {h["target"]}')
        else:
            req_b = b(req)
        write("authorize", SEP.join([req_b] + [b(t) for t in texts]))
    for c in load("aws", "aws.json")["cases"]:
        write("policy", b(c["trust_policy"]))

    tdoc = load("templates", "templates.json")
    for c in tdoc["cases"]:
        write("template", b(c["template"]))
        write("template", b(c["template"]) + SEP + b(tdoc["context"]))

    roles = []
    vault_claims = []
    for name in sorted(os.listdir(os.path.join(VEC, "vault"))):
        if not name.endswith(".json"):
            continue
        doc = load("vault", name)
        defaults = doc.get("defaults", {})
        for c in doc["cases"]:
            role = dict(defaults.get("role", {}))
            role.update(c.get("role", {}))
            config = dict(defaults.get("config", {}))
            config.update(c.get("config", {}))
            write("vault_config", b(role))
            write("vault_config", b(config))
            roles.append((role, config))
            claims = c.get("claims")
            if isinstance(claims, dict):
                # Move the vector's times to the harness's NOW (vault vectors use 1700000000).
                shift = 1764390100 - doc.get("defaults", {}).get("now", 1700000000)
                claims = {k: (v + shift if k in ("exp", "nbf", "iat") and isinstance(v, int)
                              and not isinstance(v, bool) else v) for k, v in claims.items()}
                vault_claims.append((claims, role, config))

    e2e_dir = os.path.join(VEC, "e2e")
    for name in sorted(os.listdir(e2e_dir)):
        if not name.endswith(".json"):
            continue
        case = load("e2e", name)
        v = case.get("vault")
        if not v:
            write("verify", SEP.join([b(case["token"]), b(case["jwks"])]))
            continue
        pol = v["policies"]
        ptext = next((p.get("text") for p in pol if isinstance(p, dict) and "text" in p), "")
        req = v["request"]
        req_b = b(f'{req["http"]["method"]} {req["http"]["target"]}') if "http" in req else b(req["path"])
        write("verify", SEP.join([b(case["token"]), b(case["jwks"]), b(v["role"]),
                                  b(v["config"]), b(ptext or ""), req_b]))
    # Vault vectors give claims, not tokens: unsigned tokens reach the claim checks through the
    # harness's accept-any-signature pass.
    for claims, role, config in vault_claims:
        write("verify", SEP.join([b(unsigned_token(claims)), b(minted["jwks"]), b(role),
                                  b(config), b(policies[0] if policies else ""), b"secret/data/x"]))
    for t in tokens[:40]:
        write("verify", SEP.join([b(t), b(minted["jwks"])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
