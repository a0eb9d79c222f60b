//! CloudFormation templates that deploy runbooks as AWS Config remediations.
//!
//! For each runbook: the `AWS::SSM::Document` (Automation, format YAML, the document as the
//! `Content` map: cfn-lint then checks it against its SSM schema, and CloudFormation hands it to
//! SSM as YAML), an `AWS::IAM::Role`
//! trusting `ssm.amazonaws.com` (only for automation executions of this account) with the
//! derived least-privilege policy, the `AWS::Config::RemediationConfiguration` (`RESOURCE_ID`
//! into the binding's parameter, `AutomationAssumeRole` from the role's ARN), and the
//! `AWS::Config::ConfigRule` when the rule is an AWS managed rule. Around them, once per template,
//! what makes the remediations heard and watched ([`super::alerts`]): the encrypted `Automation-`
//! topic (also the approval steps' `NotificationArn`), EventBridge rules on failed and waiting runs
//! with a dead-letter queue, CloudWatch alarms, optional e-mail and Slack subscriptions.
//!
//! A template holding several runbooks for the same Config rule (the catalog's automatic and
//! approval variants) creates the rule once and lets the deployer choose which runbook remediates
//! it (parameter `<Rule>Runbook`, by default the variant that asks for approval): a rule has one
//! remediation configuration. Required runbook
//! parameters the binding leaves open become template parameters: `<Rule><Parameter>` in the
//! catalog template, except `Approvers`, one list for every approval runbook.
//!
//! Templates are plain JSON values with intrinsic functions in their long form
//! (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`), written as YAML with [`to_yaml`].

use super::alerts::{self, Sections, NOTIFICATION_ARN_PARAM};
use super::parameters;
use super::security_hub::{self, Remediated};
use super::{Binding, ConfigRule};
use crate::model::{Document, Map, Parameter, Value};
use crate::yaml;
use serde_json::json;

/// The runbook parameter that the catalog template shares between runbooks (one list of
/// approvers for every approval runbook); other open parameters are per rule.
pub const SHARED_APPROVERS: &str = "Approvers";

pub use super::alerts::FAILED_STATUSES;

/// One runbook to deploy: its document name, document, binding and IAM policy document.
#[derive(Clone, Copy, Debug)]
pub struct Deployable<'a> {
    /// The SSM document name.
    pub name: &'a str,
    /// The document.
    pub document: &'a Document,
    /// How Config runs it.
    pub binding: &'a Binding,
    /// The role's policy (`{"Version", "Statement"}`), e.g. from [`crate::iam::Derivation::policy`].
    pub policy: &'a Value,
}

/// The template for one runbook.
///
/// ```
/// use runbook_dsl::prelude::*;
/// use runbook_dsl::remediation::{template, Binding};
///
/// let mut rb = Runbook::new("Stop an instance.");
/// rb.assume_role();
/// let id: Param<Str> = rb.param("InstanceId", ParamSpec::new("The instance."));
/// rb.add(Step::new("Stop", ChangeInstanceState::new(vec![id.value()], "stopped")));
/// let doc = rb.build().unwrap();
/// let binding = Binding::new("EC2_INSTANCE_NO_PUBLIC_IP", "AWS::EC2::Instance", "InstanceId");
/// let policy = runbook_dsl::iam::derive_document(&doc).policy();
/// let t = template::runbook_template(&template::Deployable { name: "Stop-Instance", document: &doc, binding: &binding, policy: &policy });
/// assert_eq!(t["Resources"]["Document"]["Properties"]["DocumentType"], "Automation");
/// assert_eq!(t["Resources"]["Remediation"]["Properties"]["Parameters"]["InstanceId"]["ResourceValue"]["Value"], "RESOURCE_ID");
/// assert!(template::to_yaml(&t).starts_with("AWSTemplateFormatVersion: '2010-09-09'\n"));
/// ```
pub fn runbook_template(d: &Deployable) -> Value {
    let summary = d.document.description.as_deref().and_then(|s| s.lines().next()).unwrap_or("");
    let description = format!(
        "{}: {} Deploys the runbook, its least-privilege role, the AWS Config remediation and failure alerts.",
        d.name, summary
    );
    build(std::slice::from_ref(d), &description, false)
}

