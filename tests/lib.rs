//! Helpers for the cross-crate tests: where `../shared` is, and how to say it is missing.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap_or_else(|_| PathBuf::from(".."))
}

/// `../shared/<rel>` next to the workspace (or under `$RUNBOOK_SHARED` when set, for a worktree
/// that is not next to `shared/`), or `None` (after saying so loudly) when it is missing. Panics
/// when `RUNBOOK_REQUIRE_SHARED=1`, so CI cannot skip silently.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("RUNBOOK_SHARED").map(PathBuf::from);
    let p = base.unwrap_or_else(|| workspace().join("..").join("shared")).join(rel);
    if p.exists() {
        return Some(p);
    }
    let msg = format!("SHARED MISSING: {} is not there; this test cannot run", p.display());
    if std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{msg} (RUNBOOK_REQUIRE_SHARED=1)");
    }
    eprintln!("warning: {msg}; skipped (set RUNBOOK_REQUIRE_SHARED=1 to make this fail)");
    None
}

/// The corpus documents (`../shared/corpus/automation`, every file the one folder walker
/// [`runbook_dsl::files::walk`] reads), sorted; `None` when `../shared` is missing (said loudly by
/// [`shared`]). Checks that all 281 are there.
pub fn corpus() -> Option<Vec<PathBuf>> {
    let dir = shared("corpus/automation")?;
    let mut docs = runbook_dsl::files::walk(std::slice::from_ref(&dir)).paths();
    docs.sort();
    assert_eq!(docs.len(), 281, "the corpus has 281 documents; found {} in {}", docs.len(), dir.display());
    Some(docs)
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Loads YAML texts with python3's PyYAML (`yaml.safe_load`, a YAML 1.1 reader) in one process
/// and returns each as JSON. A value PyYAML turns into something JSON cannot hold (a date, a
/// set) comes back as `{"__not_json__": "<repr>"}`, so it shows up in a comparison. `None` (said
/// loudly) when python3 with PyYAML is missing; panics then under `RUNBOOK_REQUIRE_SHARED=1`.
pub fn pyyaml_load_all(texts: &[String]) -> Option<Vec<serde_json::Value>> {
    use std::io::Write;
    const SCRIPT: &str = r#"
import json, sys, yaml
docs = json.load(sys.stdin)
out = [yaml.safe_load(d) for d in docs]
json.dump(out, sys.stdout, default=lambda o: {"__not_json__": repr(o)})
"#;
    let child = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return missing_tool(&format!("python3 cannot start: {e}")),
    };
    let input = serde_json::to_vec(texts).expect("strings serialize");
    child.stdin.take().expect("stdin is piped").write_all(&input).expect("python3 reads its input");
    let out = child.wait_with_output().expect("python3 runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named 'yaml'") {
            return missing_tool("PyYAML is not installed (python3 -m pip install pyyaml)");
        }
        panic!("python3 failed reading the YAML: {err}");
    }
    Some(serde_json::from_slice(&out.stdout).expect("python3 prints JSON"))
}

fn missing_tool<T>(msg: &str) -> Option<T> {
    if std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("TOOL MISSING: {msg} (RUNBOOK_REQUIRE_SHARED=1)");
    }
    eprintln!("warning: TOOL MISSING: {msg}; skipped");
    None
}

/// The moto server the emulator tests share: started once per test binary on a free loopback
/// port, from the virtual environment `.ci/run` installs (`$RUNBOOK_MOTO_VENV`, default
/// `${TMPDIR:-/tmp}/runbook-moto`), and stopped when the test binary exits (it reads its stdin
/// and ends when that closes). `None` (said loudly) when the virtual environment is missing;
/// panics then under `RUNBOOK_REQUIRE_SHARED=1`.
pub fn moto() -> Option<&'static Moto> {
    static MOTO: std::sync::OnceLock<Option<Moto>> = std::sync::OnceLock::new();
    MOTO.get_or_init(Moto::start).as_ref()
}

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The virtual environment's interpreter (botocore, boto3 and moto installed).
    pub python: String,
    _child: std::sync::Mutex<std::process::Child>,
}

