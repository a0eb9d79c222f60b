//! Finding the AWS calls an inline `aws:executeScript` Python script makes: boto3 clients
//! created with a literal service name (`ec2 = boto3.client('ec2')`, `session.client("s3")`,
//! `self.iam = boto3.client(service_name="iam")`) and the methods called on them
//! (`ec2.stop_instances(...)`, `ec2.get_paginator('describe_instances')`,
//! `boto3.client('s3').put_bucket_policy(...)`).
//!
//! What cannot be seen this way is reported as a note, so the author declares it on the step:
//! clients whose service name is computed, the `boto3.resource` API, and scripts that are
//! attachments rather than inline text.

use regex::Regex;
use std::sync::OnceLock;

/// The calls found in a script, in order of first appearance, and what could not be analysed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptCalls {
    /// `(boto3 client, operation)` with the operation as written (snake_case).
    pub calls: Vec<(String, String)>,
    /// What the scan could not resolve.
    pub notes: Vec<String>,
}

/// Methods of a boto3 client that are not API operations.
const NOT_OPERATIONS: &[&str] =
    &["can_paginate", "close", "get_waiter", "generate_presigned_url", "generate_presigned_post", "exceptions", "meta"];

/// The S3 transfer helpers and the operation each performs.
const TRANSFER: &[(&str, &[&str])] = &[
    ("upload_file", &["put_object"]),
    ("upload_fileobj", &["put_object"]),
    ("download_file", &["get_object"]),
    ("download_fileobj", &["get_object"]),
    ("copy", &["copy_object"]),
];

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern}: {e}")))
}

