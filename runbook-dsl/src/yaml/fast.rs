//! The fast reader: one pass over the bytes for the subset of YAML that Automation documents
//! use (block maps and sequences, plain, quoted and block scalars, flow collections, comments).
//!
//! It either gives exactly what the reference reader ([`super::reader`], then the libyaml
//! fallback) gives, the same value and the same source map, or says [`Unsupported`], and the
//! reference reader runs as if this one did not exist. It never reports errors of its own: bad
//! input, or anything it is not sure about (anchors, tags, complex keys, tabs, directives,
//! several documents, duplicate keys, ...), is `Unsupported`.

use super::reader::resolve_plain;
use super::{Pos, SourceMap};
use serde_json::{Map, Value};

/// "Not mine": the reference reader must read this text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsupported;

type R<T> = Result<T, Unsupported>;

/// What the fast reader read.
pub(super) struct Read {
    /// The document's value.
    pub value: Value,
    /// The position of every field (empty unless recording).
    pub map: SourceMap,
    /// Where each comment's `#` is (byte offsets, in text order; the value does not hold
    /// comments).
    pub comments: Vec<usize>,
}

/// Deepest nesting read here (serde_yaml, the fallback, stops at 128).
const MAX_DEPTH: usize = 100;
/// Longest key read here (YAML limits implicit keys to 1024 characters).
const MAX_KEY: usize = 1000;

/// Reads `text`; `record` also collects the source map. Text whose value would come from the
/// libyaml fallback (a flow collection closed at its parent's indentation) is read only when
/// not recording, because the reference's source map for it is partial.
pub(super) fn read(text: &str, record: bool) -> R<Read> {
    let ascii = precheck(text)?;
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        ls: 0,
        line: 1,
        ascii,
        record,
        map: SourceMap::default(),
        path: String::new(),
        recorded: Vec::new(),
        entries: Vec::new(),
        lenient: false,
        risky: false,
        depth: 0,
        comments: Vec::new(),
    };
    let value = p.document()?;
    if p.lenient && p.risky {
        return Err(Unsupported);
    }
    // A comment met twice (after a look-ahead that was undone) is one comment.
    let mut comments = p.comments;
    comments.sort_unstable();
    comments.dedup();
    Ok(Read { value, map: p.map, comments })
}

/// Refuses tabs, carriage returns, control characters, byte order marks and the characters
/// YAML 1.1 reads as line breaks; returns whether the text is ASCII.
fn precheck(text: &str) -> R<bool> {
    // Branch-free over chunks, so that the compiler vectorizes it.
    for chunk in text.as_bytes().chunks(64) {
        let bad = chunk.iter().fold(false, |bad, &b| bad | ((b < 0x20) & (b != b'\n')) | (b == 0x7f));
        if bad {
            return Err(Unsupported);
        }
    }
    let ascii = text.is_ascii();
    if !ascii
        && text
            .chars()
            .any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'))
    {
        return Err(Unsupported);
    }
    Ok(ascii)
}

/// A saved cursor.
#[derive(Clone, Copy)]
struct Mark {
    i: usize,
    ls: usize,
    line: usize,
}

/// How a line of a plain scalar ends.
#[derive(PartialEq, Eq)]
enum Stop {
    /// A line break or the end of the text.
    Eol,
    /// ` #`.
    Comment,
    /// `: ` or `:` at the end of the line.
    Colon,
}

