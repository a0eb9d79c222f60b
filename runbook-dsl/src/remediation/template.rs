//! CloudFormation templates that deploy runbooks as AWS Config remediations.
//!
//! For each runbook: the `AWS::SSM::Document` (Automation, format YAML, the document as the
//! `Content` map: cfn-lint then checks it against its SSM schema, and CloudFormation hands it to
//! SSM as YAML), an `AWS::IAM::Role`
//! trusting `ssm.amazonaws.com` (only for automation executions of this account) with the
//! derived least-privilege policy, the `AWS::Config::RemediationConfiguration` (`RESOURCE_ID`
//! into the binding's parameter, `AutomationAssumeRole` from the role's ARN), and the
//! `AWS::Config::ConfigRule` when the rule is an AWS managed rule. Failures are reported by an
//! `AWS::Events::Rule` on the runbooks' automation executions ending `Failed`, `TimedOut` or
//! `Cancelled`, which notifies an `AWS::SNS::Topic` (with an optional e-mail subscription).
//!
//! A template holding several runbooks for the same Config rule (the catalog's automatic and
//! approval variants) creates the rule once and lets the deployer choose which runbook remediates
//! it (parameter `<Rule>Runbook`): a rule has one remediation configuration. Required runbook
//! parameters the binding leaves open become template parameters: `<Rule><Parameter>` in the
//! catalog template, except `Approvers`, one list for every approval runbook.
//!
//! Templates are plain JSON values with intrinsic functions in their long form
//! (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`), written as YAML with [`to_yaml`].

use super::{Binding, ConfigRule};
use crate::model::{DataType, Document, Map, Value};
use crate::yaml;
use serde_json::json;

/// The runbook parameter that the catalog template shares between runbooks (one list of
/// approvers for every approval runbook); other open parameters are per rule.
pub const SHARED_APPROVERS: &str = "Approvers";

/// Automation statuses that notify the failure topic.
pub const FAILED_STATUSES: [&str; 3] = ["Failed", "TimedOut", "Cancelled"];

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

