//! The derived IAM actions against an outside oracle: for every service + operation that the
//! catalog and the corpus (`../shared/corpus/automation`) call in `aws:executeAwsApi`,
//! `aws:assertAwsResourceProperty` and `aws:waitForAwsResourceProperty` steps (nested loop
//! steps included), the derived actions must include the primary action that
//! `../shared/data/iam/sdk-iam-map.json` gives. The data is read from `../shared` at test time
//! only; the project's table in `runbook-dsl/src/iam/` is its own.
//!
//! Primary action (as `../shared/data/iam/SOURCE.md` says to pick it): `<prefix>:<Operation>`
//! when the map lists it, else the listed actions that are neither `iam:PassRole` nor tagging;
//! when several remain, all of them. IAM matches action names case-insensitively, and so does
//! this comparison.

use runbook_dsl::iam::builtins;
use runbook_dsl::model::{Document, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const API_ACTIONS: [&str; 3] = ["aws:executeAwsApi", "aws:assertAwsResourceProperty", "aws:waitForAwsResourceProperty"];

/// `(Service, Api)` as written -> the inputs of its first step, and how many steps call it.
type Pairs = BTreeMap<(String, String), (Map, usize)>;

fn collect(doc: &Document, pairs: &mut Pairs) {
    for step in doc.all_steps() {
        if !API_ACTIONS.contains(&step.action.name()) {
            continue;
        }
        let inputs = step.action.inputs().unwrap_or_default();
        let (Some(service), Some(api)) =
            (inputs.get("Service").and_then(Value::as_str), inputs.get("Api").and_then(Value::as_str))
        else {
            continue;
        };
        if service.contains("{{") || api.contains("{{") {
            continue;
        }
        pairs.entry((service.to_string(), api.to_string())).or_insert((inputs, 0)).1 += 1;
    }
}

fn key(op: &str) -> String {
    op.chars().filter(|c| *c != '_').map(|c| c.to_ascii_lowercase()).collect()
}

fn is_side_action(a: &str) -> bool {
    let name = a.split_once(':').map_or(a, |(_, n)| n);
    a.eq_ignore_ascii_case("iam:PassRole")
        || matches!(name, "CreateTags" | "AddTags" | "AddTagsToResource" | "TagResource" | "CreateOrUpdateTags")
        || (a.starts_with("iam:Tag"))
}

/// The primary action(s) of a pair, or `None` when the map has no entry for it.
fn primary(map: &Value, service: &str, api: &str) -> Option<Vec<String>> {
    let client = service.to_ascii_lowercase();
    let ops = map["ops"].get(&client)?.as_object()?;
    let (op, actions) = ops.iter().find(|(op, _)| key(op) == key(api))?;
    let actions: Vec<String> = actions.as_array()?.iter().filter_map(|a| a.as_str().map(String::from)).collect();
    let prefix = map["prefix"].get(&client).and_then(Value::as_str).unwrap_or(&client);
    let naive = format!("{prefix}:{op}");
    if let Some(a) = actions.iter().find(|a| a.eq_ignore_ascii_case(&naive)) {
        return Some(vec![a.clone()]);
    }
    let rest: Vec<String> = actions.into_iter().filter(|a| !is_side_action(a)).collect();
    if rest.is_empty() {
        None
    } else {
        Some(rest)
    }
}

struct Score {
    checked: usize,
    covered: usize,
    naive: usize,
    /// The same three, counting every step rather than distinct pairs.
    steps: (usize, usize, usize),
    misses: Vec<String>,
    without_oracle: Vec<String>,
}

fn score(map: &Value, pairs: &Pairs) -> Score {
    let mut s =
        Score { checked: 0, covered: 0, naive: 0, steps: (0, 0, 0), misses: Vec::new(), without_oracle: Vec::new() };
    for ((service, api), (inputs, count)) in pairs {
        let Some(want) = primary(map, service, api) else {
            s.without_oracle.push(format!("{service}.{api}"));
            continue;
        };
        s.checked += 1;
        s.steps.0 += count;
        let got: BTreeSet<String> =
            builtins::needs("aws:executeAwsApi", inputs).actions.iter().map(|a| a.to_ascii_lowercase()).collect();
        if want.iter().all(|w| got.contains(&w.to_ascii_lowercase())) {
            s.covered += 1;
            s.steps.1 += count;
        } else {
            s.misses.push(format!("{service}.{api}: want {want:?}, derived {got:?}"));
        }
        let naive = format!("{service}:{api}").to_ascii_lowercase();
        if want.len() == 1 && want[0].to_ascii_lowercase() == naive {
            s.naive += 1;
            s.steps.2 += count;
        }
    }
    s
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn corpus_documents(files: &[PathBuf]) -> (Vec<Document>, Vec<String>) {
    let mut docs = Vec::new();
    let mut unreadable = Vec::new();
    for f in files {
        match runbook_dsl::read::from_path(f) {
            Ok(d) => docs.push(d),
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    (docs, unreadable)
}

#[test]
fn derived_actions_include_the_oracles_primary_action() {
    let Some(map_path) = cross_tests::shared("data/iam/sdk-iam-map.json") else { return };
    let Some(corpus) = cross_tests::corpus() else { return };
    let text = std::fs::read_to_string(&map_path).expect("sdk-iam-map.json is readable");
    let map: Value = serde_json::from_str(&text).expect("sdk-iam-map.json is JSON");

    let mut catalog_pairs = Pairs::new();
    for e in runbooks::catalog().expect("the catalog builds") {
        collect(&e.document, &mut catalog_pairs);
    }
    let (docs, unreadable) = corpus_documents(&corpus);
    assert!(unreadable.is_empty(), "corpus documents that do not read:\n{}", unreadable.join("\n"));
    let mut corpus_pairs = Pairs::new();
    for d in &docs {
        collect(d, &mut corpus_pairs);
    }

    let cat = score(&map, &catalog_pairs);
    let cor = score(&map, &corpus_pairs);
    println!(
        "iam oracle: catalog {}/{} pairs covered; corpus {}/{} distinct (service, operation) pairs covered ({:.1}%) \
         from {} documents; the naive `service:Api` rule gets {}/{} ({:.1}%); counting steps: {}/{} covered ({:.1}%), \
         naive {}/{} ({:.1}%); {} corpus pairs have no oracle entry",
        cat.covered,
        cat.checked,
        cor.covered,
        cor.checked,
        pct(cor.covered, cor.checked),
        docs.len(),
        cor.naive,
        cor.checked,
        pct(cor.naive, cor.checked),
        cor.steps.1,
        cor.steps.0,
        pct(cor.steps.1, cor.steps.0),
        cor.steps.2,
        cor.steps.0,
        pct(cor.steps.2, cor.steps.0),
        cor.without_oracle.len()
    );
    assert!(
        cat.checked > 0 && catalog_pairs.len() == cat.checked,
        "catalog pairs without oracle: {:?}",
        cat.without_oracle
    );
    assert!(cat.misses.is_empty(), "catalog pairs whose primary action is not derived:\n{}", cat.misses.join("\n"));
    assert!(cor.checked >= 100, "only {} corpus pairs found; is the corpus complete?", cor.checked);
    assert!(
        pct(cor.covered, cor.checked) >= 99.0,
        "corpus coverage {:.1}% is below 99%; misses:\n{}",
        pct(cor.covered, cor.checked),
        cor.misses.join("\n")
    );
}

#[test]
fn nested_loop_steps_are_collected() {
    let doc = runbook_dsl::read::from_str(
        "schemaVersion: '0.3'\nmainSteps:\n- name: L\n  action: aws:loop\n  inputs:\n    Iterators: [a]\n    Steps:\n    - name: W\n      action: aws:waitForAwsResourceProperty\n      inputs: {Service: s3, Api: HeadBucket, PropertySelector: $.x, DesiredValues: [y]}\n",
    )
    .expect("reads");
    let mut pairs = Pairs::new();
    collect(&doc, &mut pairs);
    assert_eq!(pairs.keys().cloned().collect::<Vec<_>>(), [("s3".to_string(), "HeadBucket".to_string())]);
    assert_eq!(pairs.values().map(|(_, n)| *n).collect::<Vec<_>>(), [1]);
}
