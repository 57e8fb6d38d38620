//! Deleting rows: by a filter or by row address, as a new version whose manifest
//! points the touched fragments at new deletion vectors (fragments whose every row is
//! deleted are dropped). Data files are never rewritten; `compact` does that.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use roaring::RoaringBitmap;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::file::deletion;
use crate::filter::RowFilter;
use crate::read::fragment::OpenFragment;
use crate::version::change::{Change, DeletionUpdate};
use crate::version::commit::{commit, discard};
use crate::version::manifest::Fragment;

/// Fragments whose deletion vectors are read and written at once.
const FRAGMENTS_AT_ONCE: usize = 4;

impl Dataset {
    /// Deletes the rows matching `filter` and returns the new version, or this one unchanged
    /// when no live row matches. Every fragment is evaluated before anything is written.
    pub async fn delete(&self, filter: Arc<dyn RowFilter>) -> Result<Dataset> {
        let text = filter.text().to_string();
        let matching = self.matching_rows(filter).await?;
        let touched: Vec<(usize, RoaringBitmap)> = self
            .fragments()
            .iter()
            .enumerate()
            .filter_map(|(index, f)| Some((index, matching.fragments.get(&f.id)?.clone())))
            .collect();
        self.delete_positions(text, touched).await
    }

    /// How many live rows match `filter` (all live rows without one).
    pub async fn count_rows(&self, filter: Option<Arc<dyn RowFilter>>) -> Result<u64> {
        match filter {
            None => Ok(self.num_rows()),
            Some(filter) => Ok(self.matching_rows(filter).await?.len()),
        }
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
        let what = format!("_rowaddr in ({} addresses)", addresses.len());
        self.delete_positions(what, touched).await
    }

    /// Deletes rows `rows` of the fragments at `index` (in manifest order), as the change
    /// described by `predicate`.
    async fn delete_positions(
        &self,
        predicate: String,
        touched: Vec<(usize, RoaringBitmap)>,
    ) -> Result<Dataset> {
        let updates = self.write_deletions(touched).await?;
        if updates.is_empty() {
            return Ok(self.clone());
        }
        let change = Change::Delete { predicate, updates };
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }

    /// The new deletion vectors of the fragments at `index` (in manifest order) with rows
    /// `rows` deleted as well, written (only once every fragment has been evaluated, so a
    /// failure part way writes nothing; on failure what was written is deleted). Fragments
    /// whose rows were all deleted already are left out.
    pub(crate) async fn write_deletions(
        &self,
        touched: Vec<(usize, RoaringBitmap)>,
    ) -> Result<Vec<DeletionUpdate>> {
        let pending: Vec<Option<Pending>> = stream::iter(touched)
            .map(|(index, rows)| async move {
                let fragment = self.open_fragment(index).await?;
                Ok::<_, crate::Error>(Pending::new(&fragment, rows))
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        let written: Vec<Result<DeletionUpdate>> = stream::iter(pending.into_iter().flatten())
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
        if let Some(e) = failure {
            let paths: Vec<String> = updates
                .iter()
                .filter_map(|u| u.after.as_ref().map(|d| d.path.clone()))
                .collect();
            discard(self.root(), &paths).await;
            return Err(e);
        }
        Ok(updates)
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
