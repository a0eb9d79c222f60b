//! Every generated template, read back from what `emit` writes: approvals asked first and heard,
//! failures watched (issue 15 points 3 and 4), checked on the real catalog rather than on
//! hand-made documents.

use runbook_dsl::model::Value;
use runbooks::wiring;

fn templates() -> Vec<(String, Value)> {
    let entries = runbooks::catalog().expect("the catalog builds");
    wiring::files(&entries)
        .expect("every catalog runbook is wired")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".template.yaml") && name != wiring::ORGANIZATION_TEMPLATE)
        .map(|(name, text)| {
            let t = runbook_dsl::yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, t)
        })
        .collect()
}

#[test]
fn every_template_has_an_encrypted_automation_topic_watched_rules_and_alarm() {
    for (name, t) in templates() {
        let r = &t["Resources"];
        let topic = &r["NotificationTopic"]["Properties"];
        let topic_name = topic["TopicName"]["Fn::Sub"].as_str().unwrap_or_default();
        assert!(topic_name.starts_with("Automation"), "{name}: aws:approve needs a topic named Automation*");
        assert_eq!(topic["KmsMasterKeyId"]["Ref"], "NotificationKey", "{name}: the topic is encrypted");
        for (rule, status) in [("FailureRule", "Failed"), ("ApprovalRule", "Waiting")] {
            let p = &r[rule]["Properties"];
            let statuses = p["EventPattern"]["detail"]["Status"].as_array().expect("statuses");
            assert!(statuses.iter().any(|s| s == status), "{name}: {rule} reports {status}");
            assert_eq!(p["Targets"][0]["Arn"]["Ref"], "NotificationTopic", "{name}: {rule} notifies the topic");
            assert!(p["Targets"][0]["DeadLetterConfig"]["Arn"].is_object(), "{name}: {rule} has a dead-letter queue");
        }
        let alarm = &r["FailureAlarm"]["Properties"];
        assert_eq!(
            (alarm["Namespace"].as_str(), alarm["MetricName"].as_str()),
            (Some("AWS/Events"), Some("TriggeredRules"))
        );
        assert_eq!(alarm["Dimensions"][0]["Value"]["Ref"], "FailureRule", "{name}");
        assert_eq!(alarm["AlarmActions"][0]["Ref"], "NotificationTopic", "{name}");
        assert!(r["DeadLetterQueue"]["Properties"]["KmsMasterKeyId"].is_object(), "{name}: the queue is encrypted");
    }
}

#[test]
fn the_catalog_asks_first_and_every_approval_topic_parameter_gets_the_topic() {
    let entries = runbooks::catalog().expect("the catalog builds");
    for (name, t) in templates() {
        if name == wiring::CATALOG_TEMPLATE {
            for (param, spec) in t["Parameters"].as_object().expect("parameters") {
                let Some(allowed) = spec["AllowedValues"].as_array().filter(|_| param.ends_with("Runbook")) else {
                    continue;
                };
                if allowed.iter().any(|v| v.as_str().is_some_and(|v| v.ends_with("-WithApproval"))) {
                    let default = spec["Default"].as_str().unwrap_or_default();
                    assert!(default.ends_with("-WithApproval"), "{param} defaults to {default}: start with approval");
                }
            }
        }
        for (id, res) in t["Resources"].as_object().expect("resources") {
            if res["Type"] != "AWS::Config::RemediationConfiguration" {
                continue;
            }
            let doc = res["Properties"]["TargetId"]["Ref"].as_str().expect("a document reference");
            let doc_name = t["Resources"][doc]["Properties"]["Name"].as_str().expect("a document name");
            let entry = entries.iter().find(|e| e.name == doc_name).expect("a catalog runbook");
            let wired = &res["Properties"]["Parameters"]["NotificationArn"]["StaticValue"]["Values"][0]["Ref"];
            if entry.document.parameters.contains_key("NotificationArn") {
                assert_eq!(wired, "NotificationTopic", "{name} {id}: NotificationArn gets the topic");
            } else {
                assert!(wired.is_null(), "{name} {id}");
            }
        }
    }
}