/// What the next line that is not blank or a comment holds.
enum Next {
    /// The end of the text.
    End,
    /// `---` or `...` at the start of the line (the boolean: `---`).
    Marker(bool),
    /// Content at this indentation (the cursor is at the line start).
    Line(usize),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    /// Cursor.
    i: usize,
    /// Start of the cursor's line.
    ls: usize,
    /// 1-based line of the cursor.
    line: usize,
    ascii: bool,
    record: bool,
    map: SourceMap,
    /// The path of the node being read (only kept up to date when recording).
    path: String,
    /// Entries of the maps being read, innermost last: a map is built once its entries are
    /// all read, at its final size (no table grown and rehashed entry by entry).
    entries: Vec<(String, Value)>,
    /// Lengths of the prefixes of `path` already recorded, shortest first: a map is recorded
    /// again at each key and a node where its key was, and only the first position counts.
    recorded: Vec<usize>,
    /// A flow collection has a line at or left of its block parent's indentation (yaml-rust2
    /// refuses this, the libyaml fallback reads it).
    lenient: bool,
    /// Something read in a way libyaml's reader might not share (floats, non-string keys, a
    /// block scalar kept or clipped at the end of the text): refused when `lenient`.
    risky: bool,
    depth: usize,
    /// Byte offsets of the `#` of every comment met.
    comments: Vec<usize>,
}

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// A plain key that does not resolve to a string (`1: x` is the key "1" here; libyaml's
/// reader may say otherwise).
fn key_is_risky(k: &str) -> bool {
    match k.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') | None => !resolve_plain(k.to_string()).is_string(),
        _ => matches!(k, "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"),
    }
}

impl<'a> Parser<'a> {
    fn at(&self, i: usize) -> Option<&u8> {
        self.s.get(i)
    }

    fn mark(&self) -> Mark {
        Mark { i: self.i, ls: self.ls, line: self.line }
    }

    fn reset(&mut self, m: Mark) {
        self.i = m.i;
        self.ls = m.ls;
        self.line = m.line;
    }

    /// Position of byte `i` on the cursor's line (columns count characters, as yaml-rust2's).
    fn pos(&self, i: usize) -> Pos {
        let column = if self.ascii {
            i - self.ls + 1
        } else {
            self.s[self.ls..i].iter().filter(|&&b| (b & 0xc0) != 0x80).count() + 1
        };
        Pos { line: self.line, column }
    }

    /// Records the position of the node being read.
    fn record_here(&mut self, pos: Pos) {
        // Each path is recorded once: the current one is skipped when it already was, and no
        // other can come again (a map with a key twice is left to the reference reader).
        if self.record && self.recorded.last() != Some(&self.path.len()) {
            self.recorded.push(self.path.len());
            self.map.record_new(&self.path, pos);
        }
    }

    /// Leaves the entry or item entered when the path was `len` long.
    fn leave(&mut self, len: usize) {
        self.path.truncate(len);
        while self.recorded.last().is_some_and(|&l| l > len) {
            self.recorded.pop();
        }
    }

    /// Enters the entry `key` of the map being read (when recording); returns the length to
    /// leave back to.
    fn enter_key(&mut self, key: &str, kpos: Pos) -> usize {
        let len = self.path.len();
        if self.record {
            // A map is located at its first key.
            self.record_here(kpos);
            if len > 0 {
                self.path.push('.');
            }
            self.path.push_str(key);
            self.record_here(kpos);
        }
        len
    }

    /// Enters item `i` of the sequence being read (when recording); returns the length to
    /// leave back to.
    fn enter_item(&mut self, i: usize) -> usize {
        let len = self.path.len();
        if self.record {
            use std::fmt::Write;
            let _ = write!(self.path, "[{i}]");
        }
        len
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        Ok(())
    }

