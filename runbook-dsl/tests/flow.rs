//! The flow API: what a run does, followed through the emitted document.

use runbook_dsl::prelude::*;
use runbook_dsl::validate::validate;

/// The steps a run goes through when `fail` fails (and every other step succeeds), taking the
/// first branch choice or the Default as `take_choice` says.
fn run(doc: &Document, fail: Option<&str>, take_choice: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(s) = doc.main_steps.get(i) {
        out.push(s.name.clone());
        assert!(out.len() < 100, "the run does not end: {out:?}");
        let next = if Some(s.name.as_str()) == fail {
            match &s.on_failure {
                Some(OnFailure::Step(t)) => Some(t.clone()),
                Some(OnFailure::Continue) => None,
                _ => return out,
            }
        } else {
            None
        };
        let next = next.or_else(|| match &s.action {
            Action::Branch(b) if take_choice => Some(b.choices[0].next_step.clone()),
            Action::Branch(b) => b.default.clone(),
            _ => s.next_step.clone(),
        });
        match next {
            Some(n) => i = doc.main_steps.iter().position(|x| x.name == n).expect("target exists"),
            None if s.is_end == Some(true) => return out,
            None => i += 1,
        }
    }
    out
}

fn api(name: &str, api: &str) -> Step {
    Step::new(name, ExecuteAwsApi::new("s3", api).param("Bucket", "b")).timeout_seconds(20)
}

