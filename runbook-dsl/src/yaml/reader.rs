//! The reference reader: yaml-rust2's event parser into a JSON value (and source map), with
//! plain scalars resolved as serde_yaml 0.9 does.

use super::{Pos, SourceMap, YamlError};
use serde_json::Value;

/// Resolves a plain scalar as serde_yaml 0.9 does (YAML 1.2 core schema).
pub(super) fn resolve_plain(s: String) -> Value {
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    // Only text starting with a digit, a sign or a dot can be a number.
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return Value::String(s);
    }
    if let Some(n) = parse_int(&s) {
        return Value::Number(n);
    }
    if !digits_but_not_number(&s) {
        if let Some(f) = parse_float(&s) {
            // `.nan` and `.inf` have no JSON number: null, as serde_json reads them.
            return serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
        }
    }
    Value::String(s)
}

/// Leading zeros followed by digits (`0755`) are a string under YAML 1.2.
fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Decimal, `0x`, `0o` and `0b` integers with an optional sign, within `i64`/`u64`.
fn parse_int(s: &str) -> Option<serde_json::Number> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.starts_with(['+', '-']) {
        return None;
    }
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x") {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o") {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b") {
        (r, 2)
    } else {
        if digits_but_not_number(s) {
            return None;
        }
        (body, 10)
    };
    if digits.starts_with(['+', '-']) || digits.is_empty() {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if !neg {
        Some(magnitude.into())
    } else if magnitude == 0 {
        Some(0i64.into())
    } else if magnitude <= i64::MAX as u64 + 1 {
        Some((magnitude.wrapping_neg() as i64).into())
    } else {
        None
    }
}

