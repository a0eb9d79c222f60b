//! Comments: where they are in a text, which node each belongs to, and how the canonical writer
//! puts them back.
//!
//! A value read from YAML holds no comments, so `runbook fmt` reads them separately: [`read`]
//! finds every comment (a `#` at the start of a line or after a space, outside quoted and block
//! scalars) and attaches it to a node by its field path:
//! - a comment on a line of its own belongs to the node that follows it ([`Place::Before`]);
//!   comments at the top of the file that a blank line separates from the first key are the
//!   file's header ([`Place::Header`], a licence for instance); comments after the last node
//!   end the file ([`Place::End`]);
//! - a comment after content on the same line belongs to the last node that starts on that line
//!   ([`Place::After`]); when no node starts there (the continuation of a value), it is treated
//!   as a comment of its own line.
//!
//! [`place`] writes them into canonical text at the same paths: a `Before` comment on the line
//! before its node, indented as that line; an `After` comment at the end of its node's first
//! line. A comment that cannot be put back exactly (two comments for the end of one line, a
//! node the text no longer has) is an error naming the comment's line: nothing is dropped
//! silently.
//!
//! Finding comments exactly needs to know where scalars are: texts the fast reader reads give
//! its positions; the rest are tokenised by yaml-rust2's scanner (quoted scalars are then
//! followed to their closing quote, block scalars to the end of their indentation).

use super::reader::ValueBuilder;
use super::{fast, pos_of, precheck, source_map, without_bom, Pos, SourceMap};

/// A comment of a text and the node it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment from its `#` to the end of its line, trailing spaces removed.
    pub text: String,
    /// Where its `#` is.
    pub pos: Pos,
    /// Whether it followed content on its line (rather than standing on a line of its own).
    pub trailing: bool,
    /// The node it belongs to.
    pub place: Place,
}

/// Which node a comment belongs to, by field path (as in [`SourceMap`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// The top of the file, before everything (separated from the first node by a blank line).
    Header,
    /// Its own line, just before the node at this path.
    Before(String),
    /// The end of the first line of the node at this path.
    After(String),
    /// The end of the file, after everything.
    End,
}

/// A comment that cannot be read or put back exactly: where it is (in the text that was read)
/// and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unkept {
    /// The comment's place in the original text.
    pub pos: Pos,
    /// Why it cannot be kept, in the user's terms.
    pub why: String,
}

/// Every comment of a YAML text, in text order, each attached to its node.
///
/// ```
/// use runbook_dsl::yaml::comments::{read, Place};
/// let c = read("# Licence: Apache-2.0\n\nschemaVersion: '0.3' # pinned\n# the steps\nmainSteps: []\n").unwrap();
/// let places: Vec<_> = c.iter().map(|c| (c.text.as_str(), c.place.clone())).collect();
/// assert_eq!(places, [
///     ("# Licence: Apache-2.0", Place::Header),
///     ("# pinned", Place::After("schemaVersion".into())),
///     ("# the steps", Place::Before("mainSteps".into())),
/// ]);
/// assert!(read("a: 'x # not a comment'\nb: |\n  # nor this\n").unwrap().is_empty());
/// ```
pub fn read(text: &str) -> Result<Vec<Comment>, Unkept> {
    let text = without_bom(text);
    if !text.contains('#') {
        return Ok(Vec::new());
    }
    // The fast reader knows its comments exactly, and where every node is.
    if let Ok(r) = fast::read(text, true) {
        return Ok(attach(text, &r.comments, &r.map));
    }
    let unknown_key = |pos| Unkept {
        pos,
        why: "the file's layout leaves the key this comment belongs to unknown (a flow collection, \
              `{ ... }` or `[ ... ]`, is closed at or left of its key's indentation: indent its \
              closing bracket further right than the key)"
            .to_string(),
    };
    let at = match find_by_scanner(text) {
        Ok(at) => at,
        // yaml-rust2 refuses the text (libyaml reads it): no comment, or none found exactly.
        Err(_) => return super::first_comment(text).map_or(Ok(Vec::new()), |pos| Err(unknown_key(pos))),
    };
    if at.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = ValueBuilder::new(true);
    if precheck(text).is_ok() {
        b.run(text);
    }
    let (value, map) = b.finish();
    if value.is_err() {
        // Read by libyaml, not yaml-rust2: the positions of nodes stop early.
        return Err(unknown_key(pos_of(text, at[0])));
    }
    Ok(attach(text, &at, &map))
}