    fn skip_spaces(&mut self) {
        while self.at(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }

    /// Index of the end of the line holding `i` (its `\n` or the end of the text).
    fn eol(&self, i: usize) -> usize {
        self.s[i..].iter().position(|&b| b == b'\n').map_or(self.s.len(), |k| i + k)
    }

    /// Moves to the start of the next line (the cursor is at a `\n`).
    fn newline(&mut self) {
        self.i += 1;
        self.ls = self.i;
        self.line += 1;
    }

    /// The rest of the line is spaces and maybe a comment; moves to the next line's start.
    fn end_line(&mut self) -> R<()> {
        self.skip_spaces();
        match self.at(self.i) {
            None => Ok(()),
            Some(b'\n') => {
                self.newline();
                Ok(())
            }
            Some(b'#') if self.i == self.ls || self.s[self.i - 1] == b' ' => {
                self.comments.push(self.i);
                self.i = self.eol(self.i);
                if self.i < self.s.len() {
                    self.newline();
                }
                Ok(())
            }
            _ => Err(Unsupported),
        }
    }

    /// Whether the line starting at `ls` is a document marker (`---` or `...`).
    fn marker_at(&self, ls: usize) -> Option<bool> {
        let m = self.s.get(ls..ls + 3)?;
        let dashes = m == b"---";
        if (dashes || m == b"...") && is_blank_or_end(self.at(ls + 3)) {
            Some(dashes)
        } else {
            None
        }
    }

    /// Skips blank and comment lines from a line start; leaves the cursor at the start of the
    /// next line with content.
    fn next_line(&mut self) -> Next {
        loop {
            let ls = self.i;
            let mut j = ls;
            while self.at(j) == Some(&b' ') {
                j += 1;
            }
            match self.at(j) {
                None => {
                    self.i = ls;
                    return Next::End;
                }
                Some(b'\n') => {
                    self.i = j;
                    self.newline();
                }
                Some(b'#') => {
                    self.comments.push(j);
                    self.i = self.eol(j);
                    if self.i >= self.s.len() {
                        return Next::End;
                    }
                    self.newline();
                }
                _ => {
                    self.i = ls;
                    self.ls = ls;
                    if j == ls {
                        if let Some(dashes) = self.marker_at(ls) {
                            return Next::Marker(dashes);
                        }
                    }
                    return Next::Line(j - ls);
                }
            }
        }
    }

    fn document(&mut self) -> R<Value> {
        let mut next = self.next_line();
        if let Next::Marker(true) = next {
            self.i += 3;
            self.end_line()?;
            next = self.next_line();
        }
        let Next::Line(ind) = next else {
            // Empty documents (and `...` first): rare, and their source map is the reference's
            // business.
            return if self.record || matches!(next, Next::Marker(_)) { Err(Unsupported) } else { Ok(Value::Null) };
        };
        self.record_here(Pos { line: 1, column: 1 });
        let v = self.node_at_line(ind, -1, false)?;
        match self.next_line() {
            Next::End => Ok(v),
            Next::Marker(false) => {
                self.i += 3;
                self.end_line()?;
                match self.next_line() {
                    Next::End => Ok(v),
                    _ => Err(Unsupported),
                }
            }
            _ => Err(Unsupported),
        }
    }

    /// A node that starts a line (the cursor at the line start, its content at `ind`), inside
    /// a block collection at indentation `n`. `item`: a sequence item (located at its start
    /// unless it is a map).
    fn node_at_line(&mut self, ind: usize, n: isize, item: bool) -> R<Value> {
        self.i = self.ls + ind;
        if self.is_dash(self.i) {
            if item {
                let pos = self.pos(self.i);
                self.record_here(pos);
            }
            return self.block_seq(ind);
        }
        let m = self.mark();
        if let Some((key, kpos)) = self.try_key()? {
            return self.block_map(ind, key, kpos);
        }
        self.reset(m);
        self.inline_node(n, item)
    }

    /// `-` followed by a space, a line break or the end.
    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == Some(&b'-') && is_blank_or_end(self.at(i + 1))
    }

    /// An implicit key at the cursor (`key:` followed by a space or the line end), on one line;
    /// the cursor after the `:`. `None` (cursor anywhere) when this is not a key.
    fn try_key(&mut self) -> R<Option<(String, Pos)>> {
        let start = self.i;
        let pos = self.pos(start);
        let key = match self.s[start] {
            b'"' | b'\'' => {
                let line = self.line;
                let k =
                    if self.s[start] == b'"' { self.double_quoted(-1, false)? } else { self.single_quoted(-1, false)? };
                if self.line != line {
                    return Ok(None);
                }
                self.skip_spaces();
                if self.at(self.i) != Some(&b':') || !is_blank_or_end(self.at(self.i + 1)) {
                    return Ok(None);
                }
                self.i += 1;
                k
            }
            b => {
                if !self.plain_can_start(start, false) || matches!(b, b'[' | b'{') {
                    return Ok(None);
                }
                let mut j = start;
                loop {
                    match self.at(j) {
                        None | Some(b'\n') => return Ok(None),
                        Some(b':') if is_blank_or_end(self.at(j + 1)) => break,
                        Some(b'#') if self.s[j - 1] == b' ' => return Ok(None),
                        _ => j += 1,
                    }
                }
                let raw = self.text[start..j].trim_end_matches(' ');
                self.i = j + 1;
                self.risky |= key_is_risky(raw);
                raw.to_string()
            }
        };
        if key.len() > MAX_KEY || key == "<<" {
            return Err(Unsupported);
        }
        Ok(Some((key, pos)))
    }

