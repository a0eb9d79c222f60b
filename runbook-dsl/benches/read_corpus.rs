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
            std::hint::black_box(runbook_dsl::validate::validate(&doc));
            ok += 1;
        }
    }
    ok
}

/// CPU time (user + system) used so far by waited-for child processes, from `/proc/self/stat`
/// (Linux; clock ticks of 10 ms), or `None` elsewhere. Less sensitive than wall time to other
/// load on the machine.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`: state is field 3; cutime and cstime are fields 16 and 17.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(13)?.parse::<u64>().ok()? + f.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
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

    // The same pass split over the machine's cores (what a folder command could do).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut par_rounds = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let chunk = n.div_ceil(threads);
        let read: usize = std::thread::scope(|s| {
            let handles: Vec<_> = files.chunks(chunk).map(|c| s.spawn(move || pass(c))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        assert_eq!(read, n);
        par_rounds.push(t.elapsed());
    }
    let parallel = median(par_rounds);

    // Of which: text to JSON value only (the YAML/JSON parser), files already in memory.
    let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).expect("readable")).collect();
    let mut parse_rounds = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        for text in &texts {
            std::hint::black_box(runbook_dsl::yaml::from_str(text).ok());
        }
        parse_rounds.push(t.elapsed());
    }
    let parse_only = median(parse_rounds);
    // The same through the reference reader alone (yaml-rust2, then libyaml): the parser before
    // the fast reader.
    let mut reference_rounds = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        for text in &texts {
            std::hint::black_box(runbook_dsl::yaml::reference_reader(text, false).ok());
        }
        reference_rounds.push(t.elapsed());
    }
    let reference_only = median(reference_rounds);
    let fast_taken = texts.iter().filter(|t| runbook_dsl::yaml::fast_reader(t, false).is_some()).count();

    // One process per pass.
    let exe = std::env::current_exe().expect("the bench binary");
    let mut procs = Vec::new();
    let cpu_before = children_cpu();
    for _ in 0..7 {
        let t = Instant::now();
        let st = Command::new(&exe).arg("--once").args(&files).status().expect("the bench binary runs");
        procs.push(t.elapsed());
        assert!(st.success(), "--once failed");
    }
    let per_process = median(procs);
    let our_cpu = cpu_before.zip(children_cpu()).map(|(a, b)| (b - a) / 7);

    // The node oracle over the same files.
    let check = shared().join("tools/ssm-doc-check");
    let mut nodes = Vec::new();
    let cpu_before = children_cpu();
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

    let node_cpu = cpu_before.zip(children_cpu()).map(|(a, b)| (b - a) / nodes.len().max(1) as u32);
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!("documents: {n} ({})", dir.display());
    println!(
        "runbook-dsl read, in process:        {:>9.2} ms/pass  {:>10.0} docs/s  ({} rounds)",
        in_process.as_secs_f64() * 1e3,
        rate(in_process),
        rounds.len()
    );
    println!(
        "runbook-dsl read, {threads} threads:           {:>9.2} ms/pass  {:>10.0} docs/s",
        parallel.as_secs_f64() * 1e3,
        rate(parallel)
    );
    println!(
        "  of which text -> value (parser):   {:>9.2} ms/pass  {:>10.0} docs/s",
        parse_only.as_secs_f64() * 1e3,
        rate(parse_only)
    );
    println!(
        "  (reference reader alone:           {:>9.2} ms/pass; the fast reader takes {fast_taken} of {n} texts)",
        reference_only.as_secs_f64() * 1e3
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
        if let (Some(ours), Some(theirs)) = (our_cpu, node_cpu) {
            println!(
                "CPU time per pass (user+sys, process start included): ours {:.0} ms, node {:.0} ms: {:.0}x less",
                ours.as_secs_f64() * 1e3,
                theirs.as_secs_f64() * 1e3,
                theirs.as_secs_f64() / ours.as_secs_f64().max(1e-3)
            );
        }
    }
}
