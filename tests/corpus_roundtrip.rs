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

/// `fmt` keeps comments: for every corpus document with comments, the formatted YAML holds every
/// comment text once (count and texts), in their order wherever their nodes keep theirs (`place`
/// itself checks that each reads back at its node), the result reads
/// back to the same document and formats to itself. The two ways of finding comments (the fast
/// reader's, the scanner's) agree wherever both run.
#[test]
fn fmt_keeps_every_comment_of_the_corpus_at_its_node() {
    use runbook_dsl::yaml::comments::{self, Place};
    let Some(files) = corpus() else { return };
    let (mut commented, mut total) = (0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("corpus files are readable");
        let name = f.display();
        if let (Some(fast), Some(scanned)) = (yaml::fast_reader_comments(&text), comments::offsets_by_scanner(&text)) {
            if fast != scanned {
                failures
                    .push(format!("{name}: the fast reader finds comments at {fast:?}, the scanner at {scanned:?}"));
            }
        }
        let before = match comments::read(&text) {
            Ok(c) if c.is_empty() => continue,
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}:{}: comments cannot be read: {}", e.pos.line, e.why));
                continue;
            }
        };
        let Ok(doc) = read::from_str(&text) else { continue };
        commented += 1;
        total += before.len();
        let out = match format::to_yaml(&text) {
            Ok(o) => o,
            // The model cannot keep this document exactly (not a comment matter): skipped.
            Err(e) if !e.message.contains("comment") => {
                commented -= 1;
                total -= before.len();
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}: {e} (line {:?})", e.line));
                continue;
            }
        };
        let after = comments::read(&out).expect("our output's comments read");
        let texts = |c: &[comments::Comment]| c.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
        let (mut a, mut b) = (texts(&before), texts(&after));
        if a.len() != b.len() {
            failures.push(format!("{name}: {} comments became {}", a.len(), b.len()));
            continue;
        }
        let in_order = a == b;
        let out_map = yaml::source_map(&out);
        let anchors: Vec<usize> = before
            .iter()
            .map(|c| match &c.place {
                Place::Header => 0,
                Place::End => usize::MAX,
                Place::Before(p) | Place::After(p) => out_map.get(p).map_or(0, |pos| pos.line),
            })
            .collect();
        if !in_order && anchors.windows(2).all(|w| w[0] <= w[1]) {
            failures.push(format!("{name}: the nodes keep their order but the comments do not"));
        }
        a.sort();
        b.sort();
        if a != b {
            failures.push(format!("{name}: the comment texts differ"));
        }
        match read::from_str(&out) {
            Ok(back) if back == doc => {}
            Ok(_) => failures.push(format!("{name}: the formatted text reads back as another document")),
            Err(e) => failures.push(format!("{name}: the formatted text does not read: {e}")),
        }
        match format::to_yaml(&out) {
            Ok(again) if again == out => {}
            Ok(_) => failures.push(format!("{name}: formatting the formatted text changes it")),
            Err(e) => failures.push(format!("{name}: formatting the formatted text fails: {e}")),
        }
    }
    eprintln!("{commented} corpus documents with {total} comments formatted");
    assert!(commented >= 10, "the corpus has commented documents; found {commented}");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}