/// Scans Python source for boto3 client calls.
///
/// ```
/// use runbook_dsl::iam::script::boto3_calls;
/// let found = boto3_calls("import boto3\ndef handler(e, c):\n    ec2 = boto3.client('ec2')\n    ec2.stop_instances(InstanceIds=[e['Id']])\n");
/// assert_eq!(found.calls, vec![("ec2".to_string(), "stop_instances".to_string())]);
/// ```
pub fn boto3_calls(script: &str) -> ScriptCalls {
    static ASSIGN: OnceLock<Regex> = OnceLock::new();
    static CHAINED: OnceLock<Regex> = OnceLock::new();
    static COMPUTED: OnceLock<Regex> = OnceLock::new();
    static RESOURCE: OnceLock<Regex> = OnceLock::new();
    static PAGINATOR: OnceLock<Regex> = OnceLock::new();
    let assign = re(
        &ASSIGN,
        r#"(?m)^[ \t]*([A-Za-z_][\w.]*)[ \t]*=[^\n]*?\bclient\(\s*(?:service_name\s*=\s*)?\\?["']([A-Za-z0-9-]+)\\?["']"#,
    );
    let chained = re(
        &CHAINED,
        r#"\bclient\(\s*(?:service_name\s*=\s*)?\\?["']([A-Za-z0-9-]+)\\?["'][^()]*\)\s*\.\s*([a-z_][a-z0-9_]*)\s*\("#,
    );
    let computed = re(
        &COMPUTED,
        r#"\b(?:boto3|session|Session\([^)]*\))\.client\(\s*(?:service_name\s*=\s*)?([A-Za-z_]\w*)\s*[,)]"#,
    );
    let resource = re(&RESOURCE, r"\bresource\(\s*\\?[\x22']([A-Za-z0-9-]+)");
    let paginator = re(&PAGINATOR, r#"^\s*\\?["']([a-z_][a-z0-9_]*)\\?["']"#);

    let mut out = ScriptCalls::default();
    let push = |out: &mut ScriptCalls, svc: &str, op: &str| {
        let pair = (svc.to_ascii_lowercase(), op.to_string());
        if !out.calls.contains(&pair) {
            out.calls.push(pair);
        }
    };
    // Each client variable with its assignments, in script order: a call belongs to the
    // assignment before it (the same name may hold another client in another function).
    let mut clients: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    for c in assign.captures_iter(script) {
        let pos = c.get(0).map_or(0, |m| m.start());
        let (var, svc) = (c[1].to_string(), c[2].to_string());
        match clients.iter_mut().find(|(v, _)| *v == var) {
            Some((_, assigned)) => assigned.push((pos, svc)),
            None => clients.push((var, vec![(pos, svc)])),
        }
    }
    // Calls in the order they appear in the script, over every client variable.
    let mut found: Vec<(usize, String, String)> = Vec::new();
    for (var, assigned) in &clients {
        let call = Regex::new(&format!(r"(?:^|[^\w.]){}\s*\.\s*([a-z_][a-z0-9_]*)\s*\(", regex::escape(var)));
        let Ok(call) = call else { continue };
        for m in call.captures_iter(script) {
            let (Some(whole), method) = (m.get(0), &m[1]) else { continue };
            let at = whole.start();
            let svc = assigned.iter().rev().find(|(pos, _)| *pos < at).unwrap_or(&assigned[0]).1.clone();
            if method == "get_paginator" {
                if let Some(p) = paginator.captures(&script[whole.end()..]) {
                    found.push((at, svc, p[1].to_string()));
                }
            } else if let Some((_, ops)) = TRANSFER.iter().find(|(t, _)| *t == method).filter(|_| svc == "s3") {
                for op in *ops {
                    found.push((at, svc.clone(), op.to_string()));
                }
            } else if !NOT_OPERATIONS.contains(&method) {
                found.push((at, svc, method.to_string()));
            }
        }
    }
    for c in chained.captures_iter(script) {
        let start = c.get(0).map_or(0, |m| m.start());
        if !NOT_OPERATIONS.contains(&&c[2]) {
            found.push((start, c[1].to_string(), c[2].to_string()));
        }
    }
    found.sort_by_key(|(pos, _, _)| *pos);
    for (_, svc, op) in &found {
        push(&mut out, svc, op);
    }
    for c in computed.captures_iter(script) {
        out.notes.push(format!(
            "a boto3 client is created from `{}` (not a literal service name); declare the calls it makes",
            &c[1]
        ));
    }
    for c in resource.captures_iter(script) {
        out.notes.push(format!(
            "the script uses boto3.resource('{}'), which this scan does not follow; declare the calls it makes",
            &c[1]
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(s: &str) -> Vec<String> {
        boto3_calls(s).calls.into_iter().map(|(s, o)| format!("{s}.{o}")).collect()
    }

    #[test]
    fn clients_from_boto3_and_sessions() {
        let script = "import boto3\n\
            def handler(events, context):\n\
            \x20   session = boto3.Session(region_name=events['Region'])\n\
            \x20   s3 = session.client('s3')\n\
            \x20   self.iam = boto3.client(service_name=\"iam\")\n\
            \x20   s3.put_bucket_policy(Bucket=b, Policy=p)\n\
            \x20   for page in s3.get_paginator('list_objects_v2').paginate(Bucket=b):\n\
            \x20       pass\n\
            \x20   self.iam.get_role(RoleName=r)\n\
            \x20   boto3.client('sts').get_caller_identity()\n\
            \x20   s3.upload_file('a', b, 'k')\n\
            \x20   waiter = s3.get_waiter('bucket_exists')\n";
        assert_eq!(
            calls(script),
            ["s3.put_bucket_policy", "s3.list_objects_v2", "iam.get_role", "sts.get_caller_identity", "s3.put_object"]
        );
        assert!(boto3_calls(script).notes.is_empty());
    }

    #[test]
    fn escaped_quotes_and_multiline_client_calls() {
        let script = "tcf = boto3.client(\\\"cloudformation\\\"\n   )\ntcf.describe_stacks(StackName=n)\n";
        assert_eq!(calls(script), ["cloudformation.describe_stacks"]);
    }

    #[test]
    fn what_cannot_be_seen_is_a_note() {
        let found = boto3_calls("c = boto3.client(service)\nc.delete_bucket(Bucket=b)\nr = boto3.resource('s3')\n");
        assert!(found.calls.is_empty());
        assert_eq!(found.notes.len(), 2, "{:?}", found.notes);
        assert!(found.notes[0].contains("`service`"));
        assert!(found.notes[1].contains("boto3.resource('s3')"));
    }

    #[test]
    fn a_reused_variable_name_follows_its_latest_assignment() {
        let script = "def a():\n    c = boto3.client('ec2')\n    c.stop_instances()\n\
                      def b():\n    c = boto3.client('s3')\n    c.get_bucket_acl()\n";
        assert_eq!(calls(script), ["ec2.stop_instances", "s3.get_bucket_acl"]);
    }

    #[test]
    fn a_method_of_another_object_is_not_a_call() {
        assert!(calls("ec2 = boto3.client('ec2')\nmy_ec2.stop_instances()\nx.ec2.start_instances()\n").is_empty());
    }
}
