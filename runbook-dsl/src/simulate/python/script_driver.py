# Runs one aws:executeScript handler for `runbook simulate --run-scripts`, inside the sandbox
# the simulator prepared (see simulate/sandbox.rs): the working directory is private and holds
# sandbox.json (what to run) and the script; this driver writes result.json and calls.jsonl
# there. Every botocore client is pointed at AWS_ENDPOINT_URL (the emulator's, or a port that
# refuses), every call is logged, and injected faults are raised as the SDK's ClientError.
import importlib.util
import json
import os
import sys

HERE = os.getcwd()
with open(os.path.join(HERE, "sandbox.json"), encoding="utf-8") as f:
    CFG = json.load(f)
LOG = open(os.path.join(HERE, "calls.jsonl"), "a", encoding="utf-8")


def norm(s):
    return s.replace("_", "").replace("-", "").lower()


def plain(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return v.decode("utf-8", "replace")
    return str(v)


def log(rec):
    LOG.write(json.dumps(rec, default=plain) + "\n")
    LOG.flush()


def hook_botocore():
    try:
        import botocore.client
        import botocore.session
        from botocore.exceptions import ClientError
    except ImportError:
        return
    counts = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    original_call = botocore.client.BaseClient._make_api_call

    def make_api_call(self, operation, params):
        service = self.meta.service_model.service_name
        key = norm(service) + " " + norm(operation)
        n = counts[key] = counts.get(key, 0) + 1
        rec = {"service": service, "api": operation, "input": params}
        for fault in CFG["faults"]:
            if norm(fault["service"]) + " " + norm(fault["operation"]) == key and fault["nth"] in (None, n):
                message = "injected by the simulator (--fail %s)" % fault["spec"]
                rec["error"] = "An error occurred (%s) when calling the %s operation: %s" % (fault["code"], operation, message)
                log(rec)
                raise ClientError({"Error": {"Code": fault["code"], "Message": message}}, operation)
        try:
            result = original_call(self, operation, params)
        except Exception as e:  # the call failed: log it as the trace shows failed calls
            rec["error"] = str(e)
            log(rec)
            raise
        log(rec)
        return result

    original_create = botocore.session.Session.create_client

    def create_client(self, *args, **kwargs):
        # A script cannot choose another endpoint: the emulator's, or one that refuses.
        kwargs["endpoint_url"] = endpoint
        return original_create(self, *args, **kwargs)

    botocore.client.BaseClient._make_api_call = make_api_call
    botocore.session.Session.create_client = create_client


def main():
    hook_botocore()
    spec = importlib.util.spec_from_file_location("runbook_script", os.path.join(HERE, "script.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = getattr(module, CFG["handler"], None)
    if handler is None:
        sys.stderr.write("the script defines no function %r (the step's Handler)\n" % CFG["handler"])
        sys.exit(3)
    result = handler(CFG["events"], {"automation:EXECUTION_ID": CFG["execution_id"]})
    with open(os.path.join(HERE, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, default=plain)


main()
