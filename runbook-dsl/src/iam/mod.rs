//! Least-privilege IAM policy for the role a runbook runs as, derived from its steps.
//!
//! Every step contributes what its action needs ([`builtins::needs`]): API steps map service +
//! operation to IAM actions through the project's own table ([`services`]), inline Python
//! scripts are scanned for boto3 calls ([`script`]), `aws:executeAutomation` includes the
//! child runbook's needs when the child is in the [`Library`]. A step can add actions or
//! override what was derived with [`Grants`]; each such grant becomes its own statement
//! (`Sid` `Added<Step>` / `Override<Step>`) so it stands out in review, and
//! [`Derivation::review`] lists every step with where its actions come from.
//!
//! The policy ([`Derivation::policy_for`], [`policy`]) grants each action only on the resource
//! types AWS's Service Authorization Reference lists for it ([`resources`]), with conditions where
//! AWS supports them: `iam:PolicyARN` on attached managed policies, `kms:ViaService` and
//! `kms:GrantIsForAWSResource` on KMS, `iam:PassedToService` on `iam:PassRole`,
//! `aws:ResourceTag` on deletes of what the run created ([`created`]).
//!
//! Never emitted: action wildcards (`*`, `?`), and `iam:PassRole` without an
//! `iam:PassedToService` condition.
//!
//! ```
//! use runbook_dsl::prelude::*;
//! use runbook_dsl::iam;
//!
//! let mut rb = Runbook::new("Encrypt a bucket.");
//! rb.assume_role();
//! let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
//! let sse = json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]});
//! let put = ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", &bucket);
//! rb.add(Step::new("Put", put.param("ServerSideEncryptionConfiguration", sse)));
//! let doc = rb.build().unwrap();
//!
//! let derived = iam::derive(&doc, &iam::Grants::new(), &iam::Library::new()).unwrap();
//! assert_eq!(derived.actions().into_iter().collect::<Vec<_>>(), ["s3:PutEncryptionConfiguration"]);
//! let policy = derived.policy();
//! assert_eq!(policy["Statement"][0]["Action"][0], "s3:PutEncryptionConfiguration");
//! ```

pub mod builtins;
pub mod created;
pub mod kms_key;
pub mod policy;
pub mod resolve;
pub mod resources;
pub mod script;
pub mod services;
pub mod tagging;

pub use policy::Form;

use crate::model::{Document, Value};
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// IAM's limit on the inline policies of a role, in characters without white space.
pub const INLINE_POLICY_LIMIT: usize = 10_240;

/// What the author states explicitly for one step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepGrant {
    /// Actions added to what was derived.
    pub add: Vec<String>,
    /// Actions that replace what was derived (an override).
    pub replace: Option<Vec<String>>,
    /// `(boto3 client, operation)` calls the step makes that cannot be derived (an
    /// `aws:executeScript` attachment, a computed client).
    pub calls: Vec<(String, String)>,
    /// Service principals the step passes a role to.
    pub pass_role_to: Vec<String>,
    /// Why, shown in review.
    pub reason: String,
}

/// Explicit permissions, by step name; kept beside the runbook, never inside the document.
///
/// ```
/// use runbook_dsl::iam::Grants;
/// let g = Grants::new()
///     .calls("Fix", [("s3", "PutBucketPolicy")])
///     .add("Fix", ["s3:GetBucketPolicy"], "the script reads the policy first")
///     .pass_role("Fix", "ssm.amazonaws.com", "starts a child automation with its own role");
/// assert_eq!(g.step("Fix").unwrap().add, vec!["s3:GetBucketPolicy"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    steps: IndexMap<String, StepGrant>,
}

impl Grants {
    /// No explicit grants.
    pub fn new() -> Self {
        Grants::default()
    }

    fn entry(&mut self, step: &str, reason: &str) -> &mut StepGrant {
        let g = self.steps.entry(step.to_string()).or_default();
        if !reason.is_empty() {
            if !g.reason.is_empty() {
                g.reason.push_str("; ");
            }
            g.reason.push_str(reason);
        }
        g
    }

