#!/usr/bin/env python3
"""Writes the login-order vectors (format: README.md here).

The expectations are written from Vault's behaviour (vault-semantics §b: the alias is keyed by
(accessor, alias name) and each login replaces its metadata), not from jwtgate's output.
`--check` fails when the committed files differ from what this script writes.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = "../../fixtures/sample"
ACC = "AUTH_METHOD_ACCESSOR"
WORKLOAD = {"nomad_workload_id": "${job.region}:${job.namespace}:${job.id}"}


def nomad(ns, job, task, alloc, group=None, extra=False):
    group = group or job
    c = {
        "aud": ["vault.io"],
        "sub": f"global:{ns}:{job}:{group}:{task}:vault_default",
        "nomad_namespace": ns,
        "nomad_job_id": job,
        "nomad_task": task,
        "nomad_allocation_id": f"00000000-0000-4000-8000-{alloc:012d}",
    }
    if extra:
        # Nomad nests extra claims in one object (role: "/extra_claims/nomad_workload_id").
        c["extra_claims"] = {"nomad_workload_id": f"global:{ns}:{job}"}
    return c


def md(ns, job, task):
    return {"nomad_job_id": job, "nomad_namespace": ns, "nomad_task": task, "role": "nomad-workloads"}


def answer(ns, job, task, path, allowed, login=None, op="read", alias=None):
    """One answer of the token of (ns, job, task) and whether another login sharing its alias
    changes it: `login` is that login's alias metadata where it differs (None: any value the
    path does not name there); absent when no such login exists."""
    a = {"alias": {"name": alias or job, "metadata": md(ns, job, task)},
         "request": {"path": path, "operation": op}, "allowed": allowed,
         "dependsOnOrder": login is not None}
    if login is not None:
        a["login"] = login
    return a


def req(token, path, op="read"):
    return {"request": {"token": token, "path": path, "operation": op}}


TUTORIAL = {"roleFile": f"{SAMPLE}/role.json", "roleName": "nomad-workloads",
            "policies": [{"name": "nomad-workloads", "file": f"{SAMPLE}/policy.hcl"}],
            "accessor": ACC, "now": 1767225600}

FIXED_ROLE = {
    "role_type": "jwt", "bound_audiences": ["vault.io"],
    "user_claim": "/extra_claims/nomad_workload_id", "user_claim_json_pointer": True,
    "claim_mappings": {"nomad_namespace": "nomad_namespace", "nomad_job_id": "nomad_job_id",
                       "nomad_task": "nomad_task"},
    "token_type": "service", "token_policies": ["nomad-workloads"],
}

cases = {}

cases["tutorial"] = {
    "description": "Nomad's tutorial role (user_claim nomad_job_id) with the tutorial policy, "
                   "the bundled sample: the namespace key is not determined by the alias name",
    "references": ["hashicorp/nomad#23510", "hashicorp/vault#17100"],
    **TUTORIAL,
    "analysis": {
        "hazard": True,
        "findings": [
            {"code": "shared_alias_cross_workload", "severity": "security",
             "aliasKey": "nomad_namespace", "sourceClaim": "nomad_namespace",
             "ownPath": "kv/data/dev/web/*", "pathAfterB": "kv/data/prod/web/*",
             "crosses": ["nomad_namespace"]},
            {"code": "user_claim_shared", "severity": "notice", "sourceClaim": "nomad_job_id"},
        ],
        "suggestions": ["/extra_claims/nomad_workload_id", "/sub"],
    },
    # The sample token (default/mongo). Its own path is allowed only while no mongo job of
    # another namespace logged in after it; redis's path is named by no value of the namespace
    # (the job is mongo for every login with this alias); prod/mongo's path is granted once
    # prod/mongo logs in.
    "answers": [
        answer("default", "mongo", "mongo", "kv/data/default/mongo/config", True,
               {"nomad_namespace": None}),
        answer("default", "mongo", "mongo", "kv/data/default/redis/config", False),
        answer("default", "mongo", "mongo", "kv/data/prod/mongo/config", False,
               {"nomad_namespace": "prod"}),
        answer("default", "mongo", "mongo", "kv/data/default/mongo/config", False, op="update"),
    ],
}

dev, prod = nomad("dev", "web", "web", 1), nomad("prod", "web", "web", 2)
cases["two-namespaces"] = {
    "description": "The same job name in two namespaces: after prod/web logs in, the token "
                   "dev/web already holds reads production secrets; the reverse gives 403s",
    "references": ["hashicorp/nomad#20104", "hashicorp/vault#27586"],
    **TUTORIAL,
    "analysis": {"hazard": True},
    "simulation": {
        "request": {"path": "kv/data/prod/web/config", "operation": "read"},
        "steps": [
            {"login": "dev/web", "claims": dev},
            req("dev/web", "kv/data/dev/web/config"),
            {"login": "prod/web", "claims": prod},
            req("dev/web", "kv/data/dev/web/config"),
            req("dev/web", "kv/data/prod/web/config"),
        ],
        "expect": [
            {"alias": "web", "aliasMetadata": md("dev", "web", "web"),
             "decisions": {"dev/web": "denied"}},
            {"alias": "web", "decisions": {"dev/web": "allowed"}},
            {"alias": "web", "aliasMetadata": md("prod", "web", "web"),
             "decisions": {"dev/web": "allowed", "prod/web": "allowed"},
             "dependsOnOrder": ["dev/web"]},
            {"alias": "web", "decisions": {"dev/web": "denied"}, "dependsOnOrder": ["dev/web"]},
            {"alias": "web", "decisions": {"dev/web": "allowed"}, "dependsOnOrder": ["dev/web"]},
        ],
    },
}

TASK_POLICY = ('path "kv/data/{{identity.entity.aliases.%s.metadata.nomad_namespace}}/'
               '{{identity.entity.aliases.%s.metadata.nomad_job_id}}/'
               '{{identity.entity.aliases.%s.metadata.nomad_task}}/*" {\n'
               '  capabilities = ["read"]\n}\n') % (ACC, ACC, ACC)
api1 = nomad("dev", "web", "api", 1, extra=True)
worker = nomad("dev", "web", "worker", 1, extra=True)
api2 = nomad("dev", "web", "api", 2, extra=True)
cases["task-templated"] = {
    "description": "A policy templated on nomad_task with a namespace-qualified user_claim: tasks "
                   "of one job share one alias, so each task intermittently gets 403 on its own path",
    "references": ["hashicorp/nomad#20099"],
    "role": FIXED_ROLE, "roleName": "nomad-workloads",
    "policies": [{"name": "nomad-workloads", "text": TASK_POLICY}],
    "knowledge": {"extraClaims": WORKLOAD},
    "accessor": ACC, "now": 1767225600,
    "analysis": {
        "hazard": True,
        "findings": [
            {"code": "shared_alias_intermittent", "severity": "reliability",
             "aliasKey": "nomad_task", "sourceClaim": "nomad_task",
             "ownPath": "kv/data/dev/web/web/*", "pathAfterB": "kv/data/dev/web/worker/*",
             "crosses": []},
        ],
        "suggestions": ["/sub"],
    },
    # Tasks of one job share the alias: the api task's own path is lost when another task logs
    # in, and the worker task's path is granted once the worker logs in; another job's path is
    # named by no task value.
    "answers": [
        answer("dev", "web", "api", "kv/data/dev/web/api/config", True,
               {"nomad_task": None}, alias="global:dev:web"),
        answer("dev", "web", "api", "kv/data/dev/web/worker/config", False,
               {"nomad_task": "worker"}, alias="global:dev:web"),
        answer("dev", "web", "api", "kv/data/dev/api/api/config", False, alias="global:dev:web"),
    ],
    "simulation": {
        "steps": [
            {"login": "api#1", "claims": api1},
            req("api#1", "kv/data/dev/web/api/config"),
            {"login": "worker", "claims": worker},
            req("api#1", "kv/data/dev/web/api/config"),
            req("worker", "kv/data/dev/web/worker/config"),
            {"login": "api#2", "claims": api2},
            req("api#1", "kv/data/dev/web/api/config"),
            req("worker", "kv/data/dev/web/worker/config"),
        ],
        "expect": [
            {"alias": "global:dev:web", "aliasMetadata": md("dev", "web", "api")},
            {"decisions": {"api#1": "allowed"}},
            {"alias": "global:dev:web", "aliasMetadata": md("dev", "web", "worker")},
            {"decisions": {"api#1": "denied"}, "dependsOnOrder": ["api#1"]},
            {"decisions": {"worker": "allowed"}},
            {"alias": "global:dev:web", "aliasMetadata": md("dev", "web", "api")},
            {"decisions": {"api#1": "allowed"}},
            {"decisions": {"worker": "denied"}, "dependsOnOrder": ["worker"]},
        ],
    },
}

cases["fixed-role"] = {
    "description": "The suggested fix: user_claim /extra_claims/nomad_workload_id (region:namespace:job through "
                   "Nomad's extra_claims) with the tutorial policy: no hazard, one alias per namespace",
    "role": FIXED_ROLE, "roleName": "nomad-workloads",
    "policies": [{"name": "nomad-workloads", "file": f"{SAMPLE}/policy.hcl"}],
    "knowledge": {"extraClaims": WORKLOAD},
    "accessor": ACC, "now": 1767225600,
    "analysis": {"hazard": False, "findings": [], "suggestions": []},
    # One alias per (region, namespace, job): no other login shares this token's.
    "answers": [
        answer("default", "mongo", "mongo", "kv/data/default/mongo/config", True,
               alias="global:default:mongo"),
        answer("default", "mongo", "mongo", "kv/data/prod/mongo/config", False,
               alias="global:default:mongo"),
    ],
    "simulation": {
        "request": {"path": "kv/data/prod/web/config", "operation": "read"},
        "steps": [
            {"login": "dev/web", "claims": nomad("dev", "web", "web", 1, extra=True)},
            {"login": "prod/web", "claims": nomad("prod", "web", "web", 2, extra=True)},
            req("dev/web", "kv/data/dev/web/config"),
        ],
        "expect": [
            {"alias": "global:dev:web", "decisions": {"dev/web": "denied"}},
            {"alias": "global:prod:web", "decisions": {"dev/web": "denied", "prod/web": "allowed"}},
            {"decisions": {"dev/web": "allowed"}},
        ],
    },
}

N = 12
names = [f"ns{i:02d}" for i in range(1, N + 1)]
steps = [{"login": f"{ns}/web", "claims": nomad(ns, "web", "web", i)} for i, ns in enumerate(names, 1)]
steps += [req(f"{ns}/web", f"kv/data/{ns}/web/config") for ns in names]
expect = []
for k in range(1, N + 1):
    # After login k every earlier token renders ns<k>: only the last login reads ns12.
    d = {f"{ns}/web": "allowed" if k == N else "denied" for ns in names[:k]}
    e = {"alias": "web", "aliasMetadata": md(names[k - 1], "web", "web"), "decisions": d}
    if k == N:
        # Had they logged in last, ns01..ns11 would not read ns12.
        e["dependsOnOrder"] = [f"{ns}/web" for ns in names[:-1]]
    expect.append(e)
for ns in names:
    last = ns == names[-1]
    e = {"decisions": {f"{ns}/web": "allowed" if last else "denied"}}
    if not last:
        e["dependsOnOrder"] = [f"{ns}/web"]
    expect.append(e)
cases["nomad-20104"] = {
    "description": "hashicorp/nomad#20104: one job name in 12 namespaces with the tutorial role: "
                   "after the last login, 11 of 12 tokens get 403 on their own secrets and all 12 "
                   "read the last namespace's",
    "references": ["hashicorp/nomad#20104"],
    **TUTORIAL,
    "analysis": {"hazard": True},
    "simulation": {"request": {"path": f"kv/data/{names[-1]}/web/config", "operation": "read"},
                   "steps": steps, "expect": expect},
}

GENERIC_ROLE = {"role_type": "jwt", "bound_audiences": ["api"], "user_claim": "email",
                "claim_mappings": {"team": "team"}, "token_policies": ["team"]}
GENERIC_POLICY = ('path "secret/data/{{identity.entity.aliases.%s.metadata.team}}/*" {\n'
                  '  capabilities = ["read"]\n}\n'
                  'path "secret/data/cost/{{identity.entity.metadata.cost_center}}/*" {\n'
                  '  capabilities = ["read"]\n}\n') % ACC
cases["generic-undeclared"] = {
    "description": "Another issuer, nothing declared: the team key is not known to follow from "
                   "the email, so it is a hazard; entity metadata comes from the identity store",
    "role": GENERIC_ROLE, "roleName": "team",
    "policies": [{"name": "team", "text": GENERIC_POLICY}],
    "accessor": ACC, "now": 1767225600,
    "analysis": {
        "hazard": True,
        "findings": [
            {"code": "shared_alias_cross_workload", "severity": "security",
             "aliasKey": "team", "sourceClaim": "team",
             "ownPath": "secret/data/team-a/*", "pathAfterB": "secret/data/team-b/*"},
            {"code": "identity_store_template", "severity": "notice"},
        ],
        "suggestions": [],
    },
}
cases["generic-declared"] = {
    "description": "The same setup with determines {email: [team]} declared: no hazard",
    "role": GENERIC_ROLE, "roleName": "team",
    "policies": [{"name": "team", "text": GENERIC_POLICY}],
    "knowledge": {"determines": {"email": ["team"]}},
    "accessor": ACC, "now": 1767225600,
    "analysis": {"hazard": False,
                 "findings": [{"code": "identity_store_template", "severity": "notice"}],
                 "suggestions": []},
}


def main():
    check = "--check" in sys.argv[1:]
    bad = []
    for name, doc in cases.items():
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        p = HERE / f"{name}.json"
        if check:
            if not p.exists() or p.read_text() != text:
                bad.append(p.name)
        else:
            p.write_text(text)
    if bad:
        sys.exit(f"login-order vectors differ from generate.py: {', '.join(bad)}")


if __name__ == "__main__":
    main()
