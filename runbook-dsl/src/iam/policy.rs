//! The policy document of a [`Derivation`]: statements scoped to the resource types each action
//! supports ([`super::resources`]), with conditions where AWS supports them.
//!
//! - Each action is granted on the ARN patterns of the resource types the Service Authorization
//!   Reference lists for it (`arn:*:ec2:*:*:instance/*` in a standalone policy,
//!   `arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*` in a template);
//!   actions with the same resources share a statement. `"*"` only for actions that support no
//!   resource type, or whose service is not in the table (the review says so).
//! - SSM documents and automation definitions also match AWS-owned ones (their ARN has no account).
//! - `iam:Attach*Policy`/`Detach*Policy` get an `iam:PolicyARN` condition with the policy the
//!   steps pass (a literal, or the runbook parameter, resolved by the template).
//! - KMS actions used through a service: `kms:ViaService`, on keys of the account; `kms:CreateGrant`
//!   in its own statement with `kms:GrantIsForAWSResource`.
//! - `iam:PassRole`: on roles of the account, with `iam:PassedToService`.

use super::{resources, sid, Derivation, StepPermissions};
use crate::model::Value;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The keys a KMS statement is narrowed to (see [`Derivation::named_keys`]).
enum NamedKeys {
    /// Key ARNs (patterns with `${Partition}`, `${Region}`, `${Account}` for bare key ids).
    Keys(BTreeSet<String>),
    /// Alias names, for `kms:ResourceAliases`.
    Aliases(BTreeSet<String>),
}

/// Where the policy goes: the ARNs it writes for partition, Region and account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A policy document of its own (`<name>.policy.json`, `runbook iam`): `arn:aws:ec2:*:*:...`
    /// (the `aws` partition, any Region and account: the review form; templates scope to the
    /// stack's partition, Region and account).
    Standalone,
    /// Inside a CloudFormation template: `{"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:..."}`;
    /// a condition value bound to a runbook parameter is written `{{ Name }}`, for the template to
    /// replace with the parameter's value.
    Template,
}

/// An ARN pattern (see [`resources::pattern`]) written for a form.
fn arn(pattern: &str, form: Form) -> Value {
    match form {
        Form::Standalone => {
            Value::String(pattern.replace("${Partition}", "aws").replace("${Region}", "*").replace("${Account}", "*"))
        }
        Form::Template => json!({"Fn::Sub": pattern
            .replace("${Partition}", "${AWS::Partition}")
            .replace("${Region}", "${AWS::Region}")
            .replace("${Account}", "${AWS::AccountId}")}),
    }
}

/// Resource types with more optional types than this (and none required) are granted on the
/// types they name in the reference only when few: `ec2:CreateTags` names 100.
const MAX_OPTIONAL_TYPES: usize = 8;

/// The ARN patterns an action is granted on; empty for `"*"`.
///
/// ```
/// use runbook_dsl::iam::policy::resource_patterns;
/// assert_eq!(resource_patterns("ec2:StopInstances"), ["arn:${Partition}:ec2:${Region}:${Account}:instance/*"]);
/// assert!(resource_patterns("ec2:DescribeInstances").is_empty());
/// ```
pub fn resource_patterns(action: &str) -> Vec<String> {
    let Some(info) = resources::action(action) else {
        return vec![];
    };
    let required = info.types.iter().any(|t| t.required);
    if !required && info.types.len() > MAX_OPTIONAL_TYPES {
        return vec![];
    }
    patterns_of(action, info.types.iter().map(|t| t.name.as_str()))
}

/// The ARN patterns of some of an action's resource types (`types` of the action's service).
fn patterns_of<'a>(action: &str, types: impl Iterator<Item = &'a str>) -> Vec<String> {
    let Some((prefix, _)) = action.split_once(':') else {
        return vec![];
    };
    let prefix = prefix.to_ascii_lowercase();
    let mut out = BTreeSet::new();
    for t in types {
        if let Some(format) = resources::arn_format(&prefix, t) {
            let p = resources::pattern(format);
            // AWS-owned documents (AWS-*, AWSSupport-*, ...) have no account in their ARN.
            if prefix == "ssm" && matches!(t, "document" | "automation-definition") {
                out.insert(p.replace("${Account}", ""));
            }
            out.insert(p);
        }
    }
    out.into_iter().collect()
}

