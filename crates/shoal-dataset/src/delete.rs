//! Deleting rows: by a simple predicate or by row address, as a new version whose manifest
//! points the touched fragments at new deletion vectors (fragments whose every row is
//! deleted are dropped). Data files are never rewritten; `compact` does that.

use futures::stream::{self, StreamExt, TryStreamExt};
use roaring::RoaringBitmap;

use crate::change::{Change, DeletionUpdate};
use crate::commit::commit;
use crate::dataset::Dataset;
use crate::deletion;
use crate::error::Result;
use crate::fragment::OpenFragment;
use crate::predicate::{BoundPredicate, Predicate};

/// Fragments scanned at once while evaluating a predicate.
const FRAGMENTS_AT_ONCE: usize = 4;
/// Rows per batch of the predicate's column.
const BATCH_ROWS: usize = 64 * 1024;

impl Dataset {
    /// Deletes the rows matching `predicate` (`column OP literal`, see [`Predicate`]) and
    /// returns the new version, or this one unchanged when no live row matches.
    pub async fn delete(&self, predicate: &str) -> Result<Dataset> {
        let parsed = Predicate::parse(predicate)?;
        let bound = parsed.bind(&self.schema(), self.uri())?;
        let bound = &bound;
        let updates: Vec<Option<DeletionUpdate>> = stream::iter(0..self.fragments().len())
            .map(|index| async move {
                let fragment = self.open_fragment(index).await?;
                let matches = matching_rows(&fragment, bound).await?;
                self.deletion_update(&fragment, matches).await
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        self.commit_deletions(parsed.to_string(), updates).await
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
        let updates: Vec<Option<DeletionUpdate>> = stream::iter(touched)
            .map(|(index, rows)| async move {
                let fragment = self.open_fragment(index).await?;
                self.deletion_update(&fragment, rows).await
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        let what = format!("_rowaddr in ({} addresses)", addresses.len());
        self.commit_deletions(what, updates).await
    }

    /// The update deleting `rows` of `fragment` as well: a new deletion file holding the
    /// union, or the fragment's removal when nothing is left; `None` when nothing changes.
    async fn deletion_update(
        &self,
        fragment: &OpenFragment,
        mut rows: RoaringBitmap,
    ) -> Result<Option<DeletionUpdate>> {
        let before = fragment.fragment.clone();
        if let Some(deleted) = &fragment.deleted {
            rows -= deleted.as_ref();
            if rows.is_empty() {
                return Ok(None);
            }
            rows |= deleted.as_ref();
        } else if rows.is_empty() {
            return Ok(None);
        }
        let after = if rows.len() == before.data.rows {
            None
        } else {
            Some(deletion::write(self.root(), before.id, &rows).await?)
        };
        Ok(Some(DeletionUpdate { before, after }))
    }

    async fn commit_deletions(
        &self,
        predicate: String,
        updates: Vec<Option<DeletionUpdate>>,
    ) -> Result<Dataset> {
        let updates: Vec<DeletionUpdate> = updates.into_iter().flatten().collect();
        if updates.is_empty() {
            return Ok(self.clone());
        }
        let change = Change::Delete { predicate, updates };
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(Dataset::from_parts(self.root().clone(), manifest))
    }
}

/// Positions (in the data file) of the live and deleted rows of `fragment` that match.
async fn matching_rows(
    fragment: &OpenFragment,
    predicate: &BoundPredicate,
) -> Result<RoaringBitmap> {
    let mut batches = fragment.stream_all(vec![predicate.column], BATCH_ROWS);
    let mut matches = RoaringBitmap::new();
    while let Some((start, batch)) = batches.next().await.transpose()? {
        let mask = predicate.evaluate(&batch)?;
        // Positions fit in 32 bits: data files hold at most `MAX_ROWS_PER_FILE` rows.
        matches.extend(
            mask.values()
                .set_indices()
                .map(|i| (start + i as u64) as u32),
        );
    }
    Ok(matches)
}
