#!/usr/bin/env python3
"""Writes runbook-dsl/data/aws-models/ (models.txt, NOTICE) from botocore's service definitions.

Pinned: BOTOCORE_VERSION below. Re-runnable: `python3 tools/aws-models/generate.py` creates a
virtual environment under ${TMPDIR:-/tmp}/runbook-aws-models-<version> with that botocore from
PyPI, re-executes itself there, and writes the snapshot. `--check` writes nothing and exits 1 when
the committed snapshot differs from what this script produces. `--python` prints the venv's python.

Format of models.txt (UTF-8, tab-separated, no documentation):
  line 1      `#aws-models\tbotocore <version>\t<service count>`
  index       one line per service:
              `<name>\t<serviceId>\t<endpointPrefix>\t<signingName>\t<aliases,>\t<offset>\t<length>`
              (signingName: metadata.signingName, else the endpoint prefix, as botocore signs)
              (offset/length: bytes of the service's block, counted from the first byte after the
              line `#end-index`), then `#end-index`
  block       per service, lines:
    `o\t<Operation>\t<boto3_method>\t<input shape or ->\t<output shape or ->`
    `S\t<Name>\t[!]<member>=<target>...`   structure (`!` = required; idempotency tokens that
                                           botocore fills in are not marked required)
    `L\t<Name>\t<target>`                  list
    `M\t<Name>\t<key target>\t<value target>` map
    `E\t<Name>\t<value>...`                string enum
  target: a shape name of the block, or a primitive: %s string, %i integer, %l long, %b boolean,
  %f float/double, %t timestamp, %B blob, %x document (any JSON).
"""
import json
import os
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
    lines = []
    seen = set()
    todo = []

    def use(shape_name):
        t = target(shapes, shape_name)
        if not t.startswith("%") and t not in seen:
            seen.add(t)
            todo.append(t)
        return t

    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        inp = use(op["input"]["shape"]) if "input" in op else "-"
        out = use(op["output"]["shape"]) if "output" in op else "-"
        lines.append(f"o\t{op_name}\t{xform_name(op_name)}\t{inp}\t{out}")
    shape_lines = {}
    while todo:
        n = todo.pop()
        sh = shapes[n]
        t = sh["type"]
        if t == "structure":
            req = set(sh.get("required", []))
            parts = []
            for m, ref in sh.get("members", {}).items():
                mark = "!" if m in req and not ref.get("idempotencyToken") else ""
                parts.append(f"{mark}{m}={use(ref['shape'])}")
            shape_lines[n] = "\t".join(["S", n] + parts)
        elif t == "list":
            shape_lines[n] = f"L\t{n}\t{use(sh['member']['shape'])}"
        elif t == "map":
            shape_lines[n] = f"M\t{n}\t{use(sh['key']['shape'])}\t{use(sh['value']['shape'])}"
        elif t == "string":
            vals = sh["enum"]
            assert all("\t" not in v and "\n" not in v for v in vals), n
            shape_lines[n] = "\t".join(["E", n] + vals)
        else:
            raise SystemExit(f"{name}: shape {n} of unexpected type {t}")
    lines.extend(shape_lines[k] for k in sorted(shape_lines))
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
