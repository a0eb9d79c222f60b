//! `runbook import --rust` compiles back: the Rust generated for a diverse selection of corpus
//! documents (and a hand-written aws:loop one), built in ONE cargo project under `target/` with
//! one module per document, emits documents equal to the originals (as JSON values).
//!
//! The project shares the workspace's target directory, so dependencies are built once.

use crate::corpus_roundtrip::corpus;
use runbook_dsl::{codegen, format, read, yaml};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether a document (as read by the YAML reader) has a feature.
type Has = fn(&Value) -> bool;

/// What the selection must cover.
const FEATURES: &[(&str, Has)] = &[
    ("aws:branch", |d| has_action(d, "aws:branch")),
    ("aws:approve", |d| has_action(d, "aws:approve")),
    ("onFailure: step:", |d| any_step(d, |s| s["onFailure"].as_str().is_some_and(|f| f.starts_with("step:")))),
    ("onCancel", |d| any_step(d, |s| s.get("onCancel").is_some())),
    ("aws:executeScript", |d| has_action(d, "aws:executeScript")),
    ("aws:executeAutomation", |d| has_action(d, "aws:executeAutomation")),
    ("aws:waitForAwsResourceProperty", |d| has_action(d, "aws:waitForAwsResourceProperty")),
    ("aws:assertAwsResourceProperty", |d| has_action(d, "aws:assertAwsResourceProperty")),
    ("aws:runCommand", |d| has_action(d, "aws:runCommand")),
    ("aws:createStack", |d| has_action(d, "aws:createStack")),
    ("aws:deleteStack", |d| has_action(d, "aws:deleteStack")),
    ("aws:invokeLambdaFunction", |d| has_action(d, "aws:invokeLambdaFunction")),
    ("aws:changeInstanceState", |d| has_action(d, "aws:changeInstanceState")),
    ("aws:sleep", |d| has_action(d, "aws:sleep")),
    ("aws:createTags", |d| has_action(d, "aws:createTags")),
    ("aws:createImage", |d| has_action(d, "aws:createImage")),
    ("aws:runInstances", |d| has_action(d, "aws:runInstances")),
    ("aws:deleteImage", |d| has_action(d, "aws:deleteImage")),
    ("nextStep", |d| any_step(d, |s| s.get("nextStep").is_some())),
    ("isCritical", |d| any_step(d, |s| s.get("isCritical").is_some())),
    ("files (attachments)", |d| d.get("files").is_some()),
    ("AWS::* parameter type", |d| params(d).any(|p| p["type"].as_str().is_some_and(|t| t.contains("AWS::")))),
    ("parameter keys AWS does not document", |d| params(d).any(|p| p.get("minValue").is_some())),
    ("description: null", |d| d.get("description").is_some_and(Value::is_null)),
    ("branch condition AWS rejects", |d| branch_text(d).contains("StringNotEquals")),
];

fn steps(d: &Value) -> impl Iterator<Item = &Value> {
    d["mainSteps"].as_array().into_iter().flatten()
}
fn any_step(d: &Value, f: impl Fn(&Value) -> bool) -> bool {
    steps(d).any(f)
}
fn has_action(d: &Value, a: &str) -> bool {
    any_step(d, |s| s["action"] == a)
}
fn params(d: &Value) -> impl Iterator<Item = &Value> {
    d["parameters"].as_object().into_iter().flat_map(|m| m.values())
}
fn branch_text(d: &Value) -> String {
    steps(d).filter(|s| s["action"] == "aws:branch").map(|s| s.to_string()).collect()
}

/// Up to two documents per feature (sorted by path), topped up with every 25th other document;
/// (file, value as read) pairs.
fn selection(files: &[PathBuf]) -> Vec<(PathBuf, Value)> {
    let docs: Vec<(PathBuf, Value)> = files
        .iter()
        .map(|f| (f.clone(), yaml::from_str(&std::fs::read_to_string(f).expect("readable")).expect("parses")))
        .collect();
    let mut chosen = BTreeSet::new();
    for (name, has) in FEATURES {
        let hits: Vec<usize> = (0..docs.len()).filter(|&i| has(&docs[i].1)).collect();
        assert!(!hits.is_empty(), "no corpus document has {name}");
        chosen.extend(hits.into_iter().take(2));
    }
    chosen.extend((0..docs.len()).step_by(25));
    chosen.into_iter().map(|i| docs[i].clone()).collect()
}

/// The workspace's target directory (where the generated project builds).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| cross_tests::workspace().join("target"))
}

/// Writes the project: one module per document, a main that prints `index<TAB>json` per line.
/// The `[profile.dev...]` tables of the workspace's manifest, as written there.
fn dev_profile(ws: &Path) -> String {
    let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).expect("the workspace's Cargo.toml");
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.starts_with("[profile.dev]") || line.starts_with("[profile.dev.");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(out.contains("[profile.dev"), "the workspace's Cargo.toml has a [profile.dev] table");
    out
}

