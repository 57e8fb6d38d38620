//! Distance kernels: one query against many vectors, many queries against many vectors,
//! and single pairs.
//!
//! The kernels accumulate into `[f32; LANES]` lane arrays over `chunks_exact(LANES)` so that
//! the compiler vectorizes them with whatever SIMD width the target has, then add the lanes
//! pairwise and finish the remainder in scalar code. The batched entry points are compiled
//! for AVX-512, AVX2 and the baseline (4 SSE2 lanes), and the CPU's best is chosen at run
//! time (`multiversion`); the lanes are fixed, so every version returns the same sums.

use crate::metric::Metric;

/// Accumulator lanes of the kernels.
const LANES: usize = 16;

/// Target size in bytes of the block of vectors that [`distances_many`] keeps in cache
/// while it scores every query against it.
const BLOCK_BYTES: usize = 64 * 1024;

/// Sums the lanes pairwise (a tree, so the adds are independent).
///
/// The lanes pass through `black_box` first: without that barrier LLVM's SLP vectorizer
/// shapes the accumulation loop after this reduction tree and vectorizes it only two
/// lanes wide (or interleaves the two accumulators of [`dot_and_norm`]); with it, every
/// loop runs on full-width vectors. The barrier costs one spill of the lanes per call.
#[inline(always)]
fn sum_lanes(acc: [f32; LANES]) -> f32 {
    let mut acc = std::hint::black_box(acc);
    let mut width = LANES / 2;
    while width > 0 {
        let (low, high) = acc.split_at_mut(width);
        low.iter_mut()
            .zip(&high[..width])
            .for_each(|(a, b)| *a += *b);
        width /= 2;
    }
    acc[0]
}

/// Squared Euclidean distance of two slices of equal length.
#[inline]
pub(crate) fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = (a_chunks.remainder().iter().zip(b_chunks.remainder()))
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    let mut acc = [0.0f32; LANES];
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            let d = x - y;
            *s += d * d;
        }
    }
    sum_lanes(acc) + tail
}

/// Dot product of two slices of equal length.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = (a_chunks.remainder().iter().zip(b_chunks.remainder()))
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0f32; LANES];
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    sum_lanes(acc) + tail
}

/// `(q.v, v.v)` in one pass over `v`.
#[inline]
fn dot_and_norm(q: &[f32], v: &[f32]) -> (f32, f32) {
    debug_assert_eq!(q.len(), v.len());
    let (q_chunks, v_chunks) = (q.chunks_exact(LANES), v.chunks_exact(LANES));
    let (mut dot_tail, mut norm_tail) = (0.0f32, 0.0f32);
    for (x, y) in q_chunks.remainder().iter().zip(v_chunks.remainder()) {
        dot_tail += x * y;
        norm_tail += y * y;
    }
    let mut dot_acc = [0.0f32; LANES];
    let mut norm_acc = [0.0f32; LANES];
    for (x, y) in q_chunks.zip(v_chunks) {
        for ((s, x), y) in dot_acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
        for (s, y) in norm_acc.iter_mut().zip(y) {
            *s += y * y;
        }
    }
    (
        sum_lanes(dot_acc) + dot_tail,
        sum_lanes(norm_acc) + norm_tail,
    )
}

/// Cosine distance from a dot product and the two squared norms.
#[inline]
fn cosine_from(dot: f32, norm_a_squared: f32, norm_b_squared: f32) -> f32 {
    if norm_a_squared == 0.0 || norm_b_squared == 0.0 {
        1.0
    } else {
        1.0 - dot / (norm_a_squared.sqrt() * norm_b_squared.sqrt())
    }
}

/// Panics unless `vectors` holds whole rows of `dim` values.
fn check_rows(vectors: &[f32], dim: usize) {
    assert!(
        dim > 0 || vectors.is_empty(),
        "vectors of dimension 0 cannot be scored"
    );
    assert!(
        dim == 0 || vectors.len() % dim == 0,
        "vectors.len() ({}) is not a multiple of the dimension ({dim})",
        vectors.len()
    );
}

