# The simulator's AWS backend (simulate/backend.rs): one long-lived process per endpoint that
# reads one JSON request per line on stdin, {"service", "api", "params"}, calls the endpoint
# through botocore and answers one JSON line on stdout: {"ok": response}, {"error": {"code",
# "message"}} for an AWS error, or {"invalid": message} when the request does not fit the API.
# Responses are made JSON the way Automation shows them: timestamps as ISO 8601 text, binary
# as UTF-8 text (base64 when it is not text), numbers and booleans kept.
# argv: endpoint URL, region. Credentials are the sandbox's dummy ones (environment).
import base64
import datetime
import decimal
import json
import sys

import botocore.session
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError, UnknownServiceError

ENDPOINT, REGION = sys.argv[1], sys.argv[2]
SESSION = botocore.session.Session()
CLIENTS = {}
CONFIG = Config(
    retries={"total_max_attempts": 1},
    connect_timeout=10,
    read_timeout=60,
    s3={"addressing_style": "path"},
)


def norm(s):
    return s.replace("_", "").replace("-", "").lower()


def client(service):
    c = CLIENTS.get(service)
    if c is None:
        c = SESSION.create_client(service, region_name=REGION, endpoint_url=ENDPOINT, config=CONFIG)
        ops = {norm(o): o for o in c.meta.service_model.operation_names}
        CLIENTS[service] = c = (c, ops)
    return c


def coerce(v, shape):
    """Text to the model's numbers and booleans, numbers to text where the model wants text."""
    if shape is None:
        return v
    t = shape.type_name
    if t == "structure" and isinstance(v, dict):
        return {k: coerce(x, shape.members.get(k)) for k, x in v.items()}
    if t == "list" and isinstance(v, list):
        return [coerce(x, shape.member) for x in v]
    if t == "map" and isinstance(v, dict):
        return {k: coerce(x, shape.value) for k, x in v.items()}
    if t in ("integer", "long") and isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            return v
    if t in ("float", "double") and isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return v
    if t == "boolean" and isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    if t == "string" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    if t == "blob" and isinstance(v, str):
        return v.encode("utf-8")
    return v


def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if k != "HTTPHeaders"}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.isoformat(timespec="milliseconds") + "Z"
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if hasattr(v, "read"):
        v = v.read()
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(v)).decode("ascii")
    return v


def handle(req):
    service, api, params = req["service"], req["api"], req.get("params") or {}
    try:
        c, ops = client(service.lower())
    except UnknownServiceError:
        return {"invalid": "botocore knows no service %r" % service}
    op = ops.get(norm(api))
    if op is None:
        return {"invalid": "service %s has no operation %r in botocore's model" % (service, api)}
    shape = c.meta.service_model.operation_model(op).input_shape
    try:
        resp = getattr(c, xform_name(op))(**coerce(params, shape))
    except ClientError as e:
        err = e.response.get("Error", {})
        code = err.get("Code") or str(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "Unknown"))
        return {"error": {"code": code, "message": err.get("Message") or ""}}
    except ParamValidationError as e:
        return {"invalid": str(e).replace("\n", " ")}
    except BotoCoreError as e:
        return {"error": {"code": type(e).__name__, "message": str(e)}}
    return {"ok": plain(resp)}


def main():
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = handle(json.loads(line))
        except Exception as e:  # never die on one request
            msg = {"invalid": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(msg, default=str) + "\n")
        out.flush()


main()