fn clean(doc: &Document) {
    let found: Vec<String> = validate(doc).iter().filter(|d| d.code != "W003").map(ToString::to_string).collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn if_else_runs_one_path_and_joins_again() {
    let mut rb = Runbook::new("d");
    let get = rb.add(api("Get", "GetBucketVersioning"));
    let status: Output<Str> = rb.output(&get, "Status", "$.Status");
    rb.if_else(
        "IsOn",
        Cond::string_equals(&status, "Enabled"),
        |rb| {
            rb.add(api("Then1", "GetBucketTagging"));
            rb.add(api("Then2", "GetBucketPolicy"));
        },
        |rb| {
            rb.add(api("Else1", "GetBucketAcl"));
        },
    );
    rb.add(api("Join", "GetBucketLocation"));
    let doc = rb.build().unwrap();
    clean(&doc);
    assert_eq!(run(&doc, None, true), ["Get", "IsOn", "Then1", "Then2", "Join"]);
    assert_eq!(run(&doc, None, false), ["Get", "IsOn", "Else1", "Join"]);
}

#[test]
fn empty_paths_and_nothing_after_end_the_run() {
    let mut rb = Runbook::new("d");
    let n: Param<Int> = rb.param("Count", ParamSpec::new("n"));
    rb.if_else(
        "Big",
        Cond::numeric_greater(&n, 10).or(Cond::numeric_equals(&n, 0)),
        |rb| {
            rb.add(api("Then", "GetBucketTagging"));
        },
        |_| {},
    );
    rb.add(api("After", "GetBucketAcl"));
    rb.if_else(
        "Again",
        Cond::numeric_lesser_or_equals(&n, 3),
        |rb| {
            rb.add(api("Small", "GetBucketPolicy"));
        },
        |rb| {
            rb.add(api("Large", "GetBucketLocation"));
        },
    );
    let doc = rb.build().unwrap();
    clean(&doc);
    assert_eq!(run(&doc, None, false), ["Big", "After", "Again", "Large"]);
    assert_eq!(run(&doc, None, true), ["Big", "Then", "After", "Again", "Small"]);
    assert_eq!(doc.step("Small").unwrap().is_end, Some(true));
    assert_eq!(doc.step("Large").unwrap().is_end, Some(true));
}

#[test]
fn nested_if_else_joins_both_levels() {
    let mut rb = Runbook::new("d");
    let b: Param<Bool> = rb.param("Flag", ParamSpec::new("f"));
    let s: Param<Str> = rb.param("Mode", ParamSpec::new("m").allowed_values(["a", "b"]).default("a"));
    rb.if_else(
        "Outer",
        Cond::boolean_equals(&b, true),
        |rb| {
            rb.if_else(
                "Inner",
                Cond::starts_with(&s, "a").not(),
                |rb| {
                    rb.add(api("InnerThen", "GetBucketTagging"));
                },
                |rb| {
                    rb.add(api("InnerElse", "GetBucketAcl"));
                },
            );
        },
        |rb| {
            rb.add(api("OuterElse", "GetBucketPolicy"));
        },
    );
    rb.add(api("End", "GetBucketLocation"));
    let doc = rb.build().unwrap();
    clean(&doc);
    assert_eq!(run(&doc, None, true), ["Outer", "Inner", "InnerThen", "End"]);
    assert_eq!(run(&doc, None, false), ["Outer", "OuterElse", "End"]);
}

#[test]
fn rollback_undoes_completed_changes_in_reverse_and_ends_failed() {
    let mut rb = Runbook::new("d");
    rb.add(api("Read", "GetBucketPolicy"));
    rb.mutate(api("Change1", "PutBucketVersioning"), vec![api("Undo1", "PutBucketVersioning")]);
    rb.mutate(
        api("Change2", "PutBucketEncryption"),
        vec![api("Undo2a", "DeleteBucketEncryption"), api("Undo2b", "DeleteBucketTagging")],
    );
    rb.add(api("Verify", "GetBucketEncryption"));
    let doc = rb.build().unwrap();
    clean(&doc);
    // Success: the undo steps never run.
    assert_eq!(run(&doc, None, true), ["Read", "Change1", "Change2", "Verify"]);
    // Verify fails: both changes are undone, the last one first, then the run ends.
    assert_eq!(run(&doc, Some("Verify"), true), ["Read", "Change1", "Change2", "Verify", "Undo2a", "Undo2b", "Undo1"]);
    // Change2 fails: its own partial change is undone, then Change1.
    assert_eq!(run(&doc, Some("Change2"), true), ["Read", "Change1", "Change2", "Undo2a", "Undo2b", "Undo1"]);
    // Change1 fails: its own undo runs, then the run ends.
    assert_eq!(run(&doc, Some("Change1"), true), ["Read", "Change1", "Undo1"]);
    for (change, undo) in [("Change1", "Undo1"), ("Change2", "Undo2a")] {
        let s = doc.step(change).unwrap();
        assert_eq!(
            (s.on_failure.clone(), s.on_cancel.clone()),
            (Some(OnFailure::step(undo)), Some(OnCancel::step(undo)))
        );
        assert_eq!(s.is_critical, Some(true), "{change}");
    }
    let verify = doc.step("Verify").unwrap();
    assert_eq!(verify.is_critical, Some(true), "the run still ends Failed");
    assert_eq!(verify.on_cancel, Some(OnCancel::step("Undo2a")));
    assert_eq!(doc.step("Undo1").unwrap().on_failure, Some(OnFailure::Continue));
    assert_eq!(doc.step("Read").unwrap().on_failure, None);
}

#[test]
fn explicit_on_failure_and_on_cancel_are_kept() {
    let mut rb = Runbook::new("d");
    rb.mutate(api("Change", "PutBucketVersioning"), vec![api("Undo", "PutBucketVersioning")]);
    rb.add(api("Notify", "GetBucketAcl").on_failure(OnFailure::Continue));
    rb.add(api("Verify", "GetBucketEncryption"));
    let doc = rb.build().unwrap();
    assert_eq!(doc.step("Notify").unwrap().on_failure, Some(OnFailure::Continue));
    assert_eq!(doc.step("Notify").unwrap().on_cancel, Some(OnCancel::step("Undo")));
    assert_eq!(doc.step("Verify").unwrap().on_failure, Some(OnFailure::step("Undo")));
}

#[test]
fn undo_that_cannot_be_an_on_cancel_target_is_a_build_error() {
    let mut rb = Runbook::new("d");
    rb.mutate(
        Step::new("Tag", CreateTags::new(vec!["i-0123456789abcdef0"], json!([{"Key": "a", "Value": "b"}]))),
        vec![Step::new("Retag", CreateTags::new(vec!["i-0123456789abcdef0"], json!([{"Key": "a", "Value": ""}])))],
    );
    rb.add(api("Verify", "GetBucketEncryption"));
    let err = rb.build().unwrap_err().to_string();
    assert!(err.contains("step `Verify`: the undo of `Tag` starts with aws:createTags"), "{err}");
}

#[test]
fn loops_and_variable_updates_get_no_on_cancel() {
    let mut rb = Runbook::new("d");
    let v: Var<Int> = rb.variable("Tries", Some(json!(0)));
    let ids: Param<StrList> = rb.param("Ids", ParamSpec::new("ids"));
    rb.mutate(api("Change", "PutBucketVersioning"), vec![api("Undo", "PutBucketVersioning")]);
    rb.set_variable("Count", &v, 1);
    rb.for_each("Each", &ids, 10, |rb, it| {
        rb.add(Step::new("Stop", ChangeInstanceState::new(vec![it.item().value()], "stopped")));
    });
    rb.add(api("Verify", "GetBucketEncryption"));
    let doc = rb.build().unwrap();
    for name in ["Count", "Each"] {
        let s = doc.step(name).unwrap();
        assert_eq!((s.on_failure.clone(), s.on_cancel.clone()), (Some(OnFailure::step("Undo")), None), "{name}");
    }
}

#[test]
fn approval_routes_the_rejection_and_checks_its_limits() {
    let mut rb = Runbook::new("d");
    rb.approve(
        "Approve",
        Approval::new(vec!["arn:aws:iam::123456789012:role/Ops"]).message("Fix it?").min_required(1),
        |rb| {
            rb.add(api("LogRejection", "GetBucketAcl"));
        },
    );
    rb.add(api("Fix", "GetBucketPolicy"));
    let doc = rb.build().unwrap();
    clean(&doc);
    assert_eq!(run(&doc, None, true), ["Approve", "Fix"]);
    assert_eq!(run(&doc, Some("Approve"), true), ["Approve", "LogRejection"]);

    let mut rb = Runbook::new("d");
    let approvers: Vec<String> = (0..11).map(|i| format!("arn:aws:iam::123456789012:user/u{i}")).collect();
    rb.approve(
        "Ask",
        Approval::new(approvers).min_required(12).notify("arn:aws:sns:us-east-1:123456789012:Ops"),
        |_| {},
    );
    rb.add(api("Fix", "GetBucketPolicy"));
    let err = rb.build().unwrap_err().to_string();
    for want in [
        "E036] step `Ask` field mainSteps[0].inputs.Approvers",
        "E037] step `Ask` field mainSteps[0].inputs.MinRequiredApprovals",
        "E039] step `Ask` field mainSteps[0].inputs.NotificationArn",
    ] {
        assert!(err.contains(want), "missing {want} in\n{err}");
    }
}

#[test]
fn timeouts_above_an_action_cap_do_not_build() {
    let mut rb = Runbook::new("d");
    rb.add(api("Slow", "GetBucketAcl").timeout_seconds(26));
    rb.add(
        Step::new("Script", ExecuteScript::new("python3.11").handler("h").script("def h(e, c): pass"))
            .timeout_seconds(601),
    );
    rb.add(Step::new("Lambda", InvokeLambdaFunction::new("AutomationFix")).timeout_seconds(301));
    rb.add(Step::new("Ask", Approve::new(vec!["arn:aws:iam::123456789012:role/Ops"])).timeout_seconds(2_592_001));
    let err = rb.build().unwrap_err().to_string();
    for step in ["Slow", "Script", "Lambda", "Ask"] {
        assert!(err.contains(&format!("step `{step}` field mainSteps")), "{step} not refused:\n{err}");
    }
    let mut rb = Runbook::new("d");
    rb.add(api("Fast", "GetBucketAcl").timeout_seconds(25).max_attempts(3));
    rb.add(Step::new("Ask", Approve::new(vec!["arn:aws:iam::123456789012:role/Ops"])).timeout_seconds(2_592_000));
    assert!(rb.build().is_ok());
}

#[test]
fn do_while_loop_reads_its_body_and_caps_iterations() {
    let mut rb = Runbook::new("d");
    rb.do_while("Poll", 20, |rb, lp| {
        let get = rb.add(api("Check", "GetBucketReplication"));
        let n: Output<Int> = rb.output(&get, "Pending", "$.Pending");
        rb.add(Step::new("Wait", Sleep::for_duration("PT10S")));
        let _ = lp.iteration();
        Cond::numeric_greater(&n, 0)
    });
    let doc = rb.build().unwrap();
    clean(&doc);
    let Action::Loop(l) = &doc.main_steps[0].action else { panic!("not a loop") };
    assert_eq!(l.steps.len(), 2);
    assert_eq!(l.max_iterations, Some(json!(20)));

    let mut rb = Runbook::new("d");
    let ids: Param<StrList> = rb.param("Ids", ParamSpec::new("ids"));
    rb.for_each("Each", &ids, 500, |rb, _| {
        rb.add(Step::new("Nap", Sleep::for_duration("PT1S")));
    });
    assert!(rb.build().unwrap_err().to_string().contains("E035"));
}

#[test]
fn variable_updates_keep_their_type() {
    let mut rb = Runbook::new("d");
    let v: Var<Str> = rb.variable("Last", Some(json!("")));
    let p: Param<Str> = rb.param("Name", ParamSpec::new("n").pattern("^[a-z]+$"));
    rb.set_variable_from("Copy", &v, &p);
    rb.set_variable("Set", &v, "done");
    let doc = rb.build().unwrap();
    clean(&doc);
    // A read document whose update gives the wrong type is reported.
    let mut bad = doc.clone();
    bad.main_steps[1].action = UpdateVariable::new("variable:Last", 3).into();
    assert!(validate(&bad).iter().any(|d| d.code == "E044" && d.field == "mainSteps[1].inputs.Value"));
}

/// The example of docs/validate.md.
#[test]
fn documented_example_builds_and_runs() {
    let mut rb = Runbook::new("Turn on versioning unless it is on.");
    rb.assume_role();
    let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket.").pattern("^[a-z0-9.-]{3,63}$"));
    let approvers: Param<StrList> =
        rb.param("Approvers", ParamSpec::new("Who may approve.").min_items(1).max_items(10));
    let get = rb.add(
        Step::new("GetVersioning", ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket))
            .timeout_seconds(20),
    );
    let status: Output<Str> = rb.output(&get, "Status", "$.Status");
    rb.if_else(
        "IsEnabled",
        Cond::string_equals(&status, "Enabled"),
        |rb| {
            rb.add(Step::new("AlreadyCompliant", Sleep::for_duration("PT1S")));
        },
        |rb| {
            rb.approve("Approve", Approval::new(&approvers).message("Enable versioning?"), |rb| {
                rb.add(Step::new("Rejected", Sleep::for_duration("PT1S")));
            });
            rb.mutate(
                Step::new(
                    "Enable",
                    ExecuteAwsApi::new("s3", "PutBucketVersioning")
                        .param("Bucket", &bucket)
                        .param("VersioningConfiguration", json!({"Status": "Enabled"})),
                ),
                vec![Step::new(
                    "Suspend",
                    ExecuteAwsApi::new("s3", "PutBucketVersioning")
                        .param("Bucket", &bucket)
                        .param("VersioningConfiguration", json!({"Status": "Suspended"})),
                )],
            );
            rb.add(Step::new(
                "Verify",
                AssertAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
                    .param("Bucket", &bucket),
            ));
        },
    );
    let doc = rb.build().unwrap();
    assert_eq!(validate(&doc), vec![]);
    assert_eq!(run(&doc, None, true), ["GetVersioning", "IsEnabled", "AlreadyCompliant"]);
    assert_eq!(run(&doc, None, false), ["GetVersioning", "IsEnabled", "Approve", "Enable", "Verify"]);
    assert_eq!(run(&doc, Some("Approve"), false), ["GetVersioning", "IsEnabled", "Approve", "Rejected"]);
    assert_eq!(
        run(&doc, Some("Verify"), false),
        ["GetVersioning", "IsEnabled", "Approve", "Enable", "Verify", "Suspend"]
    );
}

