#!/usr/bin/env python3
"""Checks the AWS API calls of runbook documents against botocore's service models.

For every aws:executeAwsApi, aws:assertAwsResourceProperty and aws:waitForAwsResourceProperty
step: the service and operation exist; every API parameter is a member of the operation's input
(recursively into literal maps and lists), with a value of a fitting kind, and every required
member is given; every output Selector and PropertySelector walks the operation's output shape,
and its leaf fits the declared type (a property selector ends on a scalar).

Usage: api_shapes.py FILE.yaml ...   (exit 0 = all fine, 1 = findings, 2 = botocore/PyYAML missing)
"""
import difflib
import re
import sys

try:
    import botocore.session
    import yaml
except ImportError as e:  # pragma: no cover
    print(f"api_shapes.py: {e}", file=sys.stderr)
    sys.exit(2)

OWN_INPUTS = {"Service", "Api", "PropertySelector", "DesiredValues"}
API_ACTIONS = {"aws:executeAwsApi", "aws:assertAwsResourceProperty", "aws:waitForAwsResourceProperty"}
SESSION = botocore.session.get_session()
SCALARS = {"string", "boolean", "integer", "long", "timestamp", "double", "float"}


def near(name, names):
    """A short hint: the closest member names."""
    close = difflib.get_close_matches(name, list(names), n=3)
    return f"did you mean {', '.join(close)}?" if close else f"{len(names)} members"


def is_ref(v):
    return isinstance(v, str) and "{{" in v


def check_value(shape, value, where, problems):
    """A literal value against its input shape; references are taken on trust (their type is the
    validator's business)."""
    if is_ref(value) and not (shape.type_name == "string" and not value.strip().startswith("{{")):
        return
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: expects a map ({shape.name}), got {value!r}")
            return
        for k, v in value.items():
            if k not in shape.members:
                problems.append(f"{where}: {shape.name} has no member {k!r} ({near(k, shape.members)})")
            else:
                check_value(shape.members[k], v, f"{where}.{k}", problems)
        for r in shape.required_members:
            if r not in value:
                problems.append(f"{where}: {shape.name} requires {r!r}")
    elif t == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: expects a list, got {value!r}")
            return
        for i, v in enumerate(value):
            check_value(shape.member, v, f"{where}[{i}]", problems)
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: expects a boolean, got {value!r}")
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: expects an integer, got {value!r}")
    elif t == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: expects a string, got {value!r}")
        elif shape.enum and not is_ref(value) and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {shape.enum}")


TOKEN = re.compile(r"\.\.(\w+)|\.(\w+)|\[(\d+)\]")


def walk(shape, selector):
    """The shape a selector ends on, and whether it passed a deep scan (which yields a list)."""
    if not selector.startswith("$"):
        raise ValueError("does not start with $")
    rest = selector[1:]
    pos, deep = 0, False
    while pos < len(rest):
        m = TOKEN.match(rest, pos)
        if not m:
            raise ValueError(f"cannot read {rest[pos:]!r}")
        pos = m.end()
        scan, member, index = m.groups()
        if index is not None:
            if shape.type_name != "list":
                raise ValueError(f"[{index}] on {shape.type_name} {shape.name}")
            shape = shape.member
        elif member is not None:
            if shape.type_name == "list" and deep:
                shape = shape.member
            if shape.type_name != "structure" or member not in shape.members:
                have = near(member, shape.members) if shape.type_name == "structure" else shape.type_name
                raise ValueError(f"{shape.name} has no member {member!r} ({have})")
            shape = shape.members[member]
        else:
            found = find_deep(shape, scan, set())
            if found is None:
                raise ValueError(f"no member {scan!r} anywhere below {shape.name}")
            shape, deep = found, True
    return shape, deep


def find_deep(shape, name, seen):
    if shape.name in seen:
        return None
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        if name in shape.members:
            return shape.members[name]
        children = shape.members.values()
    elif shape.type_name == "list":
        children = [shape.member]
    elif shape.type_name == "map":
        children = [shape.value]
    else:
        return None
    for c in children:
        found = find_deep(c, name, seen)
        if found is not None:
            return found
    return None


def fits(shape, deep, ty):
    t = shape.type_name
    if deep:
        return (ty == "StringList" and t in SCALARS) or (ty == "MapList" and t in ("structure", "map"))
    return {
        "String": t in ("string", "timestamp"),
        "Boolean": t == "boolean",
        "Integer": t in ("integer", "long"),
        "StringList": t == "list" and shape.member.type_name in SCALARS,
        "MapList": t == "list" and shape.member.type_name in ("structure", "map"),
        "StringMap": t in ("structure", "map"),
    }.get(ty, False)


def check_step(step, problems):
    inputs = step.get("inputs", {})
    where = step["name"]
    try:
        model = SESSION.get_service_model(inputs["Service"])
    except Exception as e:
        problems.append(f"{where}: service {inputs.get('Service')!r}: {e}")
        return
    try:
        op = model.operation_model(inputs["Api"])
    except Exception:
        hint = near(inputs["Api"], model.operation_names)
        problems.append(f"{where}: {inputs['Service']} has no operation {inputs['Api']!r} ({hint})")
        return
    given = {k: v for k, v in inputs.items() if k not in OWN_INPUTS}
    members = op.input_shape.members if op.input_shape else {}
    for k, v in given.items():
        if k not in members:
            problems.append(f"{where}: {op.name} has no parameter {k!r} ({near(k, members)})")
        else:
            check_value(members[k], v, f"{where}.{k}", problems)
    for r in op.input_shape.required_members if op.input_shape else []:
        if r not in given:
            problems.append(f"{where}: {op.name} requires {r!r}")
    selectors = [(o["Selector"], o["Type"], o["Name"]) for o in step.get("outputs", [])]
    if "PropertySelector" in inputs:
        selectors.append((inputs["PropertySelector"], "scalar", "PropertySelector"))
    for sel, ty, name in selectors:
        if op.output_shape is None:
            problems.append(f"{where}.{name}: {op.name} returns nothing to select")
            continue
        try:
            shape, deep = walk(op.output_shape, sel)
        except ValueError as e:
            problems.append(f"{where}.{name}: {sel}: {e}")
            continue
        ok = (shape.type_name in SCALARS and not deep) if ty == "scalar" else fits(shape, deep, ty)
        if not ok:
            problems.append(f"{where}.{name}: {sel} is {shape.type_name}{' (deep scan)' if deep else ''}, not {ty}")


def main(paths):
    problems = []
    checked = 0
    for path in paths:
        with open(path) as f:
            doc = yaml.safe_load(f)
        steps = list(doc.get("mainSteps", []))
        while steps:
            step = steps.pop(0)
            if step.get("action") == "aws:loop":
                steps[:0] = step.get("inputs", {}).get("Steps", [])
            if step.get("action") in API_ACTIONS:
                before = len(problems)
                check_step(step, problems)
                problems[before:] = [f"{path}: {p}" for p in problems[before:]]
                checked += 1
    for p in problems:
        print(p)
    print(f"api_shapes: {checked} API steps in {len(paths)} documents, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
