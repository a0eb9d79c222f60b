//! Benchmark: build and emit 1,000 catalog documents in one process, against the TypeScript
//! peer (`@cdklabs/cdk-ssm-documents`) building 1,000 comparable documents.
//!
//! Run: `cargo bench -p runbooks --bench emit` (method and results in BENCHMARKS.md).
//! `--child N` is the measured workload: build the catalog repeatedly until N documents exist
//! (each under a distinct name), render each to YAML, and report bytes; the parent times whole
//! child processes (process start included) and the peer's `node synth.js --repeat 1000 --quiet`
//! the same way. `--no-api-checks` turns the validator's API-model checks off (issue 13's
//! with/without comparison, printed by the parent for both the in-process and the whole-process
//! figures).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod peer_twins {
    pub mod enable_s3_bucket_encryption;
    pub mod inspect_security_group_script;
    pub mod revoke_open_ssh_ingress;
    pub mod stop_ec2_instance_with_approval;
}

const DOCS: usize = 1000;

/// The peer's four sample documents, rebuilt with our builder: the same documents the peer
/// builds, so a per-document comparison compares like with like.
const PEER_TWINS: [fn() -> Result<runbook_dsl::model::Document, runbook_dsl::builder::BuildError>; 4] = [
    peer_twins::stop_ec2_instance_with_approval::build,
    peer_twins::enable_s3_bucket_encryption::build,
    peer_twins::revoke_open_ssh_ingress::build,
    peer_twins::inspect_security_group_script::build,
];

/// Builds and emits `n` documents of the peer's four kinds, round robin.
fn twin_workload(n: usize) -> (usize, usize) {
    let mut bytes = 0;
    for i in 0..n {
        let mut doc = PEER_TWINS[i % 4]().expect("the twins build");
        doc.description = Some(format!("{} (copy {i})", doc.description.unwrap_or_default()));
        let yaml = runbook_dsl::emit::to_yaml(&doc);
        bytes += yaml.len();
        std::hint::black_box(&yaml);
    }
    (n, bytes)
}
const RUNS: usize = 7;