/// The package is named after the folder: projects share the target directory, and so the path
/// of their binary.
fn write_project(dir: &Path, sources: &[String]) {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ws = cross_tests::workspace();
    let src = dir.join("src");
    std::fs::create_dir_all(&src).expect("create the project");
    let manifest = format!(
        "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nrunbook-dsl = {{ path = {:?} }}\n\n\
         # The workspace's debug profile, so its compiled dependencies are reused.\n{}\n[workspace]\n",
        ws.join("runbook-dsl").display().to_string(),
        dev_profile(&ws)
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    if let Ok(lock) = std::fs::read_to_string(ws.join("Cargo.lock")) {
        write_if_changed(&dir.join("Cargo.lock"), &lock);
    }
    let mut main = String::from("//! Generated by the import compile-back test.\n\n");
    for i in 0..sources.len() {
        main.push_str(&format!("mod d{i:03};\n"));
    }
    main.push_str("\nfn main() {\n    let docs: &[fn() -> Result<runbook_dsl::model::Document, runbook_dsl::builder::BuildError>] = &[\n");
    for i in 0..sources.len() {
        main.push_str(&format!("        d{i:03}::build,\n"));
    }
    main.push_str(
        "    ];\n    for (i, build) in docs.iter().enumerate() {\n        match build() {\n            \
         Ok(doc) => println!(\"{i}\\t{}\", doc.to_value()),\n            \
         Err(e) => println!(\"{i}\\tERROR {}\", e.to_string().replace('\\n', \"; \")),\n        }\n    }\n}\n",
    );
    write_if_changed(&src.join("main.rs"), &main);
    for (i, s) in sources.iter().enumerate() {
        write_if_changed(&src.join(format!("d{i:03}.rs")), s);
    }
}

/// Keeps modification times (and so cargo's fingerprints) when nothing changed.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("write the generated project");
    }
}

#[test]
fn imported_rust_compiles_and_emits_the_original_documents() {
    let Some(files) = corpus() else { return };
    let mut docs = selection(&files);
    let corpus_count = docs.len();
    assert!(corpus_count >= 25, "only {corpus_count} corpus documents selected");
    for (name, has) in FEATURES {
        assert!(docs.iter().any(|(_, v)| has(v)), "the selection misses {name}");
    }
    let fixture = cross_tests::workspace().join("tests/fixtures/import-loop.yaml");
    let text = std::fs::read_to_string(&fixture).expect("the aws:loop fixture");
    docs.push((fixture, yaml::from_str(&text).expect("the fixture parses")));
    assert!(has_action(&docs[docs.len() - 1].1, "aws:loop"));
    compile_back(&docs, "import-compile-back");
    eprintln!("import compile-back: {} documents ({corpus_count} from the corpus) rebuilt exactly", docs.len());
}

/// Every corpus document (slower: about a minute of compiling on 2 cores).
#[test]
#[ignore = "compiles all 281 corpus documents; run with --ignored"]
fn every_corpus_document_compiles_back() {
    let Some(files) = corpus() else { return };
    let docs: Vec<(PathBuf, Value)> = files
        .iter()
        .map(|f| (f.clone(), yaml::from_str(&std::fs::read_to_string(f).expect("readable")).expect("parses")))
        .collect();
    compile_back(&docs, "import-compile-back-all");
    eprintln!("import compile-back: all {} corpus documents rebuilt exactly", docs.len());
}

