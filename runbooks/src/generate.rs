//! What `emit` writes into `generated/`: the plan (every file and its contents), the check
//! against what is on disk, and the atomic write.
//!
//! `generated/` belongs to `emit`: every file in it is one that `emit` produced, and a file no
//! runbook produces any more is deleted.

use crate::catalog::{catalog, CatalogEntry};
use runbook_dsl::{diagram, docs_page, emit};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The generated files, by file name relative to `generated/`, in a stable order.
pub type Plan = BTreeMap<String, String>;

/// Every file `emit` writes for the catalog, or why the catalog cannot be emitted.
///
/// ```
/// let plan = runbooks::generate::plan().unwrap();
/// assert!(plan.contains_key("Remediate-S3-EnableDefaultEncryption.yaml"));
/// ```
pub fn plan() -> Result<Plan, String> {
    let entries = catalog().map_err(|e| e.to_string())?;
    let errors = validation_errors(&entries);
    if !errors.is_empty() {
        return Err(format!("the catalog has validation errors:\n{}", errors.join("\n")));
    }
    crate::wiring::files(&entries)?;
    crate::catalog::styles_page()?;
    Ok(plan_for(&entries))
}

/// Every validation error of the given runbooks, one line each: runbook, step, field, message.
pub fn validation_errors(entries: &[CatalogEntry]) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries {
        for d in runbook_dsl::validate::errors(&e.document) {
            out.push(format!("  - runbook {}: {d}", e.name));
        }
    }
    out
}

/// The files for the given catalog entries.
pub fn plan_for(entries: &[CatalogEntry]) -> Plan {
    let mut plan = Plan::new();
    for e in entries {
        plan.insert(format!("{}.yaml", e.name), emit::to_yaml(&e.document));
    }
    // Policies and CloudFormation templates (`plan` has already reported wiring problems).
    plan.extend(crate::wiring::files(entries).unwrap_or_default());
    // Review material: a flow diagram and a documentation page per runbook, and the index.
    let sources: Vec<String> = entries.iter().map(|e| format!("{}.yaml", e.name)).collect();
    let actions = crate::wiring::iam_actions(entries);
    let pages: Vec<_> =
        entries.iter().zip(&sources).zip(&actions).map(|((e, src), a)| e.page(Some(src), a.as_deref())).collect();
    for page in &pages {
        plan.insert(format!("{}.mmd", page.name), diagram::to_mermaid(page.document));
        plan.insert(format!("{}.md", page.name), docs_page::render(page));
    }
    plan.insert("index.md".to_string(), docs_page::index(&pages));
    // Which runbook is written with the macros and which with the builder (from the sources).
    // (`plan` has already reported a module missing from the list.)
    if let Ok(styles) = crate::catalog::styles_page() {
        plan.insert("styles.md".to_string(), styles);
    }
    plan
}

/// A difference between the plan and the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    /// The file is missing.
    Missing(String),
    /// The file differs; the unified diff from disk to plan.
    Stale(String, String),
    /// The file is in the directory but no runbook produces it.
    Extra(String),
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Missing(n) => write!(f, "missing: {n}"),
            Drift::Stale(n, diff) => write!(f, "stale: {n}\n{diff}"),
            Drift::Extra(n) => write!(f, "extra: {n} (no runbook produces it; emit deletes only the files it wrote)"),
        }
    }
}

/// The files currently in `dir` (hidden files excluded), by name.
pub fn on_disk(dir: &Path) -> io::Result<Plan> {
    let mut files = Plan::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_file() {
            continue;
        }
        files.insert(name, fs::read_to_string(entry.path())?);
    }
    Ok(files)
}

