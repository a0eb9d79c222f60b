//! Robustness: mutated corpus documents and arbitrary bytes never make the reader, the writer,
//! the formatter or the Rust import panic, whatever reads is written as text that reads back,
//! and the fast YAML reader, whenever it accepts, agrees with the reference reader.
//!
//! A property test with its own small mutator (cargo fuzz needs nightly). The short run is part
//! of `cargo test`; the long run is ignored:
//!
//! ```sh
//! RUNBOOK_FUZZ_SECS=600 cargo test -p runbook-dsl --release --test integration robustness -- --ignored --nocapture
//! ```

use runbook_dsl::model::{Document, Value};
use runbook_dsl::{codegen, emit, format, read, yaml};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use crate::common;
use common::Rng;

/// The corpus texts (none, said loudly, when `../shared` is missing).
fn corpus_texts() -> Option<Vec<String>> {
    Some(common::corpus()?.into_iter().map(|(_, text)| text).collect())
}

/// Fragments that mean something to YAML or to the model.
const TOKENS: &[&str] = &[
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!str ",
    "!Ref ",
    "~",
    "'",
    "\"",
    "\n",
    "  ",
    "\t",
    "null",
    "true",
    "yes",
    "1e999",
    "-0",
    ".nan",
    "0x1F",
    "? ",
    "|",
    ">-",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "#",
    "\u{feff}",
    "\r\n",
    "{{ ",
    " }}",
    "step:",
    "aws:loop",
    "aws:branch",
    "Choices",
    "NextStep",
    "isEnd",
    "onFailure",
    "inputs",
    "outputs",
    "mainSteps",
    "schemaVersion",
    "Steps",
    "LoopCondition",
    "Not",
    "And",
    "Or",
    "Variable",
    "9999999999999999999999",
    "-1",
    "2024-01-01",
    "\u{0}",
    "é",
    "\u{2028}",
];

