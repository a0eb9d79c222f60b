//! Hostile and odd input, through the `runbook` and `emit` binaries as a user runs them: each
//! example of issue 17 is a test, with its inputs generated here at test time. Nothing may
//! panic, hang, exhaust memory, lose data, follow a planted link or write outside its target.
//! (The library-level checks sit beside the code: `runbook_dsl::files`, `yaml`, `codegen`,
//! `iam::script`; the compile-back of hostile imports is `tests/import_compile.rs`.)

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh folder under the system temp folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("runbook-hostile-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("scratch folder");
        Scratch(d)
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("folder");
        }
        fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn runbook(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runbook")).args(args).current_dir(dir).output().expect("runbook runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit code, stdout and stderr; asserts there was no panic.
fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let o = runbook(args, dir);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(!err.contains("panicked"), "runbook {args:?} panicked:\n{err}");
    assert_ne!(o.status.code(), Some(101), "runbook {args:?} exited 101:\n{err}");
    (o.status.code().unwrap_or(-1), out, err)
}

const STEP: &str = "  - name: A\n    action: aws:pause\n    inputs: {}\n";

fn doc(extra: &str) -> String {
    format!("schemaVersion: '0.3'\nassumeRole: arn:aws:iam::123456789012:role/R\nmainSteps:\n{STEP}{extra}")
}

// ---- Resource exhaustion -------------------------------------------------------------------

/// A "billion laughs": under a kilobyte, more than 10^9 values once its aliases expand.
fn laughs() -> String {
    let mut t = doc("");
    t.push_str("x0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        t.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    t
}

#[test]
fn aliases_that_expand_without_limit_are_refused_with_the_limit_named() {
    let s = Scratch::new("laughs");
    let f = s.file("laughs.yaml", &laughs());
    assert!(fs::metadata(&f).unwrap().len() < 1000);
    for cmd in [&["validate"][..], &["fmt"], &["import", "--rust"], &["iam"], &["graph"], &["simulate"]] {
        let mut args = cmd.to_vec();
        args.push("laughs.yaml");
        let (code, _, err) = run(&args, &s.0);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("laughs.yaml:") && err.contains("limit L003"), "{args:?}: {err}");
    }
}

#[test]
fn deep_nesting_is_refused_in_every_subcommand() {
    let s = Scratch::new("deep");
    let n = 100_000;
    s.file("flow.yaml", &format!("{}x: {}{}\n", doc(""), "[".repeat(n), "]".repeat(n)));
    s.file(
        "map.json",
        &format!(
            "{{\"schemaVersion\": \"0.3\", \"mainSteps\": [], \"x\": {}1{}}}",
            "{\"a\": ".repeat(n),
            "}".repeat(n)
        ),
    );
    s.file("dash.yaml", &format!("{}x:\n{}y\n", doc(""), "- ".repeat(n)));
    let block: String = (0..1000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
    s.file("block.yaml", &format!("{}{block}", doc("")));
    // Every subcommand on one of them, every form through the reader all subcommands share.
    let every = [&["validate"][..], &["fmt"], &["import", "--rust"], &["iam"], &["graph"], &["simulate"]];
    for f in ["flow.yaml", "map.json", "dash.yaml", "block.yaml"] {
        let cmds = if f == "flow.yaml" { &every[..] } else { &every[..1] };
        for cmd in cmds {
            let mut args = cmd.to_vec();
            args.push(f);
            let (code, _, err) = run(&args, &s.0);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains("limit L002"), "{args:?}: {err}");
        }
    }
}