/// Every difference between the plan and `dir`.
pub fn check(dir: &Path, plan: &Plan) -> io::Result<Vec<Drift>> {
    let disk = on_disk(dir)?;
    let mut drift = Vec::new();
    for (name, want) in plan {
        match disk.get(name) {
            None => drift.push(Drift::Missing(name.clone())),
            Some(have) if have != want => {
                let diff = similar::TextDiff::from_lines(have.as_str(), want.as_str())
                    .unified_diff()
                    .header(&format!("generated/{name} (on disk)"), &format!("generated/{name} (emit)"))
                    .to_string();
                drift.push(Drift::Stale(name.clone(), diff));
            }
            Some(_) => {}
        }
    }
    for name in disk.keys() {
        if !plan.contains_key(name) {
            drift.push(Drift::Extra(name.clone()));
        }
    }
    // The manifest lists what emit may delete later: stale, it would forget a file.
    let want = manifest_text(plan);
    match fs::read_to_string(dir.join(MANIFEST)) {
        Ok(have) if have == want => {}
        Ok(_) => drift.push(Drift::Stale(MANIFEST.to_string(), "the list of files emit wrote is out of date\n".into())),
        Err(_) => drift.push(Drift::Missing(MANIFEST.to_string())),
    }
    Ok(drift)
}

/// What [`write`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written (new or changed).
    pub written: Vec<String>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Files deleted: emit wrote them before (they are in its manifest) and no runbook produces
    /// them any more.
    pub deleted: Vec<String>,
    /// Files in the folder that emit never wrote: left alone.
    pub foreign: Vec<String>,
}

/// The file in which `emit` lists the files it wrote, so that it deletes only its own.
pub const MANIFEST: &str = ".emit-manifest";

/// The files `emit` wrote into `dir` last time (none when it never did).
pub fn manifest(dir: &Path) -> io::Result<Vec<String>> {
    match fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => Ok(text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn manifest_text(plan: &Plan) -> String {
    let mut text = String::from("# Files written by `cargo run --bin emit`; emit deletes only these.\n");
    for name in plan.keys() {
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// Writes the plan into `dir`, all or nothing: every changed file (and the manifest) is first
/// written to a temporary file beside it and synced ([`runbook_dsl::files::Staged`]); only when
/// all are ready are they renamed into place. Then the files `emit` wrote before (its manifest)
/// that no runbook produces any more are deleted; files it never wrote are left alone.
pub fn write(dir: &Path, plan: &Plan) -> io::Result<WriteReport> {
    use runbook_dsl::files::Staged;
    fs::create_dir_all(dir)?;
    let disk = on_disk(dir)?;
    let before = manifest(dir)?;
    let mut report = WriteReport::default();
    let mut staged = Vec::new();
    for (name, contents) in plan {
        if disk.get(name) == Some(contents) {
            report.unchanged.push(name.clone());
            continue;
        }
        // Plan names are file names; never a path out of `dir`.
        if name.contains('/') || name.starts_with('.') {
            return Err(io::Error::other(format!("`{name}` is not a plain file name")));
        }
        staged.push(Staged::new(&dir.join(name), contents)?);
        report.written.push(name.clone());
    }
    let manifest = manifest_text(plan);
    if fs::read_to_string(dir.join(MANIFEST)).ok().as_deref() != Some(manifest.as_str()) {
        staged.push(Staged::new(&dir.join(MANIFEST), &manifest)?);
    }
    // Everything is on disk and synced: now the renames.
    for s in &mut staged {
        s.commit()?;
    }
    for name in disk.keys().filter(|n| !plan.contains_key(*n)) {
        if before.contains(name) {
            fs::remove_file(dir.join(name))?;
            report.deleted.push(name.clone());
        } else {
            report.foreign.push(name.clone());
        }
    }
    Ok(report)
}

/// `generated/` of the workspace the command runs in: the nearest folder, from the current one
/// up, whose `Cargo.toml` declares a `[workspace]` (so a moved or copied checkout writes into
/// itself); the current folder's `generated/` when there is none.
pub fn default_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|d| fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]")))
        .unwrap_or(&cwd)
        .join("generated")
}
