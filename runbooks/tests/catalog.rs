//! The catalog as a reviewer checks it: a snapshot of every document, and the rules every
//! remediation runbook follows (role, patterns, compliant path, approval before the first change,
//! undo wiring, verification, outputs).

use runbook_dsl::emit;
use runbook_dsl::model::{Action, DataType, Document, OnCancel, OnFailure, ParameterType, Step};
use runbooks::catalog::{catalog, CatalogEntry};
use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

/// Lets the builder twin (`macro_twin.rs`) name `crate::catalog::ConfigTarget`, as it does
/// inside the catalog.
pub use runbooks::catalog::ConfigTarget;

fn entries() -> Vec<CatalogEntry> {
    catalog().unwrap_or_else(|e| panic!("{e}"))
}

/// Whether a step changes something in the account (reads, checks and flow do not).
fn is_mutating(step: &Step) -> bool {
    match &step.action {
        Action::ExecuteAwsApi(a) => !["Describe", "Get", "List"].iter().any(|p| a.api.starts_with(p)),
        Action::ChangeInstanceState(c) => c.check_state_only.is_none(),
        Action::Approve(_)
        | Action::AssertAwsResourceProperty(_)
        | Action::WaitForAwsResourceProperty(_)
        | Action::Branch(_)
        | Action::Sleep(_) => false,
        // Scripts of the catalog only read (they filter what an API returned).
        Action::ExecuteScript(_) => false,
        // A loop changes what its nested steps change.
        Action::Loop(l) => l.steps.iter().any(is_mutating),
        other => panic!("the catalog does not use {}", other.name()),
    }
}

/// A check of the fix: an assert or wait, or (where no assert can express the check, e.g. "no
/// rule is left") a read-only script named `Verify...` that fails while the resource is wrong.
fn is_verify(step: &Step) -> bool {
    match step.action {
        Action::AssertAwsResourceProperty(_) | Action::WaitForAwsResourceProperty(_) => true,
        Action::ExecuteScript(_) => step.name.starts_with("Verify"),
        _ => false,
    }
}

fn is_undo(name: &str) -> bool {
    name.starts_with("Undo")
}

/// The steps a successful step hands over to (not the failure routes).
fn successors(doc: &Document, i: usize) -> Vec<usize> {
    let step = &doc.main_steps[i];
    let index =
        |name: &str| doc.main_steps.iter().position(|s| s.name == name).unwrap_or_else(|| panic!("no step {name}"));
    let next_listed = || if i + 1 < doc.main_steps.len() { vec![i + 1] } else { vec![] };
    if let Action::Branch(b) = &step.action {
        let mut out: Vec<usize> = b.choices.iter().map(|c| index(&c.next_step)).collect();
        match &b.default {
            Some(d) => out.push(index(d)),
            None => out.extend(next_listed()),
        }
        return out;
    }
    if step.is_end == Some(true) {
        return vec![];
    }
    match &step.next_step {
        Some(n) => vec![index(n)],
        None => next_listed(),
    }
}

/// Steps reachable from the first step on the main paths (success, and reads failing over to
/// another step), without passing through `stop`.
fn reachable_avoiding(doc: &Document, stop: impl Fn(&Step) -> bool) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        if !seen.insert(i) || stop(&doc.main_steps[i]) {
            continue;
        }
        queue.extend(successors(doc, i));
        // A read that fails over to another step (e.g. "no configuration yet") is a main path too.
        if let Some(OnFailure::Step(t)) = &doc.main_steps[i].on_failure {
            if !is_undo(t) {
                queue.extend(doc.main_steps.iter().position(|s| &s.name == t));
            }
        }
    }
    seen
}