/// Floats with an optional sign and exponent, `.inf`, `-.inf` and `.nan` (case variants).
fn parse_float(s: &str) -> Option<f64> {
    let unsigned = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => s,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Resolves a scalar with a tag: the core schema tags (`!!str`, `!!int`, `!!float`, `!!bool`,
/// `!!null`) give their type; other tags keep the value as if untagged.
fn resolve_tagged(s: String, style: yaml_rust2::scanner::TScalarStyle, tag: &yaml_rust2::parser::Tag) -> Value {
    use yaml_rust2::scanner::TScalarStyle;
    let plain = matches!(style, TScalarStyle::Plain);
    if tag.handle == "tag:yaml.org,2002:" {
        match tag.suffix.as_str() {
            "str" => return Value::String(s),
            "null" | "bool" | "int" | "float" => {
                let v = resolve_plain(s.clone());
                let fits = match tag.suffix.as_str() {
                    "null" => v.is_null(),
                    "bool" => v.is_boolean(),
                    "int" => v.is_i64() || v.is_u64(),
                    _ => v.is_number() || (v.is_null() && s.contains(['n', 'N', 'i', 'I'])),
                };
                return if fits { v } else { Value::String(s) };
            }
            _ => {}
        }
    }
    if tag.handle.is_empty() && tag.suffix == "!" {
        // The non-specific tag `!`: a string.
        return Value::String(s);
    }
    if plain {
        resolve_plain(s)
    } else {
        Value::String(s)
    }
}

/// A collection being built, with its path when positions are recorded.
enum Open {
    Map {
        map: serde_json::Map<String, Value>,
        key: Option<String>,
        key_pos: Option<Pos>,
        anchor: usize,
        path: String,
        start: Pos,
        nodes_before: usize,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
        path: String,
        start: Pos,
        nodes_before: usize,
    },
}

/// What the reader read but a JSON value cannot show: each is a change of meaning if the
/// value is written back (see [`super::Losses`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Seen {
    /// Keys written twice in one map: the key, its second place.
    pub duplicates: Vec<(String, Pos)>,
    /// Anchors or aliases: the first place.
    pub anchor: Option<Pos>,
    /// Tags (`!Ref`, `!!str`): the first place.
    pub tag: Option<Pos>,
    /// Plain scalars with no exact JSON number (`.inf`, `.nan`, integers beyond 64 bits).
    pub inexact_number: Option<(String, Pos)>,
    /// A second document in the stream.
    pub second_document: Option<Pos>,
}

/// Builds a JSON value from parser events, and optionally the source map, in one pass.
pub(super) struct ValueBuilder {
    stack: Vec<Open>,
    anchors: std::collections::HashMap<usize, (Value, usize)>,
    root: Option<Value>,
    record: bool,
    map: SourceMap,
    error: Option<YamlError>,
    done: bool,
    /// Values built so far, aliases counted with every value they expand to.
    nodes: usize,
    /// The reading stopped at a limit (no other reader may try).
    pub(super) limit_hit: bool,
    pub(super) seen: Seen,
}

impl ValueBuilder {
    pub(super) fn new(record: bool) -> Self {
        ValueBuilder {
            stack: Vec::new(),
            anchors: std::collections::HashMap::new(),
            root: None,
            record,
            map: SourceMap::default(),
            error: None,
            done: false,
            nodes: 0,
            limit_hit: false,
            seen: Seen::default(),
        }
    }

    /// Reads the first document of `text`, and notes where a second one starts. The events
    /// are pulled one by one (yaml-rust2's `load` recurses once per nesting level, which deep
    /// input would drive past the stack).
    pub(super) fn run(&mut self, text: &str) {
        use yaml_rust2::parser::{Event, MarkedEventReceiver};
        let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
        let mut documents = 0;
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                Ok((Event::DocumentStart, mark)) => {
                    documents += 1;
                    if documents > 1 {
                        self.seen.second_document = Some(Pos { line: mark.line(), column: mark.col() + 1 });
                        break;
                    }
                }
                Ok((ev, mark)) => {
                    if !self.done {
                        self.on_event(ev, mark);
                    }
                    if self.limit_hit {
                        break;
                    }
                }
                Err(e) => {
                    // An error after the first document does not concern it.
                    if !self.done {
                        let m = e.marker();
                        self.fail(Pos { line: m.line(), column: m.col() + 1 }, e.info());
                    }
                    break;
                }
            }
        }
    }

    /// Stops at a limit: the error names the place and the limit.
    fn limit(&mut self, pos: Pos, what: String) {
        if self.error.is_none() {
            self.error = Some(YamlError { line: Some(pos.line), column: Some(pos.column), message: what });
        }
        self.done = true;
        self.limit_hit = true;
    }

    /// The value (or the first error) and the positions recorded.
    pub(super) fn finish(self) -> (Result<Value, YamlError>, SourceMap) {
        let v = match self.error {
            Some(e) => Err(e),
            None => Ok(self.root.unwrap_or(Value::Null)),
        };
        (v, self.map)
    }

    fn fail(&mut self, pos: Pos, what: &str) {
        self.fail_at(pos, what, true);
    }

    /// Keeps the first error; `stop` ends the reading.
    fn fail_at(&mut self, pos: Pos, what: &str, stop: bool) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                line: Some(pos.line),
                column: Some(pos.column),
                message: format!("{what} at line {} column {}", pos.line, pos.column),
            });
        }
        self.done |= stop;
    }

    /// Records a node's position; returns its path (empty when positions are not recorded).
    /// Same rules as [`source_map`] has always had: a map entry at its key, a list item at the
    /// item, a mapping item at its first key.
    fn locate(&mut self, pos: Pos, is_map: bool) -> String {
        if !self.record {
            return String::new();
        }
        match self.stack.last_mut() {
            None => {
                self.map.record("", Pos { line: 1, column: 1 });
                String::new()
            }
            Some(Open::Seq { items, path, .. }) => {
                let p = format!("{path}[{}]", items.len());
                if !is_map {
                    self.map.record(&p, pos);
                }
                p
            }
            Some(Open::Map { key, key_pos, path, .. }) => match key {
                // A key: its position is the entry's, and the map's when first.
                None => {
                    *key_pos = Some(pos);
                    self.map.record(path, pos);
                    String::new()
                }
                Some(k) => {
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    let at = key_pos.unwrap_or(pos);
                    self.map.record(&p, at);
                    p
                }
            },
        }
    }

    /// Whether the next node is a map key.
    fn at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Open::Map { key: None, .. }))
    }

    /// Places a finished node: a key, a map value, a list item or the document.
    fn place(&mut self, v: Value, key_text: Option<String>, pos: Pos) {
        let mut bad_key = None;
        match self.stack.last_mut() {
            None => self.root = Some(v),
            Some(Open::Seq { items, .. }) => items.push(v),
            Some(Open::Map { map, key, key_pos, path, .. }) => match key.take() {
                Some(k) => {
                    if map.contains_key(&k) {
                        let field = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                        self.seen.duplicates.push((field, key_pos.unwrap_or(pos)));
                    }
                    *key_pos = None;
                    map.insert(k, v);
                }
                None => {
                    let text = match (key_text, v) {
                        (Some(t), _) => t,
                        (None, Value::String(s)) => s,
                        (None, Value::Number(n)) => n.to_string(),
                        (None, Value::Bool(b)) => b.to_string(),
                        (None, Value::Null) => "null".to_string(),
                        (None, other) => {
                            let kind = if other.is_array() { "a list" } else { "a map" };
                            bad_key = Some(kind);
                            "?".to_string()
                        }
                    };
                    *key = Some(text);
                }
            },
        }
        if let Some(kind) = bad_key {
            // Keep going, so that the source map still locates the fields after it.
            self.fail_at(pos, &format!("a map key must be a string, not {kind}"), false);
        }
    }

    fn anchor(&mut self, id: usize, v: &Value, nodes: usize, pos: Pos) {
        if id > 0 {
            self.seen.anchor.get_or_insert(pos);
            self.anchors.insert(id, (v.clone(), nodes));
        }
    }

    /// Counts `n` more values; false (and the reading stops) past [`MAX_NODES`].
    fn count(&mut self, n: usize, pos: Pos) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            self.limit(
                pos,
                format!(
                    "the document holds more than {MAX_NODES} values once its aliases are expanded \
                     (limit L003: values); write the repeated parts out, or fewer of them"
                ),
            );
            return false;
        }
        true
    }
}