fn build(runbooks: &[Deployable], description: &str, catalog: bool) -> Value {
    let mut parameters = Map::new();
    let mut conditions = Map::new();
    let mut resources = Map::new();
    let mut outputs = Map::new();

    parameters.insert(
        "NotificationEmail".into(),
        json!({
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^$|^[^@\\s]+@[^@\\s]+$",
            "Description": "E-mail address notified when a remediation runbook ends Failed, TimedOut or Cancelled (empty: no subscription)."
        }),
    );
    conditions.insert(
        "HasNotificationEmail".into(),
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "NotificationEmail"}, ""]}]}),
    );

    // Group runbooks by rule, in order of first appearance.
    let mut groups: Vec<(&ConfigRule, Vec<&Deployable>)> = Vec::new();
    for d in runbooks {
        match groups.iter_mut().find(|(r, _)| **r == d.binding.rule) {
            Some((_, g)) => g.push(d),
            None => groups.push((&d.binding.rule, vec![d])),
        }
    }

    // Runbook parameters left to the deployer, by template parameter name: (is a list, runbook
    // parameter name, description, runbooks using it).
    let mut open: indexmap::IndexMap<String, (bool, String, String, Vec<&str>)> = indexmap::IndexMap::new();
    let id = |d: &Deployable, what: &str| {
        if catalog {
            format!("{}{what}", logical_id(d.name, false))
        } else {
            what.to_string()
        }
    };
    let mut document_refs = Vec::new();
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
                // The rule's InputParameters, from the bindings (the runbooks of one rule share
                // them): a fixed value, or the value the runbook's parameter gets.
                let mut inputs = Map::new();
                for d in group {
                    for (key, input) in &d.binding.input_parameters {
                        if inputs.contains_key(key) {
                            continue;
                        }
                        let value = match input {
                            super::RuleInput::Value(v) => json!(v),
                            super::RuleInput::Parameter(name) => match d.binding.static_values.get(name) {
                                Some(values) => json!(values.join(",")),
                                // An optional parameter keeps its default in the runbook.
                                None if d.document.parameters.get(name).is_some_and(|p| !p.is_required()) => {
                                    match d.document.parameters.get(name).and_then(|p| p.default.clone()) {
                                        Some(Value::Array(items)) => json!(items
                                            .iter()
                                            .map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string()))
                                            .collect::<Vec<_>>()
                                            .join(",")),
                                        Some(Value::String(v)) => json!(v),
                                        Some(other) => json!(other.to_string()),
                                        None => json!(""),
                                    }
                                }
                                None => {
                                    let cfn = if catalog && name != SHARED_APPROVERS {
                                        format!("{}{name}", logical_id(rule.as_str(), true))
                                    } else {
                                        name.clone()
                                    };
                                    let list = d
                                        .document
                                        .parameters
                                        .get(name)
                                        .is_some_and(|p| p.ty.data_type() == DataType::StringList);
                                    if list {
                                        json!({"Fn::Join": [",", {"Ref": cfn}]})
                                    } else {
                                        json!({"Ref": cfn})
                                    }
                                }
                            },
                        };
                        inputs.insert(key.clone(), value);
                    }
                }
                if !inputs.is_empty() {
                    props["InputParameters"] = Value::Object(inputs);
                }
                resources.insert(rule_id.clone(), json!({"Type": "AWS::Config::ConfigRule", "Properties": props}));
                json!({"Ref": rule_id})
            }
            ConfigRule::Custom(name) => Value::String(name.clone()),
        };
        let choose = group.len() > 1;
        let choice_param = format!("{}Runbook", logical_id(rule.as_str(), true));
        if choose {
            let names: Vec<&str> = group.iter().map(|d| d.name).collect();
            let default = group.iter().find(|d| d.binding.automatic).unwrap_or(&group[0]).name;
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
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": "ssm.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:automation-execution/*"}},
                            },
                        }],
                    },
                }
            });
            let has_statements = d.policy["Statement"].as_array().is_some_and(|s| !s.is_empty());
            if has_statements {
                role["Properties"]["Policies"] = json!([{"PolicyName": cut(d.name, 128), "PolicyDocument": d.policy}]);
            }
            resources.insert(role_id.clone(), role);

            let b = d.binding;
            let mut params = Map::new();
            params.insert(b.resource_id_param.clone(), json!({"ResourceValue": {"Value": "RESOURCE_ID"}}));
            params.insert(
                crate::builder::ASSUME_ROLE_PARAM.into(),
                json!({"StaticValue": {"Values": [{"Fn::GetAtt": [role_id, "Arn"]}]}}),
            );
            for (name, values) in &b.static_values {
                params.insert(name.clone(), json!({"StaticValue": {"Values": values}}));
            }
            for (name, p) in b.open_parameters(d.document) {
                let list = p.ty.data_type() == DataType::StringList;
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
                    open.entry(cfn_name.clone()).or_insert_with(|| (list, name.clone(), text.to_string(), Vec::new()));
                users.push(d.name);
                let values = if list { json!({"Ref": cfn_name}) } else { json!([{"Ref": cfn_name}]) };
                params.insert(name.clone(), json!({"StaticValue": {"Values": values}}));
            }
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

    for (cfn_name, (list, name, text, users)) in open {
        let text = if catalog && name == SHARED_APPROVERS {
            "Who may approve the changes of the approval runbooks: IAM user names, user or role ARNs (1 to 10)."
        } else {
            text.as_str()
        };
        parameters.insert(
            cfn_name,
            json!({
                "Type": if list { "CommaDelimitedList" } else { "String" },
                "Description": cut(&format!("{text} (parameter {name} of {})", users.join(", ")), 4000),
            }),
        );
    }
    resources.insert(
        "FailureTopic".into(),
        json!({"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "Remediation runbook failures"}}),
    );
    resources.insert(
        "FailureTopicPolicy".into(),
        json!({
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "FailureTopic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "EventBridgePublishesFailures",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": {"Ref": "FailureTopic"},
                        "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["FailureRule", "Arn"]}}},
                    }],
                },
            }
        }),
    );
    resources.insert(
        "FailureEmailSubscription".into(),
        json!({
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasNotificationEmail",
            "Properties": {"Protocol": "email", "Endpoint": {"Ref": "NotificationEmail"}, "TopicArn": {"Ref": "FailureTopic"}},
        }),
    );
    resources.insert(
        "FailureRule".into(),
        json!({
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": "Automation executions of the remediation runbooks that end Failed, TimedOut or Cancelled.",
                "State": "ENABLED",
                "EventPattern": {
                    "source": ["aws.ssm"],
                    "detail-type": ["EC2 Automation Execution Status-change Notification"],
                    "detail": {"Definition": document_refs, "Status": FAILED_STATUSES},
                },
                "Targets": [{"Id": "FailureTopic", "Arn": {"Ref": "FailureTopic"}}],
            }
        }),
    );
    outputs.insert(
        "FailureTopicArn".into(),
        json!({"Description": "The SNS topic notified of failed, timed-out or cancelled runs.", "Value": {"Ref": "FailureTopic"}}),
    );

    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": cut(description, 1024),
        "Parameters": parameters,
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": outputs,
    })
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
        rb.add(Step::new("Put", ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", &bucket)));
        rb.build().unwrap()
    }

    #[test]
    fn rule_input_parameters_are_rendered_from_the_binding_and_follow_the_runbook_parameters() {
        let d = doc(false);
        let b = Binding::new("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "AWS::S3::Bucket", "BucketName")
            .input_parameter("blockedPort1", "20")
            .input_parameter_from("bucketName", "Region");
        // The runbook has no `Region`: the binding says so.
        assert!(b.check(&d).unwrap_err().problems.iter().any(|p| p.contains("`Region`, which does not exist")));
        let mut rb = Runbook::new("Attach a policy.\n\nMore.");
        rb.assume_role();
        let _: Param<Str> = rb.param("RoleId", ParamSpec::new("The role."));
        let _: Param<Str> = rb.param("PolicyArn", ParamSpec::new("The policy."));
        let _: Param<StrList> = rb.param("Ports", ParamSpec::new("Ports.").default(json!(["20", "21"])));
        rb.add(Step::new("Attach", ExecuteAwsApi::new("iam", "AttachRolePolicy")));
        let d = rb.build().unwrap();
        let b = Binding::new("IAM_ROLE_MANAGED_POLICY_CHECK", "AWS::IAM::Role", "RoleId")
            .input_parameter_from("managedPolicyArns", "PolicyArn")
            .input_parameter_from("ports", "Ports")
            .input_parameter("fixed", "x");
        assert_eq!(b.check(&d), Ok(()));
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
        let static_b = b.clone().static_value("PolicyArn", ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        let t = runbook_template(&Deployable { name: "Attach", document: &d, binding: &static_b, policy: &policy });
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
        assert_eq!(
            r["AutomationRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
            "ssm.amazonaws.com"
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
        assert_eq!(r["FailureRule"]["Properties"]["Targets"][0]["Arn"], json!({"Ref": "FailureTopic"}));
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
        assert_eq!(t["Parameters"]["S3BucketServerSideEncryptionEnabledRunbook"]["Default"], "Encrypt");
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
}
