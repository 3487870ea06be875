#!/usr/bin/env python3
"""Mints the e2e vectors: Nomad-shaped RS256 tokens signed with the committed test key
(`key.pem`, created once with `openssl genrsa -out key.pem 2048`), plus the JWKS, Vault role,
policies and AWS trust policy each case needs.

Reproducible (RSA PKCS#1 v1.5 signatures are deterministic):
    python3 tests/vectors/e2e/mint.py && git diff --exit-code tests/vectors/e2e
Needs only python3 and the openssl CLI.
"""
import base64, json, pathlib, re, subprocess

HERE = pathlib.Path(__file__).resolve().parent
KEY = HERE / "key.pem"
# A second key standing in for another cluster's keyring (`openssl genrsa -out other-key.pem 2048`).
OTHER_KEY = HERE / "other-key.pem"
KID = "9e5a0b6c-0f1e-4c39-9c1e-3b0d9a4f6a11"
ISS = "https://nomad.example.com"
NOW = 1700000600
IAT = 1700000000


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(header: dict, claims: dict) -> str:
    h = b64u(json.dumps(header, separators=(",", ":")).encode())
    p = b64u(json.dumps(claims, separators=(",", ":")).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(KEY)],
                         input=f"{h}.{p}".encode(), capture_output=True, check=True).stdout
    return f"{h}.{p}.{b64u(sig)}"


def jwks(key=KEY, kid=KID) -> dict:
    text = subprocess.run(["openssl", "rsa", "-in", str(key), "-noout", "-modulus"],
                          capture_output=True, check=True, text=True).stdout
    n = bytes.fromhex(re.search(r"Modulus=([0-9A-F]+)", text).group(1))
    return {"keys": [{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
                      "n": b64u(n), "e": b64u((65537).to_bytes(3, "big"))}]}


def nomad_claims(job, task, identity, aud, namespace="default", group=None):
    group = group or job
    return {
        "aud": aud, "iat": IAT, "nbf": IAT, "exp": IAT + 3600, "iss": ISS,
        "jti": "0b1e7c52-1b4e-4d3c-8f0e-3a4b5c6d7e8f",
        "nomad_allocation_id": "5b3d2c1a-0f9e-4d8c-b7a6-958473625140",
        "nomad_job_id": job, "nomad_namespace": namespace, "nomad_task": task,
        "sub": f"global:{namespace}:{job}:{group}:{task}:{identity}",
    }


HEADER = {"alg": "RS256", "kid": KID, "typ": "JWT"}
TUTORIAL_POLICY = (
    'path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/'
    '{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {\n'
    '  capabilities = ["read"]\n}\n\n'
    'path "kv/metadata/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/*" {\n'
    '  capabilities = ["list"]\n}\n'
)
ROLE = {
    "role_type": "jwt",
    "bound_audiences": ["vault.io"],
    "user_claim": "/nomad_job_id",
    "user_claim_json_pointer": True,
    "claim_mappings": {"nomad_namespace": "nomad_namespace", "nomad_job_id": "nomad_job_id",
                       "nomad_task": "nomad_task"},
    "token_type": "service",
    "token_policies": ["nomad-workloads"],
    "token_period": "30m",
    "token_explicit_max_ttl": 0,
}
CONFIG = {"bound_issuer": ISS, "jwt_supported_algs": ["RS256", "EdDSA"], "default_role": "nomad-workloads"}
SOURCE = ("Nomad 'Vault ACL' tutorial (website/content/docs/secure/vault/acl.mdx): role "
          "nomad-workloads, templated kv policy; ux-anchors.md 5.5")


def vault_case(name, note, accessor, request, expect_auth, claims=None, policy=TUTORIAL_POLICY):
    claims = claims or nomad_claims("mongo", "mongo", "vault_default", ["vault.io"])
    return {
        "name": name, "source": SOURCE, "note": note,
        "token": sign(HEADER, claims), "jwks": jwks(), "now": NOW,
        "vault": {"config": CONFIG, "role_name": "nomad-workloads", "role": ROLE, "accessor": accessor,
                  "policies": [{"name": "nomad-workloads", "text": policy}], "request": request},
        "expect": {"verify": {"ok": True, "alias": {"name": claims["nomad_job_id"], "metadata": {
            "nomad_job_id": claims["nomad_job_id"], "nomad_namespace": claims["nomad_namespace"],
            "nomad_task": claims["nomad_task"], "role": "nomad-workloads"}}},
            "authorize": expect_auth},
    }


def aws_case(name, note, claims, trust, options, expect):
    return {
        "name": name,
        "source": "Nomad 'AWS OIDC provider' guide (aws-oidc-provider.mdx); ux-anchors.md 4; IAM condition keys",
        "note": note, "token": sign(HEADER, claims), "jwks": jwks(), "now": NOW,
        "aws": {"options": options, "trust_policy": trust}, "expect": expect,
    }