/// One template for several runbooks (the whole catalog).
pub fn catalog_template(runbooks: &[Deployable]) -> Value {
    let names: Vec<&str> = runbooks.iter().map(|d| d.name).collect();
    let description = format!(
        "The remediation catalog ({} runbooks): runbooks, least-privilege roles, AWS Config remediations and failure alerts.",
        names.len()
    );
    build(runbooks, &description, true)
}

/// The template as YAML (no tags: intrinsic functions are in their long form).
pub fn to_yaml(template: &Value) -> String {
    yaml::to_string(template)
}

/// A logical id from a name: letters and digits, each word capitalised.
fn logical_id(name: &str, lower_rest: bool) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase()).into_iter();
            let rest: String = if lower_rest { cs.as_str().to_ascii_lowercase() } else { cs.as_str().to_string() };
            first.collect::<String>() + &rest
        })
        .collect()
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// The policy with each whole `{{ Parameter }}` string (a condition bound to a runbook parameter,
/// see [`crate::iam::Form::Template`]) replaced by the value the remediation gives that parameter:
/// its single static value (a literal or the template parameter's `Ref`), else the parameter's
/// default. A value it cannot resolve stays as written and matches nothing.
fn bind_parameters(policy: &Value, remediation_params: &Map, doc: &Document) -> Value {
    match policy {
        Value::String(s) => {
            let Some(name) = crate::iam::policy::parameter_name(s) else {
                return policy.clone();
            };
            let values = &remediation_params.get(name).map(|p| &p["StaticValue"]["Values"]);
            match values.and_then(Value::as_array) {
                Some(v) if v.len() == 1 => v[0].clone(),
                _ => doc.parameters.get(name).and_then(|p| p.default.clone()).unwrap_or_else(|| policy.clone()),
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| bind_parameters(v, remediation_params, doc)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), bind_parameters(v, remediation_params, doc))).collect())
        }
        other => other.clone(),
    }
}

