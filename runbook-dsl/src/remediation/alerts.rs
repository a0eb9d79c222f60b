//! What makes a deployed remediation heard and watched: the parts of a template around the
//! runbooks.
//!
//! - An SNS topic whose name starts with `Automation` (AWS requires that prefix for an
//!   `aws:approve` step's `NotificationArn`), encrypted with a customer managed KMS key. The
//!   runbooks that take a `NotificationArn` parameter get the topic's ARN, so every approval request
//!   is published to it.
//! - Two EventBridge rules on the runbooks' automation executions: one on runs ending `Failed`,
//!   `TimedOut` or `Cancelled`, one on runs `Waiting` (an approval is pending). Both notify the
//!   topic; events EventBridge cannot deliver go to an encrypted SQS dead-letter queue.
//! - Two CloudWatch alarms notifying the topic: on the failure rule's `TriggeredRules` metric
//!   (`AWS/Events`), and on messages in the dead-letter queue.
//! - Optionally an e-mail subscription and an AWS Chatbot Slack channel configuration subscribed to
//!   the topic; empty parameters create neither (CloudFormation `Conditions`).
//!
//! The key policy lets the account administer the key (the default key policy statement, without
//! which nobody could change it), lets EventBridge and CloudWatch use it to publish to the topic
//! and EventBridge to write to the dead-letter queue (AWS's SNS guide, "Enable compatibility
//! between event sources from AWS services and encrypted topics": `kms:Decrypt` and
//! `kms:GenerateDataKey*` for the service principal), and lets the runbooks' roles use it only
//! through SNS (`kms:ViaService`) to publish their approval requests.
//!
//! ```
//! use runbook_dsl::remediation::alerts::{self, Sections};
//! use serde_json::json;
//!
//! let mut s = Sections::default();
//! alerts::add(&mut s, &[json!({"Ref": "Document"})], &[json!({"Fn::GetAtt": ["AutomationRole", "Arn"]})]);
//! let topic = &s.resources["NotificationTopic"]["Properties"];
//! assert_eq!(topic["TopicName"], json!({"Fn::Sub": "Automation-${AWS::StackName}"}));
//! assert_eq!(topic["KmsMasterKeyId"], json!({"Ref": "NotificationKey"}));
//! assert_eq!(s.resources["ApprovalRule"]["Properties"]["EventPattern"]["detail"]["Status"], json!(["Waiting"]));
//! ```

use crate::model::{Map, Value};
use serde_json::json;

/// Automation statuses that notify the topic as failures (and count in the failure alarm).
pub const FAILED_STATUSES: [&str; 3] = ["Failed", "TimedOut", "Cancelled"];

/// The automation status of a run waiting for an approval (`aws:approve`).
pub const WAITING_STATUS: &str = "Waiting";

/// Logical id of the topic.
pub const TOPIC: &str = "NotificationTopic";

/// The runbook parameter that receives the topic's ARN (the `aws:approve` steps' `NotificationArn`).
pub const NOTIFICATION_ARN_PARAM: &str = "NotificationArn";

/// The four sections of a template being built.
#[derive(Clone, Debug, Default)]
pub struct Sections {
    /// `Parameters`.
    pub parameters: Map,
    /// `Conditions`.
    pub conditions: Map,
    /// `Resources`.
    pub resources: Map,
    /// `Outputs`.
    pub outputs: Map,
}

/// The detail-type of SSM's automation execution status events.
pub const AUTOMATION_STATUS_EVENT: &str = "EC2 Automation Execution Status-change Notification";

/// Adds the topic, its key, the rules, the dead-letter queue, the alarms and the optional
/// subscriptions. `documents` are the runbooks' `AWS::SSM::Document` references (their
/// executions are watched); `publishers` are the ARNs of the roles whose runbooks publish
/// approval requests to the topic.
pub fn add(s: &mut Sections, documents: &[Value], publishers: &[Value]) {
    parameters(s);
    key(s, publishers);
    topic(s);
    rules(s, documents);
    dead_letter_queue(s);
    alarms(s);
    chat(s);
    s.outputs.insert(
        "NotificationTopicArn".into(),
        json!({
            "Description": "The SNS topic of approval requests, waiting runs, failed, timed-out or cancelled runs and alarms.",
            "Value": {"Ref": TOPIC},
        }),
    );
    s.outputs.insert(
        "DeadLetterQueueUrl".into(),
        json!({"Description": "Events EventBridge could not deliver to the topic.", "Value": {"Ref": "DeadLetterQueue"}}),
    );
}

fn not_empty(param: &str) -> Value {
    json!({"Fn::Not": [{"Fn::Equals": [{"Ref": param}, ""]}]})
}

