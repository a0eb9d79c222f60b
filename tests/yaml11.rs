//! Every document we emit reads back, under a YAML 1.1 reader (PyYAML), as exactly the model:
//! no string turns into a boolean, a number, a date or null.

use runbook_dsl::emit;
use runbook_dsl::prelude::*;

/// Strings that YAML 1.1 or 1.2 readers would turn into something else if written plain.
const TRICKY: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "NO",
    "Yes",
    "True",
    "FALSE",
    "~",
    "null",
    "",
    " ",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "1:30",
    "190:20:30",
    "1_000",
    "12e3",
    ".5",
    "+1",
    "-1",
    ".inf",
    "-.Inf",
    ".NaN",
    "<<",
    "=",
    "- item",
    "? key",
    ": value",
    "a: b",
    "a #b",
    "#comment",
    "{{ Ref }}",
    "[list]",
    "{map}",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick`",
    "'single'",
    "\"double\"",
    "trailing ",
    " leading",
    "tab\there",
    "back\\slash",
    "line\nbreak",
    "two\nlines\n",
    "three\n\n\n",
    "\n",
    "  indented\nblock\n",
    "trailing space \nline\n",
    "unicode é ✓",
    "nbsp\u{a0}x",
    "bell\u{7}",
    "python3.11",
    "aws:kms",
    "us-east-1",
    "arn:aws:iam::123456789012:role/x",
    "$.Payload.ok",
    "^[a-z]+$",
    "10%",
    "0",
    "3.0",
];

fn torture_document() -> Document {
    let mut rb = Runbook::new("Strings that must stay strings.");
    // `{{ Ref }}` is one of the tricky strings: a real reference, so the parameter is declared.
    let _: Param<Str> = rb.param("Ref", ParamSpec::new("Referenced by a tricky string."));
    let api = TRICKY
        .iter()
        .enumerate()
        .fold(ExecuteAwsApi::new("ssm", "PutParameter"), |api, (i, s)| api.param(format!("Value{i}"), *s));
    let keyed = TRICKY.iter().filter(|s| !s.is_empty()).fold(serde_json::Map::new(), |mut m, s| {
        m.insert(s.to_string(), json!(s));
        m
    });
    rb.add(Step::new("Tricky", api.param("AsKeys", serde_json::Value::Object(keyed))).description("yes"));
    rb.build().expect("builds")
}

#[test]
fn pyyaml_reads_every_emitted_document_as_the_model() {
    let mut docs: Vec<(String, Document)> =
        runbooks::catalog().expect("the catalog builds").into_iter().map(|e| (e.name, e.document)).collect();
    docs.push(("torture".into(), torture_document()));
    let texts: Vec<String> = docs.iter().map(|(_, d)| emit::to_yaml(d)).collect();
    let Some(read) = cross_tests::pyyaml_load_all(&texts) else { return };
    for ((name, doc), got) in docs.iter().zip(read) {
        let want = doc.to_value();
        if got != want {
            let diff = first_difference(&want, &got, String::new());
            panic!("{name}: PyYAML (YAML 1.1) reads the emitted YAML differently at {diff}");
        }
    }
}

#[test]
fn serde_yaml_reads_the_torture_document_as_the_model() {
    let doc = torture_document();
    let back = runbook_dsl::read::from_str(&emit::to_yaml(&doc)).expect("reads back");
    assert_eq!(back, doc);
}

fn first_difference(want: &serde_json::Value, got: &serde_json::Value, path: String) -> String {
    use serde_json::Value;
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) if w != v => return first_difference(v, w, format!("{path}.{k}")),
                    None => return format!("{path}.{k}: missing"),
                    _ => {}
                }
            }
            format!("{path}: extra keys {:?}", b.keys().filter(|k| !a.contains_key(*k)).collect::<Vec<_>>())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                if v != w {
                    return first_difference(v, w, format!("{path}[{i}]"));
                }
            }
            path
        }
        _ => format!("{path}: expected {want}, read {got}"),
    }
}

#[test]
fn streaming_writer_matches_the_value_writer() {
    let mut docs: Vec<Document> = runbooks::catalog().expect("builds").into_iter().map(|e| e.document).collect();
    docs.push(torture_document());
    for doc in docs {
        assert_eq!(emit::to_yaml(&doc), runbook_dsl::yaml::to_string(&doc.to_value()));
    }
}