/// aws:loop inside aws:loop, as deep as the depth limit lets a document go.
#[test]
fn deep_flow_nesting_and_many_steps_are_read_and_checked() {
    let s = Scratch::new("flow");
    let mut steps = "[{name: P, action: 'aws:pause', inputs: {}}]".to_string();
    for d in 0..40 {
        steps = format!("[{{name: L{d}, action: 'aws:loop', inputs: {{Iterators: [a], Steps: {steps}}}}}]");
    }
    s.file("loops.yaml", &format!("schemaVersion: '0.3'\nmainSteps: {steps}\n"));
    let many: String = (0..8000)
        .map(|i| format!("  - name: S{i}\n    action: aws:pause\n    nextStep: S{}\n    inputs: {{}}\n", i + 1))
        .collect();
    s.file(
        "many.yaml",
        &format!("schemaVersion: '0.3'\nmainSteps:\n{many}  - name: S8000\n    action: aws:pause\n    inputs: {{}}\n"),
    );
    for f in ["loops.yaml", "many.yaml"] {
        for cmd in ["validate", "graph"] {
            let (code, _, err) = run(&[cmd, f], &s.0);
            assert!(code == 0 || (cmd == "validate" && code == 1), "{cmd} {f}: {code} {err}");
        }
    }
}

#[test]
fn fifos_devices_and_link_cycles_never_block_or_loop() {
    let s = Scratch::new("special");
    s.file("docs/a.yaml", &doc(""));
    symlink(&s.0, s.0.join("docs/cycle")).unwrap();
    let fifo = s.0.join("docs/pipe.yaml");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (code, _, err) = run(&["validate", "docs"], &s.0);
    assert_eq!(code, 0, "the FIFO in the folder is skipped, the cycle walked once: {err}");
    assert!(err.contains("1 documents"), "{err}");
    for named in ["docs/pipe.yaml", "/dev/zero"] {
        for cmd in ["validate", "fmt", "graph"] {
            let (code, _, err) = run(&[cmd, named], &s.0);
            assert_eq!(code, 2, "{cmd} {named}: {err}");
            assert!(err.contains("not a regular file"), "{cmd} {named}: {err}");
        }
    }
    let big = s.0.join("big.yaml");
    fs::File::create(&big).unwrap().set_len(runbook_dsl::files::MAX_FILE_BYTES + 1).unwrap();
    let (code, _, err) = run(&["validate", "big.yaml"], &s.0);
    assert_eq!(code, 2);
    assert!(err.contains("limit L001"), "{err}");
}

#[test]
fn a_billion_max_attempts_is_simulated_within_bounds() {
    let s = Scratch::new("attempts");
    s.file(
        "d.yaml",
        "schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:executeAwsApi\n    maxAttempts: 1000000000\n    inputs: {Service: s3, Api: ListBuckets}\n",
    );
    s.file("m.yaml", "- {service: s3, api: ListBuckets, error: {code: X, message: no}}\n");
    let (code, out, err) = run(&["simulate", "d.yaml", "--mocks", "m.yaml"], &s.0);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("\"attempts\": 1000"), "{out}");
}

// ---- Silent meaning changes ----------------------------------------------------------------

#[test]
fn a_nul_byte_is_an_error_not_the_end_of_the_document() {
    let s = Scratch::new("nul");
    let t = format!("{}\0{}", doc(""), STEP.replace("A", "B"));
    s.file("nul.yaml", &t);
    let (code, _, err) = run(&["fmt", "--write", "nul.yaml"], &s.0);
    assert_eq!(code, 2);
    assert!(err.contains("nul.yaml:7:1") && err.contains("U+0000"), "{err}");
    assert_eq!(fs::read_to_string(s.0.join("nul.yaml")).unwrap(), t, "nothing written");
}

#[test]
fn fmt_write_refuses_what_it_cannot_keep_and_leaves_the_file() {
    let s = Scratch::new("keep");
    let cases = [
        // JSON holds no comments (YAML keeps them: `fmt_write_keeps_comments_...`).
        ("licence.json", format!("# Copyright Example Corp. Licensed under Apache-2.0.\n{}", doc("")), "comment"),
        ("inf.yaml", doc("x-limit: .inf\n"), "number `.inf`"),
        ("nan.yaml", doc("x-limit: .nan\n"), "number `.nan`"),
        ("big.yaml", doc("x-big: 123456789012345678901234567890\n"), "number `123456789012345678901234567890`"),
        ("two.yaml", format!("{}---\n{}", doc(""), doc("")), "second document"),
        ("dup.yaml", doc("x: 1\nx: 2\n"), "the key `x` written a second time"),
        ("tag.yaml", doc("x: !Ref Bucket\n"), "tag"),
        ("anchor.yaml", doc("x: &a [1]\ny: *a\n"), "anchor or alias"),
    ];
    for (name, t, what) in &cases {
        // Out of canonical order, so that fmt --write has something to do.
        let t = format!("x-first: 1\n{t}");
        s.file(name, &t);
        let (code, _, err) = run(&["fmt", "--write", name], &s.0);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(what) && err.contains("left as it is"), "{name}: {err}");
        assert_eq!(&fs::read_to_string(s.0.join(name)).unwrap(), &t, "{name} unchanged");
    }
}