    /// Whether a plain scalar may start at `i` (not an indicator).
    fn plain_can_start(&self, i: usize, flow: bool) -> bool {
        match self.s[i] {
            // libyaml refuses `:x` and `?x` in flow collections (YAML 1.2 would take them).
            b'?' | b':' if flow => false,
            b'-' | b'?' | b':' => match self.at(i + 1) {
                None | Some(b' ' | b'\n') => false,
                Some(&c) => !(flow && is_flow_indicator(c)),
            },
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@'
            | b'`' | b' ' | b'\n' => false,
            _ => true,
        }
    }

    /// A block map whose keys sit at column `m`; its first key was just read.
    fn block_map(&mut self, m: usize, mut key: String, mut kpos: Pos) -> R<Value> {
        self.enter()?;
        let first = self.entries.len();
        loop {
            let len = self.enter_key(&key, kpos);
            let v = self.block_value(m as isize)?;
            self.leave(len);
            self.entries.push((key, v));
            match self.next_line() {
                Next::Line(ind) if ind == m => {
                    self.i = self.ls + ind;
                    if self.is_dash(self.i) {
                        return Err(Unsupported);
                    }
                    match self.try_key()? {
                        Some((k, pos)) => (key, kpos) = (k, pos),
                        None => return Err(Unsupported),
                    }
                }
                Next::Line(ind) if ind > m => return Err(Unsupported),
                _ => break,
            }
        }
        self.depth -= 1;
        self.map_from(first)
    }

    /// The map of the entries read since there were `first`; a key twice is left to the
    /// reference reader.
    fn map_from(&mut self, first: usize) -> R<Value> {
        let mut map = Map::with_capacity(self.entries.len() - first);
        for (k, v) in self.entries.drain(first..) {
            if map.insert(k, v).is_some() {
                return Err(Unsupported);
            }
        }
        Ok(Value::Object(map))
    }

