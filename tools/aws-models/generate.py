#!/usr/bin/env python3
"""Writes runbook-dsl/data/aws-models/ (models.txt, NOTICE) from botocore's service definitions.

Pinned: BOTOCORE_VERSION below. Re-runnable: `python3 tools/aws-models/generate.py` creates a
virtual environment under ${TMPDIR:-/tmp}/runbook-aws-models-<version> with that botocore from
PyPI, re-executes itself there, and writes the snapshot. `--check` writes nothing and exits 1 when
the committed snapshot differs from what this script produces. `--python` prints the venv's python.

Format of models.txt (UTF-8, no documentation; names interned per service, so each shape and
member name is written once per service):
  line 1      `#aws-models\tbotocore <version>\t<service count>`
  index       one line per service:
              `<name>\t<serviceId>\t<endpointPrefix>\t<signingName>\t<aliases,>\t<offset>\t<length>`
              (signingName: metadata.signingName, else the endpoint prefix, as botocore signs;
              offset/length: bytes of the service's block, counted from the first byte after the
              line `#end-index`), then `#end-index`
  block       per service:
    line 1    the names of its shapes, tab-separated, sorted; the i-th is referenced as 8 + i
    line 2    the names of its structures' members, tab-separated, most used first; referenced
              by position
    then one line per shape, in the order of line 1:
      `S<member> <member>...`  structure; a member is `<name ref>=<target>`, or `<name ref>!<target>`
                               when required (idempotency tokens that botocore fills in are not)
      `L<target>`              list
      `M<key target> <value target>` map
      `E<value>\t<value>...`   string enum
    then one line per operation, sorted: `<Operation>\t<input>\t<output>[\t<boto3 method>]`
      (input/output: a target, or empty; the method only when it is not the operation's name cut
      before each capital that follows a lower-case letter or digit, and before the last capital
      of a run followed by a lower-case letter, in lower case: `DescribeDBInstances` ->
      `describe_db_instances`)
  target: a number in base 62 (digits 0-9a-zA-Z): 0 string, 1 integer, 2 long, 3 boolean,
  4 float/double, 5 timestamp, 6 blob, 7 document (any JSON), 8 and up a shape of the block.
"""
import json
import os
import re
import subprocess
import sys
import venv

BOTOCORE_VERSION = "1.43.11"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "runbook-dsl", "data", "aws-models")
PRIMS = {
    "string": "%s",
    "integer": "%i",
    "long": "%l",
    "boolean": "%b",
    "float": "%f",
    "double": "%f",
    "timestamp": "%t",
    "blob": "%B",
}
PRIM_REFS = {"%s": 0, "%i": 1, "%l": 2, "%b": 3, "%f": 4, "%t": 5, "%B": 6, "%x": 7}
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base62(n):
    s = ""
    while True:
        s = DIGITS[n % 62] + s
        n //= 62
        if n == 0:
            return s


