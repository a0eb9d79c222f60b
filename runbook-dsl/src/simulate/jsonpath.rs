//! The JSONPath subset AWS documents for output selectors and property selectors: `$`, `.key`,
//! `['key']`, `[n]` and the deep scan `..key`. A deep scan always yields a list.

use crate::model::Value;

/// One segment of a parsed path.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    Deep(String),
}

/// Selects from `v` with `path`.
///
/// `Ok(None)` when nothing matches; `Err` when the path is outside the supported subset.
///
/// ```
/// use runbook_dsl::simulate::jsonpath::select;
/// use serde_json::json;
/// let v = json!({"Reservations": [{"Instances": [{"State": {"Name": "running"}}]}]});
/// assert_eq!(select(&v, "$.Reservations[0].Instances[0].State.Name").unwrap(), Some(json!("running")));
/// assert_eq!(select(&v, "$..Name").unwrap(), Some(json!(["running"])));
/// assert_eq!(select(&v, "$.Missing").unwrap(), None);
/// ```
pub fn select(v: &Value, path: &str) -> Result<Option<Value>, String> {
    let segs = parse(path)?;
    let deep = segs.iter().any(|s| matches!(s, Seg::Deep(_)));
    let mut cur: Vec<&Value> = vec![v];
    for seg in &segs {
        let mut next = Vec::new();
        for node in cur {
            match seg {
                Seg::Key(k) => {
                    if let Some(x) = node.get(k.as_str()) {
                        next.push(x);
                    }
                }
                Seg::Index(i) => {
                    if let Some(x) = node.as_array().and_then(|a| a.get(*i)) {
                        next.push(x);
                    }
                }
                Seg::Deep(k) => scan(node, k, &mut next),
            }
        }
        cur = next;
    }
    if deep {
        if cur.is_empty() {
            return Ok(None);
        }
        return Ok(Some(Value::Array(cur.into_iter().cloned().collect())));
    }
    Ok(cur.first().map(|x| (*x).clone()))
}

/// Every value under key `k` at any depth, level by level (breadth first).
fn scan<'a>(v: &'a Value, k: &str, out: &mut Vec<&'a Value>) {
    let mut level: Vec<&'a Value> = vec![v];
    while !level.is_empty() {
        let mut next = Vec::new();
        for node in level {
            match node {
                Value::Object(m) => {
                    for (key, child) in m {
                        if key == k {
                            out.push(child);
                        }
                        next.push(child);
                    }
                }
                Value::Array(a) => next.extend(a.iter()),
                _ => {}
            }
        }
        level = next;
    }
}

fn unsupported(path: &str, why: &str) -> String {
    format!("selector `{path}` is outside the supported JSONPath subset ($.a.b, [n], ..key): {why}")
}

fn parse(path: &str) -> Result<Vec<Seg>, String> {
    let rest = path.trim();
    let mut rest = rest.strip_prefix('$').ok_or_else(|| unsupported(path, "it must start with `$`"))?;
    let mut segs = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let (name, r2) = take_name(r);
            if name.is_empty() {
                return Err(unsupported(path, "`..` must be followed by a key"));
            }
            segs.push(Seg::Deep(name.to_string()));
            rest = r2;
        } else if let Some(r) = rest.strip_prefix('.') {
            let (name, r2) = take_name(r);
            if name.is_empty() || name == "*" {
                return Err(unsupported(path, "`.` must be followed by a key (no wildcards)"));
            }
            segs.push(Seg::Key(name.to_string()));
            rest = r2;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| unsupported(path, "`[` without `]`"))?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if let Ok(i) = inner.parse::<usize>() {
                segs.push(Seg::Index(i));
            } else if let Some(q) = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
            {
                segs.push(Seg::Key(q.to_string()));
            } else {
                return Err(unsupported(path, &format!("`[{inner}]` is not an index or a quoted key")));
            }
        } else {
            return Err(unsupported(path, &format!("unexpected `{rest}`")));
        }
    }
    Ok(segs)
}

fn take_name(s: &str) -> (&str, &str) {
    let end = s.find(['.', '[']).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn child_index_and_quoted_keys() {
        let v = json!({"a": {"b": [10, {"c d": true}]}});
        assert_eq!(select(&v, "$.a.b[0]").unwrap(), Some(json!(10)));
        assert_eq!(select(&v, "$.a.b[1]['c d']").unwrap(), Some(json!(true)));
        assert_eq!(select(&v, "$").unwrap(), Some(v.clone()));
        assert_eq!(select(&v, "$.a.b[5]").unwrap(), None);
    }

    #[test]
    fn deep_scan_collects_level_by_level_and_is_always_a_list() {
        let v = json!({"Id": "top", "x": [{"Id": "a", "y": {"Id": "c"}}, {"Id": "b"}]});
        assert_eq!(select(&v, "$..Id").unwrap(), Some(json!(["top", "a", "b", "c"])));
        assert_eq!(select(&v, "$.x..Id").unwrap(), Some(json!(["a", "b", "c"])));
        assert_eq!(select(&json!({"k": 1}), "$..k").unwrap(), Some(json!([1])));
        assert_eq!(select(&v, "$..Nope").unwrap(), None);
    }

    #[test]
    fn unsupported_forms_are_errors_naming_the_subset() {
        for p in ["a.b", "$.a[*]", "$.a[?(@.x)]", "$.*", "$.a["] {
            let e = select(&json!({}), p).unwrap_err();
            assert!(e.contains("supported JSONPath subset"), "{p}: {e}");
        }
    }
}