fn parameters(s: &mut Sections) {
    s.parameters.insert(
        "NotificationEmail".into(),
        json!({
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^$|^[^@\\s]+@[^@\\s]+$",
            "Description": "E-mail address subscribed to the notification topic: approval requests, runs waiting for approval, runs ending Failed, TimedOut or Cancelled, alarms (empty: no subscription).",
        }),
    );
    s.parameters.insert(
        "SlackWorkspaceId".into(),
        json!({
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^$|^[0-9A-Z]{1,255}$",
            "Description": "AWS Chatbot: the Slack workspace (team) id, authorized once in the Chatbot console (empty, or SlackChannelId empty: no chat channel).",
        }),
    );
    s.parameters.insert(
        "SlackChannelId".into(),
        json!({
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^$|^[A-Za-z0-9]+$",
            "Description": "AWS Chatbot: the Slack channel id (e.g. C0123456789) that receives the notification topic (empty: no chat channel).",
        }),
    );
    s.conditions.insert("HasNotificationEmail".into(), not_empty("NotificationEmail"));
    s.conditions.insert(
        "HasSlackChannel".into(),
        json!({"Fn::And": [not_empty("SlackWorkspaceId"), not_empty("SlackChannelId")]}),
    );
}

fn key(s: &mut Sections, publishers: &[Value]) {
    let service_uses_key = |sid: &str, service: &str| {
        json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        })
    };
    let mut statements = vec![
        json!({
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*",
            "Resource": "*",
        }),
        service_uses_key("EventBridgePublishes", "events.amazonaws.com"),
        service_uses_key("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com"),
    ];
    if !publishers.is_empty() {
        statements.push(json!({
            "Sid": "RunbooksPublishApprovalRequests",
            "Effect": "Allow",
            "Principal": {"AWS": publishers},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "sns.${AWS::Region}.amazonaws.com"}}},
        }));
    }
    s.resources.insert(
        "NotificationKey".into(),
        json!({
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": "Encrypts the remediation notification topic and its dead-letter queue.",
                "EnableKeyRotation": true,
                "KeyPolicy": {"Version": "2012-10-17", "Statement": statements},
            }
        }),
    );
    s.resources.insert(
        "NotificationKeyAlias".into(),
        json!({
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": {"Fn::Sub": "alias/${AWS::StackName}-notifications"},
                "TargetKeyId": {"Ref": "NotificationKey"},
            }
        }),
    );
}

fn topic(s: &mut Sections) {
    s.resources.insert(
        TOPIC.into(),
        json!({
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": {"Fn::Sub": "Automation-${AWS::StackName}"},
                "DisplayName": "Remediation runbooks: approvals, failures, alarms",
                "KmsMasterKeyId": {"Ref": "NotificationKey"},
            }
        }),
    );
    s.resources.insert(
        "NotificationTopicPolicy".into(),
        json!({
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": TOPIC}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EventBridgeRulesPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": TOPIC},
                            "Condition": {"ArnEquals": {"aws:SourceArn": [
                                {"Fn::GetAtt": ["FailureRule", "Arn"]},
                                {"Fn::GetAtt": ["ApprovalRule", "Arn"]},
                            ]}},
                        },
                        {
                            "Sid": "CloudWatchAlarmsPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": TOPIC},
                            "Condition": {
                                "ArnEquals": {"aws:SourceArn": [
                                    {"Fn::GetAtt": ["FailureAlarm", "Arn"]},
                                    {"Fn::GetAtt": ["DeadLetterAlarm", "Arn"]},
                                ]},
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            },
                        },
                    ],
                },
            }
        }),
    );
    s.resources.insert(
        "NotificationEmailSubscription".into(),
        json!({
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasNotificationEmail",
            "Properties": {"Protocol": "email", "Endpoint": {"Ref": "NotificationEmail"}, "TopicArn": {"Ref": TOPIC}},
        }),
    );
}

fn rule(documents: &[Value], statuses: &[&str], description: &str, target_id: &str) -> Value {
    json!({
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Description": description,
            "State": "ENABLED",
            "EventPattern": {
                "source": ["aws.ssm"],
                "detail-type": [AUTOMATION_STATUS_EVENT],
                "detail": {"Definition": documents, "Status": statuses},
            },
            "Targets": [{
                "Id": target_id,
                "Arn": {"Ref": TOPIC},
                "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}},
                "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
            }],
        }
    })
}

fn rules(s: &mut Sections, documents: &[Value]) {
    s.resources.insert(
        "FailureRule".into(),
        rule(
            documents,
            &FAILED_STATUSES,
            "Automation executions of the remediation runbooks that end Failed, TimedOut or Cancelled.",
            "NotifyFailure",
        ),
    );
    s.resources.insert(
        "ApprovalRule".into(),
        rule(
            documents,
            &[WAITING_STATUS],
            "Automation executions of the remediation runbooks that wait for an approval.",
            "NotifyWaiting",
        ),
    );
}

