//! Security Hub wiring of a template: each Config rule that backs a Security Hub control gets a
//! custom action ("<control> remediate") and an EventBridge rule on `Security Hub Findings -
//! Custom Action` that starts the remediation for the finding's resource; optionally (parameter
//! `SecurityHubAutoRemediation`) a rule on `Security Hub Findings - Imported` does the same for
//! every new failed finding of those controls.
//!
//! Both rules start one document per template, the finding handler ([`finding_document`]): it
//! reads the rule's remediation configuration (`config:DescribeRemediationConfigurations`), so it
//! runs the runbook the deployer chose with the parameters the remediation passes, gives it the
//! finding's resource id, waits for it (`aws:executeAutomation`), and ends with the reusable
//! [`crate::builder::security_hub`] steps: the finding becomes `RESOLVED` on success, `NOTIFIED`
//! on failure.
//!
//! The finding's resource id: `Resources[0].Id` is an ARN for most resource types; the handler
//! takes what follows its last `/` (or `:` when there is none: an S3 bucket's name). Where the
//! runbook wants something else the rule's input transformer reads it from the finding
//! ([`resource_id_path`]): an RDS instance's `DbiResourceId` from its details, the account id of
//! account-level controls from `AwsAccountId`.
//!
//! ```
//! use runbook_dsl::remediation::security_hub::controls;
//! assert_eq!(controls("RDS_STORAGE_ENCRYPTED"), ["RDS.3"]);
//! assert!(controls("IAM_ROLE_MANAGED_POLICY_CHECK").is_empty());
//! ```

use super::alerts::Sections;
use crate::builder::security_hub::Finding;
use crate::model::actions::{ExecuteAutomation, ExecuteScript};
use crate::model::{Document, OnFailure, Step, Value};
use crate::prelude::{Param, ParamSpec, Reference, Runbook, Str};
use serde_json::json;

/// A Security Hub control backed by an AWS Config managed rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Control {
    /// The Config rule identifier.
    pub config_rule: &'static str,
    /// The control ids (consolidated control findings' `Compliance.SecurityControlId`).
    pub ids: &'static [&'static str],
    /// The AWS page that states the control's Config rule (AWS Security Hub user guide,
    /// `docs.aws.amazon.com/securityhub/latest/userguide/...`).
    pub source: &'static str,
    /// Whether the id-to-rule pairing was read on that AWS page (`false`: from the control's
    /// title or a third-party list only; see docs/security-hub.md).
    pub confirmed: bool,
}

const fn control(
    config_rule: &'static str,
    ids: &'static [&'static str],
    source: &'static str,
    confirmed: bool,
) -> Control {
    Control { config_rule, ids, source, confirmed }
}

/// The controls the catalog's Config rules back, each read on its AWS page (the control's
/// "AWS Config rule" line names the rule; docs/security-hub.md records the page of each).
/// `RESTRICTED_INCOMING_TRAFFIC` (`restricted-common-ports`) backs EC2.14 (port 3389, which the
/// catalog's default ports include); EC2.19 is backed by Security Hub's own custom rule
/// `vpc-sg-restricted-common-ports`, not by a rule the catalog deploys.
pub const CONTROLS: &[Control] = &[
    control("S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", &["S3.1"], "s3-controls.html#s3-1", true),
    control("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", &["S3.8"], "s3-controls.html#s3-8", true),
    control("S3_BUCKET_VERSIONING_ENABLED", &["S3.14"], "s3-controls.html#s3-14", true),
    control("EC2_EBS_ENCRYPTION_BY_DEFAULT", &["EC2.7"], "ec2-controls.html#ec2-7", true),
    control("ENCRYPTED_VOLUMES", &["EC2.3"], "ec2-controls.html#ec2-3", true),
    control("EC2_INSTANCE_NO_PUBLIC_IP", &["EC2.9"], "ec2-controls.html#ec2-9", true),
    control("INCOMING_SSH_DISABLED", &["EC2.13"], "ec2-controls.html#ec2-13", true),
    control("RESTRICTED_INCOMING_TRAFFIC", &["EC2.14"], "ec2-controls.html#ec2-14", true),
    control("RDS_INSTANCE_PUBLIC_ACCESS_CHECK", &["RDS.2"], "rds-controls.html#rds-2", true),
    control("RDS_STORAGE_ENCRYPTED", &["RDS.3"], "rds-controls.html#rds-3", true),
    control("RDS_CLUSTER_ENCRYPTED_AT_REST", &["RDS.27"], "rds-controls.html#rds-27", true),
    control("MULTI_REGION_CLOUD_TRAIL_ENABLED", &["CloudTrail.1"], "cloudtrail-controls.html#cloudtrail-1", true),
    control("CMK_BACKING_KEY_ROTATION_ENABLED", &["KMS.4"], "kms-controls.html#kms-4", true),
];