impl Moto {
    /// The virtual environment that holds moto.
    pub fn venv() -> PathBuf {
        std::env::var_os("RUNBOOK_MOTO_VENV").map(PathBuf::from).unwrap_or_else(|| {
            std::env::var_os("TMPDIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp")).join("runbook-moto")
        })
    }

    fn start() -> Option<Moto> {
        use std::io::BufRead;
        const SERVER: &str = r#"
import sys, uuid
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer
import moto.rds.models as rds

# Lambda's Invoke without docker: moto answers with the payload instead of running the code.
default_user_config["lambda"]["use_docker"] = False
# Step Functions executions run their states (Pass, Choice, ...) instead of staying RUNNING.
default_user_config["stepfunctions"]["execute_state_machine"] = True

# moto 5.2.1 gives every DB instance the same DbiResourceId; AWS gives each its own.
_init = rds.DBInstance.__init__
def _unique_dbi(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.dbi_resource_id = "db-" + uuid.uuid4().hex[:26].upper()
rds.DBInstance.__init__ = _unique_dbi
# ... and DescribeDBClusters lacks AWS's documented `db-cluster-resource-id` filter.
rds.DBCluster.SUPPORTED_FILTERS["db-cluster-resource-id"] = rds.FilterDef(["db_cluster_resource_id"], "DB Cluster Resource Ids")
# moto 5.2.1's executing Step Functions backend (1) names an execution started without a name
# "None", so the next one is ExecutionAlreadyExists (AWS generates a UUID), and (2) deep-copies
# the state machine with its backend and its executions, which hold locks: every StartExecution
# after the first fails with 500. A UUID name, and a copy that shares backend and executions.
import copy, types
import moto.stepfunctions.parser.models as sfn
def _copy_keeping_backend(x, memo=None):
    memo = {} if memo is None else memo
    for shared in (getattr(x, "backend", None), getattr(x, "executions", None)):
        if shared is not None:
            memo[id(shared)] = shared
    return copy.deepcopy(x, memo)
sfn.copy = types.SimpleNamespace(deepcopy=_copy_keeping_backend)
_start = sfn.StepFunctionsParserBackend.start_execution
def _start_named(self, arn, name=None, execution_input=None, trace_header=None):
    return _start(self, arn, name or str(uuid.uuid4()), execution_input, trace_header)
sfn.StepFunctionsParserBackend.start_execution = _start_named
# moto 5.2.1's ModifyNetworkInterfaceAttribute ignores AssociatePublicIpAddress (in botocore's
# model since 2024): AWS releases the interface's auto-assigned public IPv4 address when it is
# set to false (an Elastic IP stays) and assigns one when set to true.
import moto.ec2.responses.elastic_network_interfaces as eni_responses
from moto.ec2.utils import random_public_ip
_modify_eni = eni_responses.ElasticNetworkInterfaces.modify_network_interface_attribute
def _modify_eni_public_ip(self):
    value = self._get_param("AssociatePublicIpAddress")
    result = _modify_eni(self)
    if value is not None:
        eni = self.ec2_backend.get_network_interface(self._get_param("NetworkInterfaceId"))
        on = str(value).lower() == "true"
        elastic = eni.public_ip and self.ec2_backend.address_by_ip([eni.public_ip], fail_if_not_found=False)
        eni.public_ip_auto_assign = on
        if not on and not elastic:
            eni.public_ip = None
        elif on and eni.public_ip is None:
            eni.public_ip = random_public_ip()
    return result
eni_responses.ElasticNetworkInterfaces.modify_network_interface_attribute = _modify_eni_public_ip
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"#;
        let python = Moto::venv().join("bin").join("python");
        if !python.exists() {
            return missing_tool(&format!(
                "the moto virtual environment is missing ({}); create it as .ci/run does: python3 -m venv {0} && {0}/bin/pip install 'moto[server]==5.2.1' boto3==1.43.11 botocore==1.43.11",
                Moto::venv().display()
            ));
        }
        let mut child = std::process::Command::new(&python)
            .arg("-c")
            .arg(SERVER)
            .env_remove("AWS_PROFILE")
            // AWS managed policies (arn:aws:iam::aws:policy/...) exist in every account.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the moto virtual environment's python starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout is piped");
        std::io::BufReader::new(stdout).read_line(&mut line).expect("moto prints its port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("moto did not start (it printed {line:?})"));
        Some(Moto {
            url: format!("http://127.0.0.1:{port}"),
            python: python.display().to_string(),
            _child: std::sync::Mutex::new(child),
        })
    }

    /// A client of the server, for setting up and checking state.
    pub fn aws(&self) -> runbook_dsl::simulate::Aws {
        runbook_dsl::simulate::Aws::new(&self.url).python(&self.python)
    }

    /// A new bucket in us-east-1 with a name no other test uses.
    pub fn bucket(&self, prefix: &str) -> String {
        let name = unique(prefix);
        let made = self.aws().call("s3", "CreateBucket", serde_json::json!({"Bucket": name}));
        made.unwrap_or_else(|e| panic!("CreateBucket {name}: {e}"));
        name
    }

    /// A simulation of `doc` against the server: its endpoint, its interpreter, scripts run.
    pub fn simulation<'a>(&self, doc: &'a runbook_dsl::model::Document) -> runbook_dsl::simulate::Simulation<'a> {
        runbook_dsl::simulate::Simulation::new(doc).endpoint(&self.url).python(&self.python).run_scripts(true)
    }
}

