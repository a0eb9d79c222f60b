#!/usr/bin/env python3
"""Lint every generated IAM policy with parliament and cloudsplaining (pinned in requirements.txt).

Policies: generated/*.policy.json, and the inline policies of every AWS::IAM::Role in
generated/*.template.yaml (Fn::Sub resolved with partition aws, Region us-east-1, account
111122223333; a Ref with an example ARN). Zero findings are allowed, except the ones listed in
EXCEPTIONS below, each with its reason (docs/iam.md lists them too): an exception names the
linter, the finding and the action, and suppresses nothing else.

Usage: python3 lint.py [generated-folder]    (exit 1 on any finding)
"""

import glob
import json
import os
import sys

import yaml
from cloudsplaining.command.scan_policy_file import scan_policy
from parliament import analyze_policy_string

# (linter, finding, action): why it is allowed. None: the last one (ec2:CreateTags on "*") went
# when the derivation learnt to scope tag actions to the tagged resource (runbook-dsl iam::tagging).
EXCEPTIONS = {}

PSEUDO = {"${AWS::Partition}": "aws", "${AWS::Region}": "us-east-1", "${AWS::AccountId}": "111122223333"}


def resolve(value):
    """Intrinsic functions of a template policy replaced by example values."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            s = value["Fn::Sub"]
            for k, v in PSEUDO.items():
                s = s.replace(k, v)
            return s
        if set(value) == {"Ref"}:
            return "arn:aws:iam::111122223333:policy/Example%s" % value["Ref"]
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def policies(folder):
    for path in sorted(glob.glob(os.path.join(folder, "*.policy.json"))):
        with open(path, encoding="utf-8") as f:
            yield os.path.basename(path), json.load(f)
    for path in sorted(glob.glob(os.path.join(folder, "*.template.yaml"))):
        with open(path, encoding="utf-8") as f:
            template = yaml.safe_load(f)
        for rid, res in (template.get("Resources") or {}).items():
            if res.get("Type") != "AWS::IAM::Role":
                continue
            for p in res.get("Properties", {}).get("Policies") or []:
                yield "%s#%s" % (os.path.basename(path), rid), resolve(p["PolicyDocument"])


def actions_of(statement):
    a = statement.get("Action", [])
    return [a] if isinstance(a, str) else a


def main(argv):
    folder = argv[0] if argv else "generated"
    findings = []
    count = 0
    for name, policy in policies(folder):
        count += 1
        if not policy.get("Statement"):
            continue
        for f in analyze_policy_string(json.dumps(policy)).findings:
            detail = f.detail if isinstance(f.detail, list) else [f.detail]
            actions = [d.get("action") if isinstance(d, dict) else d for d in detail] or [None]
            for a in actions:
                key = ("parliament", f.issue, a)
                if key not in EXCEPTIONS:
                    findings.append("%s: parliament %s %s %s" % (name, f.severity, f.issue, a or f.detail))
        results = scan_policy(policy)
        for risk, result in sorted(results.items()):
            if not isinstance(result, dict):
                continue  # ServicesAffected: a summary, not a finding
            for a in result.get("findings") or []:
                if isinstance(a, dict):  # PrivilegeEscalation: {"type": method, "actions": [...]}
                    a = "%s(%s)" % (a.get("type"), ",".join(a.get("actions") or []))
                key = ("cloudsplaining", risk, a)
                if key not in EXCEPTIONS:
                    findings.append("%s: cloudsplaining %s %s" % (name, risk, a))
    for line in findings:
        print(line)
    print("IAM linters: %d policies, %d findings (parliament, cloudsplaining)" % (count, len(findings)))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