def snake(name):
    """The boto3 method name the decoder assumes (runbook-dsl/src/aws_api/decode.rs `snake`)."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"([A-Z])([A-Z][a-z])", r"\1_\2", s).lower()


def venv_python():
    base = os.environ.get("TMPDIR", "/tmp")
    env = os.path.join(base, f"runbook-aws-models-{BOTOCORE_VERSION}")
    py = os.path.join(env, "bin", "python")
    if not os.path.exists(py):
        venv.create(env, with_pip=True)
    ok = subprocess.run([py, "-c", f"import botocore,sys; sys.exit(botocore.__version__ != '{BOTOCORE_VERSION}')"],
                        capture_output=True).returncode == 0
    if not ok:
        subprocess.run([py, "-m", "pip", "install", "--quiet", f"botocore=={BOTOCORE_VERSION}"], check=True)
    return py


def target(shapes, name):
    sh = shapes[name]
    t = sh["type"]
    if t == "string" and "enum" in sh:
        return name
    if t in PRIMS:
        return PRIMS[t]
    if t == "structure" and sh.get("document"):
        return "%x"
    return name


def service_block(loader, name):
    from botocore import xform_name

    model = loader.load_service_model(name, "service-2")
    shapes = model["shapes"]
    seen = set()
    todo = []

    def use(shape_name):
        t = target(shapes, shape_name)
        if not t.startswith("%") and t not in seen:
            seen.add(t)
            todo.append(t)
        return t

    ops = []
    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        inp = use(op["input"]["shape"]) if "input" in op else None
        out = use(op["output"]["shape"]) if "output" in op else None
        ops.append((op_name, xform_name(op_name), inp, out))
    shapes_out = {}
    while todo:
        n = todo.pop()
        sh = shapes[n]
        t = sh["type"]
        if t == "structure":
            req = set(sh.get("required", []))
            members = [(m, m in req and not ref.get("idempotencyToken"), use(ref["shape"]))
                       for m, ref in sh.get("members", {}).items()]
            shapes_out[n] = ("S", members)
        elif t == "list":
            shapes_out[n] = ("L", [use(sh["member"]["shape"])])
        elif t == "map":
            shapes_out[n] = ("M", [use(sh["key"]["shape"]), use(sh["value"]["shape"])])
        elif t == "string":
            vals = sh["enum"]
            assert all("\t" not in v and "\n" not in v for v in vals), n
            shapes_out[n] = ("E", vals)
        else:
            raise SystemExit(f"{name}: shape {n} of unexpected type {t}")
    names = sorted(shapes_out)
    refs = {n: 8 + i for i, n in enumerate(names)}

    def ref(t):
        return base62(PRIM_REFS[t] if t in PRIM_REFS else refs[t])

    counts = {}
    for kind, body in shapes_out.values():
        if kind == "S":
            for m, _, _ in body:
                counts[m] = counts.get(m, 0) + 1
    members = sorted(counts, key=lambda m: (-counts[m], m))
    member_refs = {m: base62(i) for i, m in enumerate(members)}
    lines = ["\t".join(names), "\t".join(members)]
    for n in names:
        kind, body = shapes_out[n]
        if kind == "S":
            lines.append("S" + " ".join(f"{member_refs[m]}{'!' if r else '='}{ref(t)}" for m, r, t in body))
        elif kind == "L":
            lines.append("L" + ref(body[0]))
        elif kind == "M":
            lines.append(f"M{ref(body[0])} {ref(body[1])}")
        else:
            lines.append("E" + "\t".join(body))
    for op_name, method, inp, out in ops:
        fields = [op_name, ref(inp) if inp else "", ref(out) if out else ""]
        if method != snake(op_name):
            fields.append(method)
        lines.append("\t".join(fields))
    meta = model["metadata"]
    prefix = meta.get("endpointPrefix", "")
    return meta.get("serviceId", ""), prefix, meta.get("signingName", prefix), "\n".join(lines) + "\n"


def generate():
    import botocore
    import botocore.session
    from botocore.utils import SERVICE_NAME_ALIASES

    loader = botocore.session.get_session().get_component("data_loader")
    names = sorted(loader.list_available_services("service-2"))
    aliases = {}
    for alias, real in SERVICE_NAME_ALIASES.items():
        aliases.setdefault(real, []).append(alias)
    index, body, offset = [], [], 0
    for n in names:
        sid, prefix, signing, block = service_block(loader, n)
        data = block.encode("utf-8")
        index.append(f"{n}\t{sid}\t{prefix}\t{signing}\t{','.join(sorted(aliases.get(n, [])))}\t{offset}\t{len(data)}")
        body.append(data)
        offset += len(data)
    head = f"#aws-models\tbotocore {botocore.__version__}\t{len(names)}\n" + "\n".join(index) + "\n#end-index\n"
    return head.encode("utf-8") + b"".join(body), botocore


NOTICE = """AWS API models (models.txt in this folder)

Derived by tools/aws-models/generate.py from the service definitions (data/*/service-2.json) of
botocore {version} (https://github.com/boto/botocore), Copyright Amazon.com, Inc. or its
affiliates. All Rights Reserved. Licensed under the Apache License, Version 2.0
(http://www.apache.org/licenses/LICENSE-2.0). Changes: documentation removed; shapes reduced to
names, members, required members, list members, map keys and values, enums and primitive types;
re-encoded in the format described in tools/aws-models/generate.py.

botocore's NOTICE:
{notice}"""


def main():
    args = sys.argv[1:]
    try:
        import botocore

        pinned = botocore.__version__ == BOTOCORE_VERSION
    except ImportError:
        pinned = False
    if "--python" in args:
        print(venv_python())
        return 0
    if not pinned:
        return subprocess.run([venv_python(), os.path.abspath(__file__)] + args).returncode
    data, botocore = generate()
    notice_path = None
    for d in [os.path.dirname(os.path.dirname(botocore.__file__))]:
        for f in os.listdir(d):
            if f.lower().startswith("botocore-") and f.endswith(".dist-info"):
                for cand in ("NOTICE", os.path.join("licenses", "NOTICE")):
                    p = os.path.join(d, f, cand)
                    if os.path.exists(p):
                        notice_path = p
    notice_text = open(notice_path).read() if notice_path else "botocore\nCopyright 2012-2024 Amazon.com, Inc. or its affiliates. All Rights Reserved.\n"
    notice = NOTICE.format(version=BOTOCORE_VERSION, notice=notice_text).encode("utf-8")
    files = {"models.txt": data, "NOTICE": notice}
    if "--check" in args:
        stale = [f for f, d in files.items()
                 if not os.path.exists(os.path.join(OUT, f)) or open(os.path.join(OUT, f), "rb").read() != d]
        if stale:
            print(f"stale: {', '.join(stale)} in {OUT}; run python3 tools/aws-models/generate.py", file=sys.stderr)
            return 1
        print(f"aws-models: up to date (botocore {BOTOCORE_VERSION})")
        return 0
    os.makedirs(OUT, exist_ok=True)
    for f, d in files.items():
        with open(os.path.join(OUT, f), "wb") as fh:
            fh.write(d)
    print(f"wrote {OUT}/models.txt ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