fn build(runbooks: &[Deployable], description: &str, catalog: bool) -> Value {
    let mut parameters = Map::new();
    let mut conditions = Map::new();
    let mut resources = Map::new();
    let mut outputs = Map::new();

    // Group runbooks by rule, in order of first appearance.
    let mut groups: Vec<(&ConfigRule, Vec<&Deployable>)> = Vec::new();
    for d in runbooks {
        match groups.iter_mut().find(|(r, _)| **r == d.binding.rule) {
            Some((_, g)) => g.push(d),
            None => groups.push((&d.binding.rule, vec![d])),
        }
    }

    // Runbook parameters left to the deployer, by template parameter name: (the first runbook
    // parameter, its name, description, runbooks using it).
    let mut open: indexmap::IndexMap<String, (&Parameter, String, String, Vec<&str>)> = indexmap::IndexMap::new();
    let id = |d: &Deployable, what: &str| {
        if catalog {
            format!("{}{what}", logical_id(d.name, false))
        } else {
            what.to_string()
        }
    };
    let mut document_refs = Vec::new();
    let mut publishers = Vec::new();
    let mut remediated: Vec<Remediated> = Vec::new();
    for (rule, group) in &groups {
        let rule_id =
            if catalog { format!("{}Rule", logical_id(rule.as_str(), true)) } else { "ConfigRule".to_string() };
        let rule_name: Value = match rule {
            ConfigRule::Managed(identifier) => {
                // Account-level rules are periodic checks of the account: no resource scope.
                let mut types: Vec<&str> = group
                    .iter()
                    .map(|d| d.binding.resource_type.as_str())
                    .filter(|t| *t != super::ACCOUNT_RESOURCE_TYPE)
                    .collect();
                types.dedup();
                let by: Vec<&str> = group.iter().map(|d| d.name).collect();
                let mut props = json!({
                    "ConfigRuleName": rule.rule_name(),
                    "Description": cut(&format!("AWS managed rule {identifier}, remediated by {}.", by.join(" or ")), 256),
                    "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
                });
                if !types.is_empty() {
                    props["Scope"] = json!({"ComplianceResourceTypes": types});
                }
                // The rule's parameters: the runbooks of one rule share them (the first declares).
                if let Some(d) = group.iter().find(|d| !d.binding.input_parameters.is_empty()) {
                    props["InputParameters"] = json!(d.binding.input_parameters);
                }
                // Those that follow a runbook parameter: the same value as the runbook gets.
                if let Some(d) = group.iter().find(|d| !d.binding.input_parameters_from.is_empty()) {
                    if !props["InputParameters"].is_object() {
                        props["InputParameters"] = json!({});
                    }
                    for (key, name) in &d.binding.input_parameters_from {
                        let cfn = if catalog && name != SHARED_APPROVERS {
                            format!("{}{name}", logical_id(rule.as_str(), true))
                        } else {
                            name.clone()
                        };
                        props["InputParameters"][key.as_str()] = rule_input_from(d, name, &cfn);
                    }
                }
                resources.insert(rule_id.clone(), json!({"Type": "AWS::Config::ConfigRule", "Properties": props}));
                json!({"Ref": rule_id})
            }
            ConfigRule::Custom(name) => Value::String(name.clone()),
        };
        remediated.push(Remediated {
            identifier: rule.as_str().to_string(),
            rule_name: rule_name.clone(),
            resource_type: group[0].binding.resource_type.clone(),
            logical: if catalog { logical_id(rule.as_str(), true) } else { String::new() },
            roles: group.iter().map(|d| security_hub::role_arn(&id(d, "AutomationRole"))).collect(),
            documents: group.iter().map(|d| json!({"Ref": id(d, "Document")})).collect(),
        });
        let choose = group.len() > 1;
        let choice_param = format!("{}Runbook", logical_id(rule.as_str(), true));
        if choose {
            let names: Vec<&str> = group.iter().map(|d| d.name).collect();
            // Ask first: the variant that waits for an approval, where there is one.
            let default = group.iter().find(|d| !d.binding.automatic).unwrap_or(&group[0]).name;
            parameters.insert(
                choice_param.clone(),
                json!({
                    "Type": "String",
                    "AllowedValues": names,
                    "Default": default,
                    "Description": format!("The runbook that remediates Config rule {} (one remediation per rule).", rule.rule_name()),
                }),
            );
        }
        for d in group {
            let doc_id = id(d, "Document");
            let role_id = id(d, "AutomationRole");
            let rem_id = id(d, "Remediation");
            document_refs.push(json!({"Ref": doc_id}));
            resources.insert(
                doc_id.clone(),
                json!({
                    "Type": "AWS::SSM::Document",
                    "Properties": {
                        "Name": d.name,
                        "DocumentType": "Automation",
                        "DocumentFormat": "YAML",
                        "UpdateMethod": "NewVersion",
                        "Content": d.document.to_value(),
                    }
                }),
            );
            let mut role = json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": cut(&format!("Runs the SSM Automation runbook {} for AWS Config remediation; least privilege, derived from its steps.", d.name), 1000),
                    "AssumeRolePolicyDocument": super::automation_trust_policy(),
                }
            });
            let has_statements = d.policy["Statement"].as_array().is_some_and(|s| !s.is_empty());
            if has_statements {
                role["Properties"]["Policies"] = json!([{"PolicyName": cut(d.name, 128), "PolicyDocument": d.policy}]);
            }
            let b = d.binding;
            let mut params = Map::new();
            params.insert(b.resource_id_param.clone(), json!({"ResourceValue": {"Value": "RESOURCE_ID"}}));
            params.insert(
                crate::builder::ASSUME_ROLE_PARAM.into(),
                json!({"StaticValue": {"Values": [{"Fn::GetAtt": [role_id.clone(), "Arn"]}]}}),
            );
            for (name, values) in &b.static_values {
                params.insert(name.clone(), json!({"StaticValue": {"Values": values}}));
            }
            if d.document.parameters.contains_key(NOTIFICATION_ARN_PARAM)
                && !b.static_values.contains_key(NOTIFICATION_ARN_PARAM)
            {
                params.insert(
                    NOTIFICATION_ARN_PARAM.into(),
                    json!({"StaticValue": {"Values": [{"Ref": alerts::TOPIC}]}}),
                );
                publishers.push(json!({"Fn::GetAtt": [role_id.clone(), "Arn"]}));
            }
            for (name, p) in b.open_parameters(d.document) {
                if name == NOTIFICATION_ARN_PARAM {
                    continue;
                }
                let list = parameters::is_list(p);
                let text = p.description.as_deref().unwrap_or("A parameter of the runbook.");
                // In the catalog, a runbook parameter is a template parameter per rule (the
                // same name may mean different things in two runbooks), except the approvers,
                // shared by every approval runbook.
                let cfn_name = if catalog && name != SHARED_APPROVERS {
                    format!("{}{name}", logical_id(rule.as_str(), true))
                } else {
                    name.clone()
                };
                let (_, _, _, users) =
                    open.entry(cfn_name.clone()).or_insert_with(|| (p, name.clone(), text.to_string(), Vec::new()));
                users.push(d.name);
                let values = if list { json!({"Ref": cfn_name}) } else { json!([{"Ref": cfn_name}]) };
                params.insert(name.clone(), json!({"StaticValue": {"Values": values}}));
            }
            if let Some(policy) = role.pointer_mut("/Properties/Policies/0/PolicyDocument") {
                *policy = bind_parameters(policy, &params, d.document);
            }
            resources.insert(role_id.clone(), role);
            let mut rem = json!({
                "Type": "AWS::Config::RemediationConfiguration",
                "Properties": {
                    "ConfigRuleName": rule_name,
                    "TargetType": "SSM_DOCUMENT",
                    "TargetId": {"Ref": doc_id},
                    "ResourceType": b.resource_type,
                    "Automatic": b.automatic,
                    "MaximumAutomaticAttempts": b.maximum_automatic_attempts,
                    "RetryAttemptSeconds": b.retry_attempt_seconds,
                    "ExecutionControls": {"SsmControls": {
                        "ConcurrentExecutionRatePercentage": b.concurrent_execution_rate_percentage,
                        "ErrorPercentage": b.error_percentage,
                    }},
                    "Parameters": params,
                }
            });
            if choose {
                let cond = format!("Use{}", logical_id(d.name, false));
                conditions.insert(cond.clone(), json!({"Fn::Equals": [{"Ref": choice_param}, d.name]}));
                if let Some(m) = rem.as_object_mut() {
                    let props = m.shift_remove("Properties").unwrap_or_default();
                    m.insert("Condition".into(), Value::String(cond));
                    m.insert("Properties".into(), props);
                }
            }
            resources.insert(rem_id, rem);
            outputs.insert(
                id(d, "DocumentName"),
                json!({"Description": "The runbook's SSM document name.", "Value": {"Ref": doc_id}}),
            );
            outputs.insert(
                id(d, "RoleArn"),
                json!({"Description": "The role the runbook runs as.", "Value": {"Fn::GetAtt": [id(d, "AutomationRole"), "Arn"]}}),
            );
        }
    }

    for (cfn_name, (p, name, text, users)) in open {
        let text = if catalog && name == SHARED_APPROVERS {
            "Who may approve the changes of the approval runbooks: IAM user names, user or role ARNs (1 to 10)."
        } else {
            text.as_str()
        };
        let description = cut(&format!("{text} (parameter {name} of {})", users.join(", ")), 4000);
        parameters.insert(cfn_name, parameters::template_parameter(p, &description));
    }
    let mut sections = Sections { parameters, conditions, resources, outputs };
    alerts::add(&mut sections, &document_refs, &publishers);
    security_hub::add(&mut sections, &remediated);
    let Sections { parameters, conditions, resources, outputs } = sections;

    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": cut(description, 1024),
        "Parameters": parameters,
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": outputs,
    })
}