    /// A block sequence whose dashes sit at column `s`; the cursor at the first dash.
    fn block_seq(&mut self, s: usize) -> R<Value> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            let len = self.enter_item(items.len());
            self.i += 1;
            self.skip_spaces();
            let v = match self.at(self.i) {
                None | Some(b'\n' | b'#') => {
                    self.end_line()?;
                    match self.next_line() {
                        Next::Line(ind) if ind > s => self.node_at_line(ind, s as isize, true)?,
                        // `-` with nothing: null, located where yaml-rust2 says (not worked out).
                        _ if self.record => return Err(Unsupported),
                        _ => Value::Null,
                    }
                }
                Some(_) => {
                    let c = self.i - self.ls;
                    if self.is_dash(self.i) {
                        let pos = self.pos(self.i);
                        self.record_here(pos);
                        self.block_seq(c)?
                    } else {
                        let m = self.mark();
                        match self.try_key()? {
                            Some((key, kpos)) => self.block_map(c, key, kpos)?,
                            None => {
                                self.reset(m);
                                self.inline_node(s as isize, true)?
                            }
                        }
                    }
                }
            };
            items.push(v);
            self.leave(len);
            match self.next_line() {
                Next::Line(ind) if ind == s => {
                    self.i = self.ls + ind;
                    if !self.is_dash(self.i) {
                        // A key of the map this sequence is the value of.
                        self.i = self.ls;
                        break;
                    }
                }
                Next::Line(ind) if ind > s => return Err(Unsupported),
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    /// The value after `key:` of a block map at indentation `n`, from the cursor to the start
    /// of the line after it.
    fn block_value(&mut self, n: isize) -> R<Value> {
        self.skip_spaces();
        match self.at(self.i) {
            None | Some(b'\n' | b'#') => {
                self.end_line()?;
                match self.next_line() {
                    Next::Line(ind) if ind as isize > n => self.node_at_line(ind, n, false),
                    Next::Line(ind) if ind as isize == n && self.is_dash(self.ls + ind) => {
                        self.i = self.ls + ind;
                        self.block_seq(ind)
                    }
                    _ => Ok(Value::Null),
                }
            }
            Some(_) => self.inline_node(n, false),
        }
    }

    /// A scalar or flow collection at the cursor, inside a block collection at indentation `n`;
    /// the rest of its (last) line must be empty.
    fn inline_node(&mut self, n: isize, item: bool) -> R<Value> {
        let start = self.i;
        let v = match self.s[start] {
            b'|' | b'>' => {
                if n < 0 {
                    return Err(Unsupported);
                }
                // Located (by yaml-rust2) at its first line of text; it ends at a line start.
                return self.block_scalar(n as usize, item).map(Value::String);
            }
            // A map item is located at its first key.
            b'{' => self.flow_node(n, false)?,
            _ if item => {
                let pos = self.pos(start);
                self.record_here(pos);
                return self.inline_node(n, false);
            }
            b'"' => Value::String(self.double_quoted(n, false)?),
            b'\'' => Value::String(self.single_quoted(n, false)?),
            b'[' => self.flow_node(n, false)?,
            _ if self.plain_can_start(start, false) => self.plain_block(n)?,
            _ => return Err(Unsupported),
        };
        self.end_line()?;
        Ok(v)
    }

    /// Resolves a plain scalar, noting resolutions libyaml's reader might not share.
    fn resolve(&mut self, s: String) -> Value {
        let v = resolve_plain(s);
        self.risky |= v.is_f64();
        v
    }

    /// Scans one line of a plain scalar from `i`: the end of its text (trailing spaces
    /// trimmed), where the scan stopped, and why.
    fn plain_line(&self, i: usize) -> (usize, usize, Stop) {
        let mut j = i;
        let stop = loop {
            match self.at(j) {
                None | Some(b'\n') => break Stop::Eol,
                Some(b':') if is_blank_or_end(self.at(j + 1)) => break Stop::Colon,
                Some(b'#') if j > i && self.s[j - 1] == b' ' => break Stop::Comment,
                _ => j += 1,
            }
        };
        let mut end = j;
        while end > i && self.s[end - 1] == b' ' {
            end -= 1;
        }
        (end, j, stop)
    }

    /// A plain scalar in block context (maybe over several lines, folded), inside a block
    /// collection at indentation `n`; the cursor ends on its last line.
    fn plain_block(&mut self, n: isize) -> R<Value> {
        let start = self.i;
        let (end, j, stop) = self.plain_line(start);
        self.i = j;
        if stop != Stop::Eol {
            let s = self.text[start..end].to_string();
            return Ok(self.resolve(s));
        }
        let mut out: Option<String> = None;
        loop {
            // The cursor is at the end of a line; is the next line with text a continuation?
            let mut k = self.i;
            let mut blank = 0;
            let sp = loop {
                if k >= self.s.len() {
                    break None;
                }
                k += 1;
                let mut e = k;
                while self.at(e) == Some(&b' ') {
                    e += 1;
                }
                match self.at(e) {
                    None => break None,
                    Some(b'\n') => {
                        blank += 1;
                        k = e;
                    }
                    Some(_) => break Some(e - k),
                }
            };
            let Some(sp) = sp else { break };
            if sp as isize <= n || self.s[k + sp] == b'#' {
                break;
            }
            if n < 0 || !self.plain_can_start(k + sp, false) {
                return Err(Unsupported);
            }
            let (e2, j2, stop2) = self.plain_line(k + sp);
            if stop2 == Stop::Colon {
                return Err(Unsupported);
            }
            let o = out.get_or_insert_with(|| self.text[start..end].to_string());
            if blank == 0 {
                o.push(' ');
            } else {
                o.extend(std::iter::repeat_n('\n', blank));
            }
            o.push_str(&self.text[k + sp..e2]);
            self.line += blank + 1;
            self.ls = k;
            self.i = j2;
            if stop2 == Stop::Comment {
                break;
            }
        }
        let s = out.unwrap_or_else(|| self.text[start..end].to_string());
        Ok(self.resolve(s))
    }

    /// After a line break inside a quoted scalar or a flow collection: skips the next lines'
    /// leading spaces and blank lines; returns how many blank lines. Lines at or left of the
    /// block indentation `n` are refused in block context and mark the text lenient in flow
    /// context.
    fn continue_lines(&mut self, n: isize, flow: bool) -> R<usize> {
        let mut blank = 0;
        loop {
            self.newline();
            if self.marker_at(self.ls).is_some() {
                return Err(Unsupported);
            }
            self.skip_spaces();
            match self.at(self.i) {
                None => return Err(Unsupported),
                Some(b'\n') => blank += 1,
                Some(_) => {
                    if (self.i - self.ls) as isize <= n {
                        if flow {
                            self.lenient = true;
                        } else {
                            return Err(Unsupported);
                        }
                    }
                    return Ok(blank);
                }
            }
        }
    }

    /// Folds a line break in a quoted scalar: trailing spaces (from `keep` on) dropped, then a
    /// space or the blank lines.
    fn fold(&mut self, out: &mut String, keep: usize, n: isize, flow: bool, escaped: bool) -> R<()> {
        let trimmed = out[keep..].trim_end_matches(' ').len() + keep;
        out.truncate(trimmed);
        let blank = self.continue_lines(n, flow)?;
        if blank == 0 && !escaped {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', blank));
        }
        Ok(())
    }

    /// A single-quoted scalar at the cursor; the cursor after the closing quote.
    fn single_quoted(&mut self, n: isize, flow: bool) -> R<String> {
        self.i += 1;
        let mut out = String::new();
        let mut keep = 0;
        loop {
            let from = self.i;
            let k = self.s[from..].iter().position(|&b| b == b'\'' || b == b'\n').ok_or(Unsupported)?;
            out.push_str(&self.text[from..from + k]);
            self.i = from + k;
            if self.s[self.i] == b'\n' {
                self.fold(&mut out, keep, n, flow, false)?;
                keep = out.len();
            } else if self.at(self.i + 1) == Some(&b'\'') {
                out.push('\'');
                self.i += 2;
            } else {
                self.i += 1;
                return Ok(out);
            }
        }
    }

    /// A double-quoted scalar at the cursor; the cursor after the closing quote.
    fn double_quoted(&mut self, n: isize, flow: bool) -> R<String> {
        self.i += 1;
        let mut out = String::new();
        // Text before `keep` is never trimmed (escaped spaces, folded breaks).
        let mut keep = 0;
        loop {
            let from = self.i;
            let k = self.s[from..].iter().position(|&b| matches!(b, b'"' | b'\\' | b'\n')).ok_or(Unsupported)?;
            out.push_str(&self.text[from..from + k]);
            self.i = from + k;
            match self.s[self.i] {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\n' => {
                    self.fold(&mut out, keep, n, flow, false)?;
                    keep = out.len();
                }
                _ => {
                    let e = *self.at(self.i + 1).ok_or(Unsupported)?;
                    self.i += 2;
                    let c = match e {
                        b'0' => '\0',
                        b'a' => '\u{7}',
                        b'b' => '\u{8}',
                        b't' => '\t',
                        b'n' => '\n',
                        b'v' => '\u{b}',
                        b'f' => '\u{c}',
                        b'r' => '\r',
                        b'e' => '\u{1b}',
                        b' ' => ' ',
                        b'"' => '"',
                        b'/' => '/',
                        b'\\' => '\\',
                        b'N' => '\u{85}',
                        b'_' => '\u{a0}',
                        b'L' => '\u{2028}',
                        b'P' => '\u{2029}',
                        b'x' => self.hex(2)?,
                        b'u' => self.hex(4)?,
                        b'U' => self.hex(8)?,
                        b'\n' => {
                            self.i -= 1;
                            let len = out.len();
                            self.fold(&mut out, len, n, flow, true)?;
                            keep = out.len();
                            continue;
                        }
                        _ => return Err(Unsupported),
                    };
                    out.push(c);
                    keep = out.len();
                }
            }
        }
    }