    /// Adds actions to a step, with the reason shown in review.
    pub fn add<S: Into<String>>(mut self, step: &str, actions: impl IntoIterator<Item = S>, reason: &str) -> Self {
        self.entry(step, reason).add.extend(actions.into_iter().map(Into::into));
        self
    }

    /// Replaces what was derived for a step (an override, shown as such in review).
    pub fn replace<S: Into<String>>(mut self, step: &str, actions: impl IntoIterator<Item = S>, reason: &str) -> Self {
        self.entry(step, reason).replace = Some(actions.into_iter().map(Into::into).collect());
        self
    }

    /// Declares AWS calls a step makes (`("s3", "PutBucketPolicy")`), mapped like API steps.
    pub fn calls<A: Into<String>, B: Into<String>>(
        mut self,
        step: &str,
        calls: impl IntoIterator<Item = (A, B)>,
    ) -> Self {
        self.entry(step, "").calls.extend(calls.into_iter().map(|(a, b)| (a.into(), b.into())));
        self
    }

    /// Declares that a step passes a role to a service (`iam:PassRole` with that
    /// `iam:PassedToService`).
    pub fn pass_role(mut self, step: &str, service_principal: &str, reason: &str) -> Self {
        self.entry(step, reason).pass_role_to.push(service_principal.to_string());
        self
    }

    /// The grant for a step.
    pub fn step(&self, name: &str) -> Option<&StepGrant> {
        self.steps.get(name)
    }

    /// Whether nothing is granted explicitly.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Runbooks that `aws:executeAutomation` steps may start, by document name, with their grants.
#[derive(Clone, Debug, Default)]
pub struct Library {
    docs: BTreeMap<String, (Document, Grants)>,
}

impl Library {
    /// An empty library.
    pub fn new() -> Self {
        Library::default()
    }

    /// Adds a runbook under its document name.
    pub fn insert(&mut self, name: impl Into<String>, doc: Document, grants: Grants) {
        self.docs.insert(name.into(), (doc, grants));
    }
}

/// What one step needs and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepPermissions {
    /// The step's name.
    pub step: String,
    /// Its action, e.g. `aws:executeAwsApi`.
    pub action: String,
    /// Actions derived from the step (and its child runbook).
    pub derived: BTreeSet<String>,
    /// Actions added explicitly.
    pub added: BTreeSet<String>,
    /// Actions that replace the derived ones, when the step is overridden.
    pub replaced: Option<BTreeSet<String>>,
    /// Service principals the step passes a role to.
    pub pass_role_to: BTreeSet<String>,
    /// KMS actions the step needs through a service (`kms:ViaService`), by service.
    pub kms_via: BTreeMap<String, BTreeSet<String>>,
    /// The KMS keys the step names (`KmsKeyId` / `KmsKeyArn` values, maybe `{{ Parameter }}`);
    /// empty when its KMS use names none (see [`kms_key`]).
    pub kms_keys: BTreeSet<String>,
    /// Where the derived actions come from (`s3.GetBucketEncryption`, `script: ...`, `child ...`).
    pub sources: Vec<String>,
    /// The managed policies the step attaches or detaches, by action (`iam:PolicyARN` values:
    /// an ARN, or `{{ Parameter }}`); an action missing here is not pinned.
    pub policy_arns: BTreeMap<String, BTreeSet<String>>,
    /// Delete actions that act only on resources the run created, by action, with the tags
    /// set at creation (`aws:ResourceTag` conditions; see [`created`]).
    pub created_tags: BTreeMap<String, BTreeSet<created::Tag>>,
    /// Tag actions granted on the resource types the step tags ([`tagging`]), by action; an
    /// action missing here is granted on all its types (or `"*"`).
    pub tag_targets: BTreeMap<String, tagging::Target>,
    /// Why the explicit grant exists.
    pub reason: String,
}

impl StepPermissions {
    /// The actions the step gets: the override if any, else derived plus added.
    pub fn effective(&self) -> BTreeSet<String> {
        match &self.replaced {
            Some(r) => r.iter().chain(&self.added).cloned().collect(),
            None => self.derived.iter().chain(&self.added).cloned().collect(),
        }
    }
}