/// The longest a path from step `i` can run (each step's timeout times its attempts; an
/// `aws:sleep` its duration; a branch nothing), following every successor.
fn worst_case_seconds(doc: &Document, i: usize) -> u64 {
    let s = &doc.main_steps[i];
    let own = match &s.action {
        Action::Branch(_) => 0,
        Action::Sleep(sl) => {
            let d = sl.duration.as_ref().and_then(|v| v.as_str()).unwrap_or("");
            let n: u64 = d.trim_start_matches("PT").trim_end_matches(['S', 'M', 'H']).parse().unwrap_or(3600);
            n * if d.ends_with('M') {
                60
            } else if d.ends_with('H') {
                3600
            } else {
                1
            }
        }
        // A loop runs its nested steps once per item, at most MaxIterations times.
        Action::Loop(l) => {
            let pass: u64 =
                l.steps.iter().map(|n| n.timeout_seconds.unwrap_or(3600) * n.max_attempts.unwrap_or(1)).sum();
            pass * l.max_iterations.as_ref().and_then(|v| v.as_u64()).unwrap_or(100)
        }
        // An approval waits up to 7 days unless it says otherwise.
        Action::Approve(_) => s.timeout_seconds.unwrap_or(604_800),
        _ => s.timeout_seconds.unwrap_or(3600) * s.max_attempts.unwrap_or(1),
    };
    own + successors(doc, i).into_iter().map(|n| worst_case_seconds(doc, n)).max().unwrap_or(0)
}

#[test]
fn every_catalog_document_matches_its_snapshot() {
    for e in entries() {
        insta::assert_snapshot!(e.name.clone(), emit::to_yaml(&e.document));
    }
}

#[test]
fn every_runbook_takes_the_role_and_the_resource_id_config_passes() {
    for e in entries() {
        let d = &e.document;
        assert_eq!(d.assume_role.as_deref(), Some("{{ AutomationAssumeRole }}"), "{}", e.name);
        let p = d.parameters.get(e.target.resource_id_param);
        let p = p.unwrap_or_else(|| panic!("{}: no parameter {}", e.name, e.target.resource_id_param));
        assert_eq!(p.ty, ParameterType::Data(DataType::String), "{}", e.name);
        assert!(p.is_required(), "{}: the resource id must be required", e.name);
        assert!(d.description.as_deref().unwrap_or("").len() > 200, "{}: the description is too thin", e.name);
    }
}

#[test]
fn every_string_parameter_has_an_allowed_pattern_that_compiles() {
    for e in entries() {
        for (name, p) in &e.document.parameters {
            let pattern = match p.allowed_pattern.as_deref() {
                Some(pattern) => pattern,
                None if p.ty.data_type() == DataType::String => panic!("{}: {name} has no pattern", e.name),
                None => continue,
            };
            let re = regex::Regex::new(pattern).unwrap_or_else(|err| panic!("{}: {name}: {err}", e.name));
            if let Some(default) = p.default.as_ref().and_then(|v| v.as_str()) {
                assert!(re.is_match(default), "{}: the default of {name} breaks its own pattern", e.name);
            }
        }
    }
}

