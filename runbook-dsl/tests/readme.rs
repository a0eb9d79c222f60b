//! The README's runbook example is exactly `examples/readme.rs`, which `cargo test` compiles.

#[test]
fn readme_example_is_the_compiled_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).expect("README.md");
    let example = std::fs::read_to_string(root.join("examples/readme.rs")).expect("examples/readme.rs");
    let body =
        example.split("// README-BEGIN\n").nth(1).and_then(|s| s.split("    // README-END").next()).expect("markers");
    let dedented: Vec<&str> = body.lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect();
    let expected = format!("use runbook_dsl::prelude::*;\n\n{}\n", dedented.join("\n").trim_end());
    let section = readme.split("## A runbook\n").nth(1).expect("a `## A runbook` section");
    let block = section.split("```rust\n").nth(1).and_then(|s| s.split("```\n").next()).expect("a rust block");
    assert_eq!(block, expected, "README.md's example differs from runbook-dsl/examples/readme.rs");
}

/// The ```rust blocks of README.md and docs/*.md, as (file, line of the fence, body).
fn rust_blocks() -> Vec<(String, usize, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let name = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        let mut lines = text.lines().enumerate();
        while let Some((i, l)) = lines.next() {
            if l.trim_start().starts_with("```rust") {
                let body: Vec<&str> =
                    lines.by_ref().map(|(_, l)| l).take_while(|l| !l.trim_start().starts_with("```")).collect();
                out.push((name.clone(), i + 1, body.join("\n")));
            }
        }
    }
    out
}

/// Code lines of a text: trimmed, doc-comment markers (`///`, `//!`) removed (doctests are
/// compiled code), without blank lines and `//` comments.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| {
            let l = l.trim();
            l.strip_prefix("///").or_else(|| l.strip_prefix("//!")).map_or(l, str::trim)
        })
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect()
}

/// Every `.rs` file the workspace compiles (sources, examples, benches, tests).
fn compiled_sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut todo: Vec<_> =
        ["runbook-dsl", "runbooks", "runbook-macros", "tests"].iter().map(|d| root.join(d)).collect();
    let mut out = Vec::new();
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("readable folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.display().to_string(), std::fs::read_to_string(&p).expect("readable")));
            }
        }
    }
    out
}

/// Every ```rust block of the README and the docs is the text of a file `cargo test` compiles
/// (blank lines and `//` comments aside), so no example can drift from the API.
#[test]
fn every_rust_block_is_compiled_code() {
    let sources: Vec<(String, Vec<String>)> = compiled_sources()
        .into_iter()
        .map(|(p, t)| (p, code_lines(&t).into_iter().map(str::to_string).collect()))
        .collect();
    let mut stale = Vec::new();
    for (file, line, body) in rust_blocks() {
        let want = code_lines(&body);
        if want.is_empty() {
            continue;
        }
        if file == "README.md" && body.starts_with("use runbook_dsl::prelude::*;\n\nlet mut rb") {
            continue; // the `## A runbook` example: readme_example_is_the_compiled_example
        }
        // Each blank-line-separated part is a run of lines of one file (a block may show two
        // items of a module and leave out what is between them).
        let parts: Vec<Vec<&str>> = body.split("\n\n").map(code_lines).filter(|p| !p.is_empty()).collect();
        let excerpt = |have: &Vec<String>, part: &Vec<&str>| {
            have.windows(part.len()).any(|w| w.iter().zip(part).all(|(a, b)| a == b))
        };
        let found = sources.iter().any(|(_, have)| parts.iter().all(|part| excerpt(have, part)));
        if !found {
            stale.push(format!(
                "{file}:{line}: this rust block is not the text of any compiled file; copy it from the source it shows (or put it in tests/docs_blocks.rs)"
            ));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// The line counts in the README's macros-versus-builder table are those of its two blocks.
#[test]
fn readme_line_counts_are_those_of_its_blocks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).expect("README.md");
    let section = readme.split("## One runbook written both ways").nth(1).expect("the section");
    let header = section.lines().find(|l| l.starts_with("<tr><th>With the macros")).expect("the table header");
    let numbers: Vec<usize> =
        header.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    let blocks: Vec<&str> =
        section.split("```rust\n").skip(1).take(2).map(|b| b.split("```\n").next().unwrap_or("")).collect();
    let (macros, builder) = (blocks[0], blocks[1]);
    let (params, build) = macros.split_once("\n\n").expect("the parameter struct, a blank line, the function");
    assert_eq!(
        numbers,
        vec![build.lines().count(), params.lines().count(), builder.lines().count()],
        "README: `With the macros (N lines + M for the parameter struct)` and `With the builder (K lines)` must count the blocks' lines"
    );
}