/// The value of a rule input that follows the runbook parameter `name` of `d`: its static value,
/// its default when it is optional, or else the template parameter `cfn` the deployer fills (a
/// list joined with commas).
fn rule_input_from(d: &Deployable, name: &str, cfn: &str) -> Value {
    let param = d.document.parameters.get(name);
    let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    if let Some(values) = d.binding.static_values.get(name) {
        return json!(values.join(","));
    }
    match param {
        Some(p) if !p.is_required() && !d.binding.exposed.iter().any(|e| e == name) => match &p.default {
            Some(Value::Array(items)) => json!(items.iter().map(text).collect::<Vec<_>>().join(",")),
            Some(v) => json!(text(v)),
            None => json!(""),
        },
        Some(p) if p.ty.data_type() == crate::model::DataType::StringList => json!({"Fn::Join": [",", {"Ref": cfn}]}),
        _ => json!({"Ref": cfn}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn doc(approval: bool) -> Document {
        let mut rb = Runbook::new("Encrypt a bucket.\n\nMore.");
        rb.assume_role();
        let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
        if approval {
            let a: Param<StrList> = rb.param("Approvers", ParamSpec::new("Who approves."));
            rb.add(Step::new("Approve", Approve::new(&a)));
        }
        let sse = json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]});
        rb.add(Step::new(
            "Put",
            ExecuteAwsApi::new("s3", "PutBucketEncryption")
                .param("Bucket", &bucket)
                .param("ServerSideEncryptionConfiguration", sse),
        ));
        rb.build().unwrap()
    }

    #[test]
    fn rule_input_parameters_follow_the_runbook_parameters() {
        let mut rb = Runbook::new("Attach a policy.\n\nMore.");
        rb.assume_role();
        let role: Param<Str> = rb.param("RoleId", ParamSpec::new("The role."));
        let policy: Param<Str> = rb.param("PolicyArn", ParamSpec::new("The policy."));
        let _: Param<StrList> = rb.param("Ports", ParamSpec::new("Ports.").default(json!(["20", "21"])));
        let attach = ExecuteAwsApi::new("iam", "AttachRolePolicy").param("RoleName", &role).param("PolicyArn", &policy);
        rb.add(Step::new("Attach", attach));
        let d = rb.build().unwrap();
        let b = Binding::new("IAM_ROLE_MANAGED_POLICY_CHECK", "AWS::IAM::Role", "RoleId")
            .input_parameter_from("managedPolicyArns", "PolicyArn")
            .input_parameter_from("ports", "Ports")
            .input_parameter("fixed", "x");
        assert_eq!(b.check(&d), Ok(()));
        let wrong = b.clone().input_parameter_from("other", "Region");
        assert!(wrong.check(&d).unwrap_err().problems.iter().any(|p| p.contains("`Region`, which does not exist")));
        let policy = crate::iam::derive_document(&d).policy();
        let t = runbook_template(&Deployable { name: "Attach", document: &d, binding: &b, policy: &policy });
        let inputs = &t["Resources"]["ConfigRule"]["Properties"]["InputParameters"];
        // The deployer's PolicyArn goes both to the rule and to the runbook.
        assert_eq!(inputs["managedPolicyArns"], json!({"Ref": "PolicyArn"}));
        assert_eq!(
            t["Resources"]["Remediation"]["Properties"]["Parameters"]["PolicyArn"]["StaticValue"]["Values"],
            json!([{"Ref": "PolicyArn"}])
        );
        assert_eq!(inputs["ports"], json!("20,21"));
        assert_eq!(inputs["fixed"], json!("x"));
        let fixed = b.clone().static_value("PolicyArn", ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        let t = runbook_template(&Deployable { name: "Attach", document: &d, binding: &fixed, policy: &policy });
        assert_eq!(
            t["Resources"]["ConfigRule"]["Properties"]["InputParameters"]["managedPolicyArns"],
            json!("arn:aws:iam::aws:policy/ReadOnlyAccess")
        );
    }

    #[test]
    fn a_runbook_template_wires_document_role_remediation_and_alerts() {
        let d = doc(false);
        let b = Binding::new("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "AWS::S3::Bucket", "BucketName");
        let policy = crate::iam::derive_document(&d).policy();
        let t = runbook_template(&Deployable { name: "Encrypt", document: &d, binding: &b, policy: &policy });
        let r = &t["Resources"];
        assert_eq!(
            r["ConfigRule"]["Properties"]["Source"]["SourceIdentifier"],
            "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"
        );
        assert_eq!(r["ConfigRule"]["Properties"]["ConfigRuleName"], "s3-bucket-server-side-encryption-enabled");
        assert_eq!(r["Document"]["Properties"]["Content"], d.to_value());
        assert_eq!(r["Document"]["Properties"]["DocumentFormat"], "YAML");
        assert_eq!(r["AutomationRole"]["Properties"]["Policies"][0]["PolicyDocument"], policy);
        let trust = &r["AutomationRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(trust["Principal"]["Service"], "ssm.amazonaws.com");
        assert_eq!(
            trust["Condition"]["ArnLike"]["aws:SourceArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*"}),
            "only this account's automation executions in the stack's Region"
        );
        let rem = &r["Remediation"]["Properties"];
        assert_eq!(rem["ConfigRuleName"], json!({"Ref": "ConfigRule"}));
        assert_eq!(rem["TargetId"], json!({"Ref": "Document"}));
        assert_eq!(rem["Automatic"], true);
        assert_eq!(
            rem["Parameters"]["AutomationAssumeRole"]["StaticValue"]["Values"][0],
            json!({"Fn::GetAtt": ["AutomationRole", "Arn"]})
        );
        assert_eq!(rem["ExecutionControls"]["SsmControls"]["ErrorPercentage"], 50);
        let pattern = &r["FailureRule"]["Properties"]["EventPattern"];
        assert_eq!(pattern["detail"]["Definition"], json!([{"Ref": "Document"}]));
        assert_eq!(pattern["detail"]["Status"], json!(["Failed", "TimedOut", "Cancelled"]));
        assert_eq!(r["FailureRule"]["Properties"]["Targets"][0]["Arn"], json!({"Ref": "NotificationTopic"}));
        assert!(t["Description"].as_str().unwrap().starts_with("Encrypt: Encrypt a bucket. Deploys"));
    }

    #[test]
    fn open_parameters_are_per_rule_in_the_catalog_and_approvers_shared() {
        let mut rb = Runbook::new("t");
        rb.assume_role();
        let _: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
        let _: Param<Str> = rb.param("LogBucket", ParamSpec::new("Where logs go."));
        rb.add(Step::new("P", Pause::new()));
        let d = rb.build().unwrap();
        let manual = doc(true);
        let b = Binding::new("my-rule", "AWS::S3::Bucket", "BucketName");
        let other = Binding::new("OTHER_RULE", "AWS::S3::Bucket", "BucketName");
        let p = json!({"Version": "2012-10-17", "Statement": []});
        let t = catalog_template(&[
            Deployable { name: "Logs", document: &d, binding: &b, policy: &p },
            Deployable { name: "Approve", document: &manual, binding: &other, policy: &p },
        ]);
        assert_eq!(t["Parameters"]["MyRuleLogBucket"]["Type"], "String");
        assert!(t["Parameters"]["MyRuleLogBucket"]["Description"]
            .as_str()
            .unwrap()
            .contains("(parameter LogBucket of Logs)"));
        assert_eq!(
            t["Resources"]["LogsRemediation"]["Properties"]["Parameters"]["LogBucket"]["StaticValue"]["Values"],
            json!([{"Ref": "MyRuleLogBucket"}])
        );
        assert!(t["Parameters"].get("LogBucket").is_none());
        assert_eq!(t["Parameters"]["Approvers"]["Type"], "CommaDelimitedList");
        let single = runbook_template(&Deployable { name: "Logs", document: &d, binding: &b, policy: &p });
        assert_eq!(single["Parameters"]["LogBucket"]["Type"], "String", "a runbook's own template keeps the name");
    }

    #[test]
    fn the_catalog_template_creates_each_rule_once_and_lets_the_deployer_choose() {
        let (auto, manual) = (doc(false), doc(true));
        let b_auto = Binding::new("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "AWS::S3::Bucket", "BucketName");
        let b_manual = b_auto.clone().automatic(false);
        let custom = Binding::new("my-rule", "AWS::S3::Bucket", "BucketName");
        let p = json!({"Version": "2012-10-17", "Statement": []});
        let t = catalog_template(&[
            Deployable { name: "Encrypt", document: &auto, binding: &b_auto, policy: &p },
            Deployable { name: "Encrypt-WithApproval", document: &manual, binding: &b_manual, policy: &p },
            Deployable { name: "Custom", document: &auto, binding: &custom, policy: &p },
        ]);
        let r = t["Resources"].as_object().unwrap();
        let rules: Vec<&String> = r.keys().filter(|k| r[*k]["Type"] == "AWS::Config::ConfigRule").collect();
        assert_eq!(rules, ["S3BucketServerSideEncryptionEnabledRule"]);
        assert_eq!(
            t["Parameters"]["S3BucketServerSideEncryptionEnabledRunbook"]["AllowedValues"],
            json!(["Encrypt", "Encrypt-WithApproval"])
        );
        assert_eq!(
            t["Parameters"]["S3BucketServerSideEncryptionEnabledRunbook"]["Default"], "Encrypt-WithApproval",
            "ask first"
        );
        assert_eq!(r["EncryptWithApprovalRemediation"]["Condition"], "UseEncryptWithApproval");
        assert_eq!(r["EncryptWithApprovalRemediation"]["Properties"]["Automatic"], false);
        assert_eq!(
            r["EncryptWithApprovalRemediation"]["Properties"]["Parameters"]["Approvers"]["StaticValue"]["Values"],
            json!({"Ref": "Approvers"})
        );
        assert_eq!(t["Parameters"]["Approvers"]["Type"], "CommaDelimitedList");
        assert_eq!(r["CustomRemediation"]["Properties"]["ConfigRuleName"], "my-rule");
        assert!(r["CustomRemediation"].get("Condition").is_none());
        assert!(r["EncryptAutomationRole"]["Properties"].get("Policies").is_none(), "no empty policy");
        assert_eq!(r["FailureRule"]["Properties"]["EventPattern"]["detail"]["Definition"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn a_notification_arn_parameter_gets_the_topic_and_its_role_may_use_the_key() {
        let mut rb = Runbook::new("t");
        rb.assume_role();
        let _: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
        let a: Param<StrList> = rb.param("Approvers", ParamSpec::new("Who approves."));
        let topic: Param<Str> = rb.param("NotificationArn", ParamSpec::new("The approval topic."));
        rb.add(Step::new("Approve", Approve::new(&a).notification_arn(topic.value())));
        let with = rb.build().unwrap();
        let without = doc(true);
        let b = Binding::new("R", "AWS::S3::Bucket", "BucketName").automatic(false);
        let p = json!({"Version": "2012-10-17", "Statement": []});
        let t = catalog_template(&[
            Deployable { name: "With", document: &with, binding: &b, policy: &p },
            Deployable { name: "Without", document: &without, binding: &b, policy: &p },
        ]);
        let r = &t["Resources"];
        assert_eq!(
            r["WithRemediation"]["Properties"]["Parameters"]["NotificationArn"]["StaticValue"]["Values"],
            json!([{"Ref": "NotificationTopic"}])
        );
        assert!(r["WithoutRemediation"]["Properties"]["Parameters"].get("NotificationArn").is_none());
        assert!(t["Parameters"].get("RNotificationArn").is_none(), "not left to the deployer");
        let key = r["NotificationKey"]["Properties"]["KeyPolicy"]["Statement"].as_array().unwrap();
        let publishers = key.iter().find(|s| s["Sid"] == "RunbooksPublishApprovalRequests").unwrap();
        assert_eq!(publishers["Principal"]["AWS"], json!([{"Fn::GetAtt": ["WithAutomationRole", "Arn"]}]));
    }

    #[test]
    fn template_parameters_keep_the_runbook_checks_and_exposed_ones_their_default() {
        let mut rb = Runbook::new("t");
        rb.assume_role();
        let _: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
        let _: Param<Str> = rb.param("LogBucket", ParamSpec::new("Where logs go.").pattern("^[a-z0-9.-]{3,63}$"));
        let _: Param<Str> = rb.param("Prefix", ParamSpec::new("Log prefix.").default("logs/").pattern("^[a-z/]*$"));
        let _: Param<Str> = rb.param("Hidden", ParamSpec::new("Not exposed.").default("x"));
        rb.add(Step::new("P", Pause::new()));
        let d = rb.build().unwrap();
        let p = json!({"Version": "2012-10-17", "Statement": []});
        let b = Binding::new("R", "AWS::S3::Bucket", "BucketName").expose("Prefix");
        let t = runbook_template(&Deployable { name: "Logs", document: &d, binding: &b, policy: &p });
        assert_eq!(t["Parameters"]["LogBucket"]["AllowedPattern"], "^[a-z0-9.-]{3,63}$");
        assert!(t["Parameters"]["LogBucket"].get("Default").is_none());
        assert_eq!(t["Parameters"]["Prefix"]["Default"], "logs/");
        assert_eq!(t["Parameters"]["Prefix"]["AllowedPattern"], "^[a-z/]*$");
        assert!(t["Parameters"].get("Hidden").is_none(), "optional parameters are exposed only when asked");
        assert_eq!(
            t["Resources"]["Remediation"]["Properties"]["Parameters"]["Prefix"]["StaticValue"]["Values"],
            json!([{"Ref": "Prefix"}])
        );
    }

    #[test]
    fn policy_conditions_bound_to_runbook_parameters_take_the_remediation_values() {
        let mut rb = crate::prelude::Runbook::new("t");
        rb.assume_role();
        let id: crate::prelude::Param<crate::prelude::Str> = rb.param("RoleName", crate::prelude::ParamSpec::new("r"));
        let arn: crate::prelude::Param<crate::prelude::Str> =
            rb.param("PolicyArn", crate::prelude::ParamSpec::new("p"));
        rb.add(crate::prelude::Step::new(
            "Attach",
            crate::prelude::ExecuteAwsApi::new("iam", "AttachRolePolicy")
                .param("RoleName", &id)
                .param("PolicyArn", &arn),
        ));
        let d = rb.build().unwrap();
        let policy = crate::iam::derive_document(&d).policy_for(crate::iam::Form::Template, &Default::default());
        let pinned = |t: &Value| {
            t["Resources"]["AutomationRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|s| s.get("Condition").map(|c| c["ArnEquals"]["iam:PolicyARN"].clone()))
                .unwrap()
        };
        let open = Binding::new("IAM_ROLE_MANAGED_POLICY_CHECK", "AWS::IAM::Role", "RoleName");
        let t = runbook_template(&Deployable { name: "Attach", document: &d, binding: &open, policy: &policy });
        assert_eq!(pinned(&t), json!({"Ref": "PolicyArn"}), "the template parameter");
        let fixed = open.clone().static_value("PolicyArn", ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        let t = runbook_template(&Deployable { name: "Attach", document: &d, binding: &fixed, policy: &policy });
        assert_eq!(pinned(&t), "arn:aws:iam::aws:policy/ReadOnlyAccess", "the static value");
    }
}
