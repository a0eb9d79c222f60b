//! The one module that knows YAML: the canonical writer and the reader.
//!
//! The writer is our own, so that every string stays a string under YAML 1.1 readers (PyYAML,
//! SnakeYAML) and YAML 1.2 readers alike: anything that either could read as a boolean, null,
//! number, date or special float (`yes`, `no`, `on`, `off`, `y`, `n`, `~`, `2024-01-01`, `0755`,
//! `1:30`, `.inf`) is quoted. Multi-line strings are block literals (`|`, `|-`, `|+`).
//! Reading gives a JSON value (key order preserved), recording the position of every field when
//! asked ([`from_str_located`]). Two readers: `fast` (one pass over the bytes, for the subset of
//! YAML that Automation documents use) runs first and either gives exactly what the reference
//! gives or says "not mine"; then `reader` (yaml-rust2's event parser, and libyaml for the flow
//! collections yaml-rust2 refuses) reads, and reports errors, as it always has.

use serde_json::Value;
use std::fmt::Write;

pub mod comments;
mod fast;
mod reader;
mod source_map;

pub use source_map::{Pos, SourceMap};

use reader::ValueBuilder;

/// Writes a value as block-style YAML with two-space indentation and a trailing newline.
///
/// ```
/// use serde_json::json;
/// let y = runbook_dsl::yaml::to_string(&json!({"a": "yes", "b": ["1:30", "x"], "c": "one\ntwo\n"}));
/// assert_eq!(y, "a: 'yes'\nb:\n  - '1:30'\n  - x\nc: |\n  one\n  two\n");
/// ```
pub fn to_string(v: &Value) -> String {
    to_string_from(v).unwrap_or_default()
}

/// Writes anything serializable as block-style YAML, straight from its `Serialize`
/// implementation (no intermediate value). Map keys must be strings or numbers.
///
/// ```
/// use serde_json::json;
/// let v = json!({"k": [1, {"x": true}], "e": {}});
/// assert_eq!(runbook_dsl::yaml::to_string_from(&v).unwrap(), runbook_dsl::yaml::to_string(&v));
/// ```
pub fn to_string_from<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, WriteError> {
    let mut out = String::new();
    value.serialize(Emitter { out: &mut out, slot: Slot::Top })?;
    Ok(out)
}

/// A value that YAML (as we write it) cannot hold, such as a map key that is a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteError(String);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteError {}

impl serde::ser::Error for WriteError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        WriteError(msg.to_string())
    }
}

/// Where the next value goes.
#[derive(Clone, Copy)]
enum Slot {
    /// The document itself.
    Top,
    /// After `key:` of a map whose keys sit at this indentation.
    MapValue(usize),
    /// After `- ` of a sequence whose dashes sit at this indentation.
    SeqItem(usize),
}

impl Slot {
    /// Indentation of a nested block's lines (and of block literal lines).
    fn child(self) -> usize {
        match self {
            Slot::Top => 0,
            Slot::MapValue(i) | Slot::SeqItem(i) => i + 2,
        }
    }
    /// What comes before a scalar in this slot.
    fn scalar_prefix(self) -> &'static str {
        match self {
            Slot::MapValue(_) => " ",
            _ => "",
        }
    }
}

fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        left -= k;
    }
}

struct Emitter<'a> {
    out: &'a mut String,
    slot: Slot,
}

impl Emitter<'_> {
    fn scalar(self, text: &str) -> Result<(), WriteError> {
        self.out.push_str(self.slot.scalar_prefix());
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }
    fn string(self, s: &str) -> Result<(), WriteError> {
        self.out.push_str(self.slot.scalar_prefix());
        write_string(self.out, s, self.slot.child().max(2));
        self.out.push('\n');
        Ok(())
    }
}

/// A map or a sequence being written; lines are opened lazily so that an empty one is `{}`/`[]`.
struct Block<'a> {
    out: &'a mut String,
    slot: Slot,
    count: usize,
    seq: bool,
}

impl<'a> Block<'a> {
    fn new(out: &'a mut String, slot: Slot, seq: bool) -> Self {
        Block { out, slot, count: 0, seq }
    }