fn workload(n: usize) -> (usize, usize) {
    let mut bytes = 0;
    let mut docs = 0;
    while docs < n {
        let catalog = runbooks::catalog().expect("the catalog builds");
        for entry in catalog {
            if docs == n {
                break;
            }
            let mut doc = entry.document;
            doc.description = Some(format!("{} (copy {docs})", doc.description.unwrap_or_default()));
            let yaml = runbook_dsl::emit::to_yaml(&doc);
            bytes += yaml.len();
            std::hint::black_box(&yaml);
            docs += 1;
        }
    }
    (docs, bytes)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Wall time of a whole process, and what it printed on stderr.
fn time_command(cmd: &mut Command) -> Option<(f64, String)> {
    let start = Instant::now();
    let out = cmd.output().ok()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!("command failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some((secs, String::from_utf8_lossy(&out.stderr).into_owned()))
}

/// The `bytes` field of the peer's JSON timing line.
fn peer_bytes(stderr: &str) -> Option<f64> {
    stderr.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).find_map(|v| v["bytes"].as_f64())
}

/// A writable copy of the peer harness with `node_modules` installed, or `None` with the reason.
fn peer_dir() -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/cdk-ssm-documents");
    let dst = std::env::temp_dir().join("runbook-bench-cdk-ssm-documents");
    if !dst.join("node_modules").exists() {
        if !src.exists() {
            eprintln!("peer harness not found at {}", src.display());
            return None;
        }
        let _ = std::fs::remove_dir_all(&dst);
        let ok = Command::new("cp").arg("-r").arg(&src).arg(&dst).status().ok()?.success()
            && Command::new("chmod").args(["-R", "u+w"]).arg(&dst).status().ok()?.success()
            && Command::new("npm")
                .args(["ci", "--silent", "--no-audit", "--no-fund"])
                .current_dir(&dst)
                .status()
                .ok()?
                .success();
        if !ok {
            eprintln!("could not install the peer harness in {}", dst.display());
            return None;
        }
    }
    Some(dst)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--no-api-checks") {
        runbook_dsl::validate::set_api_checks(false);
    }
    if let Some(i) = args.iter().position(|a| a == "--child" || a == "--child-twins") {
        let n = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(DOCS);
        let (docs, bytes) = if args[i] == "--child" { workload(n) } else { twin_workload(n) };
        println!("{docs} {bytes}");
        return;
    }

    // In process, warm: the pure build + emit cost.
    let _ = workload(DOCS);
    let mut inproc = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let (_, b) = workload(DOCS);
        inproc.push(t.elapsed().as_secs_f64());
        bytes = b;
    }
    let inproc = median(inproc);
    let mb = bytes as f64 / 1e6;
    println!("ours, in process: {DOCS} documents, {mb:.2} MB of YAML in {:.2} ms", inproc * 1e3);
    println!(
        "  {:.0} documents/s, {:.1} MB/s, {:.1} µs/document",
        DOCS as f64 / inproc,
        mb / inproc,
        inproc / DOCS as f64 * 1e6
    );

    // The same, without the API-model checks (issue 13: they may cost at most 10%).
    runbook_dsl::validate::set_api_checks(false);
    let _ = workload(DOCS);
    let mut off = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        off.push({
            workload(DOCS);
            t.elapsed().as_secs_f64()
        });
    }
    runbook_dsl::validate::set_api_checks(true);
    let off = median(off);
    println!(
        "ours, in process, without the API-model checks: {:.2} ms; with them {:+.1}%",
        off * 1e3,
        (inproc / off - 1.0) * 100.0
    );

    // Whole processes, start included.
    let exe = std::env::current_exe().expect("own path");
    let ours: Vec<f64> = (0..RUNS)
        .filter_map(|_| time_command(Command::new(&exe).args(["--child", &DOCS.to_string()])))
        .map(|(secs, _)| secs)
        .collect();
    let ours = median(ours);
    println!("ours, process start included: median {:.2} ms over {RUNS} runs", ours * 1e3);
    let ours_off: Vec<f64> = (0..RUNS)
        .filter_map(|_| time_command(Command::new(&exe).args(["--no-api-checks", "--child", &DOCS.to_string()])))
        .map(|(secs, _)| secs)
        .collect();
    let ours_off = median(ours_off);
    println!(
        "ours, process start included, without the API-model checks: median {:.2} ms; with them {:+.1}%",
        ours_off * 1e3,
        (ours / ours_off - 1.0) * 100.0
    );

    let _ = twin_workload(DOCS);
    let mut twin_runs = Vec::new();
    let mut twin_bytes = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let (_, b) = twin_workload(DOCS);
        twin_runs.push(t.elapsed().as_secs_f64());
        twin_bytes = b;
    }
    let twin_inproc = median(twin_runs);
    let twin_mb = twin_bytes as f64 / 1e6;
    let twins: Vec<f64> = (0..RUNS)
        .filter_map(|_| time_command(Command::new(&exe).args(["--child-twins", &DOCS.to_string()])))
        .map(|(secs, _)| secs)
        .collect();
    let twins = median(twins);
    println!(
        "ours, the peer's four documents x250: {twin_mb:.2} MB in {:.2} ms in process ({:.1} µs/document); process start included: median {:.2} ms",
        twin_inproc * 1e3,
        twin_inproc / DOCS as f64 * 1e6,
        twins * 1e3
    );

    let Some(peer) = peer_dir() else {
        println!("peer: not measured (see above)");
        return;
    };
    let peer_runs: Vec<(f64, String)> = (0..RUNS)
        .filter_map(|_| {
            time_command(Command::new("node").args(["synth.js", "--repeat", "1000", "--quiet"]).current_dir(&peer))
        })
        .collect();
    let Some(peer_mb) = peer_runs.first().and_then(|(_, err)| peer_bytes(err)).map(|b| b / 1e6) else {
        println!("peer: failed to run or printed no timing line");
        return;
    };
    let peer_secs = median(peer_runs.into_iter().map(|(secs, _)| secs).collect());
    println!("peer (node synth.js --repeat 1000 --quiet), process start included: median {:.2} ms", peer_secs * 1e3);
    println!(
        "catalog: {:.1}x faster per document, {:.1}x per MB (peer {peer_mb:.2} MB, ours {mb:.2} MB)",
        peer_secs / ours,
        (peer_secs / peer_mb) / (ours / mb)
    );
    println!(
        "the same documents as the peer: {:.1}x faster per document, {:.1}x per MB (ours {twin_mb:.2} MB)",
        peer_secs / twins,
        (peer_secs / peer_mb) / (twins / twin_mb)
    );
}
