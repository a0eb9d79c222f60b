//! What each Automation action needs from the role it runs as.
//!
//! API actions (`aws:executeAwsApi`, `aws:assertAwsResourceProperty`,
//! `aws:waitForAwsResourceProperty`) go through the service table in [`super::services`];
//! `aws:executeScript` through the boto3 scan in [`super::script`]; the other actions have
//! their own fixed permissions, some depending on their inputs (the desired state of
//! `aws:changeInstanceState`, the `NotificationArn` of `aws:approve`, a role passed to
//! `aws:createStack` or `aws:runCommand`, ...). Flow actions (`aws:branch`, `aws:loop`,
//! `aws:pause`, `aws:sleep`, `aws:updateVariable`) need nothing.

use super::{script, services};
use crate::model::{Map, Value};

/// What one step needs, before explicit grants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// IAM actions.
    pub actions: Vec<String>,
    /// Service principals a role is passed to (`iam:PassRole` with `iam:PassedToService`).
    pub pass_role_to: Vec<String>,
    /// KMS actions allowed only through a service (`kms:ViaService`): (service, actions).
    pub kms_via: Vec<(String, Vec<String>)>,
    /// Where the actions come from, for review: `ec2.DescribeInstances`, `script: s3.put_object`.
    pub sources: Vec<String>,
    /// What could not be derived and must be declared on the step.
    pub notes: Vec<String>,
    /// The runbook an `aws:executeAutomation` step starts, when it is a literal name, and
    /// whether the child gets its own `AutomationAssumeRole`.
    pub child: Option<(String, bool)>,
}

impl Needs {
    fn act(&mut self, actions: &[&str]) {
        for a in actions {
            self.actions.push(a.to_string());
        }
    }
}

/// A literal string input (not a `{{ reference }}`).
fn literal(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.contains("{{"))
}

