//! Deleting rows: by a filter or by row address, as a new version whose manifest
//! points the touched fragments at new deletion vectors (fragments whose every row is
//! deleted are dropped). Data files are never rewritten; `compact` does that.

use futures::stream::{self, StreamExt, TryStreamExt};
use roaring::RoaringBitmap;

use crate::change::{Change, DeletionUpdate};
use crate::commit::{commit, discard};
use crate::dataset::Dataset;
use crate::deletion;
use crate::error::Result;
use crate::filter::RowFilter;
use crate::fragment::OpenFragment;
use crate::manifest::Fragment;

/// Fragments scanned at once while evaluating a predicate.
const FRAGMENTS_AT_ONCE: usize = 4;
/// Rows per batch of the predicate's column.
const BATCH_ROWS: usize = 64 * 1024;

impl Dataset {
    /// Deletes the rows matching `filter` and returns the new version, or this one unchanged
    /// when no live row matches. Every fragment is evaluated before anything is written.
    pub async fn delete(&self, filter: &dyn RowFilter) -> Result<Dataset> {
        let pending: Vec<Option<Pending>> = stream::iter(0..self.fragments().len())
            .map(|index| async move {
                let fragment = self.open_fragment(index).await?;
                let matches = matching_rows(&fragment, filter).await?;
                Ok::<_, crate::Error>(Pending::new(&fragment, matches))
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        self.commit_deletions(filter.text().to_string(), pending)
            .await
    }

    /// How many live rows match `filter` (all live rows without one).
    pub async fn count_rows(&self, filter: Option<&dyn RowFilter>) -> Result<u64> {
        let Some(filter) = filter else {
            return Ok(self.num_rows());
        };
        let counts: Vec<u64> = stream::iter(0..self.fragments().len())
            .map(|index| async move {
                let fragment = self.open_fragment(index).await?;
                let mut matches = matching_rows(&fragment, filter).await?;
                if let Some(deleted) = &fragment.deleted {
                    matches -= deleted.as_ref();
                }
                Ok::<_, crate::Error>(matches.len())
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        Ok(counts.iter().sum())
    }

    /// Deletes the rows at `addresses` (see [`crate::row_address`]); addresses of rows
    /// already deleted are ignored, unknown ones are an error.
    pub async fn delete_rows(&self, addresses: &[u64]) -> Result<Dataset> {
        let mut per_fragment: Vec<RoaringBitmap> =
            vec![RoaringBitmap::new(); self.fragments().len()];
        for (index, row) in self.locate_addresses(addresses)? {
            per_fragment[index].insert(row as u32);
        }
        let touched: Vec<(usize, RoaringBitmap)> = per_fragment
            .into_iter()
            .enumerate()
            .filter(|(_, rows)| !rows.is_empty())
            .collect();
        let pending: Vec<Option<Pending>> = stream::iter(touched)
            .map(|(index, rows)| async move {
                let fragment = self.open_fragment(index).await?;
                Ok::<_, crate::Error>(Pending::new(&fragment, rows))
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        let what = format!("_rowaddr in ({} addresses)", addresses.len());
        self.commit_deletions(what, pending).await
    }

    /// Writes the new deletion files (only once every fragment has been evaluated, so a
    /// failure part way writes nothing) and commits them.
    async fn commit_deletions(
        &self,
        predicate: String,
        pending: Vec<Option<Pending>>,
    ) -> Result<Dataset> {
        let pending: Vec<Pending> = pending.into_iter().flatten().collect();
        if pending.is_empty() {
            return Ok(self.clone());
        }
        let written: Vec<Result<DeletionUpdate>> = stream::iter(pending)
            .map(|p| async move {
                let after = if p.deleted.len() == p.before.data.rows {
                    None
                } else {
                    Some(deletion::write(self.root(), p.before.id, &p.deleted).await?)
                };
                Ok(DeletionUpdate {
                    before: p.before,
                    after,
                })
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .collect()
            .await;
        let mut updates = Vec::with_capacity(written.len());
        let mut failure = None;
        for result in written {
            match result {
                Ok(update) => updates.push(update),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        let change = Change::Delete { predicate, updates };
        if let Some(e) = failure {
            discard(self.root(), &change.written_paths()).await;
            return Err(e);
        }
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }
}

/// A fragment's deletion vector after the delete, not yet written.
struct Pending {
    before: Fragment,
    /// Every deleted row: the old ones and the new.
    deleted: RoaringBitmap,
}

impl Pending {
    /// Deleting `rows` of `fragment` as well; `None` when they are all deleted already.
    fn new(fragment: &OpenFragment, mut rows: RoaringBitmap) -> Option<Self> {
        if let Some(deleted) = &fragment.deleted {
            rows -= deleted.as_ref();
            if rows.is_empty() {
                return None;
            }
            rows |= deleted.as_ref();
        } else if rows.is_empty() {
            return None;
        }
        Some(Self {
            before: fragment.fragment.clone(),
            deleted: rows,
        })
    }
}

/// Positions (in the data file) of the live and deleted rows of `fragment` that match.
async fn matching_rows(fragment: &OpenFragment, filter: &dyn RowFilter) -> Result<RoaringBitmap> {
    let mut batches = fragment.stream_all(filter.columns().to_vec(), BATCH_ROWS);
    let mut matches = RoaringBitmap::new();
    while let Some((start, batch)) = batches.next().await.transpose()? {
        let mask = filter.evaluate(&batch)?;
        // Positions fit in 32 bits: data files hold at most `MAX_ROWS_PER_FILE` rows.
        matches.extend(
            mask.values()
                .set_indices()
                .map(|i| (start + i as u64) as u32),
        );
    }
    Ok(matches)
}
