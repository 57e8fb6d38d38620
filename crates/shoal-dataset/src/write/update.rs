//! Updating rows: `SET col = expr, ... [WHERE filter]` as one new version. Each fragment
//! holding a matching row is rewritten, where it stands, into new files of its live rows,
//! the matching ones with their new values (computed on the CPU pool, for those rows only);
//! other fragments are untouched. Rows keep their order; the rewritten fragments' row
//! addresses change. It rebases like a delete: it conflicts only with a concurrent change to
//! a fragment it rewrote. The rewriting itself is `rewrite.rs`'s.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_select::filter::filter_record_batch;
use arrow_select::interleave::interleave;
use roaring::RoaringBitmap;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::filter::{RowFilter, RowUpdate};
use crate::read::fragment::OpenFragment;
use crate::version::change::Change;
use crate::version::commit::commit;
use crate::write::rewrite::{Target, Transform};

impl Dataset {
    /// Gives the rows matching `filter` (every live row without one) the values `update`
    /// computes, and returns the new version, or this one unchanged when no row matches.
    /// Nothing is committed unless every fragment was rewritten.
    pub async fn update(
        &self,
        update: Arc<dyn RowUpdate>,
        filter: Option<Arc<dyn RowFilter>>,
    ) -> Result<Dataset> {
        check_assigned(self, update.as_ref())?;
        let matching = match &filter {
            Some(filter) => Some(self.matching_rows(filter.clone()).await?),
            None => None,
        };
        let touched: Vec<(usize, Option<Arc<RoaringBitmap>>)> = self
            .fragments()
            .iter()
            .enumerate()
            .filter_map(|(index, f)| match &matching {
                Some(m) => Some((index, Some(Arc::new(m.fragments.get(&f.id)?.clone())))),
                None => (f.live_rows() > 0).then_some((index, None)),
            })
            .collect();
        if touched.is_empty() {
            return Ok(self.clone());
        }
        let transforms = touched
            .into_iter()
            .map(|(index, matched)| {
                let update = update.clone();
                let transform: Transform = Arc::new(move |fragment, start, batch| {
                    updated(fragment, start, batch, matched.as_deref(), update.as_ref())
                });
                (index, transform)
            })
            .collect();
        let target = Target {
            schema: self.schema(),
            field_ids: self.manifest().field_ids.clone(),
        };
        let done = self.rewrite_fragments(transforms, &target).await?;
        let rows = done.iter().map(|(_, changed)| changed).sum();
        let rewritten = done.into_iter().map(|(r, _)| r).collect();
        let change = Change::Update {
            assignments: update.text().to_string(),
            predicate: filter.map(|f| f.text().to_string()).unwrap_or_default(),
            rows,
            rewritten,
        };
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }
}

/// Refuses assignments bound to another schema.
fn check_assigned(ds: &Dataset, update: &dyn RowUpdate) -> Result<()> {
    let width = ds.schema().fields().len();
    let reason = match update.assigned() {
        [] => "it assigns no column".to_string(),
        columns if columns.iter().any(|c| *c >= width) => {
            format!("it was bound to another schema than '{}'", ds.uri())
        }
        _ => return Ok(()),
    };
    Err(Error::InvalidUpdate {
        assignments: update.text().to_string(),
        reason,
    })
}

/// The live rows of `batch` (rows from position `start` of `fragment`), those in `matched`
/// (all when `None`) with their new values; and how many those are. CPU only.
fn updated(
    fragment: &OpenFragment,
    start: u64,
    batch: RecordBatch,
    matched: Option<&RoaringBitmap>,
    update: &dyn RowUpdate,
) -> Result<(RecordBatch, u64)> {
    let rows = batch.num_rows();
    let live: Vec<bool> = (0..rows)
        .map(|i| !fragment.is_deleted(start + i as u64))
        .collect();
    let hit: Vec<bool> = (0..rows)
        .map(|i| live[i] && matched.is_none_or(|m| m.contains((start + i as u64) as u32)))
        .collect();
    let hits = hit.iter().filter(|h| **h).count();
    let live = BooleanArray::from(live);
    if hits == 0 {
        return Ok((filter_record_batch(&batch, &live)?, 0));
    }
    let selected = filter_record_batch(&batch, &BooleanArray::from(hit.clone()))?;
    let values = update.apply(&selected)?;
    // Each row from the old column (0) or, where it matched, the next new value (1).
    let mut next = 0;
    let picks: Vec<(usize, usize)> = hit
        .iter()
        .enumerate()
        .map(|(i, h)| match h {
            true => {
                next += 1;
                (1, next - 1)
            }
            false => (0, i),
        })
        .collect();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let schema = batch.schema();
    for (&column, new) in update.assigned().iter().zip(values) {
        let field = schema.field(column);
        if new.data_type() != field.data_type() || new.len() != hits {
            return Err(Error::InvalidUpdate {
                assignments: update.text().to_string(),
                reason: format!(
                    "it computed {} values of type {} for column '{}' ({}), {hits} expected",
                    new.len(),
                    new.data_type(),
                    field.name(),
                    field.data_type()
                ),
            });
        }
        if !field.is_nullable() && new.null_count() > 0 {
            return Err(Error::InvalidUpdate {
                assignments: update.text().to_string(),
                reason: format!(
                    "it would set {} rows of column '{}' to null, which the column does not allow",
                    new.null_count(),
                    field.name()
                ),
            });
        }
        columns[column] = interleave(&[columns[column].as_ref(), new.as_ref()], &picks)?;
    }
    let batch = RecordBatch::try_new(schema, columns)?;
    Ok((filter_record_batch(&batch, &live)?, hits as u64))
}