/// One text mutation.
fn mutate_text(rng: &mut Rng, text: &str, other: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let at = rng.below(b.len() + 1);
        match rng.below(12) {
            9 => {
                // A line written twice: a duplicate key (or item).
                let line_start = b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
                let line_end = b[at..].iter().position(|&c| c == b'\n').map_or(b.len(), |i| at + i + 1);
                let line = b[line_start..line_end].to_vec();
                b.splice(line_end..line_end, line);
            }
            10 => {
                // An anchor and aliases to it, nested: values multiply with each level.
                // Up to 10^5 values: the 10^6 limit itself is tested in runbooks/tests/hostile.rs
                // (each bomb that reaches it costs a second).
                let levels = 1 + rng.below(5);
                let mut bomb = String::from("\nz0: &z0 [x, x, x, x, x, x, x, x, x, x]\n");
                for i in 1..levels {
                    bomb.push_str(&format!("z{i}: &z{i} [{}]\n", vec![format!("*z{}", i - 1); 10].join(", ")));
                }
                b.extend(bomb.bytes());
            }
            11 => {
                // Control characters (NUL first of all).
                b.insert(at, [0u8, 1, 8, 0x1b, 0x7f][rng.below(5)]);
            }
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.insert(at, rng.next() as u8),
            2 if !b.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                b.drain(at.min(end)..end);
            }
            3 if !b.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                let chunk = b[at.min(end)..end].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, chunk);
            }
            4 => {
                let t = rng.pick(TOKENS).as_bytes();
                b.splice(at..at, t.iter().copied());
            }
            5 => {
                // Splice a line of another document in.
                let lines: Vec<&str> = other.lines().collect();
                if !lines.is_empty() {
                    let line = format!("{}\n", rng.pick(&lines));
                    let line_start = b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
                    b.splice(line_start..line_start, line.bytes());
                }
            }
            6 => {
                // Indent or dedent the line at `at`.
                let line_start = b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
                if rng.below(2) == 0 {
                    b.splice(line_start..line_start, *b"  ");
                } else if b[line_start..].starts_with(b"  ") {
                    b.drain(line_start..line_start + 2);
                }
            }
            7 => {
                // Cut the text short.
                b.truncate(at);
            }
            _ => {
                let depth = 1 + rng.below(300);
                let open = if rng.below(2) == 0 { b"[" } else { b"{" };
                let nest: Vec<u8> = open.iter().copied().cycle().take(depth).collect();
                b.splice(at..at, nest);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// A random JSON value of any shape.
fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 2 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => serde_json::json!(rng.next() as i64),
        3 => serde_json::json!((rng.next() % 1000) as f64 / 7.0),
        4 => Value::String(rng.pick(TOKENS).to_string()),
        5 => Value::Array((0..rng.below(3)).map(|_| random_value(rng, depth + 1)).collect()),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(3) {
                m.insert(rng.pick(TOKENS).trim().to_string(), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// One structural mutation: replace, delete or add at a random place of the value tree.
fn mutate_value(rng: &mut Rng, v: &mut Value) {
    fn at(rng: &mut Rng, node: &mut Value, steps: usize) {
        let go_down = steps > 0
            && match node {
                Value::Object(m) => !m.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            };
        if go_down {
            let child = match node {
                Value::Object(m) => {
                    let i = rng.below(m.len());
                    m.values_mut().nth(i)
                }
                Value::Array(a) => {
                    let i = rng.below(a.len());
                    a.get_mut(i)
                }
                _ => None,
            };
            if let Some(c) = child {
                return at(rng, c, steps - 1);
            }
        }
        match (rng.below(3), &mut *node) {
            (0, Value::Object(m)) if !m.is_empty() => {
                let k = m.keys().nth(rng.below(m.len())).cloned().unwrap_or_default();
                m.shift_remove(&k);
            }
            (1, Value::Object(m)) => {
                let k = rng.pick(TOKENS).trim().to_string();
                let v = random_value(rng, 0);
                m.insert(k, v);
            }
            _ => *node = random_value(rng, 0),
        }
    }
    let steps = rng.below(8);
    at(rng, v, steps);
}

/// What is checked for every input that reads as a document.
fn check_document(doc: &Document) {
    // The validator sees every document the reader accepts, so it is fuzzed too.
    let _ = runbook_dsl::validate::validate(doc);
    let y = emit::to_yaml(doc);
    let j = emit::to_json(doc);
    // What we write, we can read.
    if let Err(e) = read::from_str(&y) {
        panic!("emitted YAML does not read back: {e}\n{y}");
    }
    if let Err(e) = read::from_str(&j) {
        panic!("emitted JSON does not read back: {e}\n{j}");
    }
    // The import never panics (without rustfmt: a process per case would dominate the run).
    let src = codegen::to_rust_unformatted(doc, &Default::default());
    assert!(src.contains("rb.build()"), "the import is complete");
}

/// How many times the fast YAML reader accepted a text (each text is tried twice: with and
/// without positions).
static FAST_TAKEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whenever the fast YAML reader accepts a text, it gives what the reference reader gives
/// (value and source map).
fn fast_reader_agrees(text: &str) {
    for located in [false, true] {
        if let Some(fast) = yaml::fast_reader(text, located) {
            FAST_TAKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match yaml::reference_reader(text, located) {
                Ok(reference) if located && yaml::reference_map_is_partial(text) => {
                    assert!(fast.0 == reference.0, "the fast YAML reader differs (located: {located})");
                    assert!(
                        reference.1.iter().all(|(path, pos)| fast.1.get(path) == Some(pos)),
                        "the fast YAML reader's source map disagrees with the partial reference"
                    );
                }
                Ok(reference) => assert!(fast == reference, "the fast YAML reader differs (located: {located})"),
                // The reference's depth guard counts every `[` and `{`, quoted or not (yaml-rust2's
                // scanner is quadratic on deep flow nesting); the fast reader measures real
                // nesting (at most 100), so text with more than 128 unclosed brackets inside
                // strings is read by the fast reader and refused by the reference alone.
                Err(e) if e.message.contains("limit L002") => {}
                Err(e) => panic!("the fast YAML reader accepts what the reference refuses: {e}"),
            }
        }
    }
}

/// Feeds one input to everything that reads text; a panic is caught by the caller.
fn exercise_text(text: &str) {
    fast_reader_agrees(text);
    if let Ok(doc) = read::from_str(text) {
        check_document(&doc);
    }
    // What `fmt --write` would refuse, and the duplicate keys the validator reports, agree.
    let losses = yaml::losses(text);
    if let Ok(parsed) = read::parse(text) {
        let dup = losses.iter().any(|l| l.what.contains("written a second time"));
        assert_eq!(
            dup,
            !parsed.duplicates.is_empty(),
            "duplicate keys: losses {losses:?}, parsed {:?}",
            parsed.duplicates
        );
        let _ = runbook_dsl::validate::validate_parsed(&parsed);
    }
    let _ = format::check_keepable(text, format::Style::Yaml);
    let _ = format::check_keepable(text, format::Style::Json);
    let _ = runbook_dsl::yaml::comments::read(text);
    // The formatter refuses rather than losing data; it must never panic.
    let _ = format::to_yaml(text);
}

fn exercise_value(v: Value) {
    if let Ok(doc) = read::from_value(v.clone()) {
        check_document(&doc);
    }
    let _ = yaml::to_string(&v);
}

/// Runs the property for `budget`; returns (cases, panics with a reproducer each).
fn run(budget: Duration, seed: u64) -> (u64, Vec<String>) {
    let texts = corpus_texts().unwrap_or_default();
    let values: Vec<Value> = texts.iter().filter_map(|t| yaml::from_str(t).ok()).collect();
    let mut rng = Rng(seed | 1);
    let start = Instant::now();
    let mut cases = 0u64;
    let mut panics = Vec::new();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while start.elapsed() < budget {
        let kind = if texts.is_empty() { 0 } else { rng.below(3) };
        let input = match kind {
            0 => {
                let n = rng.below(512);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => {
                let a = rng.pick(&texts).clone();
                let b = rng.pick(&texts).clone();
                mutate_text(&mut rng, &a, &b)
            }
            _ => String::new(),
        };
        let outcome = if kind == 2 {
            let mut v = rng.pick(&values).clone();
            for _ in 0..1 + rng.below(3) {
                mutate_value(&mut rng, &mut v);
            }
            let repro = v.to_string();
            catch_unwind(AssertUnwindSafe(|| exercise_value(v))).map_err(|e| (repro, e))
        } else {
            catch_unwind(AssertUnwindSafe(|| exercise_text(&input))).map_err(|e| (input.clone(), e))
        };
        if let Err((repro, e)) = outcome {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panics.push(format!(
                "panic: {}\ninput ({}):\n{repro}",
                msg.unwrap_or_default(),
                ["bytes", "text", "value"][kind]
            ));
        }
        cases += 1;
    }
    std::panic::set_hook(hook);
    (cases, panics)
}

fn report(cases: u64, panics: &[String], budget: Duration) {
    let fast = FAST_TAKEN.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "robustness: {cases} cases in {:?}, {} panics; the fast YAML reader accepted {fast} of {} tries (each text with and without positions)",
        budget,
        panics.len(),
        2 * cases
    );
    let mut kinds: Vec<&str> = panics.iter().filter_map(|p| p.lines().next()).map(|l| &l[..l.len().min(160)]).collect();
    kinds.sort();
    kinds.dedup();
    for k in kinds {
        eprintln!("  {k}");
    }
    assert!(panics.is_empty(), "{} of {cases} inputs panicked; first:\n{}", panics.len(), panics[0]);
}

#[test]
fn mutated_corpus_documents_and_arbitrary_bytes_never_panic() {
    let budget = Duration::from_secs(2);
    let (cases, panics) = run(budget, 0x5eed);
    assert!(cases > 100, "the property ran only {cases} cases");
    report(cases, &panics, budget);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("schemaVersion: '0.3'\nmainSteps: {}", "[".repeat(10_000));
    assert!(read::from_str(&deep).is_err());
    let deep_map = format!("a: {}", "{a: ".repeat(10_000));
    assert!(read::from_str(&deep_map).is_err());
}

/// The long run: `RUNBOOK_FUZZ_SECS` seconds (default 600), seed from `RUNBOOK_FUZZ_SEED`.
#[test]
#[ignore = "long run (10 minutes by default); see the module docs"]
fn long_run() {
    let secs = std::env::var("RUNBOOK_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let seed = std::env::var("RUNBOOK_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x1234_5678);
    let budget = Duration::from_secs(secs);
    let (cases, panics) = run(budget, seed);
    report(cases, &panics, budget);
}