/// The Security Hub control ids a Config managed rule backs (empty: none, e.g.
/// `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`, whose control S3.4 AWS retired, or
/// `IAM_ROLE_MANAGED_POLICY_CHECK`, `REQUIRED_TAGS`).
pub fn controls(config_rule: &str) -> &'static [&'static str] {
    CONTROLS.iter().find(|c| c.config_rule == config_rule).map(|c| c.ids).unwrap_or(&[])
}

/// Where the rule's input transformer reads the runbook's resource id from the event, when the
/// ARN's last part is not it (`None`: the handler takes it from `Resources[0].Id`).
pub fn resource_id_path(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "AWS::RDS::DBInstance" => Some("$.detail.findings[0].Resources[0].Details.AwsRdsDbInstance.DbiResourceId"),
        "AWS::RDS::DBCluster" => Some("$.detail.findings[0].Resources[0].Details.AwsRdsDbCluster.DbClusterResourceId"),
        super::ACCOUNT_RESOURCE_TYPE => Some("$.detail.findings[0].AwsAccountId"),
        _ => None,
    }
}

/// Script of the handler's first step: the remediation configuration of the rule, and the
/// parameters for its runbook with the finding's resource id.
const PREPARE: &str = r#"import json
import boto3


def resource_id(arn, given):
    if given:
        return given
    tail = arn.split(":", 5)[-1] if arn.startswith("arn:") else arn
    return tail.rsplit("/", 1)[-1] if "/" in tail else arn.rsplit(":", 1)[-1]


def handler(events, context):
    config = boto3.client("config")
    found = config.describe_remediation_configurations(ConfigRuleNames=[events["ConfigRuleName"]])
    configs = found.get("RemediationConfigurations", [])
    if not configs:
        raise Exception("no remediation configuration for Config rule " + events["ConfigRuleName"])
    remediation = configs[0]
    parameters = {}
    resource_parameter = None
    for name, value in remediation.get("Parameters", {}).items():
        if "ResourceValue" in value:
            resource_parameter = name
        else:
            parameters[name] = value.get("StaticValue", {}).get("Values", [])
    if resource_parameter is None:
        raise Exception("the remediation of " + events["ConfigRuleName"] + " takes no RESOURCE_ID")
    parameters[resource_parameter] = [resource_id(events["ResourceArn"], events["ResourceId"])]
    return {"DocumentName": remediation["TargetId"], "Parameters": parameters}
"#;

/// The finding handler: started by the Security Hub rules with the finding and the Config rule,
/// it runs the rule's remediation for the finding's resource and sets the finding's workflow
/// status.
pub fn finding_document() -> Document {
    let mut rb = Runbook::new(
        "Remediates the resource of a Security Hub finding with the runbook of the AWS Config rule that backs the \
         finding's control, then sets the finding's workflow status: RESOLVED when the runbook succeeded, NOTIFIED \
         when it failed.",
    );
    rb.assume_role();
    let finding = Finding::declare(&mut rb);
    let rule: Param<Str> = rb.param(
        "ConfigRuleName",
        ParamSpec::new("(Required) The AWS Config rule whose remediation runs.").pattern(r"^[A-Za-z0-9_.-]{1,128}$"),
    );
    let arn: Param<Str> = rb.param(
        "ResourceArn",
        ParamSpec::new("(Required) The finding's resource (Resources[0].Id).").pattern(r"^\S{1,2048}$"),
    );
    let id: Param<Str> = rb.param(
        "ResourceId",
        ParamSpec::new("(Optional) The runbook's resource id when the ARN's last part is not it.")
            .default("")
            .pattern(r"^\S{0,2048}$"),
    );
    let steps = finding.steps("The remediation runbook fixed the resource");
    let prepare = rb.add(
        Step::new(
            "Prepare",
            ExecuteScript::new("python3.11").handler("handler").script(PREPARE).input_payload(json!({
                "ConfigRuleName": rule.to_string(),
                "ResourceArn": arn.to_string(),
                "ResourceId": id.to_string(),
            })),
        )
        .description("Reads the rule's remediation configuration and sets the runbook's resource parameter.")
        .timeout_seconds(60)
        .on_failure(OnFailure::step(steps.notified())),
    );
    let document: crate::prelude::Output<Str> = rb.output(&prepare, "DocumentName", "$.Payload.DocumentName");
    let parameters: crate::prelude::Output<crate::prelude::StrMap> =
        rb.output(&prepare, "Parameters", "$.Payload.Parameters");
    rb.add(
        Step::new("Remediate", ExecuteAutomation::new(document.value()).runtime_parameters(parameters.value()))
            .description("Runs the remediation runbook and waits for it.")
            .next_step(steps.resolved())
            .on_failure(OnFailure::step(steps.notified())),
    );
    steps.add_to(&mut rb);
    match rb.build() {
        Ok(doc) => doc,
        Err(e) => unreachable!("the finding handler is fixed and valid: {e:?}"),
    }
}