/// A name no other test uses (moto's state is shared by every test of the binary).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Reads a test document (panics on a document that does not read: it is the test's own).
pub fn doc(text: &str) -> runbook_dsl::model::Document {
    runbook_dsl::read::from_str(text).expect("the test document reads")
}

/// Enables a bucket's versioning unless it is on: a boto3 script reads the state, a branch
/// skips a compliant bucket, an API step fixes, a wait checks (or an assert, when compliant).
/// The emulator's tests and its bench run it.
pub const VERSIONING_WITH_SCRIPT: &str = r#"
schemaVersion: '0.3'
parameters:
  BucketName: {type: String}
mainSteps:
- name: Read
  action: aws:executeScript
  inputs:
    Runtime: python3.11
    Handler: handler
    Script: |
      import boto3
      def handler(events, context):
          s3 = boto3.client('s3')
          return {'Status': s3.get_bucket_versioning(Bucket=events['Bucket']).get('Status', 'Disabled')}
    InputPayload: {Bucket: '{{ BucketName }}'}
  outputs:
  - {Name: Status, Selector: $.Payload.Status, Type: String}
- name: Check
  action: aws:branch
  inputs:
    Choices:
    - {NextStep: AlreadyEnabled, Variable: '{{ Read.Status }}', StringEquals: Enabled}
    Default: Enable
- name: Enable
  action: aws:executeAwsApi
  inputs: {Service: s3, Api: PutBucketVersioning, Bucket: '{{ BucketName }}', VersioningConfiguration: {Status: Enabled}}
- name: Verify
  action: aws:waitForAwsResourceProperty
  timeoutSeconds: 60
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}', PropertySelector: $.Status, DesiredValues: [Enabled]}
  isEnd: true
- name: AlreadyEnabled
  action: aws:assertAwsResourceProperty
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}', PropertySelector: $.Status, DesiredValues: [Enabled]}
"#;

/// [`VERSIONING_WITH_SCRIPT`] with an API step in place of the script: API calls only.
pub fn versioning_api_only() -> String {
    let start = VERSIONING_WITH_SCRIPT.find("- name: Read").expect("the document has a Read step");
    let end = VERSIONING_WITH_SCRIPT.find("- name: Check").expect("the document has a Check step");
    let read = "- name: Read\n  action: aws:executeAwsApi\n  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}'}\n  outputs:\n  - {Name: Status, Selector: $.Status, Type: String}\n";
    format!("{}{read}{}", &VERSIONING_WITH_SCRIPT[..start], &VERSIONING_WITH_SCRIPT[end..])
}

