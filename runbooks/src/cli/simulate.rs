//! `runbook simulate`: run a document against mocked AWS and print the trace as JSON.
//!
//! ```text
//! runbook simulate PATH [--param K=V]... [--mocks FILE] [--approve|--reject] [--resume]
//!                       [--cancel-at STEP] [--child NAME=PATH]... [--run-scripts]
//!                       [--endpoint-url URL [--region R]] [--fail service.Operation[=Code][@N]]...
//!                       [--python PATH]
//! ```
//!
//! With `--endpoint-url` (moto, LocalStack), every API call no mock answers goes to that
//! endpoint through botocore; scripts run by `--run-scripts` call it too, with dummy
//! credentials. Without it, scripts get an endpoint that refuses every connection.
//!
//! Prints `{"status", "steps": [{"name", "action", "status", "inputs", "outputs", "attempts",
//! "failure", ...}], "calls": [{"service", "api", "input", ...}], "outputs"}`. Exit code 0 when
//! the run ends `Success`, 1 when it ends `Failed`, `Cancelled` or `TimedOut`, 2 when a file
//! cannot be read or the parameters are rejected before the run starts.

use clap::Args as ClapArgs;
use runbook_dsl::model::{Document, Map, Value};
use runbook_dsl::simulate::{Fault, Mock, Simulation, Status, Trace};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `runbook simulate`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The YAML or JSON document to run.
    pub path: PathBuf,
    /// A parameter, `NAME=VALUE` (StringList: `a,b` or a JSON list; maps: JSON). Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// YAML list of mocks: `{service, api, when?, response? | responses? | error?: {code,
    /// message}}` and `{step, outputs? | error?}` entries.
    #[arg(long, value_name = "FILE")]
    pub mocks: Option<PathBuf>,
    /// Approve every `aws:approve` step.
    #[arg(long, conflicts_with = "reject")]
    pub approve: bool,
    /// Reject every `aws:approve` step.
    #[arg(long)]
    pub reject: bool,
    /// Resume every `aws:pause` step at once.
    #[arg(long)]
    pub resume: bool,
    /// Cancel the automation while this step runs.
    #[arg(long, value_name = "STEP")]
    pub cancel_at: Option<String>,
    /// A child document for `aws:executeAutomation`, `NAME=PATH` (catalog runbooks are
    /// available by name without this). Repeatable.
    #[arg(long = "child", value_name = "NAME=PATH")]
    pub children: Vec<String>,
    /// Run `aws:executeScript` Python handlers that have no step mock, in a sandbox: private
    /// temporary directory, no AWS variable or profile of yours, dummy credentials, the
    /// `--endpoint-url` (or none that answers), the step's time limit.
    #[arg(long)]
    pub run_scripts: bool,
    /// A stateful AWS emulator (e.g. moto: `http://127.0.0.1:5000`) that answers every API call
    /// no mock answers, through botocore (the `--python` interpreter needs botocore).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// The Region for the endpoint and `{{ global:REGION }}` (default us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Makes calls fail with an AWS error: every call of the operation, or only its Nth
    /// (default code InternalFailure). Repeatable.
    #[arg(long = "fail", value_name = "service.Operation[=Code][@N]")]
    pub faults: Vec<String>,
    /// The Python interpreter for scripts and the AWS backend (default python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
}

/// A problem that stops the command before or instead of a run (exit code 2).
#[derive(Debug)]
pub struct UsageError(
    /// What is wrong, naming the file or option and the fix.
    pub String,
);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    match simulate(&args) {
        Ok(trace) => {
            println!("{}", serde_json::to_string_pretty(&trace.to_json()).unwrap_or_default());
            if trace.status == Status::Success {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("runbook simulate: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads the document, mocks and children named by `args` and runs the simulation.
///
/// A start request that AWS would reject (missing or invalid parameters) is an error here, with
/// the document's path.
pub fn simulate(args: &Args) -> Result<Trace, UsageError> {
    let doc = read_doc(&args.path)?;
    let mut params = Map::new();
    for p in &args.params {
        let (k, v) = p.split_once('=').filter(|(k, _)| !k.trim().is_empty()).ok_or_else(|| {
            UsageError(format!("--param `{p}`: expected NAME=VALUE, e.g. --param BucketName=my-bucket"))
        })?;
        params.insert(k.trim().to_string(), Value::String(v.to_string()));
    }
    let mocks = match &args.mocks {
        Some(path) => read_mocks(path)?,
        None => Vec::new(),
    };
    let catalog = runbooks_catalog();
    let mut children: Vec<(String, Document)> = Vec::new();
    for c in &args.children {
        let (name, path) = c.split_once('=').filter(|(n, p)| !n.is_empty() && !p.is_empty()).ok_or_else(|| {
            UsageError(format!("--child `{c}`: expected NAME=PATH, e.g. --child My-Child=child.yaml"))
        })?;
        children.push((name.to_string(), read_doc(Path::new(path))?));
    }

    let mut sim = Simulation::new(&doc).mocks(mocks).run_scripts(args.run_scripts);
    if let Some(url) = &args.endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(UsageError(format!(
                "--endpoint-url `{url}`: expected an http(s) URL, e.g. http://127.0.0.1:5000"
            )));
        }
        sim = sim.endpoint(url.clone());
    }
    if let Some(r) = &args.region {
        sim = sim.region(r.clone());
    }
    if let Some(p) = &args.python {
        sim = sim.python(p.clone());
    }
    for f in &args.faults {
        sim = sim.fail(Fault::parse(f).map_err(|e| UsageError(format!("--fail {e}")))?);
    }
    for (k, v) in params {
        sim = sim.param(k, v);
    }
    for (name, d) in catalog.iter().chain(children.iter()) {
        sim = sim.child(name.clone(), d);
    }
    if args.approve {
        sim = sim.approve();
    }
    if args.reject {
        sim = sim.reject();
    }
    if args.resume {
        sim = sim.resume_pauses();
    }
    if let Some(step) = &args.cancel_at {
        if !doc.all_steps().iter().any(|s| s.name == *step) {
            return Err(UsageError(format!("--cancel-at {step}: {} has no step named {step}", args.path.display())));
        }
        sim = sim.cancel_at(step.clone());
    }
    let trace = sim.run();
    if trace.steps.is_empty() {
        if let Some(f) = &trace.failure {
            return Err(UsageError(format!("{}: {f}", args.path.display())));
        }
    }
    Ok(trace)
}

fn read_doc(path: &Path) -> Result<Document, UsageError> {
    runbook_dsl::read::from_path(path).map_err(|e| UsageError(e.to_string()))
}

fn read_mocks(path: &Path) -> Result<Vec<Mock>, UsageError> {
    let text = runbook_dsl::files::read_text(path)
        .map_err(|e| UsageError(format!("{}: cannot read the mocks file: {e}", path.display())))?;
    let value = runbook_dsl::yaml::from_str(&text).map_err(|e| {
        let place = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            (Some(l), None) => format!(":{l}"),
            _ => String::new(),
        };
        UsageError(format!("{}{place}: {}", path.display(), e.message))
    })?;
    Mock::list_from_value(&value).map_err(|e| UsageError(format!("{}: {e}", path.display())))
}

/// The catalog's documents by name, for `aws:executeAutomation` children (none when the
/// catalog does not build; `emit` reports that).
fn runbooks_catalog() -> Vec<(String, Document)> {
    crate::catalog().map(|c| c.into_iter().map(|e| (e.name, e.document)).collect()).unwrap_or_default()
}
