//! The README's StackSets commands, read from README.md and checked against the catalog template
//! that `emit` writes: every parameter without a default is passed, every passed parameter exists
//! and its value is one the template accepts, the capabilities suffice, and the size and count
//! stated beside the upload are the template's.

use runbook_dsl::model::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The shell commands of the README's ```sh blocks, continuation lines joined, comments kept
/// as their own lines.
fn shell_lines(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                out.push(std::mem::take(&mut pending));
            }
        }
    }
    out
}

/// Shell words: whitespace-separated, single and double quotes removed.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        out.push(word);
    }
    out
}

/// `ParameterKey=K,ParameterValue=V` pairs following `option` up to the next `--option`.
fn parameters(words: &[String], option: &str) -> Vec<(String, String)> {
    let Some(start) = words.iter().position(|w| w == option) else { return Vec::new() };
    words[start + 1..]
        .iter()
        .take_while(|w| !w.starts_with("--"))
        .map(|w| {
            let rest = w
                .strip_prefix("ParameterKey=")
                .unwrap_or_else(|| panic!("`{w}` is not ParameterKey=...,ParameterValue=..."));
            let (key, value) =
                rest.split_once(",ParameterValue=").unwrap_or_else(|| panic!("`{w}` has no ParameterValue"));
            (key.to_string(), value.to_string())
        })
        .collect()
}

fn option<'a>(words: &'a [String], name: &str) -> Option<&'a str> {
    words.iter().position(|w| w == name).and_then(|i| words.get(i + 1)).map(String::as_str)
}

/// Checks one passed value against the template parameter: allowed values and pattern (for a
/// `CommaDelimitedList`, each item, as CloudFormation does).
fn value_problems(key: &str, value: &str, spec: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let items: Vec<&str> = if spec["Type"] == "CommaDelimitedList" { value.split(',').collect() } else { vec![value] };
    if let Some(allowed) = spec["AllowedValues"].as_array() {
        if !allowed.iter().any(|a| a == value) {
            p.push(format!("{key}={value} is not one of the template's AllowedValues {allowed:?}"));
        }
    }
    if let Some(pattern) = spec["AllowedPattern"].as_str() {
        let re = regex::Regex::new(&format!("^(?:{pattern})$")).expect("the template's pattern compiles");
        for item in items {
            if !re.is_match(item) {
                p.push(format!("{key}: `{item}` does not match the template's AllowedPattern `{pattern}`"));
            }
        }
    }
    p
}

#[test]
fn the_readme_stackset_command_passes_every_required_catalog_parameter() {
    let readme = read("README.md");
    let template_text = read(&format!("generated/{}", runbooks::wiring::CATALOG_TEMPLATE));
    let template = runbook_dsl::yaml::from_str(&template_text).expect("the catalog template reads back");
    let lines = shell_lines(&readme);
    let create = lines
        .iter()
        .map(|l| words(l))
        .find(|w| w.get(..3).is_some_and(|w| w[0] == "aws" && w[1] == "cloudformation" && w[2] == "create-stack-set"))
        .expect("README.md shows `aws cloudformation create-stack-set` in a ```sh block");
    let declared = template["Parameters"].as_object().expect("the template has parameters");
    let passed = parameters(&create, "--parameters");
    let mut problems = Vec::new();
    for (name, spec) in declared {
        if spec.get("Default").is_none() && !passed.iter().any(|(k, _)| k == name) {
            problems.push(format!(
                "the template parameter {name} has no default and the README's create-stack-set does not pass it: add \
                 `ParameterKey={name},ParameterValue=...` ({})",
                spec["Description"].as_str().unwrap_or("")
            ));
        }
    }
    for (key, value) in &passed {
        match declared.get(key) {
            None => problems.push(format!("the README passes {key}, which the catalog template does not declare")),
            Some(spec) => problems.extend(value_problems(key, value, spec)),
        }
    }
    // Roles without a RoleName need CAPABILITY_IAM; a named one would need CAPABILITY_NAMED_IAM.
    let resources = template["Resources"].as_object().expect("resources");
    let named_role =
        resources.values().any(|r| r["Type"] == "AWS::IAM::Role" && r["Properties"].get("RoleName").is_some());
    let capability = if named_role { "CAPABILITY_NAMED_IAM" } else { "CAPABILITY_IAM" };
    if option(&create, "--capabilities") != Some(capability) {
        problems.push(format!("create-stack-set needs `--capabilities {capability}`"));
    }
    // The upload and the template URL name the same object.
    let upload = lines.iter().map(|l| words(l)).find(|w| w.get(..2).is_some_and(|w| w[0] == "aws" && w[1] == "s3"));
    let upload = upload.expect("README.md uploads the template with `aws s3 cp`");
    let object = upload.last().and_then(|d| d.strip_prefix("s3://")).expect("an s3:// destination");
    let (bucket, key) = object.split_once('/').expect("bucket/key");
    let url = option(&create, "--template-url").expect("--template-url");
    if url != format!("https://{bucket}.s3.amazonaws.com/{key}") {
        problems.push(format!("--template-url {url} is not the uploaded s3://{object}"));
    }
    if upload.get(3).map(String::as_str) != Some("generated/catalog.template.yaml") {
        problems.push("the upload must copy generated/catalog.template.yaml".into());
    }
    // Stack instance overrides name parameters of the template too.
    let stack_instances =
        |w: &Vec<String>| w.iter().any(|x| x == "update-stack-instances" || x == "create-stack-instances");
    for w in
        lines.iter().map(|l| words(l)).filter(|w| stack_instances(w) && w.iter().any(|x| x == "--parameter-overrides"))
    {
        for (key, value) in parameters(&w, "--parameter-overrides") {
            match declared.get(&key) {
                None => {
                    problems.push(format!("the README overrides {key}, which the catalog template does not declare"))
                }
                Some(spec) => problems.extend(value_problems(&key, &value, spec)),
            }
        }
    }
    assert!(problems.is_empty(), "README.md, StackSets section:\n  - {}", problems.join("\n  - "));
}