    /// Starts a line for the next entry or item.
    fn open_line(&mut self) {
        let child = self.slot.child();
        if self.count == 0 {
            if let Slot::MapValue(_) = self.slot {
                self.out.push('\n');
                indent(self.out, child);
            }
        } else {
            indent(self.out, child);
        }
        self.count += 1;
    }

    fn item<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.open_line();
        self.out.push_str("- ");
        let slot = Slot::SeqItem(self.slot.child());
        value.serialize(Emitter { out: self.out, slot })
    }

    fn key<T: serde::Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        let k = key.serialize(KeyName)?;
        self.open_line();
        let start = self.out.len();
        write_key(self.out, &k);
        if self.out.len() - start > MAX_SIMPLE_KEY && self.out[start..].chars().count() > MAX_SIMPLE_KEY {
            // Readers refuse implicit keys longer than 1024 characters: an explicit `? key`.
            self.out.insert_str(start, "? ");
            self.out.push('\n');
            indent(self.out, self.slot.child());
        }
        self.out.push(':');
        Ok(())
    }

    fn value<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        let slot = Slot::MapValue(self.slot.child());
        value.serialize(Emitter { out: self.out, slot })
    }

    fn finish(self) -> Result<(), WriteError> {
        if self.count == 0 {
            self.out.push_str(self.slot.scalar_prefix());
            self.out.push_str(if self.seq { "[]\n" } else { "{}\n" });
        }
        Ok(())
    }
}

macro_rules! seq_impls {
    ($($tr:ident :: $m:ident),*) => {$(
        impl serde::ser::$tr for Block<'_> {
            type Ok = ();
            type Error = WriteError;
            fn $m<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
                self.item(value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.finish()
            }
        }
    )*};
}
seq_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl serde::ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_key<T: serde::Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        self.key(key)
    }
    fn serialize_value<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.value(value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.finish()
    }
}

macro_rules! struct_impls {
    ($($tr:ident),*) => {$(
        impl serde::ser::$tr for Block<'_> {
            type Ok = ();
            type Error = WriteError;
            fn serialize_field<T: serde::Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), WriteError> {
                self.key(key)?;
                self.value(value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.finish()
            }
        }
    )*};
}
struct_impls!(SerializeStruct, SerializeStructVariant);

