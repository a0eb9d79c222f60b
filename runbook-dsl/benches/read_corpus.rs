//! Benchmark: read (+ validate, when the validator lands) all corpus documents, against the
//! schema oracle `ssm-doc-check` (node) over the same files in the same run.
//!
//! ```sh
//! cargo bench -p runbook-dsl --bench read_corpus            # RUNBOOK_SHARED=/path/to/shared if not ../shared
//! ```
//!
//! Three figures, each the median of several runs:
//! - in process: every file read from disk and parsed into a `Document`, 281 documents per round;
//! - one process per pass: this binary started with `--once`, reading every document once and
//!   exiting (process start included, as for node);
//! - `ssm-doc-check --allow-gaps -q <corpus>`: node start, schema load and validation of every file.

use runbook_dsl::read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shared() -> PathBuf {
    std::env::var_os("RUNBOOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            documents(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(p);
        }
    }
}

/// One pass: read (and validate) every document; returns how many read.
fn pass(files: &[PathBuf]) -> usize {
    let mut ok = 0;
    for f in files {
        if let Ok(doc) = read::from_path(f) {
            // LEAD: when `runbook_dsl::validate` lands, validate here too, e.g.
            // `std::hint::black_box(runbook_dsl::validate::validate(&doc));`
            std::hint::black_box(&doc);
            ok += 1;
        }
    }
    ok
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--once") {
        let files: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
        let ok = pass(&files);
        std::process::exit(if ok == files.len() { 0 } else { 1 });
    }
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` / libtest probes
    }
    let dir = shared().join("corpus/automation");
    let mut files = Vec::new();
    documents(&dir, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!("SHARED MISSING: no documents under {}; set RUNBOOK_SHARED", dir.display());
        std::process::exit(2);
    }
    let n = files.len();
    assert_eq!(pass(&files), n, "every corpus document reads");

    // In process: rounds of one pass each, for at least 3 s and 20 rounds.
    let mut rounds = Vec::new();
    let start = Instant::now();
    while rounds.len() < 20 || start.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        pass(&files);
        rounds.push(t.elapsed());
    }
    let in_process = median(rounds.clone());

    // One process per pass.
    let exe = std::env::current_exe().expect("the bench binary");
    let mut procs = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let st = Command::new(&exe).arg("--once").args(&files).status().expect("the bench binary runs");
        procs.push(t.elapsed());
        assert!(st.success(), "--once failed");
    }
    let per_process = median(procs);

    // The node oracle over the same files.
    let check = shared().join("tools/ssm-doc-check");
    let mut nodes = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let st = Command::new(&check)
            .args(["--allow-gaps", "-q"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match st {
            Ok(s) if s.code().is_some_and(|c| c <= 1) => nodes.push(t.elapsed()),
            other => {
                eprintln!("ssm-doc-check could not run ({other:?}); node figures skipped");
                break;
            }
        }
    }

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!("documents: {n} ({})", dir.display());
    println!(
        "runbook-dsl read, in process:        {:>9.2} ms/pass  {:>10.0} docs/s  ({} rounds)",
        in_process.as_secs_f64() * 1e3,
        rate(in_process),
        rounds.len()
    );
    println!(
        "runbook-dsl read, one process/pass:  {:>9.2} ms/pass  {:>10.0} docs/s  (7 runs)",
        per_process.as_secs_f64() * 1e3,
        rate(per_process)
    );
    if !nodes.is_empty() {
        let node = median(nodes.clone());
        println!(
            "ssm-doc-check (node), one process:   {:>9.2} ms/pass  {:>10.0} docs/s  ({} runs)",
            node.as_secs_f64() * 1e3,
            rate(node),
            nodes.len()
        );
        println!(
            "ratio: {:.0}x faster in process, {:.0}x faster process-for-process (target: 50x)",
            node.as_secs_f64() / in_process.as_secs_f64(),
            node.as_secs_f64() / per_process.as_secs_f64()
        );
    }
}
