//! Updating rows: `SET col = expr, ... [WHERE filter]` as one new version. Each fragment
//! holding a matching row is rewritten, where it stands, into new files of its live rows,
//! the matching ones with their new values (computed on the CPU pool, for those rows only);
//! other fragments are untouched. Rows keep their order; the rewritten fragments' row
//! addresses change. It rebases like a delete: it conflicts only with a concurrent change to
//! a fragment it rewrote.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_select::filter::filter_record_batch;
use arrow_select::interleave::interleave;
use futures::StreamExt;
use roaring::RoaringBitmap;
use shoal_format::WriteOptions;

use crate::change::{Change, Rewritten};
use crate::commit::{commit, discard};
use crate::data_files::{DataFilesWriter, MAX_ROWS_PER_FILE};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::filter::{RowFilter, RowUpdate};
use crate::fragment::OpenFragment;

/// Rows per batch while rewriting a fragment.
const BATCH_ROWS: usize = 64 * 1024;

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
        let mut rewritten: Vec<Rewritten> = Vec::new();
        let mut rows = 0;
        for (index, matched) in touched {
            match self.rewrite_updated(index, matched, &update).await {
                Ok((done, changed)) => {
                    rewritten.push(done);
                    rows += changed;
                }
                Err(e) => {
                    let paths: Vec<String> = rewritten
                        .iter()
                        .flat_map(|r| r.files.iter().map(|f| f.path.clone()))
                        .collect();
                    discard(self.root(), &paths).await;
                    return Err(e);
                }
            }
        }
        let change = Change::Update {
            assignments: update.text().to_string(),
            predicate: filter.map(|f| f.text().to_string()).unwrap_or_default(),
            rows,
            rewritten,
        };
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }

    /// Writes the live rows of fragment `index` into new files, the rows in `matched` (all
    /// live rows when `None`) updated; returns the rewrite and how many rows changed. On
    /// failure nothing is left behind.
    async fn rewrite_updated(
        &self,
        index: usize,
        matched: Option<Arc<RoaringBitmap>>,
        update: &Arc<dyn RowUpdate>,
    ) -> Result<(Rewritten, u64)> {
        let fragment = self.open_fragment(index).await?;
        let mut writer = DataFilesWriter::new(
            self.root().clone(),
            self.schema(),
            WriteOptions::default(),
            MAX_ROWS_PER_FILE,
        );
        let projection: Vec<usize> = (0..self.schema().fields().len()).collect();
        let mut batches = fragment.stream_all(projection, BATCH_ROWS);
        let mut changed = 0;
        while let Some(item) = batches.next().await {
            let (fragment, matched, update) = (fragment.clone(), matched.clone(), update.clone());
            let written = async {
                let (start, batch) = item?;
                let (batch, rows) = shoal_runtime::spawn_cpu(move || {
                    updated(&fragment, start, batch, matched.as_deref(), update.as_ref())
                })
                .await??;
                writer.write(&batch).await?;
                Ok::<_, Error>(rows)
            }
            .await;
            match written {
                Ok(rows) => changed += rows,
                Err(e) => {
                    writer.abort().await?;
                    return Err(e);
                }
            }
        }
        let files = writer.finish().await?;
        let before = fragment.fragment.clone();
        Ok((Rewritten { before, files }, changed))
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
