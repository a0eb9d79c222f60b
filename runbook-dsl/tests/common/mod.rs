//! What the integration tests of this crate share: the `../shared` folder, said loudly when it
//! is missing (the logic of `cross_tests::shared`, which this crate cannot depend on), and the
//! corpus documents in it, and the seeded random numbers of the property tests.

use std::path::{Path, PathBuf};

/// `../shared/<rel>` (or under `$RUNBOOK_SHARED`), said loudly when missing; fails when
/// `RUNBOOK_REQUIRE_SHARED=1`.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("RUNBOOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let p = root.join(rel);
    if p.exists() {
        return Some(p);
    }
    let msg = format!("SHARED MISSING: {} is not there; this test cannot run", p.display());
    assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "{msg} (RUNBOOK_REQUIRE_SHARED=1)");
    eprintln!("warning: {msg}; skipped (set RUNBOOK_REQUIRE_SHARED=1 to make this fail)");
    None
}

/// Every corpus document (`.yaml`, `.yml`, `.json` under `shared/corpus/automation`), sorted,
/// with its text; `None` (said loudly) when the shared folder is missing.
pub fn corpus() -> Option<Vec<(PathBuf, String)>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")) {
                out.push(p);
            }
        }
    }
    let dir = shared("corpus/automation")?;
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    assert!(files.len() >= 281, "the corpus has 281 documents, found {}", files.len());
    Some(files.into_iter().map(|f| (f.clone(), std::fs::read_to_string(&f).expect("corpus files are UTF-8"))).collect())
}

/// xorshift64*: small, fast, reproducible from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}