#[test]
fn fmt_write_keeps_comments_and_refuses_one_it_cannot_place_naming_its_line() {
    let s = Scratch::new("comments");
    let kept = format!(
        "# Copyright Example Corp. Licensed under Apache-2.0.\n\nmainSteps: # the steps\n  # pause first\n{STEP}\
         # pinned\nschemaVersion: '0.3'\nassumeRole: arn:aws:iam::123456789012:role/R\n"
    );
    s.file("kept.yaml", &kept);
    let (code, out, err) = run(&["fmt", "--write", "kept.yaml"], &s.0);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        fs::read_to_string(s.0.join("kept.yaml")).unwrap(),
        format!(
            "# Copyright Example Corp. Licensed under Apache-2.0.\n\n# pinned\nschemaVersion: '0.3'\n\
             assumeRole: arn:aws:iam::123456789012:role/R\nmainSteps: # the steps\n  # pause first\n{STEP}"
        )
    );
    // A flow map closed left of its key (libyaml reads it, the located reader does not) and an
    // anchor: the comment's key cannot be known.
    let unknown = format!("{}x-a: &a 1\n# where does this go?\nx-b:\n    c: {{\n  k: v\n  }}\n", doc(""));
    s.file("unknown.yaml", &unknown);
    let (code, _, err) = run(&["fmt", "--write", "unknown.yaml"], &s.0);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown.yaml:8:1") && err.contains("this comment cannot be kept"), "{err}");
    assert!(err.contains("indent its closing bracket further right than the key"), "the fix: {err}");
    assert!(err.contains("left as it is"), "{err}");
    assert_eq!(fs::read_to_string(s.0.join("unknown.yaml")).unwrap(), unknown, "nothing written");
}

#[test]
fn duplicate_keys_are_validation_errors_in_yaml_and_json() {
    let s = Scratch::new("dup");
    s.file("d.yaml", &doc("").replace("    action: aws:pause\n", "    action: aws:pause\n    action: aws:sleep\n"));
    s.file(
        "d.json",
        r#"{"schemaVersion": "0.3", "mainSteps": [{"name": "A", "action": "aws:pause", "inputs": {}, "name": "B"}]}"#,
    );
    let (code, out, _) = run(&["validate", "d.yaml", "d.json"], &s.0);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("d.yaml:5:5: error[E017] field=mainSteps[0].action: `action` is written twice"), "{out}");
    assert!(out.contains("d.json:1:") && out.contains("E017") && out.contains("`name` is written twice"), "{out}");
}

// ---- Writes --------------------------------------------------------------------------------

#[test]
fn fmt_write_keeps_mode_links_and_ignores_planted_temporary_files() {
    let s = Scratch::new("write");
    let untidy = format!("mainSteps:\n{STEP}schemaVersion: '0.3'\n");
    let f = s.file("real.yaml", &untidy);
    fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
    symlink("real.yaml", s.0.join("link.yaml")).unwrap();
    // What the old writer's predictable temporary name would have been, planted as a link to a
    // file the attacker wants overwritten.
    let victim = s.file("victim.txt", "precious");
    for pid in 0..64 {
        let _ = symlink(&victim, s.0.join(format!(".real.yaml.{pid}.tmp")));
    }
    let (code, out, err) = run(&["fmt", "--write", "link.yaml"], &s.0);
    assert_eq!(code, 0, "{out}{err}");
    assert!(fs::symlink_metadata(s.0.join("link.yaml")).unwrap().file_type().is_symlink(), "the link stays a link");
    let now = fs::read_to_string(&f).unwrap();
    assert!(now.starts_with("schemaVersion: '0.3'\nmainSteps:"), "{now}");
    assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, 0o640, "mode kept");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn import_out_refuses_name_collisions() {
    let s = Scratch::new("collide");
    s.file("docs/Fix-Bucket.yaml", &doc(""));
    s.file("docs/fix_bucket.yaml", &doc("").replace("name: A", "name: B"));
    let (code, _, err) = run(&["import", "docs", "--rust", "--out", "src"], &s.0);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fix_bucket.yaml: not written") && err.contains("rename one"), "{err}");
    let src = fs::read_to_string(s.0.join("src/fix_bucket.rs")).unwrap();
    assert!(src.contains("\"A\""), "the first document's module stays: {src}");
}

