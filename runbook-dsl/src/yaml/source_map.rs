//! Where each field of a text starts: [`SourceMap`] from field paths to [`Pos`].
//!
//! A reader records every node it reads (hundreds per document), and `runbook validate` looks
//! up a few: recording is a hash, a probe and an append to one string of paths, with no
//! allocation per path.

use std::fmt;

/// A place in a text file: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Where each field of a YAML or JSON text starts, by field path (`mainSteps[2].inputs.Choices[0]`).
///
/// A map entry is located at its key, a list item at the item. Paths use `.` between keys and
/// `[i]` for list items; the root is the empty path.
///
/// ```
/// let map = runbook_dsl::yaml::source_map("a: 1\nsteps:\n  - name: x\n    inputs: {k: v}\n");
/// assert_eq!(map.get("steps[0].name").map(|p| (p.line, p.column)), Some((3, 5)));
/// assert_eq!(map.locate("steps[0].inputs.k.nothing").map(|p| p.line), Some(4));
/// assert_eq!(map.iter().next(), Some(("", runbook_dsl::yaml::Pos { line: 1, column: 1 })));
/// ```
#[derive(Clone, Default)]
pub struct SourceMap {
    /// Every recorded path, one after the other.
    paths: String,
    /// Per recorded path, in recording order: where it ends in `paths` (it starts where the
    /// previous one ends) and its position.
    entries: Vec<(usize, Pos)>,
    /// Open addressing over `entries`: index + 1, 0 for a free slot. A power of two in length,
    /// at least twice the number of entries.
    slots: Vec<u32>,
}

impl SourceMap {
    /// The position of exactly this path.
    pub fn get(&self, path: &str) -> Option<Pos> {
        self.probe(path).ok().map(|k| self.entries[k].1)
    }

    /// The position of the path, or of its nearest ancestor that is in the text (a field that is
    /// missing is reported where its parent is).
    pub fn locate(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.get(p) {
                return Some(pos);
            }
            if p.is_empty() {
                return None;
            }
            p = parent_path(p);
        }
    }

    /// Number of located fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was located (the text could not be scanned).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every located field and its position, in the order the reader met them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Pos)> + '_ {
        (0..self.entries.len()).map(|k| (self.path(k), self.entries[k].1))
    }

    /// Records where `path` starts; the first position recorded for a path is kept.
    pub(super) fn record(&mut self, path: &str, pos: Pos) {
        if self.slots.len() < 2 * (self.entries.len() + 1) {
            self.grow();
        }
        if let Err(free) = self.probe(path) {
            self.paths.push_str(path);
            self.entries.push((self.paths.len(), pos));
            self.slots[free] = slot_of(self.entries.len() - 1);
        }
    }

    /// Where `path` is: `Ok(entry)` when recorded, else `Err(the free slot it would take)`
    /// (`Err(0)` while the table is empty, which only `get` meets).
    fn probe(&self, path: &str) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(path) as usize & mask;
        loop {
            match self.slots[i] {
                0 => return Err(i),
                k if self.path(k as usize - 1) == path => return Ok(k as usize - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn path(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.entries[k - 1].0 };
        &self.paths[start..self.entries[k].0]
    }

    /// Doubles the table (16 slots at first) and places every entry again.
    fn grow(&mut self) {
        self.slots = vec![0; (self.slots.len() * 2).max(16)];
        for k in 0..self.entries.len() {
            // Every recorded path is distinct: each finds a free slot.
            if let Err(free) = self.probe(self.path(k)) {
                self.slots[free] = slot_of(k);
            }
        }
    }
}

/// The slot value of entry `k` (its index + 1; 0 is a free slot). A text with more than
/// `u32::MAX - 1` fields (far past any document limit) is not located beyond that.
fn slot_of(k: usize) -> u32 {
    u32::try_from(k + 1).unwrap_or(0)
}

/// Equal when they locate the same paths at the same positions (in any order).
impl PartialEq for SourceMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(p, pos)| other.get(p) == Some(pos))
    }
}

impl Eq for SourceMap {}

impl fmt::Debug for SourceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// FxHash (rustc's) over 8-byte words: paths are short and trusted not to be adversarial enough
/// to matter (a collision costs a probe, not a wrong answer).
fn hash(s: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    // The low bits pick the slot: fold the high bits in.
    h ^ (h >> 32)
}

/// `a.b[2]` -> `a.b`, `a.b` -> `a`, `a` -> ``.
fn parent_path(p: &str) -> &str {
    match p.rfind(['.', '[']) {
        Some(i) => &p[..i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_position_of_a_path_is_kept_and_every_path_is_found() {
        let mut m = SourceMap::default();
        let at = |line| Pos { line, column: 1 };
        let paths: Vec<String> = (0..1000).map(|i| format!("mainSteps[{i}].inputs.Script")).collect();
        for (i, p) in paths.iter().enumerate() {
            m.record(p, at(i + 1));
            m.record(p, at(0));
        }
        m.record("", at(7));
        assert_eq!(m.len(), 1001);
        for (i, p) in paths.iter().enumerate() {
            assert_eq!(m.get(p), Some(at(i + 1)), "{p}");
        }
        assert_eq!(m.get(""), Some(at(7)));
        assert_eq!(m.get("mainSteps[1000].inputs.Script"), None);
        assert_eq!(m.locate("mainSteps[3].inputs.Script.Handler"), Some(at(4)));
        assert_eq!(SourceMap::default().get(""), None);
        let mut other = SourceMap::default();
        for (p, pos) in m.iter().collect::<Vec<_>>().into_iter().rev() {
            other.record(p, pos);
        }
        assert_eq!(other, m, "equality does not depend on the order of recording");
        other.record("x", at(1));
        assert_ne!(other, m);
    }
}