/// Distances from `query` to each row of `vectors` (row-major `n x dim`, where
/// `dim = query.len()`). `out` is cleared, then receives the `n` distances in row order.
///
/// Cosine computes each row's norm in the same pass as its dot product.
///
/// # Panics
/// If `vectors.len()` is not a multiple of `query.len()`, or the query is empty while
/// `vectors` is not.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn distances(metric: Metric, query: &[f32], vectors: &[f32], out: &mut Vec<f32>) {
    let dim = query.len();
    check_rows(vectors, dim);
    out.clear();
    if dim == 0 {
        return;
    }
    let rows = vectors.chunks_exact(dim);
    match metric {
        Metric::L2 => out.extend(rows.map(|v| l2_squared(query, v))),
        Metric::Dot => out.extend(rows.map(|v| -dot(query, v))),
        Metric::Cosine => {
            let query_norm = dot(query, query);
            out.extend(rows.map(|v| {
                let (d, norm) = dot_and_norm(query, v);
                cosine_from(d, query_norm, norm)
            }))
        }
    }
}

/// Distances from each of several queries (row-major `q x dim`) to each row of `vectors`
/// (row-major `n x dim`), in one pass over `vectors`: each block of rows is loaded into
/// cache once and scored against every query. `out` is cleared, then receives `q * n`
/// distances, query-major: `out[qi * n + i]` is the distance of query `qi` to row `i`.
///
/// # Panics
/// If `dim` is 0 while there are queries or vectors, or either slice is not a whole number
/// of rows.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub fn distances_many(
    metric: Metric,
    queries: &[f32],
    dim: usize,
    vectors: &[f32],
    out: &mut Vec<f32>,
) {
    check_rows(queries, dim);
    check_rows(vectors, dim);
    out.clear();
    if dim == 0 {
        return;
    }
    let n = vectors.len() / dim;
    out.resize(queries.len() / dim * n, 0.0);
    let query_norms: Vec<f32> = match metric {
        Metric::Cosine => queries.chunks_exact(dim).map(|q| dot(q, q)).collect(),
        Metric::L2 | Metric::Dot => Vec::new(),
    };
    let block_rows = (BLOCK_BYTES / (dim * 4)).max(1);
    let mut block_norms = Vec::with_capacity(block_rows);
    for (b, block) in vectors.chunks(block_rows * dim).enumerate() {
        let start = b * block_rows;
        if metric == Metric::Cosine {
            block_norms.clear();
            block_norms.extend(block.chunks_exact(dim).map(|v| dot(v, v)));
        }
        for (qi, q) in queries.chunks_exact(dim).enumerate() {
            let rows = block.chunks_exact(dim);
            let dst = &mut out[qi * n + start..][..rows.len()];
            match metric {
                Metric::L2 => dst
                    .iter_mut()
                    .zip(rows)
                    .for_each(|(o, v)| *o = l2_squared(q, v)),
                Metric::Dot => dst.iter_mut().zip(rows).for_each(|(o, v)| *o = -dot(q, v)),
                Metric::Cosine => {
                    let q_norm = query_norms[qi];
                    for ((o, v), &v_norm) in dst.iter_mut().zip(rows).zip(&block_norms) {
                        *o = cosine_from(dot(q, v), q_norm, v_norm);
                    }
                }
            }
        }
    }
}

/// Distance between two vectors of equal length.
///
/// # Panics
/// If the lengths differ.
pub fn distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "vectors of different lengths");
    match metric {
        Metric::L2 => l2_squared(a, b),
        Metric::Dot => -dot(a, b),
        Metric::Cosine => {
            let (d, b_norm) = dot_and_norm(a, b);
            cosine_from(d, dot(a, a), b_norm)
        }
    }
}

/// Scales `v` to unit length in place; a zero vector stays zero. Cosine distance between
/// normalized vectors is half their squared L2 distance.
pub fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        let inverse = 1.0 / norm;
        v.iter_mut().for_each(|x| *x *= inverse);
    }
}
