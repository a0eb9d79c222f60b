//! Finding the AWS calls an inline `aws:executeScript` Python script makes, on Python tokens
//! (so calls inside comments and strings are not counted): boto3 clients created with a literal
//! service name (`ec2 = boto3.client('ec2')`, `session.client("s3")`,
//! `self.iam = boto3.client(service_name="iam")`, through `import boto3 as b` or
//! `from boto3 import client`), the methods called on them (`ec2.stop_instances(...)`,
//! `ec2.get_paginator('describe_instances')`, `boto3.client('s3').put_bucket_policy(...)`,
//! `getattr(ec2, 'stop_instances')(...)`), and clients renamed by assignment (`c = ec2`).
//!
//! What cannot be resolved is reported as a note, so the author declares it on the step:
//! clients whose service name is computed, `getattr` with a computed name, clients passed to
//! functions (the calls made there are not followed), the `boto3.resource` API, and scripts
//! that are attachments rather than inline text. `runbook iam --strict` fails on any note.

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

/// A Python token (what the scan needs of one).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword.
    Name(String),
    /// A string literal's text (escapes not interpreted).
    Str(String),
    /// An operator or delimiter (`=` and `==` differ: `==` is `Op('~')`).
    Op(char),
    /// The end of a logical line.
    Newline,
    /// A number.
    Num,
}

/// Splits Python source into tokens, dropping comments. A quote preceded by a backslash outside
/// any string (`boto3.client(\"ec2\")`, as scripts embedded in JSON text are sometimes written)
/// opens a string closed by the same escaped quote.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        match ch {
            '#' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '\n' => {
                if depth == 0 && out.last() != Some(&Tok::Newline) {
                    out.push(Tok::Newline);
                }
                i += 1;
            }
            '\\' if matches!(c.get(i + 1), Some('"' | '\'')) => {
                let q = c[i + 1];
                let start = i + 2;
                let mut j = start;
                while j < c.len() && !(c[j] == '\\' && c.get(j + 1) == Some(&q)) {
                    j += 1;
                }
                out.push(Tok::Str(c[start..j.min(c.len())].iter().collect()));
                i = j + 2;
            }
            '\\' => i += 2, // a line continuation
            '"' | '\'' => {
                let (text, end) = string_at(&c, i, false);
                out.push(Tok::Str(text));
                i = end;
            }
            _ if ch.is_alphabetic() || ch == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                // String prefixes: r'..', b"..", f'..', rb'..'.
                if word.len() <= 2
                    && word.chars().all(|p| "rRbBfFuU".contains(p))
                    && matches!(c.get(i), Some('"' | '\''))
                {
                    let (text, end) = string_at(&c, i, word.contains(['r', 'R']));
                    out.push(Tok::Str(text));
                    i = end;
                } else {
                    out.push(Tok::Name(word));
                }
            }
            _ if ch.is_ascii_digit() => {
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '.' || c[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Num);
            }
            _ if ch.is_whitespace() => i += 1,
            _ => {
                match ch {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                if ch == '=' && c.get(i + 1) == Some(&'=') {
                    out.push(Tok::Op('~'));
                    i += 2;
                } else if matches!(ch, '!' | '<' | '>' | '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | ':')
                    && c.get(i + 1) == Some(&'=')
                {
                    // `!=`, `<=`, `+=`, `:=`, ...: not an assignment of a client.
                    out.push(Tok::Op('~'));
                    i += 2;
                } else {
                    out.push(Tok::Op(ch));
                    i += 1;
                }
            }
        }
    }
    out
}

/// A string literal starting at the quote `c[i]`: its text and the index after it.
fn string_at(c: &[char], i: usize, raw: bool) -> (String, usize) {
    let q = c[i];
    let triple = c.get(i + 1) == Some(&q) && c.get(i + 2) == Some(&q);
    let start = if triple { i + 3 } else { i + 1 };
    let mut j = start;
    while j < c.len() {
        if c[j] == '\\' && !raw {
            j += 2;
            continue;
        }
        if c[j] == q && (!triple || (c.get(j + 1) == Some(&q) && c.get(j + 2) == Some(&q))) {
            let text = c[start..j].iter().collect();
            return (text, j + if triple { 3 } else { 1 });
        }
        if c[j] == '\n' && !triple {
            break;
        }
        j += 1;
    }
    (c[start..j.min(c.len())].iter().collect(), j)
}