def main():
    cases = [
        vault_case("nomad-vault-tutorial", "job mongo in namespace default reads its own secret",
                   "AUTH_METHOD_ACCESSOR", {"path": "kv/data/default/mongo/config", "operation": "read"},
                   {"allowed": True, "winner": "kv/data/default/mongo/*", "dropped": []}),
        vault_case("nomad-vault-tutorial-list-metadata", "LIST via HTTP on the namespace's metadata",
                   "AUTH_METHOD_ACCESSOR", {"http": {"method": "LIST", "target": "/v1/kv/metadata/default/"}},
                   {"allowed": True, "winner": "kv/metadata/default/*", "dropped": []}),
        vault_case("nomad-vault-tutorial-other-job", "another job's secret is not covered",
                   "AUTH_METHOD_ACCESSOR", {"path": "kv/data/default/redis/config", "operation": "read"},
                   {"allowed": False, "winner": None, "dropped": []}),
        vault_case("nomad-vault-tutorial-write-denied", "the tutorial policy is read-only",
                   "AUTH_METHOD_ACCESSOR", {"http": {"method": "PUT", "target": "/v1/kv/data/default/mongo/config"}},
                   {"allowed": False, "winner": "kv/data/default/mongo/*", "dropped": []}),
        vault_case("nomad-vault-tutorial-placeholder-not-replaced",
                   "the policy still says AUTH_METHOD_ACCESSOR but the alias lives under the real accessor: "
                   "Vault silently drops both paths (the classic 'templated policy not working')",
                   "auth_jwt_1a2b3c4d", {"path": "kv/data/default/mongo/config", "operation": "read"},
                   {"allowed": False, "winner": None,
                    "dropped": ["kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/"
                                "{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*",
                                "kv/metadata/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/*"]}),
        vault_case("nomad-vault-plus-job-id-rejected",
                   "a job named '+' would have widened the path to every job before Vault's 2026 fix; now the path is dropped",
                   "AUTH_METHOD_ACCESSOR", {"path": "kv/data/default/other/config", "operation": "read"},
                   {"allowed": False, "winner": None,
                    "dropped": ["kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/"
                                "{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*"]},
                   claims=nomad_claims("+", "t", "vault_default", ["vault.io"])),
    ]
    wrong = vault_case("nomad-vault-wrong-cluster-jwks",
                       "the JWKS comes from another cluster: the token's kid is not in it",
                       "AUTH_METHOD_ACCESSOR", {"path": "kv/data/default/mongo/config", "operation": "read"}, None)
    wrong["jwks"] = jwks(OTHER_KEY, "5f0c1d2e-3a4b-4c5d-8e6f-708192a3b4c5")
    wrong["expect"] = {"verify": {"ok": False, "code": "ERR_JWKS_NO_MATCHING_KEY"}}
    expired = vault_case("nomad-vault-expired", "evaluated two hours after issue: past exp plus Vault's 60 s clock skew",
                         "AUTH_METHOD_ACCESSOR", {"path": "kv/data/default/mongo/config", "operation": "read"}, None)
    expired["now"] = IAT + 7200
    expired["expect"] = {"verify": {"ok": False, "code": "ERR_JWT_EXPIRED"}}
    group_policy = 'path "kv/data/groups/{{identity.groups.names.db-team.id}}/*" {\n  capabilities = ["read"]\n}\n'
    with_group = vault_case("nomad-vault-group-template-with-extras",
                            "group membership lives in Vault's identity store; passed as identity extras it renders",
                            "AUTH_METHOD_ACCESSOR", {"path": "kv/data/groups/g-42/creds", "operation": "read"},
                            {"allowed": True, "winner": "kv/data/groups/g-42/*", "dropped": []}, policy=group_policy)
    with_group["vault"]["identity"] = {"groups": [{"id": "g-42", "name": "db-team", "metadata": {}}]}
    no_group = vault_case("nomad-vault-group-template-offline",
                          "without identity extras the group directive cannot render and the path is dropped",
                          "AUTH_METHOD_ACCESSOR", {"path": "kv/data/groups/g-42/creds", "operation": "read"},
                          {"allowed": False, "winner": None,
                           "dropped": ["kv/data/groups/{{identity.groups.names.db-team.id}}/*"]}, policy=group_policy)
    cases += [wrong, expired, with_group, no_group]
    aws_opts = {"providerUrl": ISS, "clientIds": ["aws"], "accountId": "123456789012"}
    provider = "nomad.example.com"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{provider}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{provider}:aud": "aws"},
                      "StringLike": {f"{provider}:sub": "global:default:s3:*"}}}]}
    aws_claims = nomad_claims("s3", "copy", "aws", ["aws"], group="bucket")
    cases += [
        aws_case("nomad-aws", "Nomad job s3 (group bucket, task copy) with identity 'aws' assumes a role scoped by aud and sub",
                 aws_claims, trust, aws_opts,
                 {"verify": {"ok": True}, "aws": {"preflight_failed": [], "allowed": True, "decision": "allowed"}}),
        aws_case("nomad-aws-wrong-job", "job mongo's AWS identity does not match the sub pattern: AccessDenied",
                 nomad_claims("mongo", "mongo", "aws", ["aws"]), trust, aws_opts,
                 {"verify": {"ok": True}, "aws": {"preflight_failed": [], "allowed": False, "decision": "implicit-deny"}}),
        aws_case("nomad-aws-vault-audience", "a Vault identity (aud vault.io) sent to STS: Incorrect token audience",
                 nomad_claims("s3", "copy", "vault_default", ["vault.io"], group="bucket"), trust, aws_opts,
                 {"verify": {"ok": True}, "aws": {"preflight_failed": ["aws.aud"], "allowed": False, "decision": "implicit-deny"}}),
    ]
    for c in cases:
        (HERE / f"{c['name']}.json").write_text(json.dumps(c, indent=2) + "\n")


if __name__ == "__main__":
    main()
