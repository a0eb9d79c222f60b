//! `cargo bench -p runbook-dsl --bench validate`: time reading (with the source map) and
//! validating every document of `../shared/corpus/automation`. Method and results:
//! `BENCHMARKS.md`.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| matches!(x, "yaml" | "yml" | "json")) {
            out.push(p);
        }
    }
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/automation");
    let mut paths = Vec::new();
    files(&corpus, &mut paths);
    if paths.is_empty() {
        eprintln!("SHARED MISSING: {} has no documents; nothing to measure", corpus.display());
        return;
    }
    let texts: Vec<String> = paths.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let named: Vec<_> =
        paths.iter().zip(&texts).filter_map(|(p, t)| runbook_dsl::read::from_str(t).ok().map(|d| (p, d))).collect();
    let docs: Vec<_> = named.iter().map(|(_, d)| d.clone()).collect();
    let rounds = 20;
    let report = |what: &str, f: &mut dyn FnMut() -> usize| {
        let mut best = f64::MAX;
        let mut total = 0.0;
        let mut n = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            n = f();
            let s = t.elapsed().as_secs_f64();
            best = best.min(s);
            total += s;
        }
        println!(
            "{what:<28} {n:>4} docs  best {:>7.2} ms  mean {:>7.2} ms  ({:.1} us/doc best)",
            best * 1e3,
            total / rounds as f64 * 1e3,
            best * 1e6 / n.max(1) as f64
        );
    };
    println!("corpus: {} files, {} KB, {rounds} rounds each", texts.len(), bytes / 1024);
    report("read::from_str (no map)", &mut || texts.iter().filter(|t| runbook_dsl::read::from_str(t).is_ok()).count());
    report("yaml::source_map", &mut || texts.iter().map(|t| runbook_dsl::yaml::source_map(t).len().min(1)).sum());
    report("read::parse (doc + map)", &mut || texts.iter().filter(|t| runbook_dsl::read::parse(t).is_ok()).count());
    report("validate::validate", &mut || {
        docs.iter().map(|d| std::hint::black_box(runbook_dsl::validate::validate(d))).fold(0, |n, _| n + 1)
    });
    let mut slow: Vec<(f64, &PathBuf)> = named
        .iter()
        .map(|&(p, ref d)| {
            let t = Instant::now();
            runbook_dsl::validate::validate(d);
            (t.elapsed().as_secs_f64(), p)
        })
        .collect();
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (s, p) in slow.iter().take(3) {
        println!("slowest: {:>7.2} ms  {}", s * 1e3, p.strip_prefix(&corpus).unwrap_or(p).display());
    }
    let total: usize = docs.iter().map(|d| runbook_dsl::validate::validate(d).len()).sum();
    println!("findings over the corpus: {total}");
}