/// A condition value: a literal, or `{{ Parameter }}` for a runbook parameter.
fn bound_value(v: &str, form: Form, params: &BTreeMap<String, String>) -> Option<String> {
    match parameter_name(v) {
        None => Some(v.to_string()),
        Some(name) => match (params.get(name), form) {
            (Some(value), _) => Some(value.clone()),
            (None, Form::Template) => Some(v.to_string()),
            (None, Form::Standalone) => None,
        },
    }
}

/// The parameter name of a whole `{{ Name }}` reference to a runbook parameter (no step output).
pub fn parameter_name(v: &str) -> Option<&str> {
    let inner = v.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(inner)
}

fn sid_for(patterns: &[String], suffix: &str) -> String {
    if patterns.is_empty() {
        return format!("NoResourceType{suffix}");
    }
    // `Ec2Instance`, `Ec2SnapshotVolume`: the service once, then each resource type.
    let service = patterns[0].split(':').nth(2).unwrap_or("");
    let mut kinds: Vec<String> = patterns
        .iter()
        .map(|p| {
            let resource = p.splitn(6, ':').nth(5).unwrap_or("");
            let kind = resource.split(['/', ':']).next().unwrap_or("");
            sid("", if kind == "*" { "" } else { kind })
        })
        .collect();
    kinds.dedup();
    let mut s = format!("{}{}{suffix}", sid("", service), kinds.concat());
    s.truncate(128);
    s
}

impl Derivation {
    /// The standalone policy document, with no runbook parameter known (see [`Derivation::policy_for`]).
    pub fn policy(&self) -> Value {
        self.policy_for(Form::Standalone, &BTreeMap::new())
    }

