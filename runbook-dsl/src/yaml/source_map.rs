//! Where each field of a text starts: [`SourceMap`] from field paths to [`Pos`].
//!
//! A reader records every node it reads (hundreds per document), and `runbook validate` looks
//! up a few: recording a new path is an append to one string of paths, with no allocation per
//! path and no hashing; the hash index is built only when lookups would otherwise cost more
//! than building it.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

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
#[derive(Default)]
pub struct SourceMap {
    /// Every recorded path, one after the other.
    paths: String,
    /// Per recorded path, in recording order: where it ends in `paths` (it starts where the
    /// previous one ends) and its position.
    entries: Vec<(usize, Pos)>,
    /// Open addressing over `entries`: index + 1, 0 for a free slot. A power of two in length,
    /// at least twice the number of entries. Built on demand: by [`record`](Self::record), or
    /// by lookups once scanning has cost as much as building it.
    index: OnceLock<Vec<u32>>,
    /// Entries compared by lookups without the index so far.
    scanned: AtomicUsize,
}

/// Lookups scan the entries until they have compared this many times the number of entries;
/// then the index is built (which costs about as much), so lookups stay linear in all.
const SCAN_BUDGET: usize = 8;

impl Clone for SourceMap {
    fn clone(&self) -> Self {
        SourceMap {
            paths: self.paths.clone(),
            entries: self.entries.clone(),
            index: self.index.clone(),
            scanned: AtomicUsize::new(self.scanned.load(Ordering::Relaxed)),
        }
    }
}

impl SourceMap {
    /// The position of exactly this path.
    pub fn get(&self, path: &str) -> Option<Pos> {
        self.find(path).map(|k| self.entries[k].1)
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
        let mut slots = match self.index.take() {
            Some(slots) if slots.len() >= 2 * (self.entries.len() + 1) => slots,
            // None yet (or gone with a `record_new`), or full: one that holds all and one more.
            _ => self.slots_for(self.entries.len() + 1),
        };
        if let Err(free) = self.probe(&slots, path) {
            self.push(path, pos);
            slots[free] = slot_of(self.entries.len() - 1);
        }
        self.index = OnceLock::from(slots);
    }

    /// Records where `path` starts, for a reader that records each path once (the caller
    /// guarantees `path` was not recorded before): an append, no lookup.
    pub(super) fn record_new(&mut self, path: &str, pos: Pos) {
        self.index.take();
        self.push(path, pos);
    }

    fn push(&mut self, path: &str, pos: Pos) {
        self.paths.push_str(path);
        self.entries.push((self.paths.len(), pos));
    }

    /// The entry recorded first for `path`.
    fn find(&self, path: &str) -> Option<usize> {
        if let Some(slots) = self.index.get() {
            return self.probe(slots, path).ok();
        }
        let n = self.entries.len();
        if self.scanned.fetch_add(n, Ordering::Relaxed) < SCAN_BUDGET * n {
            return (0..n).find(|&k| self.path(k) == path);
        }
        self.probe(self.index.get_or_init(|| self.slots_for(n)), path).ok()
    }

    /// Where `path` is: `Ok(entry)` when recorded, else `Err(the free slot it would take)`
    /// (`Err(0)` while the table is empty).
    fn probe(&self, slots: &[u32], path: &str) -> Result<usize, usize> {
        if slots.is_empty() {
            return Err(0);
        }
        let mask = slots.len() - 1;
        let mut i = hash(path) as usize & mask;
        loop {
            match slots[i] {
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

    /// A table for at least `n` entries (16 slots at least) holding every entry (for a path
    /// recorded twice, the first).
    fn slots_for(&self, n: usize) -> Vec<u32> {
        let mut slots = vec![0; (2 * n).next_power_of_two().max(16)];
        for k in 0..self.entries.len() {
            if let Err(free) = self.probe(&slots, self.path(k)) {
                slots[free] = slot_of(k);
            }
        }
        slots
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

    #[test]
    fn paths_recorded_once_are_found_by_scanning_then_by_the_index() {
        let mut m = SourceMap::default();
        let at = |line| Pos { line, column: 1 };
        let paths: Vec<String> = (0..300).map(|i| format!("mainSteps[{i}].inputs")).collect();
        for (i, p) in paths.iter().enumerate() {
            m.record_new(p, at(i + 1));
        }
        assert!(m.index.get().is_none(), "recording builds no index");
        // Far more lookups than the scanning budget: every answer the same before and after
        // the index is built.
        for round in 0..3 {
            for (i, p) in paths.iter().enumerate() {
                assert_eq!(m.get(p), Some(at(i + 1)), "round {round}: {p}");
            }
            assert_eq!(m.get("mainSteps[300].inputs"), None);
        }
        assert!(m.index.get().is_some(), "many lookups build the index");
        let copy = m.clone();
        assert_eq!(copy.locate("mainSteps[7].inputs.Script"), Some(at(8)));
        // `record` after `record_new` keeps the first position and finds the new path.
        m.record("mainSteps[0].inputs", at(999));
        m.record("description", at(1000));
        assert_eq!((m.get("mainSteps[0].inputs"), m.get("description"), m.len()), (Some(at(1)), Some(at(1000)), 301));
    }
}
