//! The policy and the CloudFormation template of each catalog runbook, and the catalog template,
//! pinned with insta snapshots (review a change with `cargo insta review`).

use runbooks::wiring;

#[test]
fn policy_and_template_of_each_catalog_runbook() {
    let entries = runbooks::catalog().expect("the catalog builds");
    let files = wiring::files(&entries).expect("every catalog runbook is wired");
    for e in &entries {
        for suffix in ["policy.json", "template.yaml"] {
            let name = format!("{}.{suffix}", e.name);
            let text = files.iter().find(|(n, _)| *n == name).map(|(_, t)| t.as_str());
            let text = text.unwrap_or_else(|| panic!("no {name} generated"));
            insta::assert_snapshot!(name, text);
        }
    }
    let catalog = files.iter().find(|(n, _)| n == wiring::CATALOG_TEMPLATE).expect("a catalog template");
    insta::assert_snapshot!(wiring::CATALOG_TEMPLATE, &catalog.1);
    let organization =
        files.iter().find(|(n, _)| n == wiring::ORGANIZATION_TEMPLATE).expect("an organization template");
    insta::assert_snapshot!(wiring::ORGANIZATION_TEMPLATE, &organization.1);
}

#[test]
fn templates_read_back_and_keep_the_document() {
    let entries = runbooks::catalog().expect("the catalog builds");
    for (name, text) in wiring::files(&entries).expect("wired") {
        if !name.ends_with(".template.yaml")
            || name == wiring::CATALOG_TEMPLATE
            || name == wiring::ORGANIZATION_TEMPLATE
        {
            continue;
        }
        let t = runbook_dsl::yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} does not read back: {e}"));
        let doc_name = name.trim_end_matches(".template.yaml");
        let entry = entries.iter().find(|e| e.name == doc_name).expect("an entry per template");
        assert_eq!(t["Resources"]["Document"]["Properties"]["Content"], entry.document.to_value(), "{name}");
        assert_eq!(t["Resources"]["Document"]["Properties"]["Name"], doc_name);
        let rem = &t["Resources"]["Remediation"]["Properties"];
        assert_eq!(rem["Parameters"][entry.target.resource_id_param]["ResourceValue"]["Value"], "RESOURCE_ID");
        assert_eq!(rem["Automatic"], !entry.approval, "{name}");
    }
}