/// A role's ARN from its logical id, as text a policy linter can read (`Ref` of a role is its
/// name; the templates' roles have no path).
pub fn role_arn(logical: &str) -> Value {
    json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{{logical}}}")})
}

/// A short stable id (letters and digits) for a Config rule, for logical ids and the custom
/// action's `Id` (at most 20 characters).
fn short(rule: &str) -> String {
    // FNV-1a, so that the id stays the same from one emit to the next.
    let mut h: u32 = 0x811c_9dc5;
    for b in rule.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("Remediate{h:08x}")
}

/// One Config rule of the template, as the Security Hub wiring needs it.
#[derive(Clone, Debug)]
pub struct Remediated {
    /// The managed rule identifier (for its controls).
    pub identifier: String,
    /// The rule's name in the account (a `Ref` to the template's rule, or the name).
    pub rule_name: Value,
    /// The Config resource type.
    pub resource_type: String,
    /// Logical id prefix (the rule's).
    pub logical: String,
    /// The runbook roles the handler may pass ([`role_arn`]s).
    pub roles: Vec<Value>,
    /// The runbook documents the handler may start (`Ref`s).
    pub documents: Vec<Value>,
}

/// Adds the handler, its roles, and per rule backing a control a custom action and its rules.
/// Does nothing when no rule backs a control.
pub fn add(s: &mut Sections, rules: &[Remediated]) {
    let wired: Vec<&Remediated> = rules.iter().filter(|r| !controls(&r.identifier).is_empty()).collect();
    if wired.is_empty() {
        return;
    }
    s.parameters.insert(
        "SecurityHubAutoRemediation".into(),
        json!({
            "Type": "String",
            "AllowedValues": ["false", "true"],
            "Default": "false",
            "Description": "true: every new failed Security Hub finding of the controls these Config rules back starts its remediation (besides the custom actions, which are always there).",
        }),
    );
    s.conditions.insert(
        "SecurityHubAutoRemediation".into(),
        json!({"Fn::Equals": [{"Ref": "SecurityHubAutoRemediation"}, "true"]}),
    );
    s.resources.insert(
        "FindingDocument".into(),
        json!({
            "Type": "AWS::SSM::Document",
            "Properties": {
                "DocumentType": "Automation",
                "DocumentFormat": "YAML",
                "UpdateMethod": "NewVersion",
                "Content": finding_document().to_value(),
            }
        }),
    );
    // StartAutomationExecution authorizes the document, its automation definition and the new
    // execution (Service Authorization Reference: document*, automation-execution*,
    // automation-definition).
    let start = |logical: &str| {
        vec![
            json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:automation-definition/${{{logical}}}:*")}),
            json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:document/${{{logical}}}")}),
        ]
    };
    let executions =
        json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*"});
    let mut definition = start("FindingDocument");
    definition.push(executions.clone());
    let mut documents: Vec<Value> = wired
        .iter()
        .flat_map(|r| r.documents.iter())
        .flat_map(|d| start(d["Ref"].as_str().unwrap_or_default()))
        .collect();
    documents.push(executions.clone());
    let roles: Vec<Value> = wired.iter().flat_map(|r| r.roles.iter().cloned()).collect();
    s.resources.insert(
        "FindingAutomationRole".into(),
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": "Runs the Security Hub finding handler: reads remediation configurations, starts their runbooks with their roles, updates the finding.",
                "AssumeRolePolicyDocument": super::automation_trust_policy(),
                "Policies": [{
                    "PolicyName": "FindingHandler",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "ReadRemediations",
                                "Effect": "Allow",
                                "Action": "config:DescribeRemediationConfigurations",
                                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:remediation-configuration/*"},
                            },
                            {"Sid": "StartRunbooks", "Effect": "Allow", "Action": "ssm:StartAutomationExecution", "Resource": documents},
                            {"Sid": "WatchRunbooks", "Effect": "Allow", "Action": "ssm:GetAutomationExecution", "Resource": executions},
                            {"Sid": "ListRunbookExecutions", "Effect": "Allow", "Action": "ssm:DescribeAutomationExecutions", "Resource": "*"},
                            {
                                "Sid": "PassRunbookRoles",
                                "Effect": "Allow",
                                "Action": "iam:PassRole",
                                "Resource": roles,
                                "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
                            },
                            {
                                "Sid": "UpdateFindings",
                                "Effect": "Allow",
                                "Action": "securityhub:BatchUpdateFindings",
                                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default"},
                            },
                        ],
                    },
                }],
            }
        }),
    );
    s.resources.insert(
        "FindingEventsRole".into(),
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": "Lets the Security Hub rules start the finding handler.",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                    }],
                },
                "Policies": [{
                    "PolicyName": "StartFindingHandler",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Sid": "StartHandler", "Effect": "Allow", "Action": "ssm:StartAutomationExecution", "Resource": definition},
                            {
                                "Sid": "PassHandlerRole",
                                "Effect": "Allow",
                                "Action": "iam:PassRole",
                                "Resource": role_arn("FindingAutomationRole"),
                                "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
                            },
                        ],
                    },
                }],
            }
        }),
    );
    let mut dead_letter_sources = Vec::new();
    for r in wired {
        let ctrls = controls(&r.identifier);
        let id = short(&r.identifier);
        let target = format!("{}ActionTarget", r.logical);
        s.resources.insert(
            target.clone(),
            json!({
                "Type": "AWS::SecurityHub::ActionTarget",
                "Properties": {
                    "Id": id,
                    "Name": format!("{} remediate", ctrls[0]),
                    "Description": format!("Remediate with the runbook of AWS Config rule {} ({}).", r.identifier, ctrls.join(", ")),
                }
            }),
        );
        s.resources.insert(
            format!("{}FindingActionRule", r.logical),
            finding_rule(
                r,
                json!({
                    "source": ["aws.securityhub"],
                    "detail-type": [CUSTOM_ACTION],
                    "resources": [{"Fn::GetAtt": [target, "ActionTargetArn"]}],
                }),
                &format!(
                    "Security Hub custom action '{} remediate': runs the remediation of {}.",
                    ctrls[0], r.identifier
                ),
                None,
            ),
        );
        s.resources.insert(
            format!("{}FindingImportedRule", r.logical),
            finding_rule(
                r,
                imported_pattern(ctrls),
                &format!(
                    "New failed Security Hub findings of {}: runs the remediation of {}.",
                    ctrls.join(", "),
                    r.identifier
                ),
                Some("SecurityHubAutoRemediation"),
            ),
        );
        dead_letter_sources.push(json!({"Fn::GetAtt": [format!("{}FindingActionRule", r.logical), "Arn"]}));
        dead_letter_sources.push(json!({"Fn::If": [
            "SecurityHubAutoRemediation",
            {"Fn::GetAtt": [format!("{}FindingImportedRule", r.logical), "Arn"]},
            {"Ref": "AWS::NoValue"},
        ]}));
    }
    // The rules' undeliverable events go to the stack's dead-letter queue: let them in.
    let sources = s.resources.get_mut("DeadLetterQueuePolicy").and_then(|p| {
        p["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"].as_array_mut()
    });
    if let Some(sources) = sources {
        sources.extend(dead_letter_sources);
    }
}

/// The detail-type of findings sent with a custom action.
pub const CUSTOM_ACTION: &str = "Security Hub Findings - Custom Action";
/// The detail-type of findings Security Hub imports (new or updated).
pub const IMPORTED: &str = "Security Hub Findings - Imported";

/// New, active, failed findings of the given controls (consolidated control findings carry
/// `Compliance.SecurityControlId`).
pub fn imported_pattern(controls: &[&str]) -> Value {
    json!({
        "source": ["aws.securityhub"],
        "detail-type": [IMPORTED],
        "detail": {"findings": {
            "Compliance": {"Status": ["FAILED"], "SecurityControlId": controls},
            "RecordState": ["ACTIVE"],
            "Workflow": {"Status": ["NEW"]},
        }},
    })
}

/// The input the rules give the handler: the finding, the rule, the resource.
pub fn input_transformer(rule_name: &Value, resource_type: &str) -> Value {
    let mut paths = json!({
        "findingId": "$.detail.findings[0].Id",
        "productArn": "$.detail.findings[0].ProductArn",
        "resourceArn": "$.detail.findings[0].Resources[0].Id",
    });
    let mut template = String::from(
        r#"{"FindingId": [<findingId>], "ProductArn": [<productArn>], "ResourceArn": [<resourceArn>], "ConfigRuleName": ["${RuleName}"], "AutomationAssumeRole": ["${HandlerRole}"]"#,
    );
    if let Some(path) = resource_id_path(resource_type) {
        paths["resourceId"] = json!(path);
        template.push_str(r#", "ResourceId": [<resourceId>]"#);
    }
    template.push('}');
    json!({
        "InputPathsMap": paths,
        "InputTemplate": {"Fn::Sub": [template, {
            "RuleName": rule_name,
            "HandlerRole": {"Fn::GetAtt": ["FindingAutomationRole", "Arn"]},
        }]},
    })
}

fn finding_rule(r: &Remediated, pattern: Value, description: &str, condition: Option<&str>) -> Value {
    let mut rule = json!({
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Description": description,
            "State": "ENABLED",
            "EventPattern": pattern,
            "Targets": [{
                "Id": "FindingHandler",
                "Arn": {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-definition/${FindingDocument}:$DEFAULT"},
                "RoleArn": {"Fn::GetAtt": ["FindingEventsRole", "Arn"]},
                "InputTransformer": input_transformer(&r.rule_name, &r.resource_type),
                "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}},
            }],
        }
    });
    if let (Some(c), Some(m)) = (condition, rule.as_object_mut()) {
        let props = m.shift_remove("Properties").unwrap_or_default();
        m.insert("Condition".into(), json!(c));
        m.insert("Properties".into(), props);
    }
    rule
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Map;

    const CUSTOM: &str = include_str!("../../tests/fixtures/security_hub/custom-action-rds.json");
    const IMPORTED_S3: &str = include_str!("../../tests/fixtures/security_hub/imported-s3.json");

    fn event(text: &str) -> Value {
        serde_json::from_str(text).expect("a JSON sample event")
    }

    /// EventBridge's matching for the pattern forms used here: an object descends (into every
    /// element of an array), an array of values matches when the event's value, or any element
    /// of it, is one of them.
    fn matches(pattern: &Value, event: &Value) -> bool {
        match (pattern, event) {
            (Value::Object(p), Value::Array(items)) => items.iter().any(|e| matches(&Value::Object(p.clone()), e)),
            (Value::Object(p), Value::Object(e)) => p.iter().all(|(k, v)| e.get(k).is_some_and(|ev| matches(v, ev))),
            (Value::Array(allowed), Value::Array(items)) => items.iter().any(|i| allowed.contains(i)),
            (Value::Array(allowed), v) => allowed.contains(v),
            _ => false,
        }
    }

    /// `$.a.b[0].c` over a JSON value.
    fn path<'a>(v: &'a Value, p: &str) -> Option<&'a Value> {
        let mut cur = v;
        for part in p.trim_start_matches("$.").split('.') {
            let (key, index) = match part.split_once('[') {
                Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            cur = cur.get(key)?;
            if let Some(i) = index {
                cur = cur.get(i)?;
            }
        }
        Some(cur)
    }

    /// What EventBridge sends to the SSM target: the template with `<name>` replaced by the
    /// path's value (a string, quoted) and the template's `${...}` by sample values.
    fn transform(t: &Value, event: &Value) -> Value {
        let sub = &t["InputTemplate"]["Fn::Sub"];
        let mut text = sub[0].as_str().unwrap().to_string();
        text = text
            .replace("${RuleName}", "rds-storage-encrypted")
            .replace("${HandlerRole}", "arn:aws:iam::111122223333:role/h");
        for (name, p) in t["InputPathsMap"].as_object().unwrap() {
            let v = path(event, p.as_str().unwrap()).unwrap_or_else(|| panic!("{p} is not in the sample event"));
            text = text.replace(&format!("<{name}>"), &v.to_string());
        }
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
    }

    fn template() -> Sections {
        let mut s = Sections::default();
        crate::remediation::alerts::add(&mut s, &[], &[]);
        add(
            &mut s,
            &[
                Remediated {
                    identifier: "RDS_STORAGE_ENCRYPTED".into(),
                    rule_name: json!({"Ref": "RdsRule"}),
                    resource_type: "AWS::RDS::DBInstance".into(),
                    logical: "Rds".into(),
                    roles: vec![role_arn("RdsRole")],
                    documents: vec![json!({"Ref": "RdsDocument"})],
                },
                Remediated {
                    identifier: "S3_BUCKET_VERSIONING_ENABLED".into(),
                    rule_name: json!({"Ref": "S3Rule"}),
                    resource_type: "AWS::S3::Bucket".into(),
                    logical: "S3".into(),
                    roles: vec![],
                    documents: vec![json!({"Ref": "S3Document"})],
                },
                Remediated {
                    identifier: "IAM_ROLE_MANAGED_POLICY_CHECK".into(),
                    rule_name: json!("iam"),
                    resource_type: "AWS::IAM::Role".into(),
                    logical: "Iam".into(),
                    roles: vec![],
                    documents: vec![],
                },
            ],
        );
        s
    }

    #[test]
    fn the_custom_action_rule_matches_aws_sample_event_and_feeds_the_handler() {
        let s = template();
        let rule = &s.resources["RdsFindingActionRule"]["Properties"];
        let mut pattern = rule["EventPattern"].clone();
        assert_eq!(pattern["resources"], json!([{"Fn::GetAtt": ["RdsActionTarget", "ActionTargetArn"]}]));
        let sample = event(CUSTOM);
        pattern["resources"] = sample["resources"].clone();
        assert!(matches(&pattern, &sample), "pattern {pattern} vs AWS's sample");
        let mut other = sample.clone();
        other["resources"] = json!(["arn:aws:securityhub:us-west-1:111122223333:action/custom/another"]);
        assert!(!matches(&pattern, &other), "another custom action does not start it");

        let input = transform(&rule["Targets"][0]["InputTransformer"], &sample);
        let doc = finding_document();
        let Value::Object(params) = &input else { panic!("{input}") };
        for (name, v) in params {
            assert!(doc.parameters.contains_key(name), "{name} is not a parameter of the handler");
            assert!(v.as_array().is_some_and(|a| a.len() == 1 && a[0].is_string()), "{name}: {v}");
        }
        for p in doc.parameters.iter().filter(|(_, p)| p.is_required()).map(|(n, _)| n) {
            assert!(params.contains_key(p), "the handler's required {p} is not given");
        }
        assert_eq!(input["ResourceId"], json!(["db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"]), "RDS: DbiResourceId, not the ARN");
        assert_eq!(input["ResourceArn"], json!(["arn:aws:rds:us-west-1:111122223333:db:orders"]));
        assert_eq!(input["ConfigRuleName"], json!(["rds-storage-encrypted"]));
    }

    #[test]
    fn the_imported_rule_matches_new_failed_findings_of_the_control_only() {
        let s = template();
        let rule = &s.resources["S3FindingImportedRule"];
        assert_eq!(rule["Condition"], "SecurityHubAutoRemediation");
        let pattern = &rule["Properties"]["EventPattern"];
        let sample = event(IMPORTED_S3);
        assert!(matches(pattern, &sample));
        for (field, value) in [
            ("/detail/findings/0/Compliance/Status", "PASSED"),
            ("/detail/findings/0/Workflow/Status", "RESOLVED"),
            ("/detail/findings/0/RecordState", "ARCHIVED"),
            ("/detail/findings/0/Compliance/SecurityControlId", "S3.1"),
        ] {
            let mut e = sample.clone();
            *e.pointer_mut(field).unwrap() = json!(value);
            assert!(!matches(pattern, &e), "{field}={value} must not start a remediation");
        }
        assert!(!matches(&s.resources["RdsFindingImportedRule"]["Properties"]["EventPattern"], &sample));
        let input = transform(&rule["Properties"]["Targets"][0]["InputTransformer"], &sample);
        assert_eq!(input["ResourceArn"], json!(["arn:aws:s3:::my-data-bucket"]));
        assert!(input.get("ResourceId").is_none(), "the handler takes the bucket from the ARN");
    }

    #[test]
    fn only_rules_backing_a_control_are_wired_and_the_roles_are_scoped() {
        let s = template();
        assert!(s.resources.contains_key("RdsActionTarget") && s.resources.contains_key("S3ActionTarget"));
        assert!(!s.resources.contains_key("IamActionTarget"));
        for t in ["RdsActionTarget", "S3ActionTarget"] {
            let p = &s.resources[t]["Properties"];
            let (id, name) = (p["Id"].as_str().unwrap(), p["Name"].as_str().unwrap());
            assert!(id.len() <= 20 && id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert!(name.len() < 20, "Security Hub: the name must be fewer than 20 characters: {name}");
        }
        // The handler's role trusts Automation as every runbook role does: one trust policy.
        assert_eq!(
            s.resources["FindingAutomationRole"]["Properties"]["AssumeRolePolicyDocument"],
            super::super::automation_trust_policy()
        );
        let policy = &s.resources["FindingAutomationRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
        let pass = policy.as_array().unwrap().iter().find(|st| st["Sid"] == "PassRunbookRoles").unwrap();
        assert_eq!(pass["Resource"], json!([role_arn("RdsRole")]));
        assert_eq!(pass["Condition"]["StringEquals"]["iam:PassedToService"], "ssm.amazonaws.com");
        let dlq = &s.resources["DeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
        assert!(dlq["Condition"]["ArnEquals"]["aws:SourceArn"]
            .as_array()
            .unwrap()
            .contains(&json!({"Fn::GetAtt": ["RdsFindingActionRule", "Arn"]})));
        let mut none = Sections::default();
        add(&mut none, &[]);
        assert!(none.resources.is_empty() && none.parameters.is_empty());
    }

    #[test]
    fn every_control_was_read_on_its_aws_page_and_is_documented() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security-hub.md"))
            .expect("docs/security-hub.md");
        for c in CONTROLS {
            assert!(c.confirmed, "{} ({:?}): not read on its AWS page", c.config_rule, c.ids);
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", c.config_rule)))
                .unwrap_or_else(|| panic!("docs/security-hub.md has no row for {}", c.config_rule));
            for id in c.ids {
                assert!(row.contains(&format!(" {id} |")) || row.contains(&format!("**{id}**")), "{row}");
            }
            assert!(row.contains(c.source), "{row} lacks the page {}", c.source);
        }
        // EC2.19 is backed by Security Hub's own rule, not by restricted-common-ports.
        assert_eq!(controls("RESTRICTED_INCOMING_TRAFFIC"), ["EC2.14"]);
        assert!(!CONTROLS.iter().any(|c| c.ids.contains(&"EC2.19")));
    }

    #[test]
    fn the_handler_runs_the_remediation_and_ends_with_the_finding_update() {
        let doc = finding_document();
        let names: Vec<&str> = doc.main_steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Prepare", "Remediate", "ResolveFinding", "NotifyFinding"]);
        assert_eq!(doc.main_steps[1].next_step.as_deref(), Some("ResolveFinding"));
        let errors = crate::validate::errors(&doc);
        assert!(errors.is_empty(), "{errors:?}");
        let actions = crate::iam::derive_document(&doc).actions();
        assert!(actions.contains("securityhub:BatchUpdateFindings"), "{actions:?}");
        let _: &Map = doc.main_steps[1].action.inputs().as_ref().unwrap();
    }

    #[test]
    fn the_handler_takes_the_resource_id_from_the_arn() {
        let Ok(out) = std::process::Command::new("python3")
            .arg("-c")
            .arg(format!(
                "{}\nfor a in {:?}: print(resource_id(a, ''))\nprint(resource_id('x', 'given'))",
                PREPARE.replace("import boto3\n", ""),
                [
                    "arn:aws:s3:::my-data-bucket",
                    "arn:aws:ec2:us-west-2:111122223333:instance/i-0123456789abcdef0",
                    "arn:aws:ec2:us-west-2:111122223333:security-group/sg-0123456789abcdef0",
                    "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                ]
            ))
            .output()
        else {
            eprintln!("python3 is missing: the handler's resource-id script was not run");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "my-data-bucket",
                "i-0123456789abcdef0",
                "sg-0123456789abcdef0",
                "1234abcd-12ab-34cd-56ef-1234567890ab",
                "given"
            ],
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