#[test]
fn contains_tests_a_string_list() {
    let mut rb = Runbook::new("d");
    let get = rb.add(api("List", "ListBuckets"));
    let names: Output<StrList> = rb.output(&get, "Names", "$.Buckets..Name");
    rb.if_else(
        "HasLogs",
        Cond::list_contains(&names, "logs"),
        |rb| {
            rb.add(api("Found", "GetBucketAcl"));
        },
        |_| {},
    );
    rb.add(api("Next", "GetBucketPolicy"));
    let doc = rb.build().unwrap();
    clean(&doc);
    let mut bad = doc.clone();
    let Action::Branch(b) = &mut bad.main_steps[1].action else { panic!("not a branch") };
    b.choices[0].condition = Condition::compare(names.value(), Operator::StartsWith, "logs");
    assert!(validate(&bad).iter().any(|d| d.code == "E042"), "StartsWith on a StringList is reported");
}

#[test]
fn an_undo_that_reads_the_change_outputs_runs_only_after_the_change_completed() {
    let mut rb = Runbook::new("d");
    rb.mutate(api("Tag", "PutBucketTagging"), vec![api("Untag", "DeleteBucketTagging")]);
    let mut create = Step::new("Create", ExecuteAwsApi::new("ec2", "CreateVolume").param("AvailabilityZone", "a"));
    let volume: Output<Str> = Output::declare(&mut create, "VolumeId", "$.VolumeId");
    rb.mutate(
        create,
        vec![Step::new("UndoCreate", ExecuteAwsApi::new("ec2", "DeleteVolume").param("VolumeId", &volume))],
    );
    rb.add(Step::new(
        "Verify",
        AssertAwsResourceProperty::new("ec2", "DescribeVolumes", "$.Volumes[0].State", vec!["available"])
            .param("VolumeIds", vec![volume.value()]),
    ));
    let doc = rb.build().unwrap();
    clean(&doc);
    // Create failed: no volume id exists; only the tagging is undone.
    assert_eq!(run(&doc, Some("Create"), true), ["Tag", "Create", "Untag"]);
    assert_eq!(doc.step("Create").unwrap().on_cancel, Some(OnCancel::step("Untag")));
    // Verify failed: the volume is deleted with the id Create returned, then the tagging undone.
    assert_eq!(run(&doc, Some("Verify"), true), ["Tag", "Create", "Verify", "UndoCreate", "Untag"]);
    assert_eq!(doc.step("Create").unwrap().outputs[0].name, "VolumeId");
}

#[test]
fn a_guard_that_ends_the_rollback_keeps_its_end() {
    let mut rb = Runbook::new("d");
    rb.mutate(api("Change1", "PutBucketVersioning"), vec![api("Undo1", "PutBucketVersioning")]);
    rb.mutate(
        api("Change2", "PutBucketTagging"),
        vec![
            api("UndoGuard", "GetBucketTagging").on_failure(OnFailure::Abort),
            api("Undo2", "DeleteBucketTagging").is_end(true),
        ],
    );
    rb.add(api("Verify", "GetBucketEncryption"));
    let doc = rb.build().unwrap();
    assert_eq!(run(&doc, Some("Verify"), true), ["Change1", "Change2", "Verify", "UndoGuard", "Undo2"]);
    assert_eq!(doc.step("UndoGuard").unwrap().on_failure, Some(OnFailure::Abort));
}