/// Generates, builds and runs one project for `docs`; fails listing every document that does not
/// come back exactly.
fn compile_back(docs: &[(PathBuf, Value)], project_name: &str) {
    let have_rustfmt = cross_tests::have("rustfmt");
    let mut sources = Vec::new();
    let mut failures = Vec::new();
    for (path, _) in docs {
        let doc = read::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        let src = codegen::to_rust(
            &doc,
            &codegen::Options { source: Some(path.display().to_string()), ..Default::default() },
        );
        // rustfmt can take longer than its time limit on hostile text (very deep literals):
        // import then leaves the source unformatted by design, and it must still compile back.
        let formatted = codegen::rustfmt(&src);
        let timed_out = formatted.as_ref().is_err_and(|e| e.starts_with("rustfmt took more than"));
        if have_rustfmt && !timed_out && formatted.as_deref() != Ok(src.as_str()) {
            failures.push(format!("{}: the generated source is not rustfmt-formatted", path.display()));
        }
        sources.push(src);
    }

    let project = target_dir().join(project_name);
    write_project(&project, &sources);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the generated project does not build or run:\n{stderr}");
    assert!(!stderr.contains("warning"), "the generated source has warnings:\n{stderr}");

    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), docs.len(), "one line per document:\n{stdout}");
    for (line, (path, original)) in lines.iter().zip(docs) {
        let (_, json) = line.split_once('\t').expect("index<TAB>json");
        if let Some(err) = json.strip_prefix("ERROR ") {
            failures.push(format!("{}: the generated build() fails: {err}", path.display()));
            continue;
        }
        let emitted: Value = serde_json::from_str(json).expect("main prints JSON");
        if let Some(d) = format::difference(original, &emitted) {
            failures.push(format!("{}: the rebuilt document differs at {d}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} imports fail:\n{}", failures.len(), docs.len(), failures.join("\n"));
}

/// What `runbook import --rust` prints for the hand-written aws:loop document, pinned.
#[test]
fn import_of_the_loop_fixture_is_pinned() {
    if !cross_tests::have("rustfmt") {
        eprintln!("warning: rustfmt is not on PATH: the pinned import is formatted by it; skipped");
        return;
    }
    let doc =
        read::from_path(&cross_tests::workspace().join("tests/fixtures/import-loop.yaml")).expect("fixture reads");
    let opts = codegen::Options { source: Some("tests/fixtures/import-loop.yaml".into()), ..Default::default() };
    insta::assert_snapshot!(codegen::to_rust(&doc, &opts));
}

/// Hostile names and strings: random documents whose file names, descriptions, parameter and
/// step names, keys and values hold what could break out of generated Rust (newlines and bare CR
/// in comments, `"###` runs longer than a raw string allows, `*/`, bidirectional controls, NUL,
/// braces that `format!` reads, keywords as names), and values too wide or deep for `json!`.
/// Every import must compile, without warnings, and rebuild the document exactly. (One project,
/// 10 documents per run, a fresh seed each run unless `RUNBOOK_HOSTILE_SEED` is set.)
#[test]
fn hostile_names_and_strings_compile_back() {
    let seed = std::env::var("RUNBOOK_HOSTILE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
    });
    eprintln!("hostile import seed: {seed} (RUNBOOK_HOSTILE_SEED={seed} to repeat)");
    let mut rng = seed;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n.max(1) as u64) as usize
    };
    const FRAGMENTS: &[&str] = &[
        "\n",
        "\r",
        "\r\n",
        "\"",
        "\"#",
        "*/",
        "/*",
        "//",
        "\\",
        "{",
        "}",
        "{{",
        "}}",
        "\u{202e}",
        "\u{2066}",
        "\u{200b}",
        "\u{feff}",
        "\u{85}",
        "\u{0}",
        "\u{7}",
        "\t",
        "é",
        "日本",
        "fn main() {}",
        "\n}\nfn evil() {\n",
        "r#\"",
        "'",
        "text",
    ];
    const NAMES: &[&str] =
        &["type", "self", "Self", "crate", "rb", "json", "Ok", "None", "main", "build", "r", "_x", "3rd", "fn"];
    let string = |next: &mut dyn FnMut(usize) -> usize| {
        let mut s = String::new();
        for _ in 0..1 + next(6) {
            s.push_str(FRAGMENTS[next(FRAGMENTS.len())]);
        }
        if next(4) == 0 {
            s.push('"');
            s.push_str(&"#".repeat(1 + next(300)));
        }
        s
    };
    let dir = target_dir().join("import-hostile-docs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the documents folder");
    let mut docs = Vec::new();
    for i in 0..10 {
        let param = format!("{}{i}", NAMES[next(NAMES.len())].trim_start_matches('_').replace("3rd", "P3rd"));
        let param = param[..1].to_uppercase() + &param[1..];
        let step = format!("{}_{i}", NAMES[next(NAMES.len())]);
        let wide: Vec<Value> = (0..next(300)).map(|k| Value::from(string(&mut next) + &k.to_string())).collect();
        let mut deep = Value::from(string(&mut next));
        for _ in 0..next(100) {
            deep = if next(2) == 0 { Value::Array(vec![deep]) } else { serde_json::json!({ string(&mut next): deep }) };
        }
        let doc = serde_json::json!({
            "schemaVersion": "0.3",
            "description": string(&mut next),
            "parameters": {param.clone(): {"type": "String", "description": string(&mut next), "default": string(&mut next)}},
            "mainSteps": [{
                "name": step,
                "action": "aws:executeAwsApi",
                "description": string(&mut next),
                "inputs": {
                    "Service": "s3",
                    "Api": "ListBuckets",
                    string(&mut next): format!("{}{{{{ {param} }}}}{}", string(&mut next), string(&mut next)),
                    "Wide": wide,
                    "Deep": deep,
                    "Big": u64::MAX,
                    "Small": i64::MIN,
                    "Float": 1e300,
                },
            }],
            string(&mut next): string(&mut next),
        });
        // File names carry the hostile text too (`/` is the one byte a name cannot hold).
        // A file name holds at most 255 bytes: the hostile part is cut to 200 at a char boundary.
        let hostile = string(&mut next).replace(['/', '\0'], "_");
        let cut = hostile.char_indices().map(|(at, c)| at + c.len_utf8()).take_while(|&end| end <= 200).last();
        let name = format!("d{i}-{}.json", &hostile[..cut.unwrap_or(0)]);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string(&doc).expect("serializes")).expect("write a document");
        docs.push((path, doc));
    }
    compile_back(&docs, "import-hostile");
}
