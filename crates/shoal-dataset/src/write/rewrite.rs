//! Rewriting fragments: each fragment's rows read batch by batch (every row, deleted ones
//! included, as the version's columns), turned by a [`Transform`] on the CPU pool into the
//! rows to write, and written into new data files. An update drops the deleted rows and
//! gives the matching ones new values; a cast or a computed column keeps every row in its
//! position (so the fragment keeps its id and deletion vector) with new columns. Nothing is
//! left behind on failure: the files of every fragment rewritten so far are deleted.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use futures::StreamExt;
use shoal_format::WriteOptions;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::read::fragment::OpenFragment;
use crate::version::change::Rewritten;
use crate::version::commit::discard;
use crate::write::data_files::{DataFilesWriter, MAX_ROWS_PER_FILE};

/// Rows per batch while rewriting a fragment.
const BATCH_ROWS: usize = 64 * 1024;

/// What a fragment's rows become, one batch at a time: given the fragment, the position of
/// the batch's first row in its data file and the batch (every column of the version), the
/// rows to write and how many rows it changed. CPU only.
pub(crate) type Transform =
    Arc<dyn Fn(&OpenFragment, u64, RecordBatch) -> Result<(RecordBatch, u64)> + Send + Sync>;

/// The files a rewrite writes: their schema and its field ids.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub schema: SchemaRef,
    pub field_ids: Vec<u32>,
}

impl Dataset {
    /// Rewrites the fragments `fragments` (indices, each with its transform) into new files
    /// of `target`, one fragment at a time; returns each rewrite and how many rows it
    /// changed. On failure, the files written so far are deleted.
    pub(crate) async fn rewrite_fragments(
        &self,
        fragments: Vec<(usize, Transform)>,
        target: &Target,
    ) -> Result<Vec<(Rewritten, u64)>> {
        let mut done: Vec<(Rewritten, u64)> = Vec::new();
        for (index, transform) in fragments {
            match self.rewrite_fragment(index, transform, target).await {
                Ok(rewritten) => done.push(rewritten),
                Err(e) => {
                    let paths: Vec<String> = done
                        .iter()
                        .flat_map(|(r, _)| r.files.iter().map(|f| f.path.clone()))
                        .collect();
                    discard(self.root(), &paths).await;
                    return Err(e);
                }
            }
        }
        Ok(done)
    }

    /// Rewrites fragment `index` through `transform`; on failure nothing is left behind.
    async fn rewrite_fragment(
        &self,
        index: usize,
        transform: Transform,
        target: &Target,
    ) -> Result<(Rewritten, u64)> {
        let fragment = self.open_fragment(index).await?;
        let mut writer = DataFilesWriter::new(
            self.root().clone(),
            target.schema.clone(),
            target.field_ids.clone(),
            WriteOptions::default(),
            MAX_ROWS_PER_FILE,
        );
        let projection: Vec<usize> = (0..self.schema().fields().len()).collect();
        let mut batches = fragment.stream_all(projection, BATCH_ROWS);
        let mut changed = 0;
        while let Some(item) = batches.next().await {
            let (fragment, transform) = (fragment.clone(), transform.clone());
            let written = async {
                let (start, batch) = item?;
                let (batch, rows) =
                    shoal_runtime::spawn_cpu(move || transform(&fragment, start, batch)).await??;
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
