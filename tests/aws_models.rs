//! The API-model snapshot (`runbook-dsl/data/aws-models/`) is what its pinned script produces
//! from botocore (`tools/aws-models/generate.py --check`: the script gets the pinned botocore,
//! in a virtual environment when the installed one is another version).

use std::process::Command;

#[test]
fn the_api_model_snapshot_is_what_the_pinned_script_produces() {
    let root = cross_tests::workspace();
    if !cross_tests::have("python3") {
        let msg = "python3 is missing: the API-model snapshot's regeneration test cannot run";
        assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "{msg} (RUNBOOK_REQUIRE_SHARED=1)");
        eprintln!("warning: {msg}; skipped");
        return;
    }
    let out = Command::new("python3")
        .arg(root.join("tools/aws-models/generate.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the committed snapshot differs from the script's output (run `python3 tools/aws-models/generate.py`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Where the IAM derivation's table (`runbook-dsl/src/iam/services.rs`) and the API models
/// disagree, each with its evidence: `(client, table, models, why)`. Every entry is a client
/// whose IAM prefix (AWS's Service Authorization Reference, SAR) is not the name botocore signs
/// its requests for. docs/api-models.md keeps the same list.
const DISAGREEMENTS: &[(&str, &str, &str, &str)] = &[
    (
        "cloudcontrol",
        "cloudformation",
        "cloudcontrolapi",
        "SAR: Cloud Control API calls are cloudformation:CreateResource, ...",
    ),
    ("cloudwatch", "cloudwatch", "monitoring", "SAR: Amazon CloudWatch, service prefix cloudwatch"),
    ("connectparticipant", "connect", "execute-api", "SAR: connect:DescribeView"),
    ("iot-data", "iot", "iotdata", "SAR: AWS IoT, iot:Publish, iot:GetThingShadow"),
    ("iot-jobs-data", "iotjobsdata", "iot-jobs-data", "SAR: AWS IoT Jobs DataPlane, service prefix iotjobsdata"),
    (
        "iotevents-data",
        "iotevents",
        "ioteventsdata",
        "SAR list_awsiotevents: BatchPutMessage is iotevents:BatchPutMessage",
    ),
    ("iotsecuretunneling", "iot", "IoTSecuredTunneling", "SAR: iot:OpenTunnel, iot:CloseTunnel"),
    ("mturk", "mechanicalturk", "mturk-requester", "SAR: Amazon Mechanical Turk, service prefix mechanicalturk"),
    ("partnercentral-account", "partnercentral", "partnercentral-account", "SAR: AWS Partner Central, partnercentral"),
    (
        "partnercentral-benefits",
        "partnercentral",
        "partnercentral-benefits",
        "SAR: AWS Partner Central, partnercentral",
    ),
    ("partnercentral-channel", "partnercentral", "partnercentral-channel", "SAR: AWS Partner Central, partnercentral"),
    ("partnercentral-selling", "partnercentral", "partnercentral-selling", "SAR: AWS Partner Central, partnercentral"),
    ("resourcegroupstaggingapi", "tag", "tagging", "SAR: Resource Groups Tagging API, tag:GetResources"),
    ("sso", "sso", "awsssoportal", "SAR: AWS IAM Identity Center portal calls under prefix sso"),
];

/// Clients of the models that `../shared/data/iam` (AWS's service reference, 2026-08-22) does
/// not hold: services past their end of support (IoT Events 2026-05-20, Panorama, SimSpace
/// Weaver). Their prefixes come from the models and the table.
const NOT_IN_THE_REFERENCE: &[&str] = &["iotevents", "iotevents-data", "panorama", "simspaceweaver"];

/// Every place where the IAM table and the API models disagree: a service or operation the
/// table names and the models lack, a prefix that differs from the models' signing name, a
/// table entry the models make redundant.
fn iam_table_disagreements() -> Vec<String> {
    use runbook_dsl::aws_api::{self, OperationLookup, ServiceLookup};
    use runbook_dsl::iam::services::{self, IAM_TAG_ACTIONS, IRREGULAR, PASS_ROLE_TO, PREFIXES, TAG_ACTIONS};
    let entries = aws_api::entries();
    let entry = |c: &str| entries.iter().find(|e| e.name == c);
    let has_op = |c: &str, op: &str| match aws_api::service(c) {
        ServiceLookup::Found(s) => matches!(aws_api::operation(s, op), OperationLookup::Found(o) if o.name == op),
        _ => false,
    };
    let mut out = Vec::new();
    for (client, prefix) in PREFIXES {
        match entry(client) {
            None => out.push(format!("PREFIXES names `{client}`, which the models lack")),
            Some(e) if e.signing == *prefix => {
                out.push(format!("PREFIXES: `{client}` -> `{prefix}` is redundant (the models sign for it)"))
            }
            Some(e) => out.push(format!("prefix of `{client}`: table `{prefix}`, models `{}`", e.signing)),
        }
    }
    for (client, op, _) in IRREGULAR {
        if !has_op(client, op) {
            out.push(format!("IRREGULAR names `{client}.{op}`, which the models lack"));
        }
    }
    for (client, op, _) in PASS_ROLE_TO {
        if entry(client).is_none() || (*op != "*" && !has_op(client, op)) {
            out.push(format!("PASS_ROLE_TO names `{client}.{op}`, which the models lack"));
        }
    }
    for (prefix, _) in TAG_ACTIONS {
        if !entries.iter().any(|e| services::prefix(&e.name) == *prefix) {
            out.push(format!("TAG_ACTIONS names the prefix `{prefix}`, which no client of the models has"));
        }
    }
    let ServiceLookup::Found(iam) = aws_api::service("iam") else { panic!("the models have iam") };
    for (op, _) in IAM_TAG_ACTIONS {
        if !iam.operations().any(|o| o.name.eq_ignore_ascii_case(op)) {
            out.push(format!("IAM_TAG_ACTIONS names `iam.{op}`, which the models lack"));
        }
    }
    out
}

#[test]
fn the_iam_table_disagrees_with_the_api_models_only_where_documented() {
    let found = iam_table_disagreements();
    let documented: Vec<String> = DISAGREEMENTS
        .iter()
        .map(|(c, table, models, _)| format!("prefix of `{c}`: table `{table}`, models `{models}`"))
        .collect();
    assert_eq!(
        found, documented,
        "the IAM table (runbook-dsl/src/iam/services.rs) and the API models disagree other than documented \
         (DISAGREEMENTS here and docs/api-models.md)"
    );
}

fn shared_json(rel: &str) -> Option<serde_json::Value> {
    let path = cross_tests::shared(rel)?;
    let text = std::fs::read_to_string(&path).expect("shared IAM data is readable");
    Some(serde_json::from_str(&text).expect("shared IAM data is JSON"))
}

#[test]
fn every_client_of_the_models_gets_the_iam_prefix_aws_documents() {
    let Some(reference) = shared_json("data/iam/service-prefixes.json") else { return };
    let mut wrong = Vec::new();
    let mut absent = Vec::new();
    for e in runbook_dsl::aws_api::entries() {
        let derived = runbook_dsl::iam::services::prefix(&e.name);
        match reference.get(&e.name).and_then(|r| r["iam_prefix"].as_str()) {
            None => absent.push(e.name.as_str()),
            Some(want) if want != derived => wrong.push(format!("{}: derived `{derived}`, AWS `{want}`", e.name)),
            Some(_) => {}
        }
        for alias in &e.aliases {
            assert_eq!(runbook_dsl::iam::services::prefix(alias), derived, "alias {alias} of {}", e.name);
        }
    }
    assert!(wrong.is_empty(), "IAM prefixes that differ from AWS's service reference:\n{}", wrong.join("\n"));
    assert_eq!(absent, NOT_IN_THE_REFERENCE, "clients of the models that the reference lacks");
}

#[test]
fn the_irregular_operations_name_actions_aws_lists_for_them() {
    let Some(map) = shared_json("data/iam/sdk-iam-map.json") else { return };
    for (client, op, actions) in runbook_dsl::iam::services::IRREGULAR {
        let listed: Vec<String> = map["ops"][client][op]
            .as_array()
            .unwrap_or_else(|| panic!("the reference has no entry for {client}.{op}"))
            .iter()
            .filter_map(|a| a.as_str().map(str::to_ascii_lowercase))
            .collect();
        for a in *actions {
            assert!(listed.contains(&a.to_ascii_lowercase()), "{client}.{op}: `{a}` is not among {listed:?}");
        }
    }
}

/// How many operations of the reference (`sdk-iam-map.json`, clients the models have) get a
/// primary action that AWS does not list for them. Measured 2026-12-07: see docs/api-models.md;
/// the test fails when the derivation gets worse.
const OPERATIONS_DERIVED_WRONG_AT_MOST: usize = 197;

#[test]
fn every_operation_of_every_service_derives_an_action_aws_lists() {
    let Some(map) = shared_json("data/iam/sdk-iam-map.json") else { return };
    let ops = map["ops"].as_object().expect("ops is a map");
    let (mut total, mut wrong) = (0, Vec::new());
    for e in runbook_dsl::aws_api::entries() {
        let Some(listed) = ops.get(&e.name).and_then(|v| v.as_object()) else { continue };
        for (op, actions) in listed {
            total += 1;
            let actions: Vec<String> = actions
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
                .map(str::to_ascii_lowercase)
                .collect();
            let derived = runbook_dsl::iam::services::primary_actions(&e.name, op);
            if !derived.iter().all(|d| actions.contains(&d.to_ascii_lowercase())) {
                wrong.push(format!("{}.{op}: derived {derived:?}, AWS lists {actions:?}", e.name));
            }
        }
    }
    println!(
        "iam derivation over the reference: {} of {total} operations derive an action AWS does not list",
        wrong.len()
    );
    assert!(
        wrong.len() <= OPERATIONS_DERIVED_WRONG_AT_MOST,
        "{} of {total} operations derive an action AWS does not list:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