    /// The policy document for `form`, with the values of runbook parameters that conditions
    /// refer to (`PolicyArn` for an `iam:PolicyARN` pin). In the standalone form a pin whose
    /// parameter has no value is left out (the action is still scoped to its resource type).
    ///
    /// Statements: the derived actions grouped by their resources and conditions (Sid from the
    /// resource types, `NoResourceType` for `"*"`), one per step with an explicit grant
    /// (`Added<Step>`, `Override<Step>`), `KmsVia<Service>` and `KmsGrantVia<Service>` with
    /// `kms:ViaService`, one `iam:PassRole` per service principal with `iam:PassedToService`.
    pub fn policy_for(&self, form: Form, params: &BTreeMap<String, String>) -> Value {
        let mut statements = Vec::new();
        let derived: Vec<&StepPermissions> = self.steps.iter().filter(|s| s.replaced.is_none()).collect();
        statements.extend(self.scoped(
            "",
            derived.iter().flat_map(|s| s.derived.iter()).cloned().collect(),
            form,
            params,
        ));
        for s in &self.steps {
            if let Some(r) = &s.replaced {
                statements.extend(self.scoped(&sid("Override", &s.step), r.clone(), form, params));
            }
            if !s.added.is_empty() {
                statements.extend(self.scoped(&sid("Added", &s.step), s.added.clone(), form, params));
            }
        }
        let key_arn = |form| arn(&resources::pattern(resources::arn_format("kms", "key").unwrap_or("*")), form);
        for (via, actions) in self.kms_via() {
            let via_service = format!("{via}.*.amazonaws.com");
            let (grant, rest): (Vec<String>, Vec<String>) = actions.into_iter().partition(|a| a == "kms:CreateGrant");
            let named = self.named_keys(&via, form, params);
            let (on_named, rest): (Vec<String>, Vec<String>) = rest
                .into_iter()
                .partition(|a| named.is_some() && super::kms_key::DESTINATION_ACTIONS.contains(&a.as_str()));
            if let (false, Some(named)) = (on_named.is_empty(), &named) {
                let mut condition = json!({"StringLike": {"kms:ViaService": via_service}});
                let resource = match named {
                    NamedKeys::Keys(keys) => {
                        let r: Vec<Value> = keys.iter().map(|k| arn(k, form)).collect();
                        if r.len() == 1 {
                            r[0].clone()
                        } else {
                            Value::Array(r)
                        }
                    }
                    NamedKeys::Aliases(aliases) => {
                        let v: Value = if aliases.len() == 1 { json!(aliases.iter().next()) } else { json!(aliases) };
                        condition["ForAnyValue:StringEquals"] = json!({"kms:ResourceAliases": v});
                        key_arn(form)
                    }
                };
                let st = json!({
                    "Sid": sid("KmsVia", &format!("{via} named key")),
                    "Effect": "Allow",
                    "Action": on_named,
                    "Resource": resource,
                    "Condition": condition,
                });
                statements.push(st);
            }
            if !rest.is_empty() {
                statements.push(json!({
                    "Sid": sid("KmsVia", &via),
                    "Effect": "Allow",
                    "Action": rest,
                    "Resource": key_arn(form),
                    "Condition": {"StringLike": {"kms:ViaService": via_service}},
                }));
            }
            if !grant.is_empty() {
                statements.push(json!({
                    "Sid": sid("KmsGrantVia", &via),
                    "Effect": "Allow",
                    "Action": grant,
                    "Resource": key_arn(form),
                    "Condition": {
                        "StringLike": {"kms:ViaService": via_service},
                        "Bool": {"kms:GrantIsForAWSResource": "true"},
                    },
                }));
            }
        }
        let role_arn = arn(&resources::pattern(resources::arn_format("iam", "role").unwrap_or("*")), form);
        for p in self.pass_role_to() {
            statements.push(json!({
                "Sid": sid("PassRoleTo", p.trim_end_matches(".amazonaws.com")),
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": role_arn,
                "Condition": {"StringEquals": {"iam:PassedToService": p}},
            }));
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// The keys every step using KMS through `via` names ([`super::kms_key`]), as ARN patterns
    /// or alias names; `None` when some step names none, a value is not known in this form, or
    /// the steps mix keys and aliases.
    fn named_keys(&self, via: &str, form: Form, params: &BTreeMap<String, String>) -> Option<NamedKeys> {
        use super::kms_key::{scope, KeyScope};
        let (mut keys, mut aliases) = (BTreeSet::new(), BTreeSet::new());
        for s in self.steps.iter().filter(|s| s.kms_via.contains_key(via)) {
            if s.kms_keys.is_empty() {
                return None;
            }
            for v in &s.kms_keys {
                match scope(&bound_value(v, form, params)?)? {
                    KeyScope::Arn(a) => keys.insert(a),
                    KeyScope::Id(id) => {
                        keys.insert(format!("arn:${{Partition}}:kms:${{Region}}:${{Account}}:key/{id}"))
                    }
                    KeyScope::Alias(a) => aliases.insert(a),
                };
            }
        }
        let aliases_supported =
            super::kms_key::DESTINATION_ACTIONS.iter().all(|a| resources::supports(a, "kms:ResourceAliases"));
        match (keys.is_empty(), aliases.is_empty()) {
            (false, true) => Some(NamedKeys::Keys(keys)),
            (true, false) if aliases_supported => Some(NamedKeys::Aliases(aliases)),
            _ => None,
        }
    }

    /// The `iam:PolicyARN` values of an action across every step that derives it, or `None`
    /// when some step's value is not known (the action is then not pinned).
    fn policy_arn_pin(&self, action: &str, form: Form, params: &BTreeMap<String, String>) -> Option<BTreeSet<String>> {
        let mut values = BTreeSet::new();
        let mut seen = false;
        for s in &self.steps {
            if !s.effective().contains(action) {
                continue;
            }
            seen = true;
            let pinned = s.policy_arns.get(action)?;
            for v in pinned {
                values.insert(bound_value(v, form, params)?);
            }
        }
        (seen && !values.is_empty()).then_some(values)
    }

    /// The tags every step deriving a delete action sets on what it deletes (`None`: some step
    /// may delete what the run did not create, or there are none in common). Steps whose
    /// permissions are overridden get their own statement (`Override<Step>`, with its reason)
    /// and do not count here: that is how a delete of something the run did not create (the
    /// original a remediation replaced) stays apart from the conditioned deletes of what it did.
    fn created_tags(&self, action: &str) -> Option<BTreeSet<super::created::Tag>> {
        let mut common: Option<BTreeSet<super::created::Tag>> = None;
        for s in self.steps.iter().filter(|s| s.replaced.is_none() && s.derived.contains(action)) {
            let tags = s.created_tags.get(action)?;
            common = Some(match common {
                None => tags.clone(),
                Some(c) => c.intersection(tags).cloned().collect(),
            });
        }
        common.filter(|c| !c.is_empty())
    }

    /// What every step deriving a tag action tags ([`super::tagging`]): the union of their
    /// resource types, and the create calls when every one of them tags at creation (`None`:
    /// some step's target is unknown).
    fn tag_target(&self, action: &str) -> Option<super::tagging::Target> {
        let mut out: Option<super::tagging::Target> = None;
        let mut all_at_creation = true;
        // The derived statement's steps: explicit grants (`Added`, `Override`) are not narrowed.
        for s in self.steps.iter().filter(|s| s.replaced.is_none() && s.derived.contains(action)) {
            let t = s.tag_targets.get(action)?;
            all_at_creation &= !t.create_actions.is_empty();
            let acc = out.get_or_insert_with(Default::default);
            acc.types.extend(t.types.iter().cloned());
            acc.create_actions.extend(t.create_actions.iter().cloned());
        }
        out.map(|mut t| {
            if !all_at_creation {
                t.create_actions.clear();
            }
            t
        })
    }

    /// Statements for `actions`, grouped by resources and condition; `prefix` names explicit grants.
    fn scoped(
        &self,
        prefix: &str,
        actions: BTreeSet<String>,
        form: Form,
        params: &BTreeMap<String, String>,
    ) -> Vec<Value> {
        type Key = (Vec<String>, Option<BTreeSet<String>>, Option<BTreeSet<super::created::Tag>>, BTreeSet<String>);
        // Actions by what decides their statement: resources and conditions.
        let mut groups: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
        for a in actions {
            let target = if prefix.is_empty() { self.tag_target(&a) } else { None };
            let (patterns, create_actions) = match target {
                Some(t) => (patterns_of(&a, t.types.iter().map(String::as_str)), t.create_actions),
                None => (resource_patterns(&a), BTreeSet::new()),
            };
            let pin =
                if resources::supports(&a, "iam:PolicyARN") { self.policy_arn_pin(&a, form, params) } else { None };
            // Explicit grants (`Added<Step>`, `Override<Step>`) are not conditioned on tags.
            let tags = if prefix.is_empty() { self.created_tags(&a) } else { None };
            groups.entry((patterns, pin, tags, create_actions)).or_default().insert(a);
        }
        let mut out = Vec::new();
        let mut used = BTreeSet::new();
        for ((patterns, pin, tags, create_actions), actions) in groups {
            let suffix = match (&pin, &tags) {
                (Some(_), _) => "PinnedPolicy",
                (None, Some(_)) => "CreatedByRun",
                (None, None) if !create_actions.is_empty() => "OnCreate",
                (None, None) => "",
            };
            let mut name = if prefix.is_empty() {
                sid_for(&patterns, suffix)
            } else {
                format!("{prefix}{}", sid_for(&patterns, suffix))
            };
            // Same resources with different conditions: `IamRoleCreatedByRun2`.
            let base = name.clone();
            let mut n = 1;
            while !used.insert(name.clone()) {
                n += 1;
                name = format!("{base}{n}");
            }
            let resource: Value = if patterns.is_empty() {
                json!("*")
            } else if patterns.len() == 1 {
                arn(&patterns[0], form)
            } else {
                Value::Array(patterns.iter().map(|p| arn(p, form)).collect())
            };
            let service = actions.iter().next().and_then(|a| a.split(':').next()).unwrap_or("").to_string();
            let mut st = json!({"Sid": name, "Effect": "Allow", "Action": actions, "Resource": resource});
            if let Some(values) = pin {
                let v: Value = if values.len() == 1 { json!(values.into_iter().next()) } else { json!(values) };
                st["Condition"] = json!({"ArnEquals": {"iam:PolicyARN": v}});
            }
            if let Some(tags) = tags {
                let mut cond = serde_json::Map::new();
                for (k, v) in tags {
                    let (op, value) = match v {
                        Some(v) => ("StringEquals", v),
                        None => ("StringLike", "*".to_string()),
                    };
                    let entry = cond.entry(op.to_string()).or_insert_with(|| json!({}));
                    entry[format!("aws:ResourceTag/{k}")] = json!(value);
                }
                st["Condition"] = Value::Object(cond);
            }
            if !create_actions.is_empty() {
                let v: Value = if create_actions.len() == 1 {
                    json!(create_actions.into_iter().next())
                } else {
                    json!(create_actions)
                };
                st["Condition"] = json!({"StringEquals": {format!("{service}:CreateAction"): v}});
            }
            out.push(st);
        }
        out
    }
}