impl<'a> serde::Serializer for Emitter<'a> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Block<'a>;
    type SerializeTuple = Block<'a>;
    type SerializeTupleStruct = Block<'a>;
    type SerializeTupleVariant = Block<'a>;
    type SerializeMap = Block<'a>;
    type SerializeStruct = Block<'a>;
    type SerializeStructVariant = Block<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        self.scalar(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), WriteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), WriteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), WriteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), WriteError> {
        self.scalar(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<(), WriteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), WriteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), WriteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), WriteError> {
        self.scalar(&v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<(), WriteError> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), WriteError> {
        // serde_json's formatting keeps a `.0` on whole numbers, so a float stays a float.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.scalar(&n.to_string()),
            None => self.scalar("null"),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        self.string(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), WriteError> {
        Err(WriteError("bytes cannot be written as YAML text".into()))
    }
    fn serialize_none(self) -> Result<(), WriteError> {
        self.scalar("null")
    }
    fn serialize_some<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WriteError> {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WriteError> {
        self.scalar("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), WriteError> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        use serde::ser::SerializeMap;
        let mut m = Block::new(self.out, self.slot, false);
        m.serialize_entry(variant, value)?;
        m.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'a>, WriteError> {
        Ok(Block::new(self.out, self.slot, true))
    }
    fn serialize_tuple(self, _: usize) -> Result<Block<'a>, WriteError> {
        Ok(Block::new(self.out, self.slot, true))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, WriteError> {
        Ok(Block::new(self.out, self.slot, true))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Block<'a>, WriteError> {
        Err(WriteError("tuple variants have no YAML form here".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Block<'a>, WriteError> {
        Ok(Block::new(self.out, self.slot, false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, WriteError> {
        Ok(Block::new(self.out, self.slot, false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Block<'a>, WriteError> {
        Err(WriteError("struct variants have no YAML form here".into()))
    }
}

/// Turns a map key into its text: strings as they are, numbers and booleans as written.
struct KeyName;

macro_rules! key_display {
    ($($m:ident: $t:ty),*) => {$(
        fn $m(self, v: $t) -> Result<String, WriteError> {
            Ok(v.to_string())
        }
    )*};
}

impl serde::Serializer for KeyName {
    type Ok = String;
    type Error = WriteError;
    type SerializeSeq = serde::ser::Impossible<String, WriteError>;
    type SerializeTuple = serde::ser::Impossible<String, WriteError>;
    type SerializeTupleStruct = serde::ser::Impossible<String, WriteError>;
    type SerializeTupleVariant = serde::ser::Impossible<String, WriteError>;
    type SerializeMap = serde::ser::Impossible<String, WriteError>;
    type SerializeStruct = serde::ser::Impossible<String, WriteError>;
    type SerializeStructVariant = serde::ser::Impossible<String, WriteError>;
    key_display!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char, serialize_str: &str);
    fn serialize_bytes(self, _: &[u8]) -> Result<String, WriteError> {
        Err(WriteError("a map key must be a string".into()))
    }
    fn serialize_none(self) -> Result<String, WriteError> {
        Err(WriteError("a map key must be a string".into()))
    }
    fn serialize_some<T: serde::Serialize + ?Sized>(self, v: &T) -> Result<String, WriteError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, WriteError> {
        Err(WriteError("a map key must be a string".into()))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, WriteError> {
        Err(WriteError("a map key must be a string".into()))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String, WriteError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String, WriteError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, WriteError> {
        Err(WriteError("a map key must be a string".into()))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, WriteError> {
        Err(WriteError("a map key must be a string, not a list".into()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, WriteError> {
        Err(WriteError("a map key must be a string, not a list".into()))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, WriteError> {
        Err(WriteError("a map key must be a string, not a list".into()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WriteError> {
        Err(WriteError("a map key must be a string, not a list".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, WriteError> {
        Err(WriteError("a map key must be a string, not a map".into()))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, WriteError> {
        Err(WriteError("a map key must be a string, not a map".into()))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WriteError> {
        Err(WriteError("a map key must be a string, not a map".into()))
    }
}

/// The longest key written in the implicit `key: value` form (YAML allows 1024 characters).
const MAX_SIMPLE_KEY: usize = 1000;

fn write_key(out: &mut String, k: &str) {
    if k.contains('\n') {
        write_double_quoted(out, k);
    } else {
        write_inline_string(out, k);
    }
}

fn write_string(out: &mut String, s: &str, ind: usize) {
    if s.contains('\n') && block_literal_ok(s) {
        write_block_literal(out, s, ind);
    } else {
        write_inline_string(out, s);
    }
}

fn write_inline_string(out: &mut String, s: &str) {
    if has_escapes(s) {
        write_double_quoted(out, s);
    } else if is_plain_safe(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

/// Whether the string holds a character only a double-quoted scalar can carry (fast path for
/// ASCII text).
fn has_escapes(s: &str) -> bool {
    s.bytes().any(|b| !(0x20..0x7f).contains(&b)) && s.chars().any(needs_escape)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{85}' | '\u{a0}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A block literal keeps every character except: other line breaks and control characters,
/// and trailing spaces on a line before a line that is only spaces (folded away by readers).
fn block_literal_ok(s: &str) -> bool {
    if s.chars().any(|c| c != '\n' && needs_escape(c)) || s.chars().any(|c| c == '\r') {
        return false;
    }
    let body = s.trim_end_matches('\n');
    if body.is_empty() {
        return false;
    }
    // A line of only spaces would be read as an empty line when it is the last content line
    // or when the first line starts with spaces (indentation detection). Keep it simple:
    // refuse any line made only of spaces, and any line ending in a space or tab.
    body.split('\n').all(|l| !(l.ends_with(' ') || (!l.is_empty() && l.trim().is_empty())))
}

fn write_block_literal(out: &mut String, s: &str, ind: usize) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    out.push('|');
    if s.starts_with(' ') {
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = s.trim_end_matches('\n');
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
    }
    for _ in 1..trailing.max(1) {
        out.push('\n');
    }
}

/// Whether `s` can be written without quotes and is read back as the same string by YAML 1.1
/// and YAML 1.2 readers. Conservative: when in doubt, quote.
pub fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if !(first.is_alphabetic() || matches!(first, '_' | '/' | '$' | '^' | '(')) {
        return false;
    }
    if s.ends_with(|c: char| c.is_whitespace() || c == ':') {
        return false;
    }
    // One pass over the bytes: indicators anywhere, `: ` and ` #` pairs. (`#` is refused
    // anywhere, which covers ` #`.) Multi-byte characters never match these ASCII bytes.
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'#' | b'\'' | b'"' | b'`' | b'|' | b'>' | b'!' | b'%' | b'&' | b'*' | b'[' | b']' | b'{' | b'}' | b','
            | b'@' => return false,
            b':' if bytes.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()) => return false,
            _ => {}
        }
    }
    !resolves_to_non_string(s)
}

/// Words YAML 1.1 or 1.2 read as booleans or null, regardless of case variants they accept.
const SPECIAL_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

fn resolves_to_non_string(s: &str) -> bool {
    // Numbers, dates, times and sexagesimals all start with a digit, a sign or a dot, and
    // `.inf`/`.nan` with a dot: the first-character rule of `is_plain_safe` refuses those.
    // What is left are the words.
    SPECIAL_WORDS.contains(&s)
}

/// Reads YAML (or JSON, which is YAML) into a JSON value, keeping key order.
///
/// Plain scalars are resolved as serde_yaml 0.9 does (YAML 1.2 core schema: `yes` is a string,
/// `0x1F` a number, `.inf` a float); quoted and block scalars are strings, anchors and aliases
/// are expanded, and only the first document of a stream is read. The fast reader reads what
/// Automation documents use; anything else (and every error) goes to yaml-rust2's event parser.
///
/// ```
/// let v = runbook_dsl::yaml::from_str("a: 1\nb: [x, 'yes', yes, ~]\n").unwrap();
/// assert_eq!(v, serde_json::json!({"a": 1, "b": ["x", "yes", "yes", null]}));
/// ```
pub fn from_str(text: &str) -> Result<Value, YamlError> {
    let text = without_bom(text);
    // JSON text is read as JSON first: YAML readers refuse keys longer than 1024 characters in
    // flow mappings, which JSON allows. Anything that is not strict JSON is read as YAML (and
    // its errors are YAML's, with their place).
    if let Some(v) = json_first(text) {
        return Ok(v);
    }
    // The fast reader gives the reference's value or says "not mine".
    match fast::read(text, false) {
        Ok(r) => Ok(r.value),
        Err(fast::Unsupported) => reference(text),
    }
}

/// A UTF-8 byte order mark at the start is not part of the document (AWS reads documents saved
/// with one).
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Refuses the control characters YAML does not allow in a document (a NUL byte, which
/// yaml-rust2 takes for the end of the text, would silently drop the rest).
fn refuse_control_characters(text: &str) -> Result<(), YamlError> {
    let bad = |b: u8| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
    let Some(at) = text.bytes().position(bad) else { return Ok(()) };
    let line = text[..at].bytes().filter(|&b| b == b'\n').count() + 1;
    let column = text[..at].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(YamlError {
        line: Some(line),
        column: Some(column),
        message: format!(
            "control character U+{:04X}: YAML does not allow it in a document (write it as an escape \
             in a double-quoted string, such as \"\\0\")",
            text.as_bytes()[at]
        ),
    })
}

/// Refuses text that yaml-rust2 must not be given: control characters, and flow collections
/// (`[`, `{`) opened more than [`reader::MAX_DEPTH`] deep, which its scanner reads in quadratic
/// time (100,000 `[` take minutes) before the reader's own depth limit could stop it. The count
/// ignores quoting, so it is an upper bound reached only by such text.
fn precheck(text: &str) -> Result<(), YamlError> {
    refuse_control_characters(text)?;
    let mut depth = 0usize;
    for (at, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > reader::MAX_DEPTH {
                    let line = text[..at].bytes().filter(|&b| b == b'\n').count() + 1;
                    let column = text[..at].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    return Err(YamlError {
                        line: Some(line),
                        column: Some(column),
                        message: format!(
                            "maps and lists nested more than {} levels deep (limit L002: depth); no \
                             Automation document needs this, flatten the value",
                            reader::MAX_DEPTH
                        ),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The reference reader: yaml-rust2's event parser, then libyaml for what it refuses (but not
/// for what passes a limit).
fn reference(text: &str) -> Result<Value, YamlError> {
    precheck(text)?;
    let mut b = ValueBuilder::new(false);
    b.run(text);
    let limit = b.limit_hit;
    match b.finish().0 {
        Err(e) if limit => Err(e),
        r => r.or_else(|_| lenient(text)),
    }
}

/// The second opinion for text the event parser refuses: libyaml (through serde_yaml) accepts
/// a flow collection closed at its parent's indentation (`key: {` ... `}` under `key`), which
/// 12 of the 281 corpus documents do and yaml-rust2 calls "invalid indentation". Errors are
/// libyaml's, with their place.
fn lenient(text: &str) -> Result<Value, YamlError> {
    serde_yaml::from_str::<Value>(text).map_err(|e| YamlError {
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
        message: e.to_string(),
    })
}

/// Reads YAML (or JSON) into a JSON value and, in the same pass, the position of every field
/// (the same [`SourceMap`] as [`source_map`]).
///
/// ```
/// let (v, map) = runbook_dsl::yaml::from_str_located("a: 1\nsteps:\n  - name: x\n").unwrap();
/// assert_eq!(v["steps"][0]["name"], "x");
/// assert_eq!(map.get("steps[0].name").map(|p| (p.line, p.column)), Some((3, 5)));
/// ```
pub fn from_str_located(text: &str) -> Result<(Value, SourceMap), YamlError> {
    read_located(text).map(|r| (r.value, r.map))
}

/// What [`read_located`] read.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// The value.
    pub value: Value,
    /// The position of every field.
    pub map: SourceMap,
    /// Keys written twice in one map (the value keeps the last): the field path and the place
    /// of the second.
    pub duplicates: Vec<(String, Pos)>,
}

/// [`from_str_located`], and the keys written twice in one map (YAML or JSON), which the value
/// cannot show.
///
/// ```
/// let r = runbook_dsl::yaml::read_located("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap();
/// assert_eq!(r.value["b"]["c"], 2);
/// assert_eq!(r.duplicates[0].0, "b.c");
/// assert_eq!(r.duplicates[0].1.line, 4);
/// ```
pub fn read_located(text: &str) -> Result<Located, YamlError> {
    let text = without_bom(text);
    // The fast reader refuses duplicate keys: whatever it reads has none.
    match fast::read(text, true) {
        Ok(r) => Ok(Located { value: r.value, map: r.map, duplicates: Vec::new() }),
        Err(fast::Unsupported) => reference_located(text),
    }
}

/// The reference reader, recording positions.
fn reference_located(text: &str) -> Result<Located, YamlError> {
    precheck(text)?;
    let mut b = ValueBuilder::new(true);
    b.run(text);
    let limit = b.limit_hit;
    let duplicates = std::mem::take(&mut b.seen.duplicates);
    let (value, map) = b.finish();
    match value {
        Ok(v) => Ok(Located { value: v, map, duplicates }),
        Err(e) if limit => Err(e),
        // Strict JSON that YAML refuses (keys over 1024 characters): the JSON value, and the
        // positions located before the YAML reader stopped.
        // Text the event parser refuses but libyaml reads (see `lenient`): that value, with the
        // positions located before the event parser stopped.
        Err(_) => json_first(text).map_or_else(|| lenient(text), Ok).map(|v| Located { value: v, map, duplicates }),
    }
}

/// Something in a text that its value does not hold, so that writing the value back would
/// change or lose it: its place and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// Where it is.
    pub pos: Pos,
    /// What it is, in the user's terms.
    pub what: String,
}

impl Loss {
    /// Whether it is a comment (which YAML output keeps, see [`comments`]).
    pub fn is_comment(&self) -> bool {
        self.what.starts_with(COMMENT)
    }
}

const COMMENT: &str = "a comment";

/// Everything in `text` that a value read from it cannot keep: comments, duplicate keys,
/// anchors and aliases, tags, a second document, numbers with no exact JSON form (`.inf`,
/// `.nan`, integers beyond 64 bits). Empty when writing the value back loses nothing but
/// layout. `runbook fmt --write` refuses a file with any.
///
/// ```
/// let l = runbook_dsl::yaml::losses("# licence\na: &x 1\nb: *x\n");
/// assert_eq!(l.len(), 2);
/// assert!(l[0].what.contains("comment"));
/// assert!(runbook_dsl::yaml::losses("a: 'x # y'\n").is_empty());
/// ```
pub fn losses(text: &str) -> Vec<Loss> {
    let text = without_bom(text);
    let mut out = Vec::new();
    let comment = match comments::offsets(text) {
        Some(at) => at.first().map(|&at| pos_of(text, at)),
        None => first_comment(text),
    };
    if let Some(pos) = comment {
        out.push(Loss { pos, what: format!("{COMMENT} (JSON holds no comments)") });
    }
    if precheck(text).is_err() {
        // Not read at all: nothing to compare (the reading reports it).
        return out;
    }
    let mut b = ValueBuilder::new(true);
    b.run(text);
    let seen = std::mem::take(&mut b.seen);
    for (key, pos) in seen.duplicates {
        out.push(Loss { pos, what: format!("the key `{key}` written a second time in the same map") });
    }
    if let Some(pos) = seen.anchor {
        out.push(Loss { pos, what: "an anchor or alias (`&name`, `*name`)".into() });
    }
    if let Some(pos) = seen.tag {
        out.push(Loss { pos, what: "a tag (`!Name`, `!!type`)".into() });
    }
    if let Some((t, pos)) = seen.inexact_number {
        out.push(Loss {
            pos,
            what: format!("the number `{t}`, which has no exact JSON form (quote it to keep it as text)"),
        });
    }
    if let Some(pos) = seen.second_document {
        out.push(Loss { pos, what: "a second document (`---`); only the first is read".into() });
    }
    out.sort_by_key(|l| (l.pos.line, l.pos.column));
    out
}

/// The line and column of a byte offset.
fn pos_of(text: &str, at: usize) -> Pos {
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos { line: before.bytes().filter(|&b| b == b'\n').count() + 1, column: before[line_start..].chars().count() + 1 }
}

/// The first line holding what may be a comment: `#` at the start of a line or after a space
/// (conservative: such a `#` inside a quoted string counts too).
fn first_comment(text: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, line)| {
        let b = line.as_bytes();
        let at = b.iter().enumerate().position(|(j, &c)| c == b'#' && (j == 0 || matches!(b[j - 1], b' ' | b'\t')))?;
        Some(Pos { line: i + 1, column: line[..at].chars().count() + 1 })
    })
}

/// For differential tests: the fast reader alone (`None`: "not mine"), recording positions
/// when `located` (otherwise the map is empty).
#[doc(hidden)]
pub fn fast_reader(text: &str, located: bool) -> Option<(Value, SourceMap)> {
    fast::read(text, located).ok().map(|r| (r.value, r.map))
}

/// For differential tests: the offsets of the comments the fast reader finds (`None`: "not
/// mine").
#[doc(hidden)]
pub fn fast_reader_comments(text: &str) -> Option<Vec<usize>> {
    fast::read(text, false).ok().map(|r| r.comments)
}

/// For differential tests: the reference reader alone, as [`from_str`] (after its JSON check)
/// or [`from_str_located`] ran it before the fast reader.
#[doc(hidden)]
pub fn reference_reader(text: &str, located: bool) -> Result<(Value, SourceMap), YamlError> {
    if located {
        reference_located(text).map(|r| (r.value, r.map))
    } else {
        reference(text).map(|v| (v, SourceMap::default()))
    }
}

/// For differential tests: whether the reference reader's source map stops early (yaml-rust2
/// refuses the text, libyaml reads it), so that the fast reader's holds more.
#[doc(hidden)]
pub fn reference_map_is_partial(text: &str) -> bool {
    if precheck(text).is_err() {
        return false;
    }
    let mut b = ValueBuilder::new(false);
    b.run(text);
    b.finish().0.is_err()
}

/// Strict JSON text read as JSON; `None` for anything else.
fn json_first(text: &str) -> Option<Value> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(text).ok()
    } else {
        None
    }
}

/// A YAML syntax or structure error, with its place when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for YamlError {}

/// Scans YAML (or JSON) text for the position of every field. Never fails: text that does not
/// scan gives the fields located before the problem (possibly none).
pub fn source_map(text: &str) -> SourceMap {
    let text = without_bom(text);
    if let Ok(r) = fast::read(text, true) {
        return r.map;
    }
    if precheck(text).is_err() {
        return SourceMap::default();
    }
    let mut b = ValueBuilder::new(true);
    b.run(text);
    b.finish().1
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_longer_than_yaml_allows_for_implicit_keys_are_written_explicitly() {
        let long = "k".repeat(1500);
        let v = json!({"a": {long.clone(): {"x": [1]}, "b": 2}, long.clone(): "v"});
        let text = to_string(&v);
        assert!(text.contains(&format!("  ? {long}\n  :\n")), "{text}");
        assert_eq!(from_str(&text).unwrap(), v);
    }

    #[test]
    fn json_with_long_keys_reads_as_json_and_other_text_as_yaml() {
        let long = "k".repeat(1500);
        let v = json!({long.clone(): 1, "a": [true, null, 1.5]});
        assert_eq!(from_str(&serde_json::to_string_pretty(&v).unwrap()).unwrap(), v);
        // Not strict JSON (a flow mapping with a plain scalar): read as YAML.
        assert_eq!(from_str("{a: yes}").unwrap(), json!({"a": "yes"}));
        let e = from_str("{a: [1,\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;
    use serde_json::json;

    /// What serde_yaml 0.9 (the reader before this one) reads.
    fn serde_yaml(text: &str) -> Value {
        serde_yaml::from_str::<Value>(text).unwrap_or_else(|e| panic!("serde_yaml refuses {text:?}: {e}"))
    }

    #[test]
    fn plain_scalars_resolve_as_serde_yaml_does() {
        let words = [
            "~",
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "TRUE",
            "false",
            "False",
            "FALSE",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "0",
            "-0",
            "+12",
            "-12",
            "12",
            "0x1F",
            "0o17",
            "0b101",
            "-0x1F",
            "+0x1F",
            "0755",
            "-0755",
            "00",
            "1.5",
            "-1.5",
            "+1.5",
            "1e3",
            "1.5E-3",
            ".5",
            "5.",
            ".inf",
            "-.inf",
            "+.inf",
            ".Inf",
            ".NAN",
            ".nan",
            "inf",
            "nan",
            "1_000",
            "1:30",
            "2024-01-01",
            "0x",
            "0xZ",
            "--1",
            "+-1",
            "18446744073709551615",
            "-9223372036854775808",
            "1.2.3",
            "abc",
            "a b",
            "'q'",
            "\"d\"",
            "1e400",
        ];
        for w in words {
            let text = format!("v: {w}\n");
            assert_eq!(from_str(&text).unwrap(), serde_yaml(&text), "{w}");
        }
        assert_eq!(from_str("v:\n").unwrap(), json!({"v": null}));
        // Integers beyond 64 bits, which serde_yaml refuses ("JSON number out of range"): a float.
        assert_eq!(from_str("v: -9223372036854775809\n").unwrap(), json!({"v": -9223372036854775809.0}));
        assert_eq!(from_str("").unwrap(), serde_yaml(""));
    }

    #[test]
    fn quoted_block_and_tagged_scalars() {
        let text =
            "a: '1'\nb: \"true\"\nc: |\n  12\nd: >-\n  null\ne: !!str 12\nf: !!int 12\ng: !Ref x\nh: !!float 1\n";
        assert_eq!(
            from_str(text).unwrap(),
            json!({"a": "1", "b": "true", "c": "12\n", "d": "null", "e": "12", "f": 12, "g": "x", "h": 1})
        );
    }

    #[test]
    fn anchors_aliases_keys_and_streams() {
        let text = "base: &b {x: 1, y: [a]}\ncopy: *b\nn: &s hi\nm: *s\n1: one\ntrue: t\n";
        assert_eq!(
            from_str(text).unwrap(),
            json!({"base": {"x": 1, "y": ["a"]}, "copy": {"x": 1, "y": ["a"]}, "n": "hi", "m": "hi", "1": "one", "true": "t"})
        );
        assert_eq!(from_str(text).unwrap(), serde_yaml(text));
        // The first document of a stream.
        assert_eq!(from_str("---\na: 1\n---\nb: 2\n").unwrap(), json!({"a": 1}));
        // A key that is a list: an error with its place.
        let e = from_str("a: 1\n? [x, y]\n: v\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e:?}");
        assert!(e.message.contains("string"), "{e:?}");
        // The event reader's own message, in the located pass's source map fallback.
        let mut b = ValueBuilder::new(false);
        b.run("a: 1\n? [x, y]\n: v\n");
        let e = b.finish().0.unwrap_err();
        assert!(e.message.contains("map key must be a string, not a list"), "{e:?}");
        assert_eq!((e.line, e.column), (Some(2), Some(3)), "{e:?}");
    }

    #[test]
    fn flow_collections_closed_at_the_parent_indentation_read_as_libyaml_reads_them() {
        // yaml-rust2 calls this "invalid indentation"; libyaml (and AWS) read it.
        let text = "a:\n  k: {\n    \"x\": \"1\",\n  }\n  l: 2\n";
        assert_eq!(from_str(text).unwrap(), json!({"a": {"k": {"x": "1"}, "l": 2}}));
        let (v, map) = from_str_located(text).unwrap();
        assert_eq!(v, from_str(text).unwrap());
        assert_eq!(map.get("a.k").map(|p| p.line), Some(2));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = from_str("a: 1\nb: [x,\nc: : :\n  - d\n").unwrap_err();
        assert!(e.line.is_some() && e.column.is_some(), "{e:?}");
        assert!(e.message.contains(&format!("line {}", e.line.unwrap_or(0))), "{e:?}");
        let e = from_str("a: *nothing\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e:?}");
    }

    #[test]
    fn one_pass_gives_the_value_and_the_same_positions_as_source_map() {
        let text = "a: 1\nsteps:\n  - name: x\n    inputs: {k: v, l: [1, 2]}\n  - b\n";
        let (v, map) = from_str_located(text).unwrap();
        assert_eq!(v, from_str(text).unwrap());
        assert_eq!(map, source_map(text));
        assert_eq!(map.get("steps[0].inputs.l[1]").map(|p| (p.line, p.column)), Some((4, 27)));
        assert_eq!(map.get("steps[1]").map(|p| (p.line, p.column)), Some((5, 5)));
        assert_eq!(map.get("a").map(|p| (p.line, p.column)), Some((1, 1)));
    }

    #[test]
    fn the_corpus_reads_as_serde_yaml_reads_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/automation");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("SHARED MISSING: {} not found; corpus comparison skipped", dir.display());
            assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "shared corpus required");
            return;
        };
        let mut files = Vec::new();
        let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        while let Some(p) = dirs.pop() {
            match std::fs::read_dir(&p) {
                Ok(sub) => dirs.extend(sub.flatten().map(|e| e.path())),
                Err(_) => files.push(p),
            }
        }
        let mut n = 0;
        for p in files {
            if !matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")) {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let want = serde_yaml::from_str::<Value>(&text).ok();
            let got = from_str(&text).ok();
            assert_eq!(got, want, "{}", p.display());
            if let Some(v) = got {
                assert_eq!(from_str_located(&text).unwrap(), (v, source_map(&text)), "{}", p.display());
            }
            n += 1;
        }
        assert!(n >= 200, "only {n} corpus documents in {}", dir.display());
    }
}