/// The byte offsets of the comments' `#`s, in text order, whether or not anything else is kept:
/// what [`super::losses`] reports. `None` when the text cannot be tokenised.
pub(super) fn offsets(text: &str) -> Option<Vec<usize>> {
    match fast::read(text, false) {
        Ok(r) => Some(r.comments),
        Err(_) => find_by_scanner(text).ok(),
    }
}

/// For differential tests: the comments' offsets as the scanner finds them (the fast reader's
/// are [`offsets`]'s when it reads the text).
#[doc(hidden)]
pub fn offsets_by_scanner(text: &str) -> Option<Vec<usize>> {
    find_by_scanner(without_bom(text)).ok()
}

/// Byte offsets of every comment's `#` of a text the fast reader does not read, in text order.
fn find_by_scanner(text: &str) -> Result<Vec<usize>, Unkept> {
    let lines = Lines::new(text);
    let spans = scalar_spans(text, &lines)?;
    Ok(outside(text, &spans))
}

/// The `#`s at the start of a line or after a space or tab that lie outside every span.
fn outside(text: &str, spans: &[(usize, usize)]) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut k = 0; // first span that may hold the current position
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'#' && (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n')) {
            while k < spans.len() && spans[k].1 <= i {
                k += 1;
            }
            let inside = k < spans.len() && spans[k].0 <= i;
            if !inside {
                out.push(i);
                // The rest of the line is the comment.
                i = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Line starts of a text, for turning scanner places into byte offsets.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset of a 1-based line and 0-based character column.
    fn offset(&self, line: usize, col: usize) -> Option<usize> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end].char_indices().nth(col).map(|(i, _)| start + i).or((col == end).then_some(start + end))
    }

    /// The line (0-based) holding a byte offset.
    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at) - 1
    }

    /// The text of a 0-based line, without its line break.
    fn line(&self, k: usize) -> &'a str {
        let start = self.starts[k];
        let end = self.starts.get(k + 1).map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].strip_suffix('\r').unwrap_or(&self.text[start..end])
    }
}

/// Byte ranges (start inclusive, end exclusive, sorted) of the quoted scalars and of the
/// contents of the block scalars, found with yaml-rust2's scanner.
fn scalar_spans(text: &str, lines: &Lines) -> Result<Vec<(usize, usize)>, Unkept> {
    use yaml_rust2::scanner::{Scanner, TScalarStyle, TokenType};
    let mut spans = Vec::new();
    let mut scanner = Scanner::new(text.chars());
    let lost = |line: usize, why: &str| Unkept { pos: Pos { line, column: 1 }, why: why.to_string() };
    for token in &mut scanner {
        let TokenType::Scalar(style, value) = &token.1 else { continue };
        let (line, col) = (token.0.line(), token.0.col());
        let start = lines.offset(line, col).ok_or_else(|| lost(line, "the comment reader lost its place"))?;
        let b = text.as_bytes();
        match style {
            TScalarStyle::Plain => {}
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
                let quote = if *style == TScalarStyle::SingleQuoted { b'\'' } else { b'"' };
                if b.get(start) != Some(&quote) {
                    return Err(lost(line, "the comment reader lost its place"));
                }
                let end = closing_quote(b, start + 1, quote).ok_or_else(|| lost(line, "a quote is not closed"))?;
                spans.push((start, end + 1));
            }
            TScalarStyle::Literal | TScalarStyle::Folded => {
                // The token is placed at its first line of text, after the indentation.
                if !value.trim_matches('\n').is_empty() {
                    let first = line - 1;
                    let at = *lines.starts.get(first).ok_or_else(|| lost(line, "the comment reader lost its place"))?;
                    spans.push((at, block_end(lines, first, col)));
                }
            }
        }
    }
    if let Some(e) = scanner.get_error() {
        return Err(Unkept {
            pos: Pos { line: e.marker().line(), column: e.marker().col() + 1 },
            why: format!("the YAML reader stops here ({}), so comments after it cannot be found exactly", e.info()),
        });
    }
    spans.sort_unstable();
    Ok(spans)
}