/// The text of every ```yaml block of a markdown file.
fn yaml_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(_), "```") => out.extend(current.take()),
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

#[test]
fn the_readme_control_tower_manifest_passes_every_required_catalog_parameter() {
    let readme = read("README.md");
    let template = runbook_dsl::yaml::from_str(&read(&format!("generated/{}", runbooks::wiring::CATALOG_TEMPLATE)))
        .expect("the catalog template reads back");
    let declared = template["Parameters"].as_object().expect("parameters");
    let manifest = yaml_blocks(&readme)
        .into_iter()
        .find(|b| b.contains("deploy_method: stack_set"))
        .expect("README.md shows a Customizations for Control Tower manifest entry in a ```yaml block");
    let manifest = runbook_dsl::yaml::from_str(&manifest).expect("the manifest entry is YAML");
    let resource = &manifest["resources"][0];
    assert_eq!(resource["resource_file"], "templates/catalog.template.yaml");
    let passed: Vec<(String, String)> = resource["parameters"]
        .as_array()
        .expect("parameters: a list")
        .iter()
        .map(|p| {
            let text = |k: &str| p[k].as_str().unwrap_or_else(|| panic!("{k} of {p} is not a string")).to_string();
            (text("parameter_key"), text("parameter_value"))
        })
        .collect();
    let mut problems = Vec::new();
    for (name, spec) in declared {
        if spec.get("Default").is_none() && !passed.iter().any(|(k, _)| k == name) {
            problems.push(format!("the template parameter {name} has no default and the manifest does not pass it"));
        }
    }
    for (key, value) in &passed {
        match declared.get(key) {
            None => problems.push(format!("the manifest passes {key}, which the catalog template does not declare")),
            Some(spec) => problems.extend(value_problems(key, value, spec)),
        }
    }
    assert!(problems.is_empty(), "README.md, Control Tower manifest:\n  - {}", problems.join("\n  - "));
}

#[test]
fn the_readme_organization_command_fits_the_organization_template() {
    let readme = read("README.md");
    let template =
        runbook_dsl::yaml::from_str(&read(&format!("generated/{}", runbooks::wiring::ORGANIZATION_TEMPLATE)))
            .expect("the organization template reads back");
    let declared = template["Parameters"].as_object().expect("parameters");
    let deploy = shell_lines(&readme)
        .iter()
        .map(|l| words(l))
        .find(|w| w.iter().any(|x| x == "generated/organization.template.yaml"))
        .expect("README.md deploys generated/organization.template.yaml");
    let start = deploy.iter().position(|w| w == "--parameter-overrides").expect("--parameter-overrides");
    for pair in deploy[start + 1..].iter().take_while(|w| !w.starts_with("--")) {
        let (key, value) = pair.split_once('=').expect("Key=Value");
        let spec = declared.get(key).unwrap_or_else(|| panic!("the organization template has no parameter {key}"));
        assert_eq!(value_problems(key, value, spec), Vec::<String>::new());
    }
    for (name, spec) in declared {
        assert!(spec.get("Default").is_some(), "{name} has no default: the README's deploy must pass it");
    }
}

#[test]
fn the_readme_states_the_catalog_template_size_and_runbook_count() {
    let readme = read("README.md");
    let text = read(&format!("generated/{}", runbooks::wiring::CATALOG_TEMPLATE));
    let template = runbook_dsl::yaml::from_str(&text).expect("the catalog template reads back");
    let documents = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        // The runbooks (named documents), not the Security Hub finding handler.
        .filter(|r| r["Type"] == "AWS::SSM::Document" && r["Properties"]["Name"].is_string())
        .count();
    let re = regex::Regex::new(r"the catalog template \((\d+) runbooks\) is ~(\d+) KB").expect("regex");
    let caps = re
        .captures(&readme)
        .expect("README.md states `the catalog template (N runbooks) is ~X KB` beside the S3 upload");
    let (count, kb): (usize, f64) = (caps[1].parse().expect("a count"), caps[2].parse().expect("a size"));
    let actual_kb = text.len() as f64 / 1000.0;
    assert_eq!(count, documents, "README.md: the catalog template holds {documents} runbooks, not {count}");
    assert!(
        (kb - actual_kb).abs() <= actual_kb * 0.1,
        "README.md says the catalog template is ~{kb} KB; emit writes {actual_kb:.0} KB: write ~{:.0} KB",
        (actual_kb / 10.0).round() * 10.0
    );
    assert!(
        text.len() <= 1_000_000,
        "the catalog template is {} bytes; CloudFormation takes at most 1 MB from S3",
        text.len()
    );
    assert!(text.len() > 51_200, "the README says the catalog template must come from S3 (over 51,200 bytes)");
}

