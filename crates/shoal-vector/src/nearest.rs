//! Nearest-centroid search: scores one vector against every centroid of a set at once.
//!
//! The centroids are stored transposed (`dim x k`), so the kernel adds one dimension of the
//! vector times a row of the transposed matrix into `k` accumulators: a loop over
//! contiguous memory that the compiler vectorizes across centroids, for any dimension
//! (including the 4 to 16 of product quantizer sub-spaces). Scores are
//! `|c|^2 - 2 x.c`, i.e. the squared L2 distance minus `|x|^2`, which ranks centroids the
//! same way.

use crate::distance::dot;

/// Dimensions folded into each pass over the accumulators.
const UNROLL: usize = 4;

/// A set of `k` centroids prepared for nearest-centroid queries.
pub(crate) struct CentroidTable {
    k: usize,
    /// `dim x k`: element `d * k + j` is coordinate `d` of centroid `j`.
    transposed: Vec<f32>,
    /// Squared norms of the centroids.
    norms: Vec<f32>,
}

impl CentroidTable {
    /// Prepares `centroids` (row-major `k x dim`, `dim > 0`).
    pub(crate) fn new(centroids: &[f32], dim: usize) -> Self {
        let k = centroids.len() / dim;
        let mut transposed = vec![0.0; k * dim];
        for (j, c) in centroids.chunks_exact(dim).enumerate() {
            for (d, &value) in c.iter().enumerate() {
                transposed[d * k + j] = value;
            }
        }
        let norms = centroids.chunks_exact(dim).map(|c| dot(c, c)).collect();
        Self {
            k,
            transposed,
            norms,
        }
    }

    /// The number of centroids.
    pub(crate) fn len(&self) -> usize {
        self.k
    }

    /// Sets `scores[j] = |c_j|^2 - 2 x.c_j` for every centroid; `scores` must hold `k`
    /// values and `x` must have the centroids' dimension.
    pub(crate) fn scores(&self, x: &[f32], scores: &mut [f32]) {
        scores.copy_from_slice(&self.norms);
        add_scores(x, &self.transposed, scores);
    }

    /// The index of the centroid nearest `x` (the first one on ties), using `scores`
    /// (`k` values) as scratch space.
    pub(crate) fn nearest(&self, x: &[f32], scores: &mut [f32]) -> u32 {
        self.scores(x, scores);
        argmin(scores).0
    }
}

/// Adds `-2 x.c_j` to `scores[j]` for every centroid `j` of `transposed` (`dim x k`).
/// Compiled for the widest SIMD the CPU has (AVX-512, AVX2, else the baseline), chosen once
/// at run time; the sums are the same whichever runs, as no multiply-add is fused.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn add_scores(x: &[f32], transposed: &[f32], scores: &mut [f32]) {
    let k = scores.len();
    let x_blocks = x.chunks_exact(UNROLL);
    let t_blocks = transposed.chunks_exact(UNROLL * k);
    let (x_rest, t_rest) = (x_blocks.remainder(), t_blocks.remainder());
    for (xs, ts) in x_blocks.zip(t_blocks) {
        let (a, b, c, d) = (-2.0 * xs[0], -2.0 * xs[1], -2.0 * xs[2], -2.0 * xs[3]);
        let (t0, ts) = ts.split_at(k);
        let (t1, ts) = ts.split_at(k);
        let (t2, t3) = ts.split_at(k);
        for ((((s, &p), &q), &r), &u) in scores.iter_mut().zip(t0).zip(t1).zip(t2).zip(t3) {
            *s += a * p + b * q + c * r + d * u;
        }
    }
    for (&xd, t) in x_rest.iter().zip(t_rest.chunks_exact(k)) {
        let a = -2.0 * xd;
        for (s, &p) in scores.iter_mut().zip(t) {
            *s += a * p;
        }
    }
}

/// The index and value of the smallest score, the first one on ties; NaN scores never win
/// (index 0 and +inf if no score is a number).
fn argmin(scores: &[f32]) -> (u32, f32) {
    let mut best = (0u32, f32::INFINITY);
    for (j, &s) in scores.iter().enumerate() {
        if s < best.1 {
            best = (j as u32, s);
        }
    }
    best
}