/// The permissions of a whole runbook.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Derivation {
    /// One entry per step (nested loop steps included), in document order.
    pub steps: Vec<StepPermissions>,
    /// What could not be derived, by step: declare it with [`Grants`].
    pub notes: Vec<String>,
}

/// Explicit grants that cannot be honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamError {
    /// Every problem, each naming the step and the fix.
    pub problems: Vec<String>,
}

impl fmt::Display for IamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for IamError {}

/// `prefix:Action` with no wildcard.
fn valid_action(a: &str) -> bool {
    match a.split_once(':') {
        Some((p, name)) => {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        None => false,
    }
}

fn is_pass_role(a: &str) -> bool {
    a.eq_ignore_ascii_case("iam:PassRole")
}

fn check_grants(doc: &Document, grants: &Grants) -> Vec<String> {
    let names: BTreeSet<&str> = doc.all_steps().iter().map(|s| s.name.as_str()).collect();
    let mut problems = Vec::new();
    for (step, g) in &grants.steps {
        if !names.contains(step.as_str()) {
            problems.push(format!("grant for step `{step}`: the runbook has no such step (check the name)"));
        }
        for a in g.add.iter().chain(g.replace.iter().flatten()) {
            if is_pass_role(a) {
                problems.push(format!(
                    "step `{step}`: grant iam:PassRole with Grants::pass_role(step, \"<service>.amazonaws.com\", reason) \
                     so it carries an iam:PassedToService condition"
                ));
            } else if a.contains('*') || a.contains('?') {
                problems.push(format!("step `{step}`: `{a}` is a wildcard; list the exact actions instead"));
            } else if !valid_action(a) {
                problems.push(format!("step `{step}`: `{a}` is not an IAM action (expected `service:Action`)"));
            }
        }
        if (!g.add.is_empty() || g.replace.is_some() || !g.pass_role_to.is_empty()) && g.reason.trim().is_empty() {
            problems.push(format!("step `{step}`: say why the explicit grant is needed (it is shown in review)"));
        }
        for p in &g.pass_role_to {
            if !p.ends_with(".amazonaws.com") || p.contains('*') {
                problems.push(format!("step `{step}`: `{p}` is not a service principal (e.g. ssm.amazonaws.com)"));
            }
        }
    }
    problems
}

/// Derives the permissions of a runbook: its steps, its explicit grants, and the runbooks in
/// `library` that it starts.
pub fn derive(doc: &Document, grants: &Grants, library: &Library) -> Result<Derivation, IamError> {
    let problems = check_grants(doc, grants);
    if !problems.is_empty() {
        return Err(IamError { problems });
    }
    let mut out = Derivation::default();
    let mut visiting = vec![];
    derive_into(doc, grants, library, &mut visiting, &mut out);
    note_unscoped(&mut out);
    Ok(out)
}

/// Notes for actions granted on `"*"` because the resource table does not know them.
fn note_unscoped(out: &mut Derivation) {
    for a in out.actions() {
        if resources::action(&a).is_none() {
            out.notes.push(format!(
                "`{a}` is not in the resource table (runbook-dsl/src/iam/resources.tsv): granted on \"*\"; \
                 add its service to tools/iam-reference/derive.py"
            ));
        }
    }
}

/// The derived permissions of any document, without grants or child runbooks.
///
/// ```
/// let doc = runbook_dsl::read::from_str("schemaVersion: '0.3'\nmainSteps:\n- name: D\n  action: aws:executeAwsApi\n  inputs: {Service: elbv2, Api: describe_load_balancers}\n").unwrap();
/// let d = runbook_dsl::iam::derive_document(&doc);
/// assert!(d.actions().contains("elasticloadbalancing:DescribeLoadBalancers"));
/// ```
pub fn derive_document(doc: &Document) -> Derivation {
    let mut out = Derivation::default();
    derive_into(doc, &Grants::new(), &Library::new(), &mut vec![], &mut out);
    note_unscoped(&mut out);
    out
}

fn derive_into(doc: &Document, grants: &Grants, library: &Library, visiting: &mut Vec<String>, out: &mut Derivation) {
    let first = out.steps.len();
    derive_steps(doc, grants, library, visiting, out);
    let derived: BTreeMap<String, BTreeSet<String>> =
        out.steps[first..].iter().map(|s| (s.step.clone(), s.effective())).collect();
    let mut tagged = created::tagged_deletes(doc, &derived);
    for sp in &mut out.steps[first..] {
        if let Some(t) = tagged.remove(&sp.step) {
            sp.created_tags = t;
        }
    }
}

fn derive_steps(doc: &Document, grants: &Grants, library: &Library, visiting: &mut Vec<String>, out: &mut Derivation) {
    for step in doc.all_steps() {
        let inputs = step.action.inputs().unwrap_or_default();
        let needs = builtins::needs(step.action.name(), &inputs);
        let mut sp = StepPermissions {
            step: step.name.clone(),
            action: step.action.name().to_string(),
            derived: needs.actions.iter().cloned().collect(),
            pass_role_to: needs.pass_role_to.iter().cloned().collect(),
            kms_via: needs.kms_via.iter().map(|(v, a)| (v.clone(), a.iter().cloned().collect())).collect(),
            sources: needs.sources.clone(),
            ..Default::default()
        };
        sp.tag_targets = tagging::targets(doc, step.action.name(), &inputs, &sp.derived);
        if !sp.kms_via.is_empty() {
            sp.kms_keys = ["KmsKeyId", "KmsKeyArn"]
                .iter()
                .filter_map(|k| inputs.get(*k).and_then(Value::as_str))
                .map(String::from)
                .collect();
        }
        for n in &needs.notes {
            out.notes.push(format!("step `{}`: {n}", step.name));
        }
        if let Some(arn) = inputs.get("PolicyArn").and_then(Value::as_str) {
            let literal = !arn.contains("{{");
            let param = policy::parameter_name(arn).filter(|p| doc.parameters.contains_key(*p));
            for a in sp.derived.iter().filter(|a| resources::supports(a, "iam:PolicyARN")) {
                if literal || param.is_some() {
                    sp.policy_arns.entry(a.clone()).or_default().insert(arn.to_string());
                }
            }
            if let (Some(p), false) = (param, sp.policy_arns.is_empty()) {
                out.notes.push(format!(
                    "step `{}`: the managed policy comes from parameter {p}: templates pin it with iam:PolicyARN; \
                     give its value (`--param {p}=ARN`) to pin it here",
                    step.name
                ));
            }
        }
        if let Some((child, own_role)) = &needs.child {
            match library.docs.get(child) {
                Some(_) if *own_role => {
                    sp.sources.push(format!("child {child} runs with its own AutomationAssumeRole"))
                }
                Some(_) if visiting.contains(child) => {
                    out.notes.push(format!("step `{}`: child {child} starts itself again (a cycle)", step.name))
                }
                Some((cdoc, cgrants)) => {
                    visiting.push(child.clone());
                    let mut sub = Derivation::default();
                    derive_into(cdoc, cgrants, library, visiting, &mut sub);
                    visiting.pop();
                    // The child's tag targets carry over where every child step deriving the
                    // action knows its target.
                    let (mut unknown, mut not_at_creation) = (BTreeSet::new(), BTreeSet::new());
                    for c in &sub.steps {
                        for a in c.effective() {
                            match c.tag_targets.get(&a) {
                                Some(t) if !unknown.contains(&a) => {
                                    if t.create_actions.is_empty() {
                                        not_at_creation.insert(a.clone());
                                    }
                                    let acc = sp.tag_targets.entry(a).or_default();
                                    acc.types.extend(t.types.iter().cloned());
                                    acc.create_actions.extend(t.create_actions.iter().cloned());
                                }
                                _ => {
                                    sp.tag_targets.remove(&a);
                                    unknown.insert(a);
                                }
                            }
                        }
                    }
                    for a in &not_at_creation {
                        if let Some(t) = sp.tag_targets.get_mut(a) {
                            t.create_actions.clear();
                        }
                    }
                    for c in &sub.steps {
                        sp.derived.extend(c.effective());
                        sp.pass_role_to.extend(c.pass_role_to.iter().cloned());
                        for (via, actions) in &c.kms_via {
                            sp.kms_via.entry(via.clone()).or_default().extend(actions.iter().cloned());
                        }
                    }
                    sp.sources.push(format!("child {child}"));
                    out.notes.extend(sub.notes.into_iter().map(|n| format!("child {child}: {n}")));
                }
                None => out.notes.push(format!(
                    "step `{}`: child runbook {child} is not in the catalog; its permissions are not included",
                    step.name
                )),
            }
        }
        if let Some(g) = grants.step(&step.name) {
            for (svc, op) in &g.calls {
                sp.derived.extend(services::primary_actions(svc, op));
                sp.sources.push(format!("declared: {svc}.{op}"));
            }
            sp.added = g.add.iter().cloned().collect();
            sp.replaced = g.replace.as_ref().map(|r| r.iter().cloned().collect());
            sp.pass_role_to.extend(g.pass_role_to.iter().cloned());
            sp.reason = g.reason.clone();
        }
        // Only well-formed action names without wildcards ever reach a policy, and iam:PassRole
        // only through `pass_role_to` (which carries the iam:PassedToService condition).
        let bad: Vec<String> = sp.derived.iter().filter(|a| !valid_action(a) || is_pass_role(a)).cloned().collect();
        for a in bad {
            sp.derived.remove(&a);
            let why = if is_pass_role(&a) {
                "is only granted with an iam:PassedToService condition; use Grants::pass_role"
            } else {
                "is not a valid action name"
            };
            out.notes.push(format!("step `{}`: `{a}` {why}; left out", step.name));
        }
        out.steps.push(sp);
    }
}

/// A statement id: letters and digits only.
fn sid(prefix: &str, name: &str) -> String {
    let mut s = prefix.to_string();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    s
}

impl Derivation {
    /// Every action the role gets (without `iam:PassRole`, see [`Derivation::pass_role_to`]).
    pub fn actions(&self) -> BTreeSet<String> {
        self.steps.iter().flat_map(StepPermissions::effective).collect()
    }

    /// KMS actions by the service they are used through (`kms:ViaService`).
    pub fn kms_via(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in &self.steps {
            for (via, actions) in &s.kms_via {
                out.entry(via.clone()).or_default().extend(actions.iter().cloned());
            }
        }
        out
    }

    /// Every service a role is passed to.
    pub fn pass_role_to(&self) -> BTreeSet<String> {
        self.steps.iter().flat_map(|s| s.pass_role_to.iter().cloned()).collect()
    }

    /// The size IAM counts against [`INLINE_POLICY_LIMIT`] once deployed: the template form
    /// without white space, its ARNs with the longest partition, Region and account names.
    pub fn policy_size(&self) -> usize {
        let text = serde_json::to_string(&self.policy_for(Form::Template, &BTreeMap::new())).unwrap_or_default();
        let sub = regex::Regex::new(r#"\{"Fn::Sub":("[^"]*")\}"#).expect("a valid pattern");
        sub.replace_all(&text, "$1")
            .replace("${AWS::Partition}", "aws-iso-b")
            .replace("${AWS::Region}", "ap-southeast-5")
            .replace("${AWS::AccountId}", "123456789012")
            .len()
    }

    /// The policy as pretty JSON with a trailing newline.
    pub fn policy_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.policy()).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A review listing: each step, its actions and where they come from; explicit grants and
    /// overrides are marked, then the notes.
    pub fn review(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            let eff: Vec<String> = s.effective().into_iter().collect();
            out.push_str(&format!(
                "{} ({}): {}",
                s.step,
                s.action,
                if eff.is_empty() { "-".into() } else { eff.join(", ") }
            ));
            if !s.sources.is_empty() {
                out.push_str(&format!(" [from {}]", s.sources.join(", ")));
            }
            if let Some(r) = &s.replaced {
                let d: Vec<&String> = s.derived.iter().collect();
                let d: Vec<&str> = d.iter().map(|s| s.as_str()).collect();
                out.push_str(&format!(
                    " OVERRIDE: derived {} replaced by {} because {}",
                    if d.is_empty() { "-".into() } else { d.join(", ") },
                    r.iter().cloned().collect::<Vec<_>>().join(", "),
                    s.reason
                ));
            }
            if !s.added.is_empty() {
                out.push_str(&format!(
                    " ADDED: {} because {}",
                    s.added.iter().cloned().collect::<Vec<_>>().join(", "),
                    s.reason
                ));
            }
            for (via, actions) in &s.kms_via {
                out.push_str(&format!(" KMS via {via}: {}", actions.iter().cloned().collect::<Vec<_>>().join(", ")));
            }
            if !s.pass_role_to.is_empty() {
                out.push_str(&format!(
                    " PASSROLE to {}",
                    s.pass_role_to.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            out.push('\n');
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use serde_json::json;

    fn doc() -> Document {
        let mut rb = Runbook::new("t");
        rb.assume_role();
        let id: Param<Str> = rb.param("InstanceId", ParamSpec::new("i"));
        rb.add(Step::new(
            "Describe",
            ExecuteAwsApi::new("ec2", "DescribeInstances").param("InstanceIds", vec![id.value()]),
        ));
        rb.add(Step::new(
            "Fix",
            ExecuteScript::new("python3.11")
                .handler("h")
                .script("import boto3\ndef h(e, c):\n    boto3.client(service)\n"),
        ));
        rb.add(Step::new("Child", ExecuteAutomation::new("ChildRunbook")));
        rb.build().unwrap()
    }

    fn child() -> Document {
        let mut rb = Runbook::new("child");
        rb.add(Step::new("Stop", ChangeInstanceState::new(vec!["i-1"], "stopped")));
        rb.build().unwrap()
    }

    #[test]
    fn child_runbooks_in_the_library_contribute_their_needs() {
        let mut lib = Library::new();
        lib.insert("ChildRunbook", child(), Grants::new());
        let d = derive(&doc(), &Grants::new(), &lib).unwrap();
        let child_step = d.steps.iter().find(|s| s.step == "Child").unwrap();
        assert!(child_step.derived.contains("ec2:StopInstances"), "{child_step:?}");
        assert!(child_step.derived.contains("ssm:StartAutomationExecution"));
        let alone = derive(&doc(), &Grants::new(), &Library::new()).unwrap();
        assert!(!alone.actions().contains("ec2:StopInstances"));
        assert!(alone.notes.iter().any(|n| n.contains("ChildRunbook is not in the catalog")));
    }

    /// The statement holding `action` (with its `Sid` prefix).
    fn statement<'a>(p: &'a Value, prefix: &str, action: &str) -> &'a Value {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["Sid"].as_str().unwrap().starts_with(prefix)
                    && s["Action"].as_array().unwrap().contains(&json!(action))
            })
            .unwrap_or_else(|| panic!("no statement {prefix}* with {action} in {p:#}"))
    }

    #[test]
    fn overrides_and_additions_are_separate_statements_and_marked_in_review() {
        let grants = Grants::new()
            .calls("Fix", [("s3", "PutBucketEncryption")])
            .add("Fix", ["kms:DescribeKey"], "the script checks the key")
            .replace("Describe", ["ec2:DescribeInstanceStatus"], "only the status is read")
            .pass_role("Fix", "ssm.amazonaws.com", "starts a child with its own role");
        let d = derive(&doc(), &grants, &Library::new()).unwrap();
        let p = d.policy();
        assert_eq!(statement(&p, "Override", "ec2:DescribeInstanceStatus")["Sid"], "OverrideDescribeNoResourceType");
        assert_eq!(statement(&p, "Added", "kms:DescribeKey")["Sid"], "AddedFixKmsKey");
        assert_eq!(statement(&p, "Added", "kms:DescribeKey")["Resource"], "arn:aws:kms:*:*:key/*");
        let s3 = statement(&p, "S3", "s3:PutEncryptionConfiguration");
        assert_eq!(s3["Resource"], "arn:aws:s3:::*");
        let all: Vec<&Value> =
            p["Statement"].as_array().unwrap().iter().flat_map(|s| s["Action"].as_array().unwrap()).collect();
        assert!(!all.contains(&&json!("ec2:DescribeInstances")), "overridden: {p:#}");
        let pass = statement(&p, "PassRoleToSsm", "iam:PassRole");
        assert_eq!(pass["Condition"]["StringEquals"]["iam:PassedToService"], "ssm.amazonaws.com");
        assert_eq!(pass["Resource"], "arn:aws:iam::*:role/*");
        let review = d.review();
        assert!(review.contains("OVERRIDE: derived ec2:DescribeInstances replaced by ec2:DescribeInstanceStatus because only the status is read"), "{review}");
        assert!(review.contains("ADDED: kms:DescribeKey because the script checks the key"), "{review}");
        assert!(review.contains("note: step `Fix`: a boto3 client is created from `service`"), "{review}");
    }

    #[test]
    fn statements_are_scoped_to_the_resource_types_of_their_actions() {
        let d = derive_document(&child());
        let p = d.policy();
        let stop = statement(&p, "Ec2Instance", "ec2:StopInstances");
        assert_eq!(stop["Resource"], "arn:aws:ec2:*:*:instance/*");
        assert_eq!(statement(&p, "NoResourceType", "ec2:DescribeInstanceStatus")["Resource"], "*");
        let t = d.policy_for(Form::Template, &BTreeMap::new());
        assert_eq!(
            statement(&t, "Ec2Instance", "ec2:StopInstances")["Resource"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"})
        );
        // Starting an AWS-owned runbook: its document ARN has no account.
        let p = derive_document(&doc()).policy();
        let start = statement(&p, "Ssm", "ssm:StartAutomationExecution");
        let resources = start["Resource"].as_array().unwrap();
        assert!(resources.contains(&json!("arn:aws:ssm:*::document/*")), "{start:#}");
        assert!(resources.contains(&json!("arn:aws:ssm:*:*:automation-execution/*")), "{start:#}");
    }

    #[test]
    fn attaching_a_managed_policy_is_pinned_to_that_policy() {
        let mut rb = Runbook::new("t");
        let arn: Param<Str> = rb.param("PolicyArn", ParamSpec::new("p"));
        rb.add(Step::new(
            "Attach",
            ExecuteAwsApi::new("iam", "AttachRolePolicy").param("RoleName", "r").param("PolicyArn", &arn),
        ));
        rb.add(Step::new(
            "AttachFixed",
            ExecuteAwsApi::new("iam", "AttachUserPolicy")
                .param("UserName", "u")
                .param("PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ));
        let d = derive_document(&rb.build().unwrap());
        assert!(d.notes.iter().any(|n| n.contains("--param PolicyArn=ARN")), "{:?}", d.notes);
        let p = d.policy();
        let user = statement(&p, "IamUserPinnedPolicy", "iam:AttachUserPolicy");
        assert_eq!(
            user["Condition"],
            json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}})
        );
        // Unknown in a standalone policy: scoped to roles, not pinned.
        let role = statement(&p, "IamRole", "iam:AttachRolePolicy");
        assert!(role.get("Condition").is_none(), "{role:#}");
        let known = BTreeMap::from([("PolicyArn".to_string(), "arn:aws:iam::aws:policy/X".to_string())]);
        let p = d.policy_for(Form::Standalone, &known);
        assert_eq!(
            statement(&p, "IamRolePinnedPolicy", "iam:AttachRolePolicy")["Condition"]["ArnEquals"]["iam:PolicyARN"],
            "arn:aws:iam::aws:policy/X"
        );
        let t = d.policy_for(Form::Template, &BTreeMap::new());
        assert_eq!(
            statement(&t, "IamRolePinnedPolicy", "iam:AttachRolePolicy")["Condition"]["ArnEquals"]["iam:PolicyARN"],
            "{{ PolicyArn }}"
        );
    }

    #[test]
    fn a_policy_taken_from_a_step_output_is_not_pinned() {
        let doc = crate::read::from_str(
            "schemaVersion: '0.3'\nmainSteps:\n- name: A\n  action: aws:executeAwsApi\n  inputs: {Service: iam, Api: AttachRolePolicy, RoleName: r, PolicyArn: '{{ Find.Arn }}'}\n",
        )
        .unwrap();
        let p = derive_document(&doc).policy_for(Form::Template, &BTreeMap::new());
        assert!(statement(&p, "IamRole", "iam:AttachRolePolicy").get("Condition").is_none());
    }

    #[test]
    fn starting_an_instance_may_create_a_grant_for_ebs_only() {
        let mut rb = Runbook::new("t");
        rb.add(Step::new("Start", ChangeInstanceState::new(vec!["i-1"], "running")));
        let p = derive_document(&rb.build().unwrap()).policy();
        let grant = statement(&p, "KmsGrantViaEc2", "kms:CreateGrant");
        assert_eq!(
            grant["Condition"],
            json!({"StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"}, "Bool": {"kms:GrantIsForAWSResource": "true"}})
        );
        assert_eq!(grant["Action"], json!(["kms:CreateGrant"]));
    }

    #[test]
    fn bad_grants_are_refused_with_the_fix() {
        let grants = Grants::new()
            .add("Nope", ["ec2:StopInstances"], "x")
            .add("Fix", ["s3:*"], "x")
            .add("Fix", ["iam:PassRole"], "x")
            .replace("Describe", ["DescribeInstances"], "")
            .pass_role("Fix", "*", "x");
        let e = derive(&doc(), &grants, &Library::new()).unwrap_err();
        let text = e.to_string();
        for want in [
            "step `Nope`: the runbook has no such step",
            "`s3:*` is a wildcard",
            "Grants::pass_role",
            "`DescribeInstances` is not an IAM action",
            "say why",
            "`*` is not a service principal",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    #[test]
    fn policies_never_hold_wildcards_or_unconditioned_pass_role() {
        let d = derive_document(&doc());
        let p = d.policy();
        for st in p["Statement"].as_array().unwrap() {
            for a in st["Action"].as_array().unwrap() {
                let a = a.as_str().unwrap();
                assert!(!a.contains('*') && !a.contains('?'), "{a}");
                if a == "iam:PassRole" {
                    assert!(st["Condition"]["StringEquals"]["iam:PassedToService"].is_string());
                }
            }
        }
    }

    #[test]
    fn a_declared_pass_role_call_never_becomes_an_unconditioned_action() {
        let grants = Grants::new().calls("Fix", [("iam", "PassRole")]);
        let d = derive(&doc(), &grants, &Library::new()).unwrap();
        assert!(!d.actions().iter().any(|a| is_pass_role(a)), "{:?}", d.actions());
        assert!(d.notes.iter().any(|n| n.contains("use Grants::pass_role")), "{:?}", d.notes);
    }

    #[test]
    fn kms_actions_are_granted_only_through_the_service_using_the_key() {
        let mut rb = Runbook::new("t");
        let key: Param<Str> = rb.param("KmsKeyId", ParamSpec::new("k"));
        rb.add(Step::new(
            "Copy",
            ExecuteAwsApi::new("ec2", "CopySnapshot")
                .param("SourceRegion", "us-east-1")
                .param("SourceSnapshotId", "snap-1")
                .param("KmsKeyId", &key),
        ));
        let d = derive_document(&rb.build().unwrap());
        let p = d.policy();
        let kms = statement(&p, "KmsViaEc2", "kms:Decrypt");
        assert_eq!(kms["Condition"], json!({"StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"}}));
        assert_eq!(kms["Resource"], "arn:aws:kms:*:*:key/*");
        assert!(
            !kms["Action"].as_array().unwrap().contains(&json!("kms:CreateGrant")),
            "a grant needs its own condition"
        );
        statement(&p, "KmsGrantViaEc2", "kms:CreateGrant");
        assert_eq!(p["Statement"][0]["Action"], json!(["ec2:CopySnapshot"]), "no KMS action without the condition");
        assert!(d.review().contains("KMS via ec2: kms:CreateGrant"), "{}", d.review());
    }

    #[test]
    fn an_empty_runbook_has_an_empty_policy() {
        let d = derive_document(&Document::default());
        assert_eq!(d.policy(), json!({"Version": "2012-10-17", "Statement": []}));
    }
}