/// The most values a document may hold, aliases expanded (a few hundred-byte "billion laughs"
/// document would otherwise take gigabytes). The largest corpus document holds about 5,000.
pub(super) const MAX_NODES: usize = 1_000_000;

/// The deepest nesting of maps and lists read (as serde_json and libyaml).
pub(super) const MAX_DEPTH: usize = 128;

/// Whether a plain scalar's text resolved to a value that has no exact JSON form: `.inf` and
/// `.nan` (read as null) or an integer beyond 64 bits (read as a float).
fn inexact(text: &str, v: &Value) -> bool {
    match v {
        Value::Null => text.contains(['n', 'N', 'i', 'I']) && text.starts_with(['.', '-', '+']),
        Value::Number(n) if n.is_f64() => {
            let t = text.strip_prefix(['-', '+']).unwrap_or(text);
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for ValueBuilder {
    fn on_event(&mut self, ev: yaml_rust2::parser::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::parser::Event;
        use yaml_rust2::scanner::TScalarStyle;
        if self.done {
            return;
        }
        let pos = Pos { line: mark.line(), column: mark.col() + 1 };
        match ev {
            Event::Scalar(s, style, anchor, tag) => {
                if !self.count(1, pos) {
                    return;
                }
                let is_key = self.at_key();
                self.locate(pos, false);
                // A key keeps its text as written (`1: x` is the key "1"), as serde_yaml does.
                let key_text = is_key.then(|| s.clone());
                if tag.is_some() {
                    self.seen.tag.get_or_insert(pos);
                }
                let plain = matches!(style, TScalarStyle::Plain);
                let text = (plain && self.seen.inexact_number.is_none()).then(|| s.clone());
                let v = match (&tag, style) {
                    (Some(t), _) => resolve_tagged(s, style, t),
                    (None, TScalarStyle::Plain) => resolve_plain(s),
                    (None, _) => Value::String(s),
                };
                if let Some(t) = text.filter(|t| inexact(t, &v)) {
                    self.seen.inexact_number = Some((t, pos));
                }
                self.anchor(anchor, &v, 1, pos);
                self.place(v, key_text, pos);
            }
            Event::Alias(id) => {
                self.locate(pos, false);
                self.seen.anchor.get_or_insert(pos);
                match self.anchors.get(&id).map(|(_, n)| *n) {
                    Some(n) => {
                        // Counted before the copy is made.
                        if self.count(n, pos) {
                            let v = self.anchors.get(&id).map(|(v, _)| v.clone()).unwrap_or(Value::Null);
                            self.place(v, None, pos);
                        }
                    }
                    None => self.fail(pos, "unknown anchor"),
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.limit(
                    pos,
                    format!(
                        "maps and lists nested more than {MAX_DEPTH} levels deep (limit L002: depth); \
                         no Automation document needs this, flatten the value"
                    ),
                );
            }
            Event::MappingStart(anchor, tag) => {
                if tag.is_some() {
                    self.seen.tag.get_or_insert(pos);
                }
                let path = self.locate(pos, true);
                self.stack.push(Open::Map {
                    map: serde_json::Map::new(),
                    key: None,
                    key_pos: None,
                    anchor,
                    path,
                    start: pos,
                    nodes_before: self.nodes,
                });
            }
            Event::SequenceStart(anchor, tag) => {
                if tag.is_some() {
                    self.seen.tag.get_or_insert(pos);
                }
                let path = self.locate(pos, false);
                self.stack.push(Open::Seq { items: Vec::new(), anchor, path, start: pos, nodes_before: self.nodes });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (v, anchor, start, before) = match self.stack.pop() {
                    Some(Open::Map { map, anchor, start, nodes_before, .. }) => {
                        (Value::Object(map), anchor, start, nodes_before)
                    }
                    Some(Open::Seq { items, anchor, start, nodes_before, .. }) => {
                        (Value::Array(items), anchor, start, nodes_before)
                    }
                    None => return,
                };
                if !self.count(1, pos) {
                    return;
                }
                let nodes = self.nodes - before;
                self.anchor(anchor, &v, nodes, start);
                // A collection is placed (and a collection key reported) where it starts.
                self.place(v, None, start);
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}
