//! Benchmark: drawing diagrams and documentation pages of every corpus document.
//!
//! `cargo bench -p runbook-dsl --bench diagram` (release profile). Reads the corpus from
//! `../shared/corpus/automation` next to the workspace (or `RUNBOOK_CORPUS`), then times
//! `diagram::to_mermaid` and `docs_page::render` over all of it, several rounds, and prints the
//! median round and the mean per document. Method and results: BENCHMARKS.md.

use runbook_dsl::docs_page::{render, Page};
use runbook_dsl::{diagram, read};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROUNDS: usize = 30;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(p);
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let corpus = std::env::var_os("RUNBOOK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/automation"));
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    if files.is_empty() {
        eprintln!("SHARED MISSING: no documents in {}; set RUNBOOK_CORPUS", corpus.display());
        std::process::exit(2);
    }
    let docs: Vec<_> = files.iter().filter_map(|f| read::from_path(f).ok()).collect();
    let steps: usize = docs.iter().map(|d| d.all_steps().len()).sum();
    println!("corpus: {} documents, {} steps ({})", docs.len(), steps, corpus.display());

    let mut bytes = 0;
    let diagram_rounds: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for d in &docs {
                bytes += black_box(diagram::to_mermaid(d)).len();
            }
            t.elapsed()
        })
        .collect();
    let page_rounds: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for d in &docs {
                bytes += black_box(render(&Page::new("Doc", d))).len();
            }
            t.elapsed()
        })
        .collect();
    black_box(bytes);
    for (what, rounds) in [("diagram::to_mermaid", diagram_rounds), ("docs_page::render", page_rounds)] {
        let m = median(rounds);
        println!(
            "{what}: median round {:.2} ms for {} documents, {:.1} µs per document",
            m.as_secs_f64() * 1e3,
            docs.len(),
            m.as_secs_f64() * 1e6 / docs.len() as f64
        );
    }
}