fn dead_letter_queue(s: &mut Sections) {
    s.resources.insert(
        "DeadLetterQueue".into(),
        json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "KmsMasterKeyId": {"Ref": "NotificationKey"},
                "MessageRetentionPeriod": 1_209_600,
            }
        }),
    );
    s.resources.insert(
        "DeadLetterQueuePolicy".into(),
        json!({
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": "DeadLetterQueue"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "EventBridgeRulesDeadLetter",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
                        "Condition": {"ArnEquals": {"aws:SourceArn": [
                            {"Fn::GetAtt": ["FailureRule", "Arn"]},
                            {"Fn::GetAtt": ["ApprovalRule", "Arn"]},
                        ]}},
                    }],
                },
            }
        }),
    );
}

/// What an alarm watches: its metric, the metric's dimension and the statistic over 5 minutes.
struct Watch<'a> {
    name: &'a str,
    description: &'a str,
    namespace: &'a str,
    metric: &'a str,
    dimension: (&'a str, Value),
    statistic: &'a str,
}

/// An alarm that notifies the topic once its metric reaches 1 in a 5-minute period (no data:
/// not breaching).
fn alarm(w: Watch) -> Value {
    json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": format!("${{AWS::StackName}}-{}", w.name)},
            "AlarmDescription": w.description,
            "Namespace": w.namespace,
            "MetricName": w.metric,
            "Dimensions": [{"Name": w.dimension.0, "Value": w.dimension.1}],
            "Statistic": w.statistic,
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": TOPIC}],
        }
    })
}

