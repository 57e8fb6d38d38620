//! What an index covers of one version. An index entry records the fragments and rows it
//! held when it was built; deletes and compactions since leave it naming fragments and rows
//! the version no longer has (searches skip them). [`Manifest::index_coverage`] counts what
//! the index serves in this version, and what is searched flat beside it.

use crate::version::manifest::{Fragment, IndexEntry, Manifest};

/// The part of a version an index serves, and the part it does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexCoverage {
    /// Fragments of the version whose rows the index holds.
    pub fragments: u64,
    /// Live rows of those fragments (rows deleted since the build are not counted; rows
    /// whose vector is null, which no index holds, are).
    pub rows: u64,
    /// Fragments of the version the index does not hold (appended, or rewritten by a
    /// compaction, since it was built): searched flat until `optimize_index` adds them.
    pub unindexed_fragments: u64,
    /// Live rows of those fragments.
    pub unindexed_rows: u64,
}

impl Manifest {
    /// What `index` (one of this version's indices) covers of this version.
    pub fn index_coverage(&self, index: &IndexEntry) -> IndexCoverage {
        let (covered, unindexed): (Vec<&Fragment>, Vec<&Fragment>) = self
            .fragments
            .iter()
            .partition(|f| index.fragments.contains(&f.id));
        let rows = |fragments: &[&Fragment]| fragments.iter().map(|f| f.live_rows()).sum();
        IndexCoverage {
            fragments: covered.len() as u64,
            rows: rows(&covered),
            unindexed_fragments: unindexed.len() as u64,
            unindexed_rows: rows(&unindexed),
        }
    }
}