/// The Security Hub controls the README lists are those the catalog template gives a custom
/// action (`<control> remediate`), no more and no fewer.
#[test]
fn the_readme_lists_the_security_hub_controls_of_the_template() {
    let readme = read("README.md");
    let text = read(&format!("generated/{}", runbooks::wiring::CATALOG_TEMPLATE));
    let template = runbook_dsl::yaml::from_str(&text).expect("the catalog template reads back");
    let mut actions: Vec<String> = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .filter(|r| r["Type"] == "AWS::SecurityHub::ActionTarget")
        .filter_map(|r| r["Properties"]["Name"].as_str()?.strip_suffix(" remediate").map(str::to_string))
        .collect();
    let list = readme
        .split("backs a Security Hub control (")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("README.md names the controls: `backs a Security Hub control (S3.1, ...; each read ...`");
    let mut listed: Vec<String> = list.split(',').map(|c| c.trim().to_string()).collect();
    actions.sort();
    listed.sort();
    assert!(!actions.is_empty(), "the catalog template has no Security Hub custom action");
    assert_eq!(listed, actions, "README.md's Security Hub controls must be the catalog template's custom actions");
}

/// The corpus figures in the README: the document count is the shared corpus's, and the
/// timing and speed-up are those BENCHMARKS.md measured last (`runbook validate <corpus>`, one
/// process, against the node schema checker).
#[test]
fn the_readme_corpus_figures_are_measured() {
    let readme = read("README.md");
    let re = regex::Regex::new(r"validates the (\d+) documents of\s+the shared corpus in about (\d+) ms, process start included(?:, API checks on)?: (\d+)(?:-(\d+))? times faster")
        .expect("regex");
    let caps = re.captures(&readme).expect("README.md states the corpus validation figures");
    let n = |i: usize| caps[i].parse::<f64>().expect("a number");
    let (count, ms, lo) = (n(1), n(2), n(3));
    let hi = if caps.get(4).is_some() { n(4) } else { lo };
    let benchmarks = read("BENCHMARKS.md");
    // The newest measurement: the last such row of BENCHMARKS.md.
    let row = benchmarks
        .lines()
        .rfind(|l| l.starts_with("| `runbook validate <corpus>`, one process |"))
        .expect("BENCHMARKS.md has the `runbook validate <corpus>`, one process row");
    let cell = regex::Regex::new(r"([\d.]+) ms \([^)]*\), \*\*(\d+)x\*\*").expect("regex");
    let runs: Vec<(f64, f64)> =
        cell.captures_iter(row).map(|c| (c[1].parse().expect("ms"), c[2].parse().expect("x"))).collect();
    assert!(!runs.is_empty(), "no `N ms (...), **Kx**` cells in: {row}");
    for (t, _) in &runs {
        assert!((t - ms).abs() <= ms * 0.15, "README.md says about {ms} ms; BENCHMARKS.md measured {t} ms: {row}");
    }
    let (min, max) = runs.iter().fold((f64::MAX, 0.0_f64), |(a, b), (_, x)| (a.min(*x), b.max(*x)));
    assert_eq!((lo, hi), (min, max), "README.md's speed-up must be BENCHMARKS.md's range: {row}");
    if let Some(docs) = cross_tests::corpus() {
        assert_eq!(count as usize, docs.len(), "README.md's corpus count");
    }
}

#[test]
fn shell_words_and_parameters_are_read_as_the_shell_would() {
    let lines =
        shell_lines("x\n```sh\naws a \\\n  --parameters ParameterKey=A,ParameterValue='x y' \\\n  --next z\n```\n");
    assert_eq!(lines, ["aws a   --parameters ParameterKey=A,ParameterValue='x y'   --next z"]);
    let w = words(&lines[0]);
    assert_eq!(parameters(&w, "--parameters"), [("A".to_string(), "x y".to_string())]);
    assert_eq!(option(&w, "--next"), Some("z"));
    let spec = serde_json::json!({"Type": "CommaDelimitedList", "AllowedPattern": "^[a-z]+$"});
    assert_eq!(value_problems("K", "ab,cd", &spec), Vec::<String>::new());
    assert_eq!(value_problems("K", "ab,C", &spec).len(), 1);
}
