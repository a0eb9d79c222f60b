//! The simulator on the 281 real documents of `../shared/corpus/automation`: every document that
//! reads is simulated with placeholder parameters and no mocks. Nothing may panic; every run ends
//! in a terminal status; a run that does not start says which parameter is wrong; every failed
//! step says why.

use runbook_dsl::model::{DataType, Document, Value};
use runbook_dsl::simulate::{Simulation, Status};
use serde_json::json;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(p);
        }
    }
}

/// A value of the parameter's type that satisfies `allowedValues` where there are some.
fn placeholder(doc: &Document, name: &str) -> Value {
    let p = &doc.parameters[name];
    if let Some(first) = p.allowed_values.as_ref().and_then(|v| v.first()) {
        return first.clone();
    }
    match p.ty.data_type() {
        DataType::String if name.contains("Role") => json!("arn:aws:iam::123456789012:role/Automation"),
        DataType::String if name.contains("Account") => json!("123456789012"),
        DataType::String => json!("placeholder"),
        DataType::StringList => json!(["placeholder"]),
        DataType::Integer => json!(1),
        DataType::Boolean => json!(true),
        DataType::StringMap => json!({}),
        DataType::MapList => json!([{}]),
    }
}

#[test]
fn every_corpus_document_simulates_without_panicking() {
    let Some(dir) = cross_tests::shared("corpus/automation") else { return };
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    assert!(paths.len() >= 250, "expected the corpus of 281 documents, found {}", paths.len());
    let (mut started, mut problems) = (0, Vec::new());
    for path in &paths {
        let Ok(doc) = runbook_dsl::read::from_path(path) else { continue };
        let mut sim = Simulation::new(&doc).approve().resume_pauses();
        for (name, p) in &doc.parameters {
            if p.default.is_none() {
                sim = sim.param(name.clone(), placeholder(&doc, name));
            }
        }
        let trace = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sim.run())) {
            Ok(t) => t,
            Err(_) => {
                problems.push(format!("{}: the simulator panicked", path.display()));
                continue;
            }
        };
        if trace.steps.is_empty() {
            let f = trace.failure.clone().unwrap_or_default();
            if trace.status != Status::Failed || !f.contains("parameter") {
                problems.push(format!("{}: did not start, without naming a parameter: {f:?}", path.display()));
            }
            continue;
        }
        started += 1;
        for s in &trace.steps {
            if s.status != Status::Success && s.failure.as_deref().is_none_or(str::is_empty) {
                problems.push(format!("{}: step {} ended {} without a reason", path.display(), s.name, s.status));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!("simulate_corpus: {started} documents started");
    assert!(started >= 140, "only {started} corpus documents started with placeholder parameters");
}