#[test]
fn import_escapes_file_names_in_comments() {
    let s = Scratch::new("inject");
    s.file("x\n}\nfn evil() {}\n//.yaml", &doc(""));
    let (code, out, err) = run(&["import", "--rust", "x\n}\nfn evil() {}\n//.yaml"], &s.0);
    assert_eq!(code, 0, "{err}");
    assert!(!out.lines().any(|l| l.starts_with("fn evil")), "{out}");
    assert!(out.contains("x\\u{a}}\\u{a}fn evil() {}\\u{a}//.yaml"), "{out}");
}

fn emit(args: &[&str], dir: &Path) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_emit")).args(args).current_dir(dir).output().expect("emit runs");
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code().unwrap_or(-1), format!("{}{err}", text(&o.stdout)))
}

#[test]
fn emit_deletes_only_its_own_files_writes_all_or_nothing_and_finds_its_workspace_at_run_time() {
    let s = Scratch::new("emit");
    // A workspace of its own: emit's default folder is found from the current folder.
    s.file("Cargo.toml", "[workspace]\nmembers = []\n");
    let out = s.0.join("generated");
    let (code, said) = emit(&[], &s.0);
    assert_eq!(code, 0, "{said}");
    let manifest = fs::read_to_string(out.join(".emit-manifest")).unwrap();
    assert!(manifest.contains("Remediate-S3-EnableDefaultEncryption.yaml"), "{manifest}");
    // A file of the user's and a file emit wrote once and no runbook produces any more.
    fs::write(out.join("notes.md"), "mine").unwrap();
    fs::write(out.join("Old-Runbook.yaml"), "old").unwrap();
    fs::write(out.join(".emit-manifest"), format!("{manifest}Old-Runbook.yaml\n")).unwrap();
    let (code, said) = emit(&[], &s.0);
    assert_eq!(code, 0, "{said}");
    assert_eq!(fs::read_to_string(out.join("notes.md")).unwrap(), "mine", "never written by emit: kept");
    assert!(!out.join("Old-Runbook.yaml").exists(), "emit's own stale file is deleted: {said}");
    // One target that cannot be written: nothing at all changes.
    let stale = out.join("Remediate-S3-EnableDefaultEncryption.yaml");
    fs::write(&stale, "stale").unwrap();
    let blocked = out.join("index.md");
    fs::remove_file(&blocked).unwrap();
    fs::create_dir(&blocked).unwrap();
    let (code, said) = emit(&["--out", out.to_str().unwrap()], &s.0);
    assert_eq!(code, 2, "{said}");
    assert_eq!(fs::read_to_string(&stale).unwrap(), "stale", "all or nothing: {said}");
    let temps: Vec<_> =
        fs::read_dir(&out).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
    assert!(temps.is_empty(), "no temporary files left");
}

// ---- CLI -----------------------------------------------------------------------------------