fn alarms(s: &mut Sections) {
    s.resources.insert(
        "FailureAlarm".into(),
        alarm(Watch {
            name: "remediation-failures",
            description: "A remediation runbook ended Failed, TimedOut or Cancelled (the failure rule matched) in the last 5 minutes.",
            namespace: "AWS/Events",
            metric: "TriggeredRules",
            dimension: ("RuleName", json!({"Ref": "FailureRule"})),
            statistic: "Sum",
        }),
    );
    s.resources.insert(
        "DeadLetterAlarm".into(),
        alarm(Watch {
            name: "undelivered-notifications",
            description:
                "EventBridge could not deliver a remediation notification to the topic: read the dead-letter queue.",
            namespace: "AWS/SQS",
            metric: "ApproximateNumberOfMessagesVisible",
            dimension: ("QueueName", json!({"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]})),
            statistic: "Maximum",
        }),
    );
}

fn chat(s: &mut Sections) {
    s.resources.insert(
        "ChatbotRole".into(),
        json!({
            "Type": "AWS::IAM::Role",
            "Condition": "HasSlackChannel",
            "Properties": {
                "Description": "AWS Chatbot channel role of the remediation notifications: no permissions (notifications only).",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "chatbot.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }],
                },
            }
        }),
    );
    s.resources.insert(
        "SlackChannel".into(),
        json!({
            "Type": "AWS::Chatbot::SlackChannelConfiguration",
            "Condition": "HasSlackChannel",
            "Properties": {
                "ConfigurationName": {"Fn::Sub": "${AWS::StackName}-${AWS::Region}"},
                "IamRoleArn": {"Fn::GetAtt": ["ChatbotRole", "Arn"]},
                "SlackWorkspaceId": {"Ref": "SlackWorkspaceId"},
                "SlackChannelId": {"Ref": "SlackChannelId"},
                "SnsTopicArns": [{"Ref": TOPIC}],
                "GuardrailPolicies": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}],
                "LoggingLevel": "ERROR",
            }
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Sections {
        let mut s = Sections::default();
        add(&mut s, &[json!({"Ref": "Document"})], &[json!({"Fn::GetAtt": ["AutomationRole", "Arn"]})]);
        s
    }

    fn statement<'a>(policy: &'a Value, sid: &str) -> &'a Value {
        policy["Statement"]
            .as_array()
            .and_then(|a| a.iter().find(|st| st["Sid"] == sid))
            .unwrap_or_else(|| panic!("no statement {sid} in {policy}"))
    }

    #[test]
    fn the_topic_name_starts_with_automation_and_is_encrypted_with_the_stack_key() {
        let s = built();
        let t = &s.resources[TOPIC]["Properties"];
        let name = t["TopicName"]["Fn::Sub"].as_str().unwrap();
        assert!(name.starts_with("Automation"), "aws:approve requires the prefix: {name}");
        assert_eq!(t["KmsMasterKeyId"], json!({"Ref": "NotificationKey"}));
        assert_eq!(s.resources["NotificationKey"]["Properties"]["EnableKeyRotation"], true);
    }

    #[test]
    fn the_key_lets_eventbridge_cloudwatch_and_the_publishing_roles_use_it() {
        let s = built();
        let policy = &s.resources["NotificationKey"]["Properties"]["KeyPolicy"];
        for (sid, service) in
            [("EventBridgePublishes", "events.amazonaws.com"), ("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com")]
        {
            let st = statement(policy, sid);
            assert_eq!(st["Principal"]["Service"], service);
            assert_eq!(st["Action"], json!(["kms:Decrypt", "kms:GenerateDataKey*"]));
        }
        let roles = statement(policy, "RunbooksPublishApprovalRequests");
        assert_eq!(roles["Principal"]["AWS"], json!([{"Fn::GetAtt": ["AutomationRole", "Arn"]}]));
        assert_eq!(
            roles["Condition"]["StringEquals"]["kms:ViaService"],
            json!({"Fn::Sub": "sns.${AWS::Region}.amazonaws.com"})
        );
        let mut none = Sections::default();
        add(&mut none, &[json!({"Ref": "Document"})], &[]);
        let statements = none.resources["NotificationKey"]["Properties"]["KeyPolicy"]["Statement"].as_array().unwrap();
        assert!(statements.iter().all(|st| st["Sid"] != "RunbooksPublishApprovalRequests"), "no empty principal list");
    }

    #[test]
    fn failures_and_waiting_runs_notify_the_topic_with_a_dead_letter_queue() {
        let s = built();
        for (rule, statuses) in [("FailureRule", json!(FAILED_STATUSES)), ("ApprovalRule", json!(["Waiting"]))] {
            let p = &s.resources[rule]["Properties"];
            assert_eq!(p["EventPattern"]["detail"]["Status"], statuses, "{rule}");
            assert_eq!(p["EventPattern"]["detail"]["Definition"], json!([{"Ref": "Document"}]));
            assert_eq!(p["Targets"][0]["Arn"], json!({"Ref": TOPIC}));
            assert_eq!(p["Targets"][0]["DeadLetterConfig"]["Arn"], json!({"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}));
            let arn = json!({"Fn::GetAtt": [rule, "Arn"]});
            let topic = &s.resources["NotificationTopicPolicy"]["Properties"]["PolicyDocument"];
            let queue = &s.resources["DeadLetterQueuePolicy"]["Properties"]["PolicyDocument"];
            for (policy, sid) in [(topic, "EventBridgeRulesPublish"), (queue, "EventBridgeRulesDeadLetter")] {
                let sources = &statement(policy, sid)["Condition"]["ArnEquals"]["aws:SourceArn"];
                assert!(sources.as_array().unwrap().contains(&arn), "{sid} lacks {rule}");
            }
        }
        assert_eq!(s.resources["DeadLetterQueue"]["Properties"]["KmsMasterKeyId"], json!({"Ref": "NotificationKey"}));
    }

    #[test]
    fn the_failure_alarm_counts_the_failure_rule_and_notifies_the_topic() {
        let s = built();
        let a = &s.resources["FailureAlarm"]["Properties"];
        assert_eq!(a["Namespace"], "AWS/Events");
        assert_eq!(a["MetricName"], "TriggeredRules");
        assert_eq!(a["Dimensions"], json!([{"Name": "RuleName", "Value": {"Ref": "FailureRule"}}]));
        assert_eq!(a["AlarmActions"], json!([{"Ref": TOPIC}]));
        let topic = &s.resources["NotificationTopicPolicy"]["Properties"]["PolicyDocument"];
        let sources = &statement(topic, "CloudWatchAlarmsPublish")["Condition"]["ArnEquals"]["aws:SourceArn"];
        assert!(sources.as_array().unwrap().contains(&json!({"Fn::GetAtt": ["FailureAlarm", "Arn"]})));
    }

    #[test]
    fn empty_chat_and_email_parameters_create_nothing() {
        let s = built();
        assert_eq!(s.resources["SlackChannel"]["Condition"], "HasSlackChannel");
        assert_eq!(s.resources["ChatbotRole"]["Condition"], "HasSlackChannel");
        assert_eq!(s.resources["NotificationEmailSubscription"]["Condition"], "HasNotificationEmail");
        for p in ["SlackWorkspaceId", "SlackChannelId", "NotificationEmail"] {
            assert_eq!(s.parameters[p]["Default"], "", "{p} is optional");
        }
        assert_eq!(s.resources["SlackChannel"]["Properties"]["SnsTopicArns"], json!([{"Ref": TOPIC}]));
        assert!(s.resources["ChatbotRole"]["Properties"].get("Policies").is_none());
    }
}
