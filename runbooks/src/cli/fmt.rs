//! `runbook fmt`: print documents in canonical form, or rewrite them in place.
//!
//! ```sh
//! cargo run --bin runbook -- fmt doc.yaml            # canonical YAML on stdout
//! cargo run --bin runbook -- fmt --json doc.yaml     # canonical JSON on stdout
//! cargo run --bin runbook -- fmt --write docs/       # rewrite every changed file, atomically
//! cargo run --bin runbook -- fmt --check docs/       # exit 1 when a file is not canonical
//! ```

use clap::Args as ClapArgs;
use runbook_dsl::files;
use runbook_dsl::format::{self, Style};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `runbook fmt`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents (folders are searched for `.yaml`, `.yml`,
    /// `.json`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print (or write) canonical JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
    /// Rewrite each file in place (atomically) instead of printing it; `.json` files stay JSON.
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Write nothing; list files that are not in canonical form and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

/// The style a file is formatted in: JSON when asked, or when rewriting a `.json` file.
fn style_for(args: &Args, path: &Path) -> Style {
    let is_json = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if args.json || ((args.write || args.check) && is_json) {
        Style::Json
    } else {
        Style::Yaml
    }
}

/// Runs the subcommand: 0 success, 1 files not canonical (`--check`), 2 a file cannot be read,
/// parsed or written, or `--write` would lose something in it (the other files are still
/// processed). Files met in folders that are not Automation documents are skipped, with a
/// count.
pub fn run(args: Args) -> ExitCode {
    let walk = files::walk(&args.paths);
    let mut failed = walk.problems.len();
    for p in &walk.problems {
        eprintln!("runbook fmt: {p}");
    }
    let (mut unformatted, mut skipped, mut done) = (0usize, 0usize, 0usize);
    let many = walk.files.len() > 1;
    let mut out_stream = std::io::stdout().lock();
    for found in &walk.files {
        let path = &found.path;
        let text = match super::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
                continue;
            }
        };
        if !found.named && !super::is_automation_text(&text) {
            skipped += 1;
            continue;
        }
        let style = style_for(&args, path);
        let formatted = format::format(&text, style).and_then(|o| {
            if args.write && o != text {
                format::check_keepable(&text, style)?;
            }
            Ok(o)
        });
        let out = match formatted {
            Ok(o) => o,
            Err(mut e) => {
                e.file = Some(path.clone());
                eprintln!("{e}");
                failed += 1;
                continue;
            }
        };
        if args.check {
            if out != text {
                println!("not canonical: {}", path.display());
                unformatted += 1;
            }
        } else if args.write {
            if out != text {
                match files::write_file(path, &out) {
                    Ok(()) => println!("formatted {}", path.display()),
                    Err(e) => {
                        eprintln!("{}: cannot write the file: {e}", path.display());
                        failed += 1;
                    }
                }
            }
        } else {
            use std::io::Write;
            let mut text = String::new();
            if many && style == Style::Yaml {
                if done > 0 {
                    text.push_str("---\n");
                }
                text.push_str(&format!("# {}\n", path.display()));
            }
            text.push_str(&out);
            if out_stream.write_all(text.as_bytes()).is_err() {
                // The reader went away (a closed pipe): nothing more to say.
                return ExitCode::from(if failed > 0 { 2 } else { 0 });
            }
        }
        done += 1;
    }
    if skipped > 0 {
        eprintln!(
            "runbook fmt: {skipped} other files skipped (not Automation documents: no schemaVersion or mainSteps)"
        );
    }
    if failed > 0 {
        ExitCode::from(2)
    } else if unformatted > 0 {
        eprintln!("runbook fmt --check: {unformatted} of {done} files are not canonical");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(paths: &[&Path], write: bool, check: bool) -> Args {
        Args { paths: paths.iter().map(|p| p.to_path_buf()).collect(), json: false, write, check }
    }

    #[test]
    fn write_rewrites_in_place_keeps_json_json_and_check_reports() {
        let dir = std::env::temp_dir().join(format!("runbook-fmt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let yaml = dir.join("a.yaml");
        let json = dir.join("b.json");
        let broken = dir.join("c.yml");
        std::fs::write(&yaml, "mainSteps:\n- {name: W, action: aws:pause, inputs: {}}\nschemaVersion: '0.3'\n")
            .unwrap();
        std::fs::write(&json, r#"{"mainSteps": [], "schemaVersion": "0.3", "x": 1}"#).unwrap();
        std::fs::write(&broken, "schemaVersion: [\n").unwrap();

        assert_eq!(run(args(&[&yaml, &json], false, true)), ExitCode::from(1));
        assert_eq!(run(args(&[&dir], true, false)), ExitCode::from(2), "the broken file is reported");
        assert_eq!(
            std::fs::read_to_string(&yaml).unwrap(),
            "schemaVersion: '0.3'\nmainSteps:\n  - name: W\n    action: aws:pause\n    inputs: {}\n"
        );
        assert_eq!(
            std::fs::read_to_string(&json).unwrap(),
            "{\n  \"schemaVersion\": \"0.3\",\n  \"mainSteps\": [],\n  \"x\": 1\n}\n"
        );
        assert_eq!(std::fs::read_to_string(&broken).unwrap(), "schemaVersion: [\n", "left untouched");
        assert_eq!(run(args(&[&yaml, &json], false, true)), ExitCode::SUCCESS);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "no temporary files left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_path_is_an_error() {
        assert_eq!(run(args(&[Path::new("/nonexistent/doc.yaml")], false, false)), ExitCode::from(2));
    }
}
