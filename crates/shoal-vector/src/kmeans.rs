//! k-means clustering by L2: parameters, training (k-means++ seeding then Lloyd iterations)
//! and nearest-centroid assignment.

mod lloyd;
mod seed;

use rand::rngs::StdRng;
use rand::SeedableRng;
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::nearest::CentroidTable;
use crate::progress::ProgressFn;
use crate::sample::sample_rows;

/// Rows handled by one parallel task.
pub(crate) const ROWS_PER_TASK: usize = 1024;

/// k-means++ seeds from at most this many rows per cluster (a sub-sample of the training
/// sample): seeding makes k passes over its rows, which then stay in cache.
const SEEDING_ROWS_PER_CLUSTER: usize = 32;

/// The seed of [`KMeansParams::new`].
pub const DEFAULT_SEED: u64 = 0x5348_4f41_4c5f_4b4d;

/// Parameters of [`train_kmeans`].
#[derive(Debug, Clone)]
pub struct KMeansParams {
    /// Number of clusters.
    pub k: usize,
    /// Most Lloyd iterations (default 25); training stops earlier when no row changes cluster.
    pub iterations: usize,
    /// Most rows trained on (default `256 * k`); larger inputs are sampled.
    pub max_sample: usize,
    /// Seed of the sampling and the seeding, for reproducible results.
    pub seed: u64,
}

impl KMeansParams {
    /// `k` clusters, 25 iterations, at most `256 * k` sampled rows, [`DEFAULT_SEED`].
    pub fn new(k: usize) -> Self {
        Self {
            k,
            iterations: 25,
            max_sample: k.saturating_mul(256),
            seed: DEFAULT_SEED,
        }
    }
}

/// Clusters the rows of `data` (row-major `n x dim`) by L2 and returns the centroids,
/// row-major `k x dim`.
///
/// Trains on a sample of at most `max(max_sample, k)` rows drawn with the seed: k-means++
/// seeding (on at most `32 * k` of those rows), then Lloyd iterations on the whole sample
/// (assignment in parallel, pruned with Hamerly's distance bounds; the result is the same
/// as plain Lloyd up to rounding) until `iterations` or until no row changes cluster. An empty cluster is re-seeded by splitting the largest one.
/// The result depends only on the input and the parameters, not on the thread count.
///
/// Always clusters by L2; for cosine, normalize the rows first.
///
/// Progress: stage `"k-means"`, `done` = iterations finished, `total` = `iterations`
/// (an early stop reports `done == total`).
///
/// # Errors
/// [`VectorError::InvalidArgument`](crate::VectorError::InvalidArgument) if `dim` is 0,
/// `data.len()` is not a multiple of `dim`, `k` is 0, there are fewer rows than `k`, or a
/// value is NaN or infinite.
pub fn train_kmeans(
    data: &[f32],
    dim: usize,
    params: &KMeansParams,
    progress: ProgressFn,
) -> Result<Vec<f32>> {
    kmeans(data, dim, params, "k-means", progress)
}

/// [`train_kmeans`] reporting progress under the name `stage`.
pub(crate) fn kmeans(
    data: &[f32],
    dim: usize,
    params: &KMeansParams,
    stage: &'static str,
    progress: ProgressFn,
) -> Result<Vec<f32>> {
    check_rows(data, dim)?;
    let rows = data.len() / dim;
    let k = params.k;
    if k == 0 {
        return Err(invalid("k-means needs k >= 1"));
    }
    if rows < k {
        return Err(invalid(format!(
            "k-means needs at least k = {k} rows, got {rows}"
        )));
    }
    check_finite(data)?;
    let sample = sample_rows(data, dim, params.max_sample.max(k), params.seed);
    let seeding_rows = k.saturating_mul(SEEDING_ROWS_PER_CLUSTER);
    let seeding_sample = sample_rows(&sample, dim, seeding_rows, params.seed.wrapping_add(1));
    let mut rng = StdRng::seed_from_u64(params.seed.wrapping_add(2));
    let seeds = seed::kmeans_plus_plus(&seeding_sample, dim, k, &mut rng);
    Ok(lloyd::lloyd(
        &sample,
        dim,
        seeds,
        params.iterations,
        stage,
        progress,
    ))
}

/// Checks that `data` is a whole number of rows of a positive dimension.
pub(crate) fn check_rows(data: &[f32], dim: usize) -> Result<()> {
    if dim == 0 {
        return Err(invalid("dimension must be at least 1"));
    }
    if data.len() % dim != 0 {
        return Err(invalid(format!(
            "data length {} is not a multiple of the dimension {dim}",
            data.len()
        )));
    }
    Ok(())
}

/// Checks that no value is NaN or infinite.
pub(crate) fn check_finite(data: &[f32]) -> Result<()> {
    match data.par_iter().position_any(|x| !x.is_finite()) {
        Some(i) => Err(invalid(format!(
            "value {} at position {i} is not finite",
            data[i]
        ))),
        None => Ok(()),
    }
}

/// The index of the nearest centroid (by L2; the first one on ties) of each row of `data`,
/// computed in parallel. `centroids` and `data` are row-major with `dim` values a row.
///
/// # Panics
/// If `dim` is 0, a slice is not a whole number of rows, or `data` has rows but there are
/// no centroids.
pub fn assign(centroids: &[f32], dim: usize, data: &[f32]) -> Vec<u32> {
    assert!(dim > 0, "dimension must be at least 1");
    assert!(
        centroids.len() % dim == 0 && data.len() % dim == 0,
        "centroids ({}) and data ({}) must be whole rows of dimension {dim}",
        centroids.len(),
        data.len()
    );
    let mut out = vec![0u32; data.len() / dim];
    if out.is_empty() {
        return out;
    }
    assert!(!centroids.is_empty(), "no centroids to assign rows to");
    let table = CentroidTable::new(centroids, dim);
    out.par_chunks_mut(ROWS_PER_TASK)
        .zip(data.par_chunks(ROWS_PER_TASK * dim))
        .for_each_init(
            || vec![0.0; table.len()],
            |scores, (out, rows)| {
                for (o, x) in out.iter_mut().zip(rows.chunks_exact(dim)) {
                    *o = table.nearest(x, scores);
                }
            },
        );
    out
}