/// The offset of the quote that closes a quoted scalar whose content starts at `from`.
fn closing_quote(b: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            c if c == quote => {
                if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Where the lines of a block scalar end: its first line of text is line `first` (0-based),
/// indented `n` spaces, and its lines are the blank ones and those indented at least as much.
fn block_end(lines: &Lines, first: usize, n: usize) -> usize {
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let blank = |l: &str| l.trim_matches([' ', '\t']).is_empty();
    let mut last = first;
    for k in first + 1..lines.starts.len() {
        let l = lines.line(k);
        if blank(l) {
            continue;
        }
        if indent(l) < n {
            break;
        }
        last = k;
    }
    lines.starts[last] + lines.line(last).len()
}

/// Attaches each comment (the offsets of their `#`) to its node, from the text's source map.
fn attach(text: &str, at: &[usize], map: &SourceMap) -> Vec<Comment> {
    let lines = Lines::new(text);
    // Nodes in text order (a list item before the first key of its map); the root is no node
    // of its own here: a comment before the first key belongs to that key.
    let mut nodes: Vec<(Pos, &str)> = map.iter().filter(|(p, _)| !p.is_empty()).map(|(p, pos)| (pos, p)).collect();
    nodes.sort_by_key(|&(pos, _)| pos);
    let first_line = nodes.first().map(|(pos, _)| pos.line);
    let mut out: Vec<Comment> = Vec::with_capacity(at.len());
    for &i in at {
        let k = lines.line_of(i);
        let line = lines.line(k);
        let col = i - lines.starts[k];
        let pos = Pos { line: k + 1, column: line[..col].chars().count() + 1 };
        let text_of = line[col..].trim_end().to_string();
        let trailing = !line[..col].trim().is_empty();
        let on_line =
            trailing.then(|| nodes.iter().rev().find(|(p, _)| p.line == pos.line && p.column < pos.column)).flatten();
        let place = match on_line {
            Some((_, path)) => Place::After(path.to_string()),
            None if first_line.is_some_and(|f| pos.line < f && header_gap(&lines, k, f)) => Place::Header,
            None => match nodes.iter().find(|(p, _)| *p > pos) {
                Some((_, path)) => Place::Before(path.to_string()),
                None => Place::End,
            },
        };
        out.push(Comment { text: text_of, pos, trailing, place });
    }
    out
}

/// Whether a blank line (or a `---` line) lies between line `k` (0-based) and the first node's
/// line (1-based): the comments above it are the file's header.
fn header_gap(lines: &Lines, k: usize, first_node_line: usize) -> bool {
    (k + 1..first_node_line.saturating_sub(1))
        .any(|j| lines.line(j).trim().is_empty() || lines.line(j).trim_end().starts_with("---"))
}

/// Writes comments into `out`, the canonical YAML text of the document they were read with:
/// each at its node's path (see the module's documentation). Fails, naming the comment, when
/// one cannot be put back exactly.
///
/// ```
/// use runbook_dsl::yaml::comments::{place, read};
/// let text = "mainSteps: [] # none yet\n# pinned\nschemaVersion: '0.3'\n";
/// let out = place("schemaVersion: '0.3'\nmainSteps: []\n", &read(text).unwrap()).unwrap();
/// assert_eq!(out, "# pinned\nschemaVersion: '0.3'\nmainSteps: [] # none yet\n");
/// ```
pub fn place(out: &str, comments: &[Comment]) -> Result<String, Unkept> {
    if comments.is_empty() {
        return Ok(out.to_string());
    }
    let map = source_map(out);
    let lines: Vec<&str> = out.lines().collect();
    // Per line of `out`: the first and the last node that start on it. A comment written before
    // a line belongs to its first node when read again, one written at its end to its last.
    let mut ends: Vec<Option<(&str, &str)>> = vec![None; lines.len()];
    let mut nodes: Vec<(Pos, &str)> = map.iter().filter(|(p, _)| !p.is_empty()).map(|(p, pos)| (pos, p)).collect();
    nodes.sort_by_key(|&(pos, _)| pos);
    for (pos, path) in nodes {
        if let Some(e) = pos.line.checked_sub(1).and_then(|l| ends.get_mut(l)) {
            *e = Some(e.map_or((path, path), |(first, _)| (first, path)));
        }
    }
    let mut written = Vec::with_capacity(comments.len());
    let mut before: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    let mut after: Vec<Option<&Comment>> = vec![None; lines.len()];
    let (mut header, mut end) = (Vec::new(), Vec::new());
    for c in comments {
        let line_of = |path: &str| {
            map.get(path).map(|p| p.line - 1).filter(|&l| l < lines.len()).ok_or_else(|| Unkept {
                pos: c.pos,
                why: format!("the node it belongs to (`{path}`) is not in the formatted text"),
            })
        };
        match &c.place {
            Place::Header | Place::End => {
                written.push((c.text.clone(), c.place.clone()));
                if c.place == Place::Header {
                    header.push(c.text.as_str());
                } else {
                    end.push(c.text.as_str());
                }
                continue;
            }
            Place::Before(path) => {
                let l = line_of(path)?;
                before[l].push(c.text.as_str());
                let first = ends[l].map_or(path.as_str(), |(first, _)| first);
                written.push((c.text.clone(), Place::Before(first.to_string())));
                continue;
            }
            Place::After(path) => {
                let l = line_of(path)?;
                let last = ends[l].map_or(path.as_str(), |(_, last)| last);
                written.push((c.text.clone(), Place::After(last.to_string())));
                if let Some(other) = after[l] {
                    return Err(Unkept {
                        pos: c.pos,
                        why: format!(
                            "it and the comment on line {} would both end the same line of the formatted text",
                            other.pos.line
                        ),
                    });
                }
                after[l] = Some(c);
            }
        }
    }
    let mut s = String::with_capacity(out.len() + comments.iter().map(|c| c.text.len() + 8).sum::<usize>());
    for h in &header {
        s.push_str(h);
        s.push('\n');
    }
    if !header.is_empty() {
        s.push('\n');
    }
    for (k, line) in lines.iter().enumerate() {
        let indent = &line[..line.len() - line.trim_start_matches(' ').len()];
        for b in &before[k] {
            s.push_str(indent);
            s.push_str(b);
            s.push('\n');
        }
        s.push_str(line);
        if let Some(c) = after[k] {
            s.push(' ');
            s.push_str(&c.text);
        }
        s.push('\n');
    }
    for e in &end {
        s.push_str(e);
        s.push('\n');
    }
    // What was written must read back with the same comments at the same nodes (a comment
    // before a list item's first key belongs to the item: they start on the same line).
    let mut got: Vec<(String, Place)> = read(&s)?.into_iter().map(|c| (c.text, c.place)).collect();
    got.sort();
    for (c, w) in comments.iter().zip(&written) {
        if got.binary_search(w).is_err() {
            return Err(Unkept { pos: c.pos, why: "written back, it would belong to another node".to_string() });
        }
    }
    let mut want = written;
    want.sort();
    if want != got {
        return Err(Unkept { pos: comments[0].pos, why: "written back, the comments would not be the same".into() });
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{self, Style};

    /// The comments of a text as (text, place) pairs.
    fn places(text: &str) -> Vec<(String, Place)> {
        read(text).unwrap().into_iter().map(|c| (c.text, c.place)).collect()
    }

    fn before(p: &str) -> Place {
        Place::Before(p.into())
    }

    fn after(p: &str) -> Place {
        Place::After(p.into())
    }

    /// Formats `text` as YAML and checks the result keeps every comment and formats to itself.
    fn fmt(text: &str) -> String {
        let out = format::format(text, Style::Yaml).unwrap_or_else(|e| panic!("{e}"));
        let texts = |t: &str| {
            let mut v: Vec<String> = read(t).unwrap().into_iter().map(|c| c.text).collect();
            v.sort();
            v
        };
        assert_eq!(texts(&out), texts(text), "{out}");
        assert_eq!(format::format(&out, Style::Yaml).unwrap(), out, "idempotent");
        out
    }

    const STEP: &str = "  - name: Wait\n    action: aws:pause\n    inputs: {}\n";

    #[test]
    fn a_licence_header_stays_at_the_top_and_leading_comments_go_with_their_key() {
        let text = format!(
            "# Copyright Example Corp.\n# SPDX-License-Identifier: Apache-2.0\n\n# the steps\nmainSteps:\n{STEP}\
             # pinned by AWS\nschemaVersion: '0.3'\n"
        );
        assert_eq!(
            places(&text),
            [
                ("# Copyright Example Corp.".into(), Place::Header),
                ("# SPDX-License-Identifier: Apache-2.0".into(), Place::Header),
                ("# the steps".into(), before("mainSteps")),
                ("# pinned by AWS".into(), before("schemaVersion")),
            ]
        );
        assert_eq!(
            fmt(&text),
            format!(
                "# Copyright Example Corp.\n# SPDX-License-Identifier: Apache-2.0\n\n# pinned by AWS\n\
                 schemaVersion: '0.3'\n# the steps\nmainSteps:\n{STEP}"
            )
        );
    }

    #[test]
    fn a_comment_without_a_blank_line_below_it_belongs_to_the_first_key() {
        let text = format!("# the steps\nmainSteps:\n{STEP}schemaVersion: '0.3'\n");
        assert_eq!(places(&text), [("# the steps".into(), before("mainSteps"))]);
        assert_eq!(fmt(&text), format!("schemaVersion: '0.3'\n# the steps\nmainSteps:\n{STEP}"));
    }

    #[test]
    fn trailing_comments_stay_at_the_end_of_their_key_line() {
        let text = "schemaVersion: '0.3'   # pinned\nmainSteps:    # the steps\n  - action: aws:sleep # waits\n    \
                    name: Sleep\n    inputs: {Duration: PT1M}  # a minute\n";
        assert_eq!(
            places(text),
            [
                ("# pinned".into(), after("schemaVersion")),
                ("# the steps".into(), after("mainSteps")),
                ("# waits".into(), after("mainSteps[0].action")),
                ("# a minute".into(), after("mainSteps[0].inputs.Duration")),
            ]
        );
        assert_eq!(
            fmt(text),
            "schemaVersion: '0.3' # pinned\nmainSteps: # the steps\n  - name: Sleep\n    action: aws:sleep # waits\n    \
             inputs:\n      Duration: PT1M # a minute\n"
        );
    }

    #[test]
    fn comments_between_items_of_a_block_sequence_stay_between_them() {
        let text = format!(
            "schemaVersion: '0.3'\nmainSteps:\n  # first\n{STEP}\n  # second, and last\n  - name: Other\n    \
             action: aws:pause\n    # no inputs needed\n    inputs: {{}}\n# the end\n"
        );
        assert_eq!(
            places(&text),
            [
                ("# first".into(), before("mainSteps[0]")),
                ("# second, and last".into(), before("mainSteps[1]")),
                ("# no inputs needed".into(), before("mainSteps[1].inputs")),
                ("# the end".into(), Place::End),
            ]
        );
        assert_eq!(
            fmt(&text),
            format!(
                "schemaVersion: '0.3'\nmainSteps:\n  # first\n{STEP}  # second, and last\n  - name: Other\n    \
                 action: aws:pause\n    # no inputs needed\n    inputs: {{}}\n# the end\n"
            )
        );
    }

    #[test]
    fn a_comment_before_a_key_that_moves_to_the_front_of_its_item_goes_before_the_item() {
        let text =
            "schemaVersion: '0.3'\nmainSteps:\n  - action: aws:pause\n    # its name\n    name: W\n    inputs: {}\n";
        assert_eq!(places(text), [("# its name".into(), before("mainSteps[0].name"))]);
        assert_eq!(
            fmt(text),
            "schemaVersion: '0.3'\nmainSteps:\n  # its name\n  - name: W\n    action: aws:pause\n    inputs: {}\n"
        );
    }

    #[test]
    fn comments_inside_flow_collections_go_with_their_items() {
        let text = "schemaVersion: '0.3'\nmainSteps:\n  - name: Choose\n    action: aws:branch\n    inputs: {\n      \
                    Choices: [ # the choices\n        {NextStep: A, Variable: '{{ X }}', StringEquals: a}, # a\n        \
                    # then b\n        {NextStep: B, Variable: '{{ X }}', StringEquals: b}\n      ], Default: A}\n    isEnd: true\n";
        let p = places(text);
        assert_eq!(
            p,
            [
                ("# the choices".into(), after("mainSteps[0].inputs.Choices")),
                ("# a".into(), after("mainSteps[0].inputs.Choices[0].StringEquals")),
                ("# then b".into(), before("mainSteps[0].inputs.Choices[1]")),
            ]
        );
        let out = fmt(text);
        assert!(out.contains("      Choices: # the choices\n        - NextStep: A\n"), "{out}");
        assert!(out.contains("          StringEquals: a # a\n        # then b\n        - NextStep: B\n"), "{out}");
    }

    #[test]
    fn hashes_in_strings_and_block_scalars_are_not_comments() {
        let text = "schemaVersion: '0.3' # real\ndescription: 'a # b'\nmainSteps:\n  - name: S\n    action: aws:executeScript\n    \
                    inputs:\n      Runtime: python3.11\n      Handler: h\n      Script: |- # real too\n        # python, not YAML\n        \
                    def h(e, c):\n          return \"#\"\n      # back in YAML\n      InputPayload: {\"k\": \"v # w\"}\n";
        assert_eq!(
            places(text),
            [
                ("# real".into(), after("schemaVersion")),
                ("# real too".into(), after("mainSteps[0].inputs.Script")),
                ("# back in YAML".into(), before("mainSteps[0].inputs.InputPayload")),
            ]
        );
        // The scanner's way finds the same as the fast reader's.
        assert_eq!(offsets_by_scanner(text), fast::read(text, false).ok().map(|r| r.comments));
        let out = fmt(text);
        assert!(out.contains("Script: |- # real too\n        # python, not YAML\n"), "{out}");
    }

    #[test]
    fn texts_only_the_scanner_reads_keep_their_comments_too() {
        // An anchor sends the text past the fast reader.
        let text = "schemaVersion: '0.3' # pinned\nx-a: &a 1 # anchored\n# last\nmainSteps: []\n";
        assert!(fast::read(text, false).is_err());
        assert_eq!(
            places(text),
            [
                ("# pinned".into(), after("schemaVersion")),
                ("# anchored".into(), after("x-a")),
                ("# last".into(), before("mainSteps")),
            ]
        );
    }

    #[test]
    fn a_comment_whose_key_cannot_be_known_is_refused_with_its_line_and_the_fix() {
        // A flow map closed left of its key: libyaml reads it, yaml-rust2 does not; and an
        // anchor the fast reader leaves to them.
        let text = "schemaVersion: '0.3'\nx-a: &a 1\nmainSteps:\n  - name: W\n    action: aws:sleep\n    inputs: {\n  Duration: PT1M\n  }\n# after\n";
        assert!(crate::yaml::from_str(text).is_ok());
        let e = read(text).unwrap_err();
        assert_eq!(e.pos.line, 9, "{e:?}");
        assert!(e.why.contains("indent its closing bracket"), "{e:?}");
        let e = format::format(text, Style::Yaml).unwrap_err();
        assert_eq!(e.line, Some(9));
        assert!(e.message.contains("cannot be kept") && e.message.contains("left as it is"), "{e}");
        // JSON holds no comments: printing JSON drops them, `--write` refuses (check_keepable).
        assert!(format::format("schemaVersion: '0.3' # x\nmainSteps: []\n", Style::Json).is_ok());
    }

    #[test]
    fn two_comments_for_the_end_of_one_line_are_refused() {
        let out = "a: 1\n";
        let c = |text: &str, line| Comment {
            text: text.into(),
            pos: Pos { line, column: 6 },
            trailing: true,
            place: after("a"),
        };
        let e = place(out, &[c("# x", 1), c("# y", 2)]).unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.why.contains("line 1"), "{e:?}");
        let missing =
            Comment { text: "# z".into(), pos: Pos { line: 3, column: 1 }, trailing: false, place: before("b") };
        assert!(place(out, &[missing]).unwrap_err().why.contains("`b`"));
    }
}
