//! Reading with positions: errors name the file, line, column and field path; any field of a
//! document read from text can be located.

use runbook_dsl::read;

const YAML: &str = "schemaVersion: '0.3'
mainSteps:
  - name: Get
    action: aws:executeAwsApi
    inputs:
      Service: s3
      Api: GetBucketEncryption
  - name: Check
    action: aws:branch
    inputs:
      Choices:
        - NextStep: Get
          Variable: '{{ Get.Algo }}'
          StringEquals: AES256
";

#[test]
fn yaml_fields_are_located() {
    let p = read::parse(YAML).unwrap();
    let at = |f: &str| p.locate(f).map(|x| (x.line, x.column));
    assert_eq!(at("mainSteps[1].inputs.Choices[0]"), Some((12, 11)));
    assert_eq!(at("mainSteps[1].inputs.Choices[0].StringEquals"), Some((14, 11)));
    assert_eq!(at("mainSteps[0].inputs.Api"), Some((7, 7)));
    // A field that is not there is reported at its nearest parent.
    assert_eq!(at("mainSteps[0].outputs[0].Selector"), at("mainSteps[0]"));
}

#[test]
fn json_fields_are_located() {
    let text = "{\n  \"schemaVersion\": \"0.3\",\n  \"mainSteps\": [\n    {\"name\": \"A\", \"action\": \"aws:pause\", \"inputs\": {}},\n    {\n      \"name\": \"B\",\n      \"action\": \"aws:pause\",\n      \"inputs\": {}\n    }\n  ]\n}\n";
    let p = read::parse(text).unwrap();
    assert_eq!(p.locate("mainSteps[1].action").map(|x| (x.line, x.column)), Some((7, 7)));
    assert_eq!(p.locate("mainSteps[0].action").map(|x| x.line), Some(4));
}

#[test]
fn a_wrong_type_names_line_column_and_field() {
    let text = YAML.replace("    action: aws:branch\n", "    action: aws:branch\n    timeoutSeconds: soon\n");
    let e = read::parse(&text).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("mainSteps[1].timeoutSeconds"));
    assert_eq!((e.line, e.column), (Some(10), Some(5)));
    assert_eq!(
        e.to_string(),
        "mainSteps[1].timeoutSeconds: expected a whole number (0 or more), found the text \"soon\""
    );
}

#[test]
fn a_missing_field_is_reported_at_its_parent() {
    let text = YAML.replace("  - name: Check\n", "  - nom: Check\n");
    let e = read::parse(&text).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("mainSteps[1]"));
    assert!(e.message.contains("missing key `name`"), "{e}");
    assert_eq!(e.line, Some(8));
}

#[test]
fn syntax_errors_and_files_are_named() {
    let dir = std::env::temp_dir().join(format!("runbook-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.yaml");
    std::fs::write(&f, "schemaVersion: '0.3'\nmainSteps:\n  - name: [unclosed\n").unwrap();
    let e = read::parse_path(&f).unwrap_err();
    assert_eq!(e.file.as_deref(), Some(f.as_path()));
    assert!(e.line.is_some() && e.column.is_some(), "{e:?}");
    assert!(e.to_string().starts_with(&format!("{}:", f.display())), "{e}");
    let e = read::from_path(&dir.join("missing.yaml")).unwrap_err();
    assert!(e.to_string().contains("cannot read the file"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    let e = read::from_str("schemaVersion: '0.3'\n").unwrap_err();
    assert!(e.message.contains("missing `mainSteps`"), "{e}");
}