/// The other actions that call AWS (runCommand, invokeLambdaFunction, executeStateMachine,
/// createStack, copyImage, deleteStack), for the emulator's tests and bench.
pub const ACTIONS: &str = r#"
schemaVersion: '0.3'
parameters:
  InstanceId: {type: String}
  ImageId: {type: String}
  FunctionName: {type: String}
  StateMachineArn: {type: String}
  StackName: {type: String}
  Template: {type: String}
mainSteps:
- name: Command
  action: aws:runCommand
  inputs: {DocumentName: AWS-RunShellScript, InstanceIds: ['{{ InstanceId }}'], Parameters: {commands: [uptime]}}
- name: Invoke
  action: aws:invokeLambdaFunction
  inputs: {FunctionName: '{{ FunctionName }}', InputPayload: {instance: '{{ InstanceId }}'}}
  outputs:
  - {Name: Echo, Selector: $.Payload, Type: String}
- name: Execute
  action: aws:executeStateMachine
  inputs: {stateMachineArn: '{{ StateMachineArn }}', input: '{"instance": "{{ InstanceId }}"}'}
- name: Stack
  action: aws:createStack
  inputs: {StackName: '{{ StackName }}', TemplateBody: '{{ Template }}'}
- name: Copy
  action: aws:copyImage
  inputs: {SourceRegion: us-east-1, SourceImageId: '{{ ImageId }}', ImageName: 'copy-{{ StackName }}'}
- name: Unstack
  action: aws:deleteStack
  inputs: {StackName: '{{ StackName }}'}
"#;

/// What [`ACTIONS`] needs in moto: an instance and its image, a function, a state machine
/// (`Pass` states, or a `Fail` state) and a template that makes a bucket.
pub fn actions_setup(moto: &Moto, fail: bool) -> (Vec<(&'static str, String)>, String) {
    let aws = moto.aws();
    let call =
        |svc: &str, api: &str, p: serde_json::Value| aws.call(svc, api, p).unwrap_or_else(|e| panic!("{api}: {e}"));
    let run = serde_json::json!({"ImageId": "ami-12c6146b", "InstanceType": "t2.micro", "MinCount": 1, "MaxCount": 1});
    let instance =
        call("ec2", "RunInstances", run)["Instances"][0]["InstanceId"].as_str().unwrap_or_default().to_string();
    let image = call("ec2", "CreateImage", serde_json::json!({"InstanceId": instance, "Name": unique("source")}))
        ["ImageId"]
        .clone();
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": []}).to_string();
    let role = call(
        "iam",
        "CreateRole",
        serde_json::json!({"RoleName": unique("fn-role"), "AssumeRolePolicyDocument": trust}),
    );
    let role = role["Role"]["Arn"].as_str().unwrap_or_default().to_string();
    let function = unique("Automation-fn");
    // moto keeps the code without reading it (it does not run it without docker).
    let code = serde_json::json!({"ZipFile": "def h(event, context): return event"});
    let f = serde_json::json!({"FunctionName": function, "Runtime": "python3.11", "Role": role, "Handler": "f.h", "Code": code});
    call("lambda", "CreateFunction", f);
    let definition = if fail {
        serde_json::json!({"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Refused", "Cause": "not today"}}})
    } else {
        serde_json::json!({"StartAt": "Tag", "States": {"Tag": {"Type": "Pass", "Result": {"tagged": true}, "End": true}}})
    };
    let sm = serde_json::json!({"name": unique("sm"), "roleArn": role, "definition": definition.to_string()});
    let sm =
        call("stepfunctions", "CreateStateMachine", sm)["stateMachineArn"].as_str().unwrap_or_default().to_string();
    let bucket = unique("stack-bucket");
    let template = serde_json::json!({
        "Resources": {"Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}},
        "Outputs": {"Name": {"Value": {"Ref": "Logs"}}}
    });
    let params = vec![
        ("InstanceId", instance),
        ("ImageId", image.as_str().unwrap_or_default().to_string()),
        ("FunctionName", function),
        ("StateMachineArn", sm),
        ("StackName", unique("stack")),
        ("Template", template.to_string()),
    ];
    (params, bucket)
}
