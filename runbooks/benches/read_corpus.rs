//! Benchmark: read + validate all corpus documents, against the schema oracle `ssm-doc-check`
//! (node) over the same files in the same run, process start included.
//!
//! ```sh
//! cargo bench -p runbooks --bench read_corpus            # RUNBOOK_SHARED=/path/to/shared if not ../shared
//! ```
//!
//! Every figure is a median of several runs (method and results in BENCHMARKS.md):
//! - in process: every file read from disk into a `Document` (`read::from_path`) and validated
//!   (`validate::validate`), on one thread, then on every core;
//! - of which the YAML/JSON parser alone (texts already in memory);
//! - one process per pass: this binary started with `--once FILES...` (one thread) and
//!   `--once --threads N FILES...`, reading and validating every document once and exiting;
//! - `runbook validate <corpus>`: the CLI users run (source maps, one line per finding, every core);
//! - `ssm-doc-check --allow-gaps -q <corpus>`: node start, schema load and validation of every file.

use runbook_dsl::{read, validate};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shared() -> PathBuf {
    std::env::var_os("RUNBOOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// Reads and validates every file; returns how many read.
fn pass(files: &[PathBuf]) -> usize {
    let mut ok = 0;
    for f in files {
        if let Ok(doc) = read::from_path(f) {
            std::hint::black_box(validate::validate(&doc));
            ok += 1;
        }
    }
    ok
}

/// [`pass`] with the files dealt round-robin to `threads` threads.
fn pass_on(files: &[PathBuf], threads: usize) -> usize {
    if threads <= 1 {
        return pass(files);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let mine: Vec<PathBuf> = files.iter().skip(t).step_by(threads).cloned().collect();
                s.spawn(move || pass(&mine))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    })
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

/// A command run `runs` times: median wall time and mean CPU time per run (`None` when it could
/// not run or failed: exit code above `max_code`).
struct Timed {
    wall: Duration,
    cpu: Option<Duration>,
}

fn time_command(program: &Path, args: &[std::ffi::OsString], runs: usize, max_code: i32) -> Option<Timed> {
    let mut walls = Vec::new();
    let before = children_cpu();
    for _ in 0..runs {
        let t = Instant::now();
        let st = Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
        match st {
            Ok(s) if s.code().is_some_and(|c| c <= max_code) => walls.push(t.elapsed()),
            other => {
                eprintln!("could not run: {other:?}");
                return None;
            }
        }
    }
    let cpu = before.zip(children_cpu()).map(|(a, b)| (b - a) / runs as u32);
    Some(Timed { wall: median(walls), cpu })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--once") {
        let (threads, rest) = match args.get(2).map(String::as_str) {
            Some("--threads") => (args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1), &args[4..]),
            _ => (1, &args[2..]),
        };
        let files: Vec<PathBuf> = rest.iter().map(PathBuf::from).collect();
        let ok = pass_on(&files, threads);
        std::process::exit(if ok == files.len() { 0 } else { 1 });
    }
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` / libtest probes
    }
    let dir = shared().join("corpus/automation");
    // The walk `runbook validate` and the other commands make over a folder.
    let files = runbooks::cli::documents(std::slice::from_ref(&dir)).unwrap_or_default();
    if files.is_empty() {
        eprintln!("SHARED MISSING: no documents under {}; set RUNBOOK_SHARED", dir.display());
        std::process::exit(2);
    }
    let n = files.len();
    assert_eq!(pass(&files), n, "every corpus document reads");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    // In process: rounds of one pass each, for at least 3 s and 20 rounds.
    let mut rounds = Vec::new();
    let start = Instant::now();
    while rounds.len() < 20 || start.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        pass(&files);
        rounds.push(t.elapsed());
    }
    let in_process = median(rounds.clone());
    let mut par_rounds = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        assert_eq!(pass_on(&files, threads), n);
        par_rounds.push(t.elapsed());
    }
    let in_process_par = median(par_rounds);

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
    // The same through the reference reader alone (yaml-rust2, then libyaml): the parser the
    // fast reader falls back to, and how many texts the fast reader takes.
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

    // One process per pass: this binary, then the CLI, then node.
    let exe = std::env::current_exe().expect("the bench binary");
    let os = |xs: &[&str]| -> Vec<std::ffi::OsString> { xs.iter().map(|x| x.into()).collect() };
    let with_files = |mut a: Vec<std::ffi::OsString>| {
        a.extend(files.iter().map(|f| f.clone().into_os_string()));
        a
    };
    let once = time_command(&exe, &with_files(os(&["--once"])), 11, 0).expect("--once runs");
    let once_par = time_command(&exe, &with_files(os(&["--once", "--threads", &threads.to_string()])), 11, 0)
        .expect("--once --threads runs");
    // `runbook validate` exits 1: the corpus has errors (AWS's own documents among them).
    let runbook = Path::new(env!("CARGO_BIN_EXE_runbook"));
    let cli = time_command(runbook, &[os(&["validate"]), vec![dir.clone().into_os_string()]].concat(), 11, 1)
        .expect("runbook validate runs");
    let check = shared().join("tools/ssm-doc-check");
    let node = time_command(&check, &[os(&["--allow-gaps", "-q"]), vec![dir.clone().into_os_string()]].concat(), 5, 1);

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("documents: {n} ({}); {threads} cores", dir.display());
    let line = |what: &str, d: Duration| {
        let vs = node.as_ref().map_or(String::new(), |nd| format!("{:>6.1}x", nd.wall.as_secs_f64() / d.as_secs_f64()));
        println!("{what:<44} {:>8.2} ms/pass {:>8.0} docs/s  {vs}", ms(d), rate(d));
    };
    println!("{:<44} {:>16} {:>15}  vs node (wall)", "", "", "");
    line("read + validate, in process, 1 thread", in_process);
    line(&format!("read + validate, in process, {threads} threads"), in_process_par);
    line("  of which text -> value (parser), 1 thread", parse_only);
    line("  (the reference reader alone, 1 thread)", reference_only);
    println!("  (the fast reader takes {fast_taken} of the {n} texts; the others go to the reference reader)");
    line("read + validate, one process/pass, 1 thread", once.wall);
    line(&format!("read + validate, one process/pass, {threads} threads"), once_par.wall);
    line("runbook validate <corpus> (CLI), one process", cli.wall);
    match &node {
        Some(nd) => {
            line("ssm-doc-check (node), one process", nd.wall);
            let cpu = |t: &Timed| t.cpu.map_or(f64::NAN, ms);
            if let Some(theirs) = nd.cpu {
                println!(
                    "CPU per pass (user+sys, process start included): node {:.0} ms; ours {:.0} ms (1 thread, {:.0}x less), \
                     {:.0} ms ({threads} threads, {:.0}x less), CLI {:.0} ms ({:.0}x less)",
                    ms(theirs),
                    cpu(&once),
                    ms(theirs) / cpu(&once),
                    cpu(&once_par),
                    ms(theirs) / cpu(&once_par),
                    cpu(&cli),
                    ms(theirs) / cpu(&cli),
                );
            }
            println!("target: 50x (process start included)");
        }
        None => println!("ssm-doc-check could not run: node figures skipped"),
    }
}
