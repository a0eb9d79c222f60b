//! Every corpus document survives read -> write -> read (compared as JSON values), formatting is
//! idempotent (a formatted document formats to the same bytes), and the YAML we write reads back
//! identically under YAML 1.1 (python3 PyYAML).

use runbook_dsl::{emit, format, read, yaml};
use serde_json::Value;

/// The corpus files (`cross_tests::corpus`: the one folder walker, sorted, all 281).
pub use cross_tests::corpus;

#[test]
fn every_corpus_document_round_trips_and_formats_idempotently() {
    let Some(files) = corpus() else { return };
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("corpus files are readable");
        let original = match yaml::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: the YAML reader fails: {e}", f.display()));
                continue;
            }
        };
        let doc = match read::from_str(&text) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: read fails: {e}", f.display()));
                continue;
            }
        };
        for (kind, written) in [("YAML", emit::to_yaml(&doc)), ("JSON", emit::to_json(&doc))] {
            let reread = yaml::from_str(&written).expect("our own output parses");
            if let Some(d) = format::difference(&original, &reread) {
                failures.push(format!("{}: {kind} round trip changes the document at {d}", f.display()));
            }
            let again = match kind {
                "YAML" => format::to_yaml(&written),
                _ => format::to_json(&written),
            };
            match again {
                Ok(again) if again == written => {}
                Ok(_) => failures.push(format!("{}: formatting the formatted {kind} changes bytes", f.display())),
                Err(e) => failures.push(format!("{}: the formatted {kind} does not read back: {e}", f.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} documents fail:\n{}", failures.len(), files.len(), failures.join("\n"));
}

/// The YAML we write for each corpus document, read by PyYAML (YAML 1.1) in one python process,
/// is the same JSON value our reader sees.
#[test]
fn written_yaml_reads_the_same_under_yaml_1_1() {
    let Some(files) = corpus() else { return };
    if !cross_tests::have("python3") {
        let msg = "python3 is not on PATH: the YAML 1.1 check cannot run";
        assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "{msg}");
        eprintln!("warning: {msg}; skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("runbook-yaml11-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut ours = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let doc = read::from_path(f).unwrap_or_else(|e| panic!("{e}"));
        let written = emit::to_yaml(&doc);
        let path = dir.join(format!("{i}.yaml"));
        std::fs::write(&path, &written).expect("write temp file");
        ours.push((f.clone(), path, yaml::from_str(&written).expect("our own output parses")));
    }
    let script = "import sys, json, yaml\nfor p in sys.argv[1:]:\n    with open(p) as fh:\n        print(json.dumps(yaml.safe_load(fh)))\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(ours.iter().map(|(_, p, _)| p))
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "python3 with PyYAML failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("python prints UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), ours.len(), "PyYAML printed one line per document");
    let mut failures = Vec::new();
    for ((f, _, mine), line) in ours.iter().zip(lines) {
        let theirs: Value = serde_json::from_str(line).expect("python printed JSON");
        if let Some(d) = format::difference(mine, &theirs) {
            failures.push(format!("{}: PyYAML reads our YAML differently at {d}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{} documents differ under YAML 1.1:\n{}", failures.len(), failures.join("\n"));
}
