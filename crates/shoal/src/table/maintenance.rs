//! Keeping a table fast and small: vector indices, `optimize` (compaction, index catch-up
//! and cleanup in one call), and the numbers that say when it is due.

use std::time::Duration;

use shoal_dataset::{CleanupStats, CompactOptions, Dataset, IndexParams, Operation};

use super::Table;
use crate::background::on_io;
use crate::error::Result;

/// A vector index of a table and how much of the table it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    pub name: String,
    /// The vector column indexed.
    pub column: String,
    /// `ivf_pq`.
    pub kind: String,
    /// Live rows the index holds.
    pub indexed_rows: u64,
    /// Live rows added since it was built (searched exactly until [`Table::optimize`]).
    pub unindexed_rows: u64,
    /// Fragments the index covers, and fragments added since it was built.
    pub fragments: u64,
    pub unindexed_fragments: u64,
    /// Bytes of the index file.
    pub bytes: u64,
}

/// What [`Table::optimize`] does.
#[derive(Debug, Clone)]
pub struct OptimizeOptions {
    /// Merge small fragments and drop deleted rows (`None`: do not compact).
    pub compaction: Option<CompactOptions>,
    /// Add rows not yet indexed to every vector index.
    pub optimize_indices: bool,
    /// Remove versions older than this, and files only they used (`None`: keep all).
    pub cleanup_older_than: Option<Duration>,
}

impl Default for OptimizeOptions {
    /// Compaction with its defaults, every index brought up to date, versions older than a
    /// week removed.
    fn default() -> Self {
        Self {
            compaction: Some(CompactOptions::default()),
            optimize_indices: true,
            cleanup_older_than: Some(Duration::from_secs(7 * 24 * 3600)),
        }
    }
}

/// What [`Table::optimize`] did.
#[derive(Debug, Clone, Default)]
pub struct OptimizeStats {
    /// Fragments compaction rewrote, and the fragments it wrote.
    pub fragments_removed: u64,
    pub fragments_added: u64,
    /// Indices that took in new rows.
    pub indices_optimized: Vec<String>,
    /// What cleanup removed.
    pub cleanup: Option<CleanupStats>,
}

/// The shape of a table's version.
#[derive(Debug, Clone)]
pub struct TableStats {
    pub version: u64,
    /// Live rows.
    pub rows: u64,
    /// Rows deleted but still in data files (compaction drops them).
    pub deleted_rows: u64,
    pub fragments: u64,
    /// Bytes of the data files.
    pub data_bytes: u64,
    pub indices: Vec<IndexInfo>,
}

/// One fragment of a version: its id (for [`Query::fragments`](crate::Query::fragments))
/// and its live rows, in the order a scan reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentInfo {
    pub id: u64,
    /// Live rows (deleted ones excluded).
    pub rows: u64,
}

impl Table {
    /// Builds an IVF-PQ index of vector column `column` (replacing one of the same name) and
    /// commits it as a new version. `progress` hears about training and encoding.
    pub async fn create_index(
        &self,
        column: &str,
        params: IndexParams,
        progress: Option<shoal_dataset::ProgressCallback>,
    ) -> Result<()> {
        let column = column.to_string();
        self.change(
            move |base| async move { Ok(base.create_index(&column, &params, progress).await?) },
        )
        .await?;
        Ok(())
    }

    /// Adds the rows index `name` does not cover yet to it, as a new version; returns
    /// whether there were any (without, nothing is committed). `progress` hears about the
    /// encoding.
    pub async fn optimize_index(
        &self,
        name: &str,
        progress: Option<shoal_dataset::ProgressCallback>,
    ) -> Result<bool> {
        let (before, name) = (self.version(), name.to_string());
        let after = self
            .change(move |base| async move { Ok(base.optimize_index(&name, progress).await?) })
            .await?;
        Ok(after.version() != before)
    }

    /// The vector indices of this version.
    pub fn list_indices(&self) -> Vec<IndexInfo> {
        indices(&self.dataset())
    }

    /// Compacts, brings every index up to date and cleans up old versions, as
    /// `options` says; each step that changes something commits a version.
    pub async fn optimize(&self, options: OptimizeOptions) -> Result<OptimizeStats> {
        let mut stats = OptimizeStats::default();
        if let Some(compaction) = options.compaction {
            let compacted = self
                .change(move |base| async move { Ok(base.compact(&compaction).await?) })
                .await?;
            if let Operation::Compact { removed, added } = compacted.manifest().operation {
                stats.fragments_removed = removed;
                stats.fragments_added = added;
            }
        }
        if options.optimize_indices {
            for index in self.list_indices() {
                if index.unindexed_rows == 0 {
                    continue;
                }
                self.optimize_index(&index.name, None).await?;
                stats.indices_optimized.push(index.name);
            }
        }
        if let Some(older_than) = options.cleanup_older_than {
            let dataset = self.writable()?;
            stats.cleanup =
                Some(on_io(async move { Ok(dataset.cleanup(older_than).await?) }).await?);
        }
        Ok(stats)
    }

    /// Rows, fragments, bytes and index coverage of this version.
    pub fn stats(&self) -> TableStats {
        let dataset = self.dataset();
        let fragments = dataset.fragments();
        TableStats {
            version: dataset.version(),
            rows: dataset.num_rows(),
            deleted_rows: fragments.iter().map(|f| f.data.rows - f.live_rows()).sum(),
            fragments: fragments.len() as u64,
            data_bytes: fragments.iter().map(|f| f.data.size).sum(),
            indices: indices(&dataset),
        }
    }

    /// The fragments of this version, in scan order: a scan of all of them reads offsets
    /// `0..rows` of the first, then the next, and so on.
    pub fn fragments(&self) -> Vec<FragmentInfo> {
        let dataset = self.dataset();
        let fragments = dataset.fragments();
        fragments
            .iter()
            .map(|f| FragmentInfo {
                id: f.id,
                rows: f.live_rows(),
            })
            .collect()
    }
}

fn indices(dataset: &Dataset) -> Vec<IndexInfo> {
    let manifest = dataset.manifest();
    manifest
        .indices
        .iter()
        .map(|entry| {
            let coverage = manifest.index_coverage(entry);
            let column = manifest
                .field_ids
                .iter()
                .position(|id| *id == entry.field_id)
                .map(|i| manifest.schema.field(i).name().clone())
                .unwrap_or_default();
            IndexInfo {
                name: entry.name.clone(),
                column,
                kind: entry.kind.name().to_string(),
                indexed_rows: coverage.rows,
                unindexed_rows: coverage.unindexed_rows,
                fragments: coverage.fragments,
                unindexed_fragments: coverage.unindexed_fragments,
                bytes: entry.size,
            }
        })
        .collect()
}
