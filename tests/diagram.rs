//! Flow diagrams and documentation pages: snapshots of the catalog's, and every corpus document
//! drawn into a well-formed flowchart.

use runbook_dsl::{diagram, docs_page, read};
use std::collections::HashSet;

/// Node ids declared in a flowchart, and the endpoints of its edges.
fn nodes_and_edges(text: &str) -> (Vec<String>, Vec<(String, String)>) {
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1).map(str::trim) {
        let words: Vec<&str> = line.split(' ').collect();
        if words.len() >= 3 && (words[1].starts_with("-->") || words[1].starts_with("-.->")) {
            let to = line.rsplit(' ').next().unwrap_or_default();
            edges.push((words[0].to_string(), to.to_string()));
        } else if let Some(end) = line.find(|c: char| "[({".contains(c)) {
            if !line.starts_with("subgraph ") {
                nodes.push(line[..end].to_string());
            }
        }
    }
    (nodes, edges)
}

#[test]
fn catalog_diagrams_and_pages_match_their_snapshots() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let sources: Vec<String> = catalog.iter().map(|e| format!("{}.yaml", e.name)).collect();
    let actions = runbooks::wiring::iam_actions(&catalog);
    let pages: Vec<_> =
        catalog.iter().zip(&sources).zip(&actions).map(|((e, s), a)| e.page(Some(s), a.as_deref())).collect();
    for page in &pages {
        insta::assert_snapshot!(format!("{}.mmd", page.name), diagram::to_mermaid(page.document));
        insta::assert_snapshot!(format!("{}.md", page.name), docs_page::render(page));
    }
    insta::assert_snapshot!("index.md", docs_page::index(&pages));
}

#[test]
fn pages_show_iam_actions_once_they_are_derived() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let entry = &catalog[0];
    let actions = vec!["ec2:DescribeInstances".to_string(), "ec2:StopInstances".to_string()];
    let page = docs_page::render(&entry.page(None, Some(&actions)));
    assert!(page.contains("## IAM permissions\n\nThe role given in `AutomationAssumeRole` needs:\n\n- `ec2:DescribeInstances`\n- `ec2:StopInstances`\n"), "{page}");
    assert!(!page.contains("(not derived)"));
    let page = docs_page::render(&entry.page(None, None));
    assert!(page.contains("## IAM permissions\n\n(not derived)\n"));
}

#[test]
fn every_catalog_runbook_has_a_diagram_and_a_page_in_the_plan() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let plan = runbooks::generate::plan_for(&catalog);
    let index = plan.get("index.md").expect("emit writes index.md");
    for e in &catalog {
        let mmd = plan.get(&format!("{}.mmd", e.name)).expect("a diagram per runbook");
        let md = plan.get(&format!("{}.md", e.name)).expect("a page per runbook");
        assert!(md.contains(&format!("```mermaid\n{mmd}```\n")), "the page of {} embeds its diagram", e.name);
        assert!(index.contains(&format!("]({}.md)", e.name)), "the index links {}", e.name);
        assert!(md.contains(e.target.config_rule) && md.contains(e.target.resource_type));
    }
}

#[test]
fn every_corpus_document_draws_one_node_per_step_and_no_dangling_edge() {
    let Some(dir) = cross_tests::shared("corpus/automation") else { return };
    let files = runbooks::cli::graph::document_files(&[dir]).expect("the corpus is readable");
    let mut drawn = 0;
    for file in &files {
        let Ok(doc) = read::from_path(file) else { continue };
        let text = diagram::to_mermaid(&doc);
        let (nodes, edges) = nodes_and_edges(&text);
        let steps = doc.all_steps().len();
        let step_nodes = nodes.iter().filter(|n| n.starts_with("step_")).count();
        assert_eq!(step_nodes, steps, "{}: one node per step\n{text}", file.display());
        let unique: HashSet<_> = nodes.iter().collect();
        assert_eq!(unique.len(), nodes.len(), "{}: node ids are distinct", file.display());
        for (from, to) in &edges {
            assert!(
                unique.contains(from) && unique.contains(to),
                "{}: edge {from} -> {to} has no node\n{text}",
                file.display()
            );
        }
        assert!(edges.iter().any(|(f, _)| f == "run_start"), "{}: the flow starts somewhere", file.display());
        drawn += 1;
    }
    assert!(drawn > 250, "only {drawn} of {} corpus documents were read", files.len());
}
