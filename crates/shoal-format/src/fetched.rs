//! [`Fetched`]: the byte ranges of one file that the caller has read so far.
//!
//! The I/O layer may coalesce the ranges a plan asks for into larger reads; it inserts
//! whatever it read, and the decoders find their sub-ranges inside (zero-copy).

use std::collections::BTreeMap;
use std::ops::Range;

use bytes::Bytes;

use crate::error::{FormatError, Result};

/// Byte ranges read from one file, keyed by their start offset.
#[derive(Debug, Default, Clone)]
pub struct Fetched {
    chunks: BTreeMap<u64, Bytes>,
}

impl Fetched {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the file's bytes from `start` are `bytes`.
    pub fn insert(&mut self, start: u64, bytes: Bytes) {
        self.chunks.insert(start, bytes);
    }

    /// The bytes of `range`, if some inserted chunk covers all of it (an empty range is always
    /// covered: a page of no bytes, such as one of a null column, needs no read).
    pub fn get(&self, range: Range<u64>) -> Option<Bytes> {
        if range.start == range.end {
            return Some(Bytes::new());
        }
        let (start, chunk) = self.chunks.range(..=range.start).next_back()?;
        let from = usize::try_from(range.start - start).ok()?;
        let to = usize::try_from(range.end.checked_sub(*start)?).ok()?;
        (to <= chunk.len() && from <= to).then(|| chunk.slice(from..to))
    }

    /// Like [`Fetched::get`], but a missing range is an error.
    pub(crate) fn require(&self, range: Range<u64>) -> Result<Bytes> {
        self.get(range.clone()).ok_or(FormatError::MissingRange {
            start: range.start,
            end: range.end,
        })
    }

    /// Whether every byte of `range` is present.
    pub fn contains(&self, range: &Range<u64>) -> bool {
        self.get(range.clone()).is_some()
    }

    /// Total bytes held.
    pub fn total_bytes(&self) -> u64 {
        self.chunks.values().map(|b| b.len() as u64).sum()
    }
}

/// Sorts ranges and merges the ones that overlap or touch.
pub(crate) fn merge_ranges(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_ranges_are_found_inside_chunks() {
        let mut f = Fetched::new();
        f.insert(100, Bytes::from_static(b"abcdefgh"));
        assert_eq!(f.get(102..105).unwrap(), Bytes::from_static(b"cde"));
        assert_eq!(f.get(100..108).unwrap().len(), 8);
        assert!(f.get(99..101).is_none());
        assert!(f.get(104..109).is_none());
        assert!(f.require(0..1).is_err());
        assert_eq!(f.get(7..7).unwrap().len(), 0);
    }

    #[test]
    fn ranges_merge_when_they_touch() {
        assert_eq!(
            merge_ranges(vec![5..6, 0..2, 2..3, 5..5, 4..6]),
            vec![0..3, 4..6]
        );
    }
}