#[test]
fn a_closed_pipe_ends_quietly() {
    let s = Scratch::new("pipe");
    let many: String =
        (0..3000).map(|i| format!("  - name: S{i}\n    action: aws:pause\n    inputs: {{}}\n")).collect();
    s.file("many.yaml", &format!("schemaVersion: '0.3'\nmainSteps:\n{many}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(["fmt", "many.yaml"])
        .current_dir(&s.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert!(!err.contains("panicked") && err.is_empty(), "{err}");
    assert_ne!(o.status.code(), Some(101));
}

#[test]
fn forms_aws_accepts_are_read_and_messages_use_the_users_terms() {
    let s = Scratch::new("forms");
    s.file(
        "bom.yaml",
        &format!(
            "\u{feff}{}",
            doc("").replace("    inputs: {}\n", "    timeoutSeconds: '60'\n    maxAttempts: '2'\n    inputs: {}\n")
        ),
    );
    let (code, out, err) = run(&["validate", "bom.yaml"], &s.0);
    assert_eq!(code, 0, "{out}{err}");
    s.file(
        "bad.yaml",
        &doc("").replace(
            "    inputs: {}\n",
            "    onFailure: Abrt\n    maxAttempts: -1\n    isCritical: maybe\n    inputs: {}\n",
        ),
    );
    let (code, _, err) = run(&["validate", "bad.yaml"], &s.0);
    assert_eq!(code, 2);
    for serde in ["u64", "i64", "unknown variant", "invalid type", "struct ", "enum "] {
        assert!(!err.contains(serde), "serde wording `{serde}`: {err}");
    }
}

#[test]
fn every_subcommand_walks_folders_by_the_same_rules() {
    let s = Scratch::new("walk");
    s.file("docs/A.YAML", &doc(""));
    s.file("docs/.hidden/B.yaml", &doc(""));
    s.file(
        "docs/sub/C.json",
        r#"{"schemaVersion": "0.3", "mainSteps": [{"name": "A", "action": "aws:pause", "inputs": {}}]}"#,
    );
    s.file("docs/template.yaml", "Resources: {}\n");
    s.file("docs/locked/D.yaml", &doc(""));
    fs::set_permissions(s.0.join("docs/locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let root = fs::read_dir(s.0.join("docs/locked")).is_ok();
    let (code, out, _) = run(&["graph", "docs"], &s.0);
    assert!(out.contains("docs/A.YAML") && out.contains("docs/sub/C.json") && !out.contains("B.yaml"), "{out}");
    if !root {
        assert_eq!(code, 2, "the unreadable folder is reported");
        for cmd in ["validate", "fmt", "iam"] {
            let (code, _, err) = run(&[cmd, "docs"], &s.0);
            assert_eq!(code, 2, "{cmd}: {err}");
            assert!(err.contains("docs/locked: cannot read the folder"), "{cmd}: {err}");
        }
    }
    fs::set_permissions(s.0.join("docs/locked"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::remove_dir_all(s.0.join("docs/locked")).unwrap();
    // Folders: files that are not Automation documents are skipped with a count; exit 0.
    let (code, _, err) = run(&["validate", "docs"], &s.0);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 documents") && err.contains("1 other files skipped"), "{err}");
    let (code, _, err) = run(&["fmt", "--check", "docs"], &s.0);
    assert!(err.contains("1 other files skipped"), "{err}");
    assert_eq!(code, 1, "A.YAML and C.json are documents (not canonical): {err}");
    let (code, out, err) = run(&["fmt", "--write", "docs"], &s.0);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&["fmt", "--check", "docs"], &s.0);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn iam_strict_fails_on_what_the_script_scan_cannot_resolve() {
    let s = Scratch::new("iam");
    let script = "import boto3\\ndef handler(e, c):\\n    ec2 = boto3.client('ec2')\\n    # ec2.terminate_instances()\\n    getattr(ec2, e['op'])()\\n";
    s.file(
        "d.yaml",
        &format!(
            "schemaVersion: '0.3'\nmainSteps:\n  - name: S\n    action: aws:executeScript\n    inputs:\n      Runtime: python3.11\n      Handler: handler\n      Script: \"{script}\"\n"
        ),
    );
    let (code, out, err) = run(&["iam", "d.yaml"], &s.0);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("TerminateInstances"), "a call in a comment is not counted: {out}");
    assert!(err.contains("getattr(ec2"), "{err}");
    let (code, _, err) = run(&["iam", "--strict", "d.yaml"], &s.0);
    assert_eq!(code, 1, "{err}");
}