#[test]
fn the_resource_id_patterns_accept_what_config_passes() {
    let examples = [
        ("InstanceId", "i-0123456789abcdef0"),
        ("BucketName", "my-bucket.logs"),
        ("SecurityGroupId", "sg-0123456789abcdef0"),
        ("VolumeId", "vol-0123456789abcdef0"),
        ("DbiResourceId", "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("DbClusterResourceId", "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("AccountId", "123456789012"),
        ("KeyId", "1234abcd-12ab-34cd-56ef-1234567890ab"),
        ("IAMResourceId", "AROAJQABLZS4A3QDU576Q"),
    ];
    for e in entries() {
        let param = e.target.resource_id_param;
        let (_, example) = examples.iter().find(|(n, _)| *n == param).unwrap_or_else(|| {
            panic!("{}: add an example value of {param} (as Config passes it) to this test", e.name)
        });
        let pattern = e.document.parameters[param].allowed_pattern.clone().unwrap_or_default();
        assert!(regex::Regex::new(&pattern).unwrap().is_match(example), "{}: {param} rejects {example}", e.name);
        assert!(!regex::Regex::new(&pattern).unwrap().is_match(&format!("{example}'; x")), "{}", e.name);
    }
}

#[test]
fn a_compliant_resource_ends_the_run_on_an_assert_before_any_change() {
    for e in entries() {
        let d = &e.document;
        let first_mutation = d.main_steps.iter().position(is_mutating).expect("a remediation changes something");
        let ends: Vec<&Step> = d
            .main_steps
            .iter()
            .take(first_mutation)
            .filter(|s| matches!(s.action, Action::AssertAwsResourceProperty(_)) && s.is_end == Some(true))
            .collect();
        assert!(!ends.is_empty(), "{}: no compliant end before the first change", e.name);
        let reached = reachable_avoiding(d, |_| false);
        for end in ends {
            let i = d.main_steps.iter().position(|s| s.name == end.name).unwrap();
            assert!(reached.contains(&i), "{}: {} cannot be reached", e.name, end.name);
            assert!(
                end.description.as_deref().unwrap_or("").contains("nothing was changed"),
                "{}: {} does not say so",
                e.name,
                end.name
            );
        }
    }
}

#[test]
fn the_manual_variant_asks_before_the_first_change() {
    for e in entries().into_iter().filter(|e| e.approval) {
        let d = &e.document;
        let before_approval = reachable_avoiding(d, |s| matches!(s.action, Action::Approve(_)));
        for i in before_approval {
            assert!(!is_mutating(&d.main_steps[i]), "{}: {} runs before any approval", e.name, d.main_steps[i].name);
        }
    }
}

#[test]
fn the_automatic_variant_changes_without_asking_first() {
    for e in entries().into_iter().filter(|e| !e.approval) {
        let d = &e.document;
        let first_approval = d.main_steps.iter().position(|s| matches!(s.action, Action::Approve(_)));
        let first_mutation = d.main_steps.iter().position(is_mutating).unwrap();
        assert!(first_approval.is_none_or(|a| a > first_mutation), "{}: asks before its first change", e.name);
    }
}

#[test]
fn every_change_and_its_check_hand_failures_and_cancellation_to_an_undo_chain_that_ends() {
    for e in entries() {
        let d = &e.document;
        let index = |n: &str| d.main_steps.iter().position(|s| s.name == n).unwrap();
        let first_mutation = d.main_steps.iter().position(is_mutating).unwrap();
        for (i, s) in d.main_steps.iter().enumerate() {
            let guarded = !is_undo(&s.name) && (is_mutating(s) || (is_verify(s) && i > first_mutation));
            if !guarded {
                continue;
            }
            // The first change has nothing before it to undo: when its own undo needs its outputs
            // (the id of the snapshot it creates), its failure simply ends the run.
            if i == first_mutation && s.on_failure.is_none() && s.on_cancel.is_none() {
                continue;
            }
            let Some(OnFailure::Step(undo)) = &s.on_failure else {
                panic!("{}: {} has no undo on failure", e.name, s.name)
            };
            assert!(is_undo(undo), "{}: {} fails over to {undo}, not an undo", e.name, s.name);
            // AWS refuses onCancel on aws:loop: a cancelled loop ends the run. Elsewhere the
            // cancellation goes to an undo that fits in the 2 minutes AWS gives it (issue 15).
            if !matches!(s.action, Action::Loop(_)) {
                let Some(OnCancel::Step(cancel)) = &s.on_cancel else {
                    panic!("{}: {} has no undo on cancellation", e.name, s.name)
                };
                assert!(is_undo(cancel), "{}: {} cancels to {cancel}, not an undo", e.name, s.name);
                let worst = worst_case_seconds(d, index(cancel));
                assert!(
                    worst <= 120,
                    "{}: cancelling {} runs {cancel}..., up to {worst} s; AWS gives a cancellation 120 s",
                    e.name,
                    s.name
                );
            }
            assert_ne!(s.is_critical, Some(false), "{}: {} would let the run succeed after an undo", e.name, s.name);
            // The chain runs to an end without leaving the undo steps.
            let mut at = index(undo);
            let mut hops = 0;
            loop {
                let u = &d.main_steps[at];
                assert!(is_undo(&u.name), "{}: the undo chain of {} reaches {}", e.name, s.name, u.name);
                let next = successors(d, at);
                if next.is_empty() {
                    break;
                }
                assert!(next.iter().all(|&n| n > at), "{}: the undo chain goes backwards at {}", e.name, u.name);
                at = *next.iter().max().unwrap();
                hops += 1;
                assert!(hops < 50);
            }
        }
        // Every mutating step outside the undo chain has an undo of its own kind declared.
        let undos = d.main_steps.iter().filter(|s| is_undo(&s.name)).count();
        let changes = d.main_steps.iter().filter(|s| is_mutating(s) && !is_undo(&s.name)).count();
        assert!(undos >= 1 && changes >= 1, "{}", e.name);
    }
}

#[test]
fn every_change_is_verified_before_the_run_succeeds() {
    for e in entries() {
        let d = &e.document;
        // Success ends: steps reachable on success paths with no successor, outside the undo chain.
        let reached = reachable_avoiding(d, |_| false);
        let first_mutation = d.main_steps.iter().position(is_mutating).unwrap();
        for &i in &reached {
            let s = &d.main_steps[i];
            if successors(d, i).is_empty() && !is_undo(&s.name) && i > first_mutation {
                assert!(is_verify(s), "{}: the run can succeed on {} without a verification", e.name, s.name);
            }
        }
        assert!(!reached.iter().any(|&i| is_undo(&d.main_steps[i].name)), "{}: success path runs an undo", e.name);
    }
}

#[test]
fn every_runbook_reports_what_it_found_or_changed() {
    for e in entries() {
        let d = &e.document;
        assert!(!d.outputs.is_empty(), "{}: no document outputs", e.name);
        for o in &d.outputs {
            let (step, name) = o.split_once('.').unwrap();
            let s = d.step(step).unwrap_or_else(|| panic!("{}: output {o} names no step", e.name));
            assert!(s.output_type(name).is_some(), "{}: {o} is not an output of {step}", e.name);
        }
    }
}

#[test]
fn both_variants_exist_for_every_remediation() {
    let all = entries();
    for e in all.iter().filter(|e| !e.approval) {
        let manual = format!("{}-WithApproval", e.name);
        let m = all.iter().find(|x| x.name == manual).unwrap_or_else(|| panic!("no {manual}"));
        assert!(m.document.main_steps.iter().any(|s| matches!(s.action, Action::Approve(_))));
        assert_eq!(m.target, e.target);
    }
}

#[test]
fn every_document_fits_the_ssm_size_limit_with_room_for_parameters() {
    // CreateDocument rejects content over 64 KB, run-time parameter values included.
    for e in entries() {
        for (form, text) in [("YAML", emit::to_yaml(&e.document)), ("JSON", emit::to_json(&e.document))] {
            assert!(text.len() < 48 * 1024, "{}: {form} is {} bytes, too close to the 64 KB limit", e.name, text.len());
        }
    }
}

#[test]
fn cancellation_only_goes_where_aws_allows_it() {
    // AWS refuses these actions as `onCancel` targets, and `onCancel` on loops and variable updates.
    let not_targets = [
        "aws:approve",
        "aws:copyImage",
        "aws:createImage",
        "aws:createStack",
        "aws:createTags",
        "aws:pause",
        "aws:runInstances",
        "aws:sleep",
    ];
    for e in entries() {
        let d = &e.document;
        for s in &d.main_steps {
            let Some(OnCancel::Step(t)) = &s.on_cancel else { continue };
            assert!(!matches!(s.action, Action::Loop(_) | Action::UpdateVariable(_)), "{}: {}", e.name, s.name);
            let target = d.step(t).unwrap_or_else(|| panic!("{}: {} cancels to a missing step", e.name, s.name));
            assert!(!not_targets.contains(&target.action.name()), "{}: {} cancels to {}", e.name, s.name, t);
        }
    }
}

#[test]
fn approvers_accept_users_and_role_arns_only() {
    for e in entries() {
        let Some(p) = e.document.parameters.get("Approvers") else { continue };
        let re = regex::Regex::new(p.allowed_pattern.as_deref().expect("Approvers has a pattern")).unwrap();
        for ok in
            ["alice", "arn:aws:iam::123456789012:role/SecOps", "arn:aws:sts::123456789012:assumed-role/SecOps/bob"]
        {
            assert!(re.is_match(ok), "{}: rejects {ok}", e.name);
        }
        for bad in ["", "arn:aws:s3:::bucket", "alice bob"] {
            assert!(!re.is_match(bad), "{}: accepts {bad:?}", e.name);
        }
    }
}

#[test]
fn every_api_call_matches_the_aws_service_models() {
    // Service, operation, parameter names and kinds, required parameters, and every selector
    // against botocore's models (the SDK Automation itself calls), by `tests/api_shapes.py`.
    let have = Command::new("python3").args(["-c", "import botocore, yaml"]).output();
    if !have.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!("warning: python3 with botocore and PyYAML is missing: API shapes NOT checked; skipped");
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("catalog-api-shapes");
    let plan = runbooks::generate::plan().unwrap_or_else(|e| panic!("{e}"));
    runbooks::generate::write(&dir, &plan).expect("the catalog can be written to a temporary folder");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("api_shapes.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(plan.keys().filter(|name| name.ends_with(".yaml")).map(|name| dir.join(name)))
        .output()
        .expect("python3 runs");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "API calls that do not match the AWS models:\n{report}");
    let documents = plan.keys().filter(|name| name.ends_with(".yaml")).count();
    assert!(report.contains(&format!("in {documents} documents, 0 problems")), "{report}");
}

#[test]
fn every_approval_notifies_the_topic_the_notification_arn_parameter_names() {
    // The shared contract with the templates: a `NotificationArn` parameter (an SNS topic whose
    // name starts with `Automation`, as AWS requires of an approval's topic) passed to every
    // aws:approve step, so approvers hear about a waiting run.
    let mut missing = Vec::new();
    for e in entries() {
        let d = &e.document;
        let approvals: Vec<&Step> = d.main_steps.iter().filter(|s| matches!(s.action, Action::Approve(_))).collect();
        if approvals.is_empty() {
            assert!(!e.approval, "{}: the approval variant has no approval", e.name);
            continue;
        }
        let notified = approvals.iter().all(|s| {
            let Action::Approve(a) = &s.action else { return false };
            a.notification_arn == Some(serde_json::json!("{{ NotificationArn }}"))
        });
        if !notified {
            missing.push(e.name.clone());
            continue;
        }
        let p = d.parameters.get("NotificationArn").unwrap_or_else(|| panic!("{}: no NotificationArn", e.name));
        assert!(p.is_required(), "{}", e.name);
        let re = regex::Regex::new(p.allowed_pattern.as_deref().unwrap_or("")).unwrap();
        assert!(re.is_match("arn:aws:sns:eu-west-1:123456789012:AutomationApprovals"), "{}", e.name);
        assert!(
            !re.is_match("arn:aws:sns:eu-west-1:123456789012:Approvals"),
            "{}: accepts a topic AWS refuses",
            e.name
        );
        let w007: Vec<_> = runbook_dsl::validate::validate(d).into_iter().filter(|x| x.code == "W007").collect();
        assert!(w007.is_empty(), "{}: {w007:?}", e.name);
    }
    assert!(missing.is_empty(), "runbooks with an aws:approve that does not pass NotificationArn: {missing:?}");
}

/// The catalog template as deployed: the `AWS::Config::ConfigRule` of `rule` and the remediations
/// bound to it.
fn catalog_rule(rule: &str) -> (serde_json::Value, Vec<serde_json::Value>) {
    let files = runbooks::wiring::files(&entries()).unwrap_or_else(|e| panic!("{e}"));
    let (_, text) = files.iter().find(|(n, _)| n == runbooks::wiring::CATALOG_TEMPLATE).expect("catalog template");
    let t: serde_json::Value = runbook_dsl::yaml::from_str(text).expect("the template is YAML");
    let resources = t["Resources"].as_object().expect("resources");
    let (id, r) = resources
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::Config::ConfigRule" && r["Properties"]["Source"]["SourceIdentifier"] == rule)
        .unwrap_or_else(|| panic!("no ConfigRule for {rule}"));
    let remediations = resources
        .values()
        .filter(|x| x["Type"] == "AWS::Config::RemediationConfiguration")
        .filter(|x| x["Properties"]["ConfigRuleName"]["Ref"] == id.as_str())
        .cloned()
        .collect();
    (r.clone(), remediations)
}

#[test]
fn the_public_ip_rule_removes_the_address_and_the_stop_is_a_tag_quarantine() {
    // Issue 15: stopping does not remove a public IP (an Elastic IP survives a stop, an
    // auto-assigned one returns on start), so EC2_INSTANCE_NO_PUBLIC_IP gets its own runbook.
    let (_, rems) = catalog_rule("EC2_INSTANCE_NO_PUBLIC_IP");
    assert!(!rems.is_empty());
    for r in &rems {
        let target = &r["Properties"]["TargetId"];
        assert!(serde_json::to_string(target).unwrap().contains("RemovePublicIp"), "{target}");
    }
    let all = entries();
    let remove = all.iter().find(|e| e.name == "Remediate-EC2-RemovePublicIp").expect("the runbook");
    let apis: Vec<String> = remove
        .document
        .all_steps()
        .into_iter()
        .filter_map(|s| match &s.action {
            Action::ExecuteAwsApi(a) => Some(format!("{}.{}", a.service, a.api)),
            _ => None,
        })
        .collect();
    assert!(apis.contains(&"ec2.DisassociateAddress".to_string()), "{apis:?}");
    assert!(apis.contains(&"ec2.ModifyNetworkInterfaceAttribute".to_string()), "{apis:?}");
    // The undo never associates an address again (that would re-open the exposure).
    for e in all.iter().filter(|e| e.name.starts_with("Remediate-EC2-RemovePublicIp")) {
        let text = emit::to_yaml(&e.document);
        assert!(!text.contains("AssociateAddress\n") && !text.contains("AssociatePublicIpAddress: true"), "{}", e.name);
    }
    // The stop is bound to REQUIRED_TAGS, whose rule requires tag1Key.
    let (rule, rems) = catalog_rule("REQUIRED_TAGS");
    assert_eq!(rule["Properties"]["InputParameters"]["tag1Key"], runbooks::wiring::REQUIRED_TAG_KEY);
    assert_eq!(rule["Properties"]["Scope"]["ComplianceResourceTypes"], serde_json::json!(["AWS::EC2::Instance"]));
    assert!(rems.iter().all(|r| serde_json::to_string(&r["Properties"]["TargetId"]).unwrap().contains("StopInstance")));
}

#[test]
fn retry_windows_outlast_the_runs_they_count() {
    // Issue 15: Config counts `MaximumAutomaticAttempts` failures within `RetryAttemptSeconds`; a
    // window shorter than a run (60 s against hour-long RDS runs) never counts a failure, so
    // Config retries for ever. The window holds every attempt of an automatic remediation at its
    // worst case (each step's timeout, each approval's 7 days); a manual one (`Automatic:
    // false`) makes no automatic attempts.
    let owned = [
        "Remediate-EC2-StopInstance",
        "Remediate-EC2-RemovePublicIp",
        "Remediate-RDS-EncryptInstance",
        "Remediate-RDS-EncryptCluster",
        "Remediate-EBS-EncryptVolume",
    ];
    for e in entries().into_iter().filter(|e| !e.approval && owned.contains(&e.name.as_str())) {
        let b = runbooks::wiring::binding(&e);
        let run = worst_case_seconds(&e.document, 0);
        let attempts = u64::from(b.maximum_automatic_attempts);
        assert!(
            b.retry_attempt_seconds >= attempts * run,
            "{}: RetryAttemptSeconds {} < {attempts} attempts x {run} s (worst case of one run)",
            e.name,
            b.retry_attempt_seconds
        );
    }
}

#[test]
fn the_rules_key_and_the_runbooks_key_are_one_setting() {
    // Issue 15: the rule's optional kmsKeyId and the runbook's KmsKeyId cannot disagree: one
    // entry of `wiring::SHARED_SETTINGS` feeds both the ConfigRule's InputParameters and the
    // remediation's StaticValues.
    for (rule, rule_key, param, value) in runbooks::wiring::SHARED_SETTINGS {
        for e in entries().into_iter().filter(|e| e.target.config_rule == *rule) {
            assert!(e.document.parameters.contains_key(*param), "{}: no parameter {param}", e.name);
            let b = runbooks::wiring::binding(&e);
            match value {
                Some(v) => {
                    assert_eq!(b.input_parameters.get(*rule_key).map(String::as_str), Some(*v), "{}", e.name);
                    assert_eq!(b.static_values.get(*param), Some(&vec![v.to_string()]), "{}", e.name);
                }
                None => {
                    assert!(!b.input_parameters.contains_key(*rule_key), "{}", e.name);
                    assert!(!b.static_values.contains_key(*param), "{}", e.name);
                }
            }
        }
        // With a value set, both sides get it.
        let e = entries().into_iter().find(|e| e.target.config_rule == *rule).expect("a runbook for the rule");
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let b = runbooks::wiring::with_shared_setting(runbooks::wiring::binding(&e), rule_key, param, key);
        assert_eq!(b.input_parameters[*rule_key], key);
        assert_eq!(b.static_values[*param], vec![key.to_string()]);
        assert_eq!(b.check(&e.document), Ok(()));
    }
}

/// Issue 15: every resource the RDS and EBS runbooks create carries, from its creating call,
/// the tag naming the runbook; the role deletes only resources with that tag, except the
/// original a remediation replaced (not created by the run), whose delete is a statement of its
/// own (`OverrideDeleteOriginal...`, with its reason in review).
#[test]
fn what_the_rds_and_ebs_runbooks_create_is_tagged_and_only_the_original_is_deleted_untagged() {
    const REPLACING: [&str; 3] =
        ["Remediate-RDS-EncryptInstance", "Remediate-RDS-EncryptCluster", "Remediate-EBS-EncryptVolume"];
    let all = entries();
    let library = runbooks::wiring::library(&all);
    let mut checked = 0;
    for e in &all {
        let base = e.name.strip_suffix("-WithApproval").unwrap_or(&e.name);
        if !REPLACING.contains(&base) {
            continue;
        }
        let mine = serde_json::json!({"Key": "CreatedByRunbook", "Value": base});
        for s in e.document.all_steps() {
            let Action::ExecuteAwsApi(a) = &s.action else { continue };
            if !["Create", "Copy", "Restore"].iter().any(|p| a.api.starts_with(p)) {
                continue;
            }
            let inputs = s.action.inputs().expect("inputs");
            let tags = inputs.get("Tags").or_else(|| inputs.get("TagSpecifications").map(|t| &t[0]["Tags"]));
            let tagged = tags.and_then(|t| t.as_array()).is_some_and(|t| t.contains(&mine));
            assert!(tagged, "{}: {} ({}) does not tag what it creates with {mine}", e.name, s.name, a.api);
            checked += 1;
        }
        let policy = runbooks::wiring::derivation(e, &library).expect("derives").policy();
        let mut original = 0;
        for st in policy["Statement"].as_array().expect("statements") {
            let deletes = st["Action"]
                .as_array()
                .expect("actions")
                .iter()
                .any(|a| a.as_str().and_then(|a| a.split_once(':')).is_some_and(|(_, n)| n.starts_with("Delete")));
            if !deletes {
                continue;
            }
            if st["Sid"].as_str().is_some_and(|s| s.starts_with("OverrideDeleteOriginal")) {
                original += 1;
                continue;
            }
            assert_eq!(
                st["Condition"]["StringEquals"]["aws:ResourceTag/CreatedByRunbook"], base,
                "{}: {st} deletes without the condition that limits it to what the run created",
                e.name
            );
        }
        let expected = if base.starts_with("Remediate-RDS") { 1 } else { 0 };
        assert!(original >= expected, "{}: the delete of the original has no statement of its own", e.name);
    }
    assert!(checked >= 18, "only {checked} creating calls checked");
}