    /// `digits` hex digits at the cursor, as a character.
    fn hex(&mut self, digits: usize) -> R<char> {
        let h = self.s.get(self.i..self.i + digits).ok_or(Unsupported)?;
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return Err(Unsupported);
        }
        let code =
            u32::from_str_radix(std::str::from_utf8(h).map_err(|_| Unsupported)?, 16).map_err(|_| Unsupported)?;
        self.i += digits;
        char::from_u32(code).ok_or(Unsupported)
    }

    /// A block scalar (`|`, `>`, with `-` or `+`) at the cursor, inside a block collection at
    /// indentation `n`; the cursor ends at the start of the line after it.
    fn block_scalar(&mut self, n: usize, item: bool) -> R<String> {
        let folded = self.s[self.i] == b'>';
        self.i += 1;
        let chomp = match self.at(self.i) {
            Some(b'-') => -1,
            Some(b'+') => 1,
            _ => 0,
        };
        if chomp != 0 {
            self.i += 1;
        }
        if !is_blank_or_end(self.at(self.i)) {
            return Err(Unsupported);
        }
        self.end_line()?;
        // Leading blank lines, and the indentation of the first line with text.
        let mut k = self.i;
        let mut leading = 0;
        let mut max_blank = 0;
        let indent = loop {
            let mut e = k;
            while self.at(e) == Some(&b' ') {
                e += 1;
            }
            match self.at(e) {
                None => return Err(Unsupported),
                Some(b'\n') => {
                    max_blank = max_blank.max(e - k);
                    leading += 1;
                    k = e + 1;
                }
                Some(_) => break e - k,
            }
        };
        if indent <= n || max_blank > indent {
            return Err(Unsupported);
        }
        self.line += leading;
        self.ls = k;
        self.i = k;
        if item {
            self.record_here(Pos { line: self.line, column: indent + 1 });
        }
        let mut out = String::new();
        let mut leading_break = false;
        let mut trailing = leading;
        let mut leading_blank = false;
        loop {
            // The cursor at the start of a line that is part of the scalar.
            let content_start = self.ls + indent;
            let end = self.eol(content_start);
            let trailing_blank = self.s[content_start] == b' ';
            if folded && leading_break && !leading_blank && !trailing_blank {
                if trailing == 0 {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            out.extend(std::iter::repeat_n('\n', trailing));
            trailing = 0;
            leading_blank = trailing_blank;
            out.push_str(&self.text[content_start..end]);
            leading_break = true;
            if end >= self.s.len() {
                // The end of the text, read as a line break as yaml-rust2 does (libyaml does
                // not); the cursor stays there.
                self.risky |= chomp != -1;
                self.ls = end;
                break;
            }
            self.i = end;
            self.newline();
            // Empty lines (at most `indent` spaces), then a line of the scalar or its end.
            let more = loop {
                let mut e = self.ls;
                while e - self.ls < indent && self.at(e) == Some(&b' ') {
                    e += 1;
                }
                match self.at(e) {
                    // Spaces at the very end: libyaml's reading of these is not worked out.
                    None if e > self.ls => return Err(Unsupported),
                    None => break false,
                    Some(b'\n') => {
                        trailing += 1;
                        self.i = e;
                        self.newline();
                    }
                    Some(_) if e - self.ls == indent => break true,
                    Some(_) => break false,
                }
            };
            if !more {
                break;
            }
        }
        if chomp != -1 && leading_break {
            out.push('\n');
        }
        if chomp == 1 {
            out.extend(std::iter::repeat_n('\n', trailing));
        }
        self.i = self.ls;
        Ok(out)
    }

    /// A flow collection or flow scalar at the cursor, inside a block collection at
    /// indentation `n`.
    fn flow_node(&mut self, n: isize, item: bool) -> R<Value> {
        let start = self.i;
        let b = self.s[start];
        if item && b != b'{' {
            let pos = self.pos(start);
            self.record_here(pos);
        }
        match b {
            b'[' => self.flow_seq(n),
            b'{' => self.flow_map(n),
            b'"' => self.double_quoted(n, true).map(Value::String),
            b'\'' => self.single_quoted(n, true).map(Value::String),
            _ if self.plain_can_start(start, true) => {
                let s = self.plain_flow();
                Ok(self.resolve(s))
            }
            _ => Err(Unsupported),
        }
    }

    /// A plain scalar in a flow collection, on one line.
    fn plain_flow(&mut self) -> String {
        let start = self.i;
        let mut j = start;
        loop {
            match self.at(j) {
                None | Some(b'\n' | b',' | b'[' | b']' | b'{' | b'}') => break,
                Some(b':')
                    if matches!(self.at(j + 1), None | Some(b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')) =>
                {
                    break
                }
                Some(b'#') if self.s[j - 1] == b' ' => break,
                _ => j += 1,
            }
        }
        self.i = j;
        self.text[start..j].trim_end_matches(' ').to_string()
    }

    /// Skips spaces, line breaks and comments inside a flow collection.
    fn flow_space(&mut self, n: isize) -> R<()> {
        loop {
            match self.at(self.i) {
                Some(b' ') => self.i += 1,
                Some(b'\n') => {
                    self.continue_lines(n, true)?;
                }
                Some(b'#') if matches!(self.s[self.i - 1], b' ' | b'\n') => {
                    self.comments.push(self.i);
                    self.i = self.eol(self.i);
                }
                None => return Err(Unsupported),
                _ => return Ok(()),
            }
        }
    }

    fn flow_seq(&mut self, n: isize) -> R<Value> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.flow_space(n)?;
            if self.s[self.i] == b']' {
                break;
            }
            let len = self.enter_item(items.len());
            items.push(self.flow_node(n, true)?);
            self.leave(len);
            self.flow_space(n)?;
            match self.s[self.i] {
                b',' => self.i += 1,
                b']' => break,
                _ => return Err(Unsupported),
            }
        }
        self.i += 1;
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    fn flow_map(&mut self, n: isize) -> R<Value> {
        self.enter()?;
        self.i += 1;
        let first = self.entries.len();
        loop {
            self.flow_space(n)?;
            let start = self.i;
            let kpos = self.pos(start);
            let line = self.line;
            let (key, quoted) = match self.s[start] {
                b'}' => break,
                b'"' => (self.double_quoted(n, true)?, true),
                b'\'' => (self.single_quoted(n, true)?, true),
                _ if self.plain_can_start(start, true) => {
                    let k = self.plain_flow();
                    self.risky |= key_is_risky(&k);
                    (k, false)
                }
                _ => return Err(Unsupported),
            };
            if key.len() > MAX_KEY || key == "<<" {
                return Err(Unsupported);
            }
            self.skip_spaces();
            // `key: value` (`"key":value` when quoted), the colon on the key's line.
            if self.line != line
                || self.at(self.i) != Some(&b':')
                || !(quoted || matches!(self.at(self.i + 1), None | Some(b' ' | b'\n' | b',' | b']' | b'}')))
            {
                return Err(Unsupported);
            }
            self.i += 1;
            let len = self.enter_key(&key, kpos);
            self.flow_space(n)?;
            let v = match self.s[self.i] {
                b',' | b'}' => Value::Null,
                _ => self.flow_node(n, false)?,
            };
            self.leave(len);
            self.entries.push((key, v));
            self.flow_space(n)?;
            match self.s[self.i] {
                b',' => self.i += 1,
                b'}' => break,
                _ => return Err(Unsupported),
            }
        }
        self.i += 1;
        self.depth -= 1;
        self.map_from(first)
    }
}