/// Scans Python source for boto3 client calls.
///
/// ```
/// use runbook_dsl::iam::script::boto3_calls;
/// let found = boto3_calls("import boto3\ndef handler(e, c):\n    ec2 = boto3.client('ec2')\n    ec2.stop_instances(InstanceIds=[e['Id']])\n    # ec2.terminate_instances()\n");
/// assert_eq!(found.calls, vec![("ec2".to_string(), "stop_instances".to_string())]);
/// ```
pub fn boto3_calls(script: &str) -> ScriptCalls {
    let t = tokens(script);
    let name = |i: usize| match t.get(i) {
        Some(Tok::Name(n)) => Some(n.as_str()),
        _ => None,
    };
    let op = |i: usize, ch: char| t.get(i) == Some(&Tok::Op(ch));
    let string = |i: usize| match t.get(i) {
        Some(Tok::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut out = ScriptCalls::default();
    let note = |out: &mut ScriptCalls, n: String| {
        if !out.notes.contains(&n) {
            out.notes.push(n);
        }
    };
    // Names that hold the `client` function: `boto3.client`, `<alias>.client`, `<session>.client`
    // (any `.client`), and `client` imported from boto3.
    let mut client_fns: Vec<String> = Vec::new();
    for i in 0..t.len() {
        if name(i) == Some("from") && name(i + 1) == Some("boto3") && name(i + 2) == Some("import") {
            let mut j = i + 3;
            while let Some(n) = name(j) {
                let bound =
                    if name(j + 1) == Some("as") { name(j + 2).map(str::to_string) } else { Some(n.to_string()) };
                if n == "client" {
                    client_fns.extend(bound);
                }
                j += if name(j + 1) == Some("as") { 3 } else { 1 };
                if !op(j, ',') {
                    break;
                }
                j += 1;
            }
        }
    }
    // Where a client is created: token index of `(` after `client` -> the service (None:
    // computed).
    let creation = |i: usize| -> Option<(usize, Option<String>)> {
        let n = name(i)?;
        let is_client = (n == "client" && op(i.wrapping_sub(1), '.')) || client_fns.iter().any(|f| f == n);
        if !is_client || !op(i + 1, '(') {
            return None;
        }
        let arg = if name(i + 2) == Some("service_name") && op(i + 3, '=') { i + 4 } else { i + 2 };
        Some((i + 1, string(arg).map(str::to_string)))
    };
    // The matching `)` of the `(` at `open`.
    let close = |open: usize| -> usize {
        let mut d = 0;
        for (k, tok) in t.iter().enumerate().skip(open) {
            match tok {
                Tok::Op('(' | '[' | '{') => d += 1,
                Tok::Op(')' | ']' | '}') => {
                    d -= 1;
                    if d == 0 {
                        return k;
                    }
                }
                _ => {}
            }
        }
        t.len()
    };
    // A dotted name ending at token `end` (inclusive), not itself after a `.`: its text and
    // first token.
    let dotted_before = |end: usize| -> Option<(String, usize)> {
        let mut start = end;
        name(end)?;
        while start >= 2 && op(start - 1, '.') && name(start - 2).is_some() {
            start -= 2;
        }
        if start >= 1 && op(start - 1, '.') {
            return None;
        }
        let text = (start..=end).step_by(2).filter_map(name).collect::<Vec<_>>().join(".");
        Some((text, start))
    };

    // Client variables, with each assignment (token index, service), in script order.
    let mut clients: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    let bind = |clients: &mut Vec<(String, Vec<(usize, String)>)>, var: String, at: usize, svc: String| match clients
        .iter_mut()
        .find(|(v, _)| *v == var)
    {
        Some((_, a)) => a.push((at, svc)),
        None => clients.push((var, vec![(at, svc)])),
    };
    let service_of = |clients: &[(String, Vec<(usize, String)>)], var: &str, at: usize| -> Option<String> {
        let (_, assigned) = clients.iter().find(|(v, _)| v == var)?;
        let before = assigned.iter().rev().find(|(pos, _)| *pos < at).or(assigned.first())?;
        Some(before.1.clone())
    };
    let mut found: Vec<(usize, String, String)> = Vec::new();
    let mut line_start = 0;
    for i in 0..t.len() {
        if t[i] == Tok::Newline {
            line_start = i + 1;
            continue;
        }
        if let Some((open, svc)) = creation(i) {
            let Some(svc) = svc else {
                let what = match &t.get(open + 1) {
                    Some(Tok::Name(n)) if name(open + 2) != Some("=") => n.clone(),
                    _ => "an expression".into(),
                };
                note(&mut out, format!("a boto3 client is created from `{what}` (not a literal service name); declare the calls it makes"));
                continue;
            };
            // `var = ...client('svc')` on this logical line: a client variable.
            if i > line_start {
                if let Some(eq) = (line_start..i).find(|&k| op(k, '=')) {
                    if eq > line_start {
                        if let Some((var, first)) = dotted_before(eq - 1) {
                            if first == line_start {
                                bind(&mut clients, var, i, svc.clone());
                            }
                        }
                    }
                }
            }
            // `...client('svc').method(`: a chained call.
            let end = close(open);
            if op(end + 1, '.') && op(end + 3, '(') {
                if let Some(m) = name(end + 2) {
                    found.push((i, svc.clone(), m.to_string()));
                }
            }
        }
        // `new = old` where old is a client: the same client under another name.
        if i == line_start {
            if let Some(eq) = (i..t.len()).take_while(|&k| t[k] != Tok::Newline).find(|&k| op(k, '=')) {
                let end_line = (eq..t.len()).find(|&k| t[k] == Tok::Newline).unwrap_or(t.len());
                if eq > i && end_line > eq + 1 {
                    if let (Some((new, first)), Some((old, old_first))) =
                        (dotted_before(eq - 1), dotted_before(end_line - 1))
                    {
                        if first == i && old_first == eq + 1 {
                            if let Some(svc) = service_of(&clients, &old, eq) {
                                bind(&mut clients, new, eq, svc);
                            }
                        }
                    }
                }
            }
        }
    }
    // Calls on client variables, `getattr` on them, and clients handed to other code.
    for i in 0..t.len() {
        let Some(n) = name(i) else { continue };
        if n == "getattr" && op(i + 1, '(') {
            if let Some(end) = (i + 2..t.len()).find(|&k| op(k, ',')) {
                if let Some((var, first)) = dotted_before(end - 1) {
                    if first == i + 2 {
                        if let Some(svc) = service_of(&clients, &var, i) {
                            match string(end + 1) {
                                Some(m) if op(end + 2, ')') || op(end + 2, ',') => found.push((i, svc, m.to_string())),
                                _ => note(&mut out, format!("getattr({var}, ...) calls a {svc} operation named by an expression; declare the calls it makes")),
                            }
                        }
                    }
                }
            }
            continue;
        }
        // The longest dotted name starting here that is a client variable.
        if op(i.wrapping_sub(1), '.') {
            continue;
        }
        let mut end = i;
        let mut var = None;
        loop {
            let text = (i..=end).step_by(2).filter_map(name).collect::<Vec<_>>().join(".");
            if clients.iter().any(|(v, _)| *v == text) {
                var = Some((text, end));
            }
            if op(end + 1, '.') && name(end + 2).is_some() {
                end += 2;
            } else {
                break;
            }
        }
        let Some((var, vend)) = var else { continue };
        let Some(svc) = service_of(&clients, &var, i) else { continue };
        if op(vend + 1, '.') && op(vend + 3, '(') {
            let Some(method) = name(vend + 2) else { continue };
            if method == "get_paginator" {
                if let Some(p) = string(vend + 4) {
                    found.push((i, svc, p.to_string()));
                }
            } else if let Some((_, ops)) = TRANSFER.iter().find(|(t, _)| *t == method).filter(|_| svc == "s3") {
                for o in *ops {
                    found.push((i, svc.clone(), o.to_string()));
                }
            } else if !NOT_OPERATIONS.contains(&method) {
                found.push((i, svc, method.to_string()));
            }
        } else if (op(i.wrapping_sub(1), '(') || op(i.wrapping_sub(1), ','))
            && !op(vend + 1, '=')
            && !(op(i.wrapping_sub(1), '(') && name(i.wrapping_sub(2)) == Some("getattr"))
        {
            // An argument of a call (not a keyword name): the callee's calls are not followed.
            note(&mut out, format!("the {svc} client `{var}` is passed to other code, whose calls this scan does not follow; declare them"));
        }
    }
    for i in 0..t.len() {
        if name(i) == Some("resource") && op(i.wrapping_sub(1), '.') && op(i + 1, '(') {
            let svc = string(i + 2).unwrap_or("?");
            note(&mut out, format!("the script uses boto3.resource('{svc}'), which this scan does not follow; declare the calls it makes"));
        }
    }
    found.sort_by_key(|(pos, _, _)| *pos);
    for (_, svc, op) in found {
        let pair = (svc.to_ascii_lowercase(), op);
        if !out.calls.contains(&pair) {
            out.calls.push(pair);
        }
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
    fn comments_and_strings_are_not_calls() {
        let script = "ec2 = boto3.client('ec2')\n# ec2.terminate_instances()\nlog('ec2.delete_vpc(x)')\n\
                      doc = \"\"\"\nec2.delete_subnet()\n\"\"\"\nec2.describe_vpcs()\n";
        assert_eq!(calls(script), ["ec2.describe_vpcs"]);
        assert!(boto3_calls(script).notes.is_empty());
    }

    #[test]
    fn aliases_getattr_and_renamed_clients_are_resolved_or_reported() {
        let script = "import boto3 as b3\nfrom boto3 import client as mk\n\
                      s = b3.client('s3')\nk = mk('kms')\nc = s\n\
                      c.get_bucket_acl(Bucket=x)\nk.enable_key_rotation(KeyId=i)\n\
                      getattr(s, 'put_bucket_acl')(Bucket=x)\ngetattr(k, name)()\nhelper(k)\n";
        let found = boto3_calls(script);
        let got: Vec<String> = found.calls.iter().map(|(s, o)| format!("{s}.{o}")).collect();
        assert_eq!(got, ["s3.get_bucket_acl", "kms.enable_key_rotation", "s3.put_bucket_acl"]);
        assert_eq!(found.notes.len(), 2, "{:?}", found.notes);
        assert!(found.notes[0].contains("getattr(k"), "{:?}", found.notes);
        assert!(found.notes[1].contains("passed to other code"), "{:?}", found.notes);
    }

    #[test]
    fn a_method_of_another_object_is_not_a_call() {
        assert!(calls("ec2 = boto3.client('ec2')\nmy_ec2.stop_instances()\nx.ec2.start_instances()\n").is_empty());
    }
}
