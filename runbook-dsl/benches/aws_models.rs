//! Decode cost of the API-model snapshot (BENCHMARKS.md, "The API-model snapshot"):
//! `cargo bench -p runbook-dsl --bench aws_models`.
//!
//! Times, uncached, what the first use of `runbook_dsl::aws_api` costs: reading the index, and
//! decoding one service's block (s3, ec2 — the largest —, iam, ssm), and every service in turn.
//! Median of at least 15 runs and 1 s per figure.

use runbook_dsl::aws_api::raw::{block, parse_index, parse_service, DATA};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn median(f: &mut dyn FnMut()) -> Duration {
    f();
    let mut runs = Vec::new();
    let start = Instant::now();
    while runs.len() < 15 || start.elapsed() < Duration::from_secs(1) {
        let t = Instant::now();
        f();
        runs.push(t.elapsed());
    }
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let index = parse_index(DATA).expect("the snapshot's index");
    println!("snapshot: {} bytes, {} services, {}", DATA.len(), index.entries.len(), index.version);
    let t = median(&mut || {
        black_box(parse_index(black_box(DATA)).expect("index"));
    });
    println!("index: {:.3} ms", t.as_secs_f64() * 1e3);
    for name in ["s3", "ec2", "iam", "ssm"] {
        let e = index.entries.iter().find(|e| e.name == name).expect("a service of the snapshot");
        let b = block(DATA, &index, e);
        let t = median(&mut || {
            black_box(parse_service(black_box(b)).expect("block"));
        });
        println!("{name}: {} bytes, {:.3} ms", b.len(), t.as_secs_f64() * 1e3);
    }
    let t = median(&mut || {
        for e in &index.entries {
            black_box(parse_service(block(DATA, &index, e)).expect("block"));
        }
    });
    println!("all {} services: {:.1} ms", index.entries.len(), t.as_secs_f64() * 1e3);
}