fn is_true(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The keys of `inputs` that are the action's own, for the three API actions.
const API_OWN_INPUTS: &[&str] = &["Service", "Api", "PropertySelector", "DesiredValues"];

/// The permissions an action with these inputs needs (`action` is the `aws:` name).
///
/// ```
/// use runbook_dsl::iam::builtins::needs;
/// let inputs = serde_json::json!({"InstanceIds": ["i-1"], "DesiredState": "stopped"});
/// let n = needs("aws:changeInstanceState", inputs.as_object().unwrap());
/// assert_eq!(n.actions, vec!["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:StopInstances"]);
/// ```
pub fn needs(action: &str, inputs: &Map) -> Needs {
    let mut n = Needs::default();
    match action {
        "aws:executeAwsApi" | "aws:assertAwsResourceProperty" | "aws:waitForAwsResourceProperty" => {
            api_call(&mut n, inputs);
        }
        "aws:executeScript" => script_calls(&mut n, inputs),
        "aws:changeInstanceState" => {
            // The action reads the state with DescribeInstances and polls DescribeInstanceStatus
            // for every desired state, assert mode included (AWS's AmazonSSMAutomationRole policy
            // grants DescribeInstanceStatus with Start/Stop/TerminateInstances).
            n.act(&["ec2:DescribeInstances", "ec2:DescribeInstanceStatus"]);
            let state = literal(inputs.get("DesiredState"));
            if !is_true(inputs.get("CheckStateOnly")) {
                match state {
                    Some("running") => n.act(&["ec2:StartInstances"]),
                    Some("stopped") => n.act(&["ec2:StopInstances"]),
                    Some("terminated") => n.act(&["ec2:TerminateInstances"]),
                    _ => {
                        n.act(&["ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"]);
                        n.notes.push(
                            "DesiredState is not a literal: start, stop and terminate are all granted; \
                             give a literal state or override the step"
                                .into(),
                        );
                    }
                }
                if n.actions.iter().any(|a| a == "ec2:StartInstances") {
                    // Starting an instance whose EBS volumes use a customer managed key: EC2
                    // creates a grant on the key for the caller.
                    n.kms_via.push(("ec2".into(), vec!["kms:CreateGrant".into()]));
                }
            }
        }
        "aws:createImage" => n.act(&["ec2:CreateImage", "ec2:DescribeImages"]),
        "aws:copyImage" => {
            n.act(&["ec2:CopyImage", "ec2:DescribeImages"]);
            if inputs.contains_key("KmsKeyId") {
                n.kms_via.push(("ec2".into(), services::EBS_KMS.iter().map(|a| a.to_string()).collect()));
            }
        }
        "aws:deleteImage" => n.act(&["ec2:DescribeImages", "ec2:DeregisterImage", "ec2:DeleteSnapshot"]),
        "aws:createTags" => match inputs.get("ResourceType") {
            None => n.act(&["ec2:CreateTags"]),
            Some(v) => match literal(Some(v)) {
                Some("EC2") => n.act(&["ec2:CreateTags"]),
                Some("ManagedInstance" | "MaintenanceWindow" | "Parameter") => n.act(&["ssm:AddTagsToResource"]),
                _ => n.act(&["ec2:CreateTags", "ssm:AddTagsToResource"]),
            },
        },
        "aws:runInstances" => {
            n.act(&["ec2:RunInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus"]);
            if inputs.contains_key("TagSpecifications") {
                n.act(&["ec2:CreateTags"]);
            }
            if inputs.contains_key("IamInstanceProfileArn") || inputs.contains_key("IamInstanceProfileName") {
                n.pass_role_to.push("ec2.amazonaws.com".into());
            }
        }
        "aws:createStack" | "aws:deleteStack" => {
            let verb =
                if action == "aws:createStack" { "cloudformation:CreateStack" } else { "cloudformation:DeleteStack" };
            n.act(&[verb, "cloudformation:DescribeStacks"]);
            if inputs.contains_key("RoleARN") {
                n.pass_role_to.push("cloudformation.amazonaws.com".into());
            } else {
                n.notes.push(
                    "no RoleARN: CloudFormation acts on the stack's resources with this role; grant those \
                     actions on the step or pass a RoleARN"
                        .into(),
                );
            }
        }
        "aws:executeAutomation" => {
            n.act(&["ssm:StartAutomationExecution", "ssm:GetAutomationExecution"]);
            if inputs.contains_key("Tags") {
                n.act(&["ssm:AddTagsToResource"]);
            }
            let own_role = inputs
                .get("RuntimeParameters")
                .and_then(Value::as_object)
                .is_some_and(|m| m.contains_key("AutomationAssumeRole"));
            if own_role {
                n.pass_role_to.push("ssm.amazonaws.com".into());
            }
            match literal(inputs.get("DocumentName")) {
                Some(name) => n.child = Some((name.to_string(), own_role)),
                None => n
                    .notes
                    .push("DocumentName is not a literal: the child runbook's permissions are not included".into()),
            }
        }
        "aws:executeStateMachine" => {
            n.act(&["states:StartExecution", "states:DescribeExecution", "states:StopExecution"]);
        }
        "aws:invokeLambdaFunction" => n.act(&["lambda:InvokeFunction"]),
        "aws:invokeWebhook" => n.act(&["ssm:GetParameter"]),
        "aws:runCommand" => {
            n.act(&["ssm:SendCommand", "ssm:ListCommands", "ssm:ListCommandInvocations"]);
            if inputs.contains_key("ServiceRoleArn") {
                n.pass_role_to.push("ssm.amazonaws.com".into());
            }
        }
        "aws:approve" => {
            if inputs.contains_key("NotificationArn") {
                n.act(&["sns:Publish"]);
            }
        }
        "aws:branch" | "aws:loop" | "aws:pause" | "aws:sleep" | "aws:updateVariable" => {}
        other => n.notes.push(format!("unknown action {other}: no permissions derived; declare them on the step")),
    }
    n
}

fn api_call(n: &mut Needs, inputs: &Map) {
    let (Some(service), Some(api)) = (literal(inputs.get("Service")), literal(inputs.get("Api"))) else {
        n.notes.push("Service or Api is not a literal: no permissions derived; declare them on the step".into());
        return;
    };
    let params: Map = inputs
        .iter()
        .filter(|(k, _)| !API_OWN_INPUTS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    n.sources.push(format!("{service}.{api}"));
    n.actions.extend(services::primary_actions(service, api));
    n.actions.extend(services::side_actions(service, api, &params));
    n.pass_role_to.extend(services::passed_to(service, api, &params));
    n.kms_via.extend(services::kms_via(service, api, &params));
    n.notes.extend(services::note(service, api));
}

fn script_calls(n: &mut Needs, inputs: &Map) {
    if inputs.contains_key("Attachment") && !inputs.contains_key("Script") {
        n.notes.push("the script is an attachment, which is not scanned: declare the calls it makes".into());
        return;
    }
    let Some(text) = inputs.get("Script").and_then(Value::as_str) else {
        n.notes.push("no inline script to scan: declare the calls it makes".into());
        return;
    };
    let runtime = inputs.get("Runtime").and_then(Value::as_str).unwrap_or("");
    if runtime.starts_with("PowerShell") {
        n.notes.push("PowerShell scripts are not scanned: declare the calls the script makes".into());
        return;
    }
    let found = script::boto3_calls(text);
    for (service, op) in &found.calls {
        n.sources.push(format!("script: {service}.{op}"));
        n.actions.extend(services::primary_actions(service, op));
        n.notes.extend(services::note(service, op));
    }
    n.notes.extend(found.notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(action: &str, inputs: Value) -> Needs {
        needs(action, inputs.as_object().expect("a map"))
    }

    #[test]
    fn change_instance_state_follows_the_desired_state() {
        let start = of("aws:changeInstanceState", json!({"InstanceIds": ["i-1"], "DesiredState": "running"}));
        assert_eq!(start.actions, ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:StartInstances"]);
        assert_eq!(start.kms_via, [("ec2".to_string(), vec!["kms:CreateGrant".to_string()])]);
        let stop = of("aws:changeInstanceState", json!({"InstanceIds": ["i-1"], "DesiredState": "stopped"}));
        assert_eq!(stop.actions, ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:StopInstances"]);
        assert!(stop.kms_via.is_empty());
        let check = of(
            "aws:changeInstanceState",
            json!({"InstanceIds": ["i-1"], "DesiredState": "stopped", "CheckStateOnly": true}),
        );
        assert_eq!(check.actions, ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus"]);
        let any = of("aws:changeInstanceState", json!({"InstanceIds": ["i-1"], "DesiredState": "{{ State }}"}));
        assert!(any.actions.contains(&"ec2:TerminateInstances".to_string()));
        assert_eq!(any.notes.len(), 1);
    }

    #[test]
    fn roles_passed_by_builtin_actions_name_their_service() {
        let stack = of("aws:createStack", json!({"StackName": "s", "TemplateURL": "u", "RoleARN": "arn"}));
        assert_eq!(stack.pass_role_to, ["cloudformation.amazonaws.com"]);
        assert!(stack.notes.is_empty());
        let cmd = of("aws:runCommand", json!({"DocumentName": "AWS-RunShellScript", "ServiceRoleArn": "arn"}));
        assert_eq!(cmd.pass_role_to, ["ssm.amazonaws.com"]);
        let child = of(
            "aws:executeAutomation",
            json!({"DocumentName": "Child", "RuntimeParameters": {"AutomationAssumeRole": ["arn"]}}),
        );
        assert_eq!(child.pass_role_to, ["ssm.amazonaws.com"]);
        assert_eq!(child.child, Some(("Child".to_string(), true)));
    }

    #[test]
    fn approve_publishes_only_with_a_topic() {
        assert!(of("aws:approve", json!({"Approvers": ["a"]})).actions.is_empty());
        assert_eq!(
            of("aws:approve", json!({"Approvers": ["a"], "NotificationArn": "arn:aws:sns:us-east-1:1:Automation"}))
                .actions,
            ["sns:Publish"]
        );
    }

    #[test]
    fn api_steps_use_the_table_and_the_parameters() {
        let n = of(
            "aws:executeAwsApi",
            json!({"Service": "ec2", "Api": "RunInstances", "ImageId": "ami-1", "IamInstanceProfile": {"Arn": "a"}, "TagSpecifications": []}),
        );
        assert_eq!(n.actions, ["ec2:RunInstances", "ec2:CreateTags"]);
        assert_eq!(n.pass_role_to, ["ec2.amazonaws.com"]);
        let copy = of("aws:executeAwsApi", json!({"Service": "ec2", "Api": "CopySnapshot", "KmsKeyId": "k"}));
        assert_eq!(copy.actions, ["ec2:CopySnapshot"]);
        assert_eq!(copy.kms_via[0].0, "ec2");
        assert!(of("aws:executeAwsApi", json!({"Service": "ec2", "Api": "CopySnapshot"})).kms_via.is_empty());
        let templated = of("aws:executeAwsApi", json!({"Service": "{{ Service }}", "Api": "Describe"}));
        assert!(templated.actions.is_empty());
        assert_eq!(templated.notes.len(), 1);
    }

    #[test]
    fn scripts_are_scanned() {
        let n = of(
            "aws:executeScript",
            json!({"Runtime": "python3.11", "Handler": "h", "Script": "import boto3\ns3 = boto3.client('s3')\ns3.put_bucket_encryption(Bucket='b')\n"}),
        );
        assert_eq!(n.actions, ["s3:PutEncryptionConfiguration"]);
        assert_eq!(n.sources, ["script: s3.put_bucket_encryption"]);
        let attached = of("aws:executeScript", json!({"Runtime": "python3.11", "Handler": "h", "Attachment": "a.zip"}));
        assert!(attached.actions.is_empty());
        assert_eq!(attached.notes.len(), 1);
    }
}
