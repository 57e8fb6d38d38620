//! Flat search: exact distances to every live vector of some fragments, through the scan
//! pipeline (only the vector column and the row addresses are read; the pipeline's
//! readahead and byte budget apply), each batch scored on the CPU pool while the next
//! batches' I/O is in flight, the per-batch top-k merged.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use futures::stream::{StreamExt, TryStreamExt};
use shoal_vector::{distances_many, Metric, TopK};

use crate::dataset::Dataset;
use crate::error::Result;
use crate::scan::{ScanBatch, ScanStats};
use crate::search::query::{batches_in_flight, vectors_of, VectorColumn};

/// Query vectors, row-major, shared by the tasks scoring batches.
#[derive(Debug)]
pub(crate) struct Queries {
    pub vectors: Vec<f32>,
    pub dim: usize,
}

impl Queries {
    pub(crate) fn count(&self) -> usize {
        self.vectors.len() / self.dim
    }

    pub(crate) fn get(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dim..(i + 1) * self.dim]
    }
}

/// The `k` nearest live rows of fragments `fragment_ids` for each query (exact distances,
/// ids are row addresses), and what reading them cost.
pub(crate) async fn flat_search(
    dataset: &Dataset,
    column: &VectorColumn,
    fragment_ids: Vec<u64>,
    queries: Arc<Queries>,
    k: usize,
    metric: Metric,
) -> Result<(Vec<TopK>, ScanStats)> {
    let empty = || (0..queries.count()).map(|_| TopK::new(k)).collect();
    if fragment_ids.is_empty() {
        return Ok((empty(), ScanStats::default()));
    }
    let mut stream = column.scan(dataset, fragment_ids).await?;
    let merged = (&mut stream)
        .map(|batch| {
            let queries = queries.clone();
            async move {
                let batch = batch?;
                Ok::<_, crate::Error>(
                    shoal_runtime::spawn_cpu(move || score(&batch, &queries, k, metric)).await?,
                )
            }
        })
        .buffer_unordered(batches_in_flight())
        .try_fold(empty(), |mut acc: Vec<TopK>, part| async move {
            for (all, one) in acc.iter_mut().zip(part) {
                all.merge(one);
            }
            Ok(acc)
        })
        .await?;
    Ok((merged, stream.stats()))
}

/// The top `k` of one batch (vector column first, row addresses last) for each query.
fn score(batch: &ScanBatch, queries: &Queries, k: usize, metric: Metric) -> Vec<TopK> {
    let (vectors, nulls) = vectors_of(batch, 0);
    let addresses = batch
        .column(batch.num_columns() - 1)
        .as_primitive::<UInt64Type>()
        .values();
    let rows = batch.num_rows();
    let mut distances = Vec::new();
    distances_many(
        metric,
        &queries.vectors,
        queries.dim,
        vectors,
        &mut distances,
    );
    (0..queries.count())
        .map(|q| {
            let mut top = TopK::new(k);
            let mine = &mut distances[q * rows..(q + 1) * rows];
            if let Some(nulls) = &nulls {
                for (d, null) in mine.iter_mut().zip(nulls) {
                    if *null {
                        *d = f32::NAN;
                    }
                }
            }
            top.push_slice(mine, |i| addresses[i]);
            top
        })
        .collect()
}
