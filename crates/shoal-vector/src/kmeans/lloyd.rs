//! Lloyd iterations with Hamerly's bounds.
//!
//! Each row keeps an upper bound on its distance to its own centroid and a lower bound on
//! its distance to every other centroid. When centroids move, the upper bound grows by
//! its centroid's move and the lower bound shrinks by the largest move of another
//! centroid. A row whose upper bound is at most the larger of its lower bound and half the
//! distance from its centroid to the nearest other centroid cannot change cluster and is
//! skipped; otherwise its upper bound is recomputed exactly, and only if that does not
//! settle it is the row compared with every centroid. After the first iterations most rows
//! are skipped. Rows start at their nearest seed, found by comparing with every seed,
//! which also gives exact first bounds.

use rayon::prelude::*;

use super::ROWS_PER_TASK;
use crate::distance::{dot, l2_squared};
use crate::nearest::CentroidTable;
use crate::progress::{Progress, ProgressFn};

/// Relative perturbation separating the two halves of a split cluster.
const SPLIT_EPSILON: f32 = 1.0 / 1024.0;

/// Runs up to `iterations` Lloyd iterations from the centroids `seeds` and returns the
/// centroids.
pub(super) fn lloyd(
    data: &[f32],
    dim: usize,
    seeds: Vec<f32>,
    iterations: usize,
    stage: &'static str,
    progress: ProgressFn,
) -> Vec<f32> {
    let mut centroids = seeds;
    let rows = data.len() / dim;
    let (mut assignment, mut upper, mut lower) =
        (vec![0u32; rows], vec![0.0; rows], vec![0.0; rows]);
    let table = CentroidTable::new(&centroids, dim);
    assignment
        .par_chunks_mut(ROWS_PER_TASK)
        .zip(upper.par_chunks_mut(ROWS_PER_TASK))
        .zip(lower.par_chunks_mut(ROWS_PER_TASK))
        .zip(data.par_chunks(ROWS_PER_TASK * dim))
        .for_each_init(
            || vec![0.0; table.len()],
            |scores, (((assignment, upper), lower), rows)| {
                let rows = rows.chunks_exact(dim);
                for (((a, u), l), x) in assignment.iter_mut().zip(upper).zip(lower).zip(rows) {
                    (*a, *u, *l) = nearest_two(&table, x, scores);
                }
            },
        );
    let total = iterations as u64;
    let report = |done| progress(Progress { stage, done, total });
    for iteration in 1..=iterations {
        let moves = update_centroids(data, dim, &assignment, &mut centroids);
        report(iteration as u64);
        if iteration == iterations {
            break;
        }
        let bounds = Bounds {
            upper: &mut upper,
            lower: &mut lower,
        };
        if reassign(data, dim, &centroids, &moves, &mut assignment, bounds) == 0 {
            report(total);
            break;
        }
    }
    centroids
}

/// Moves every centroid to the mean of its rows, splits the largest cluster for each empty
/// one, and returns how far (L2) each centroid moved.
fn update_centroids(
    data: &[f32],
    dim: usize,
    assignment: &[u32],
    centroids: &mut [f32],
) -> Vec<f32> {
    let k = centroids.len() / dim;
    // Row indices grouped by cluster (a counting sort), so clusters are summed in parallel.
    let mut starts = vec![0usize; k + 1];
    for &a in assignment {
        starts[a as usize + 1] += 1;
    }
    for j in 0..k {
        starts[j + 1] += starts[j];
    }
    let mut members = vec![0u32; assignment.len()];
    let mut fill = starts.clone();
    for (i, &a) in assignment.iter().enumerate() {
        members[fill[a as usize]] = i as u32;
        fill[a as usize] += 1;
    }
    let mut moves = vec![0.0f32; k];
    centroids
        .par_chunks_mut(dim)
        .zip(moves.par_iter_mut())
        .enumerate()
        .for_each(|(j, (centroid, moved))| {
            let rows = &members[starts[j]..starts[j + 1]];
            if rows.is_empty() {
                return;
            }
            let mut sum = vec![0.0f64; dim];
            for &i in rows {
                let x = &data[i as usize * dim..][..dim];
                sum.iter_mut().zip(x).for_each(|(s, &v)| *s += f64::from(v));
            }
            let old = centroid.to_vec();
            let count = rows.len() as f64;
            centroid
                .iter_mut()
                .zip(&sum)
                .for_each(|(c, &s)| *c = (s / count) as f32);
            *moved = l2_squared(&old, centroid).sqrt();
        });
    let mut sizes: Vec<usize> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    for empty in 0..k {
        if sizes[empty] == 0 {
            split_largest(centroids, dim, &mut sizes, &mut moves, empty);
        }
    }
    moves
}

/// Re-seeds the empty cluster `empty` by splitting the largest cluster: both get its
/// centroid, nudged in opposite directions, and half its rows (for later splits).
fn split_largest(
    centroids: &mut [f32],
    dim: usize,
    sizes: &mut [usize],
    moves: &mut [f32],
    empty: usize,
) {
    let largest = (0..sizes.len())
        .max_by_key(|&j| (sizes[j], std::cmp::Reverse(j)))
        .unwrap_or(0);
    let source = centroids[largest * dim..][..dim].to_vec();
    let old_empty = centroids[empty * dim..][..dim].to_vec();
    let nudge: Vec<f32> = source
        .iter()
        .enumerate()
        .map(|(d, &c)| if d % 2 == 0 { c.abs() } else { -c.abs() } * SPLIT_EPSILON)
        .collect();
    for (d, (&c, &n)) in source.iter().zip(&nudge).enumerate() {
        centroids[empty * dim + d] = c + n;
        centroids[largest * dim + d] = c - n;
    }
    moves[empty] = l2_squared(&old_empty, &centroids[empty * dim..][..dim]).sqrt();
    moves[largest] += dot(&nudge, &nudge).sqrt();
    sizes[empty] = sizes[largest] / 2;
    sizes[largest] -= sizes[empty];
}

/// Hamerly's per-row distance bounds.
struct Bounds<'a> {
    /// Upper bounds on the distance to the row's centroid.
    upper: &'a mut [f32],
    /// Lower bounds on the distance to every other centroid.
    lower: &'a mut [f32],
}

/// Loosens the bounds by the centroid moves, then moves every row to its nearest centroid
/// where the bounds cannot rule that out. Returns how many rows changed cluster.
fn reassign(
    data: &[f32],
    dim: usize,
    centroids: &[f32],
    moves: &[f32],
    assignment: &mut [u32],
    bounds: Bounds,
) -> usize {
    let table = CentroidTable::new(centroids, dim);
    let k = table.len();
    // The two largest moves: a row's other centroids moved at most `largest` unless its
    // own centroid is the one that moved that much.
    let (mut largest, mut largest_at, mut second) = (0.0f32, usize::MAX, 0.0f32);
    for (j, &m) in moves.iter().enumerate() {
        if m > largest {
            (second, largest, largest_at) = (largest, m, j);
        } else if m > second {
            second = m;
        }
    }
    // Half the distance from each centroid to its nearest other centroid.
    let mut half_gap = vec![0.0f32; k];
    half_gap
        .par_iter_mut()
        .zip(centroids.par_chunks(dim))
        .for_each_init(
            || vec![0.0; k],
            |scores, (gap, c)| {
                let norm = dot(c, c);
                // The centroid itself has the smallest score (-|c|^2), so the second smallest
                // is its nearest other centroid (+inf if there is none). Should rounding put
                // another first, the gap comes out near 0, which only prunes less.
                let (_, nearest_other) = two_smallest(&table, c, scores);
                *gap = 0.5 * (nearest_other + norm).max(0.0).sqrt();
            },
        );
    let Bounds { upper, lower } = bounds;
    assignment
        .par_chunks_mut(ROWS_PER_TASK)
        .zip(upper.par_chunks_mut(ROWS_PER_TASK))
        .zip(lower.par_chunks_mut(ROWS_PER_TASK))
        .zip(data.par_chunks(ROWS_PER_TASK * dim))
        .map_init(
            || vec![0.0; k],
            |scores, (((assignment, upper), lower), rows)| {
                let mut changed = 0;
                let rows = rows.chunks_exact(dim);
                for (((a, u), l), x) in assignment.iter_mut().zip(upper).zip(lower).zip(rows) {
                    let own = *a as usize;
                    *u += moves[own];
                    *l -= if own == largest_at { second } else { largest };
                    let bound = half_gap[own].max(*l);
                    if *u <= bound {
                        continue;
                    }
                    *u = l2_squared(x, &centroids[own * dim..][..dim]).sqrt();
                    if *u <= bound {
                        continue;
                    }
                    let old = *a;
                    (*a, *u, *l) = nearest_two(&table, x, scores);
                    changed += usize::from(*a != old);
                }
                changed
            },
        )
        .sum()
}

/// The centroid nearest `x`, the distance to it and the distance to the second nearest
/// (+inf if there is one centroid): exact bounds for Hamerly's pruning.
fn nearest_two(table: &CentroidTable, x: &[f32], scores: &mut [f32]) -> (u32, f32, f32) {
    let norm = dot(x, x);
    let ((best, best_score), next_score) = two_smallest(table, x, scores);
    let distance = |score: f32| (score + norm).max(0.0).sqrt();
    (best as u32, distance(best_score), distance(next_score))
}

/// The index and score of the centroid nearest `x` (the first on ties), and the second
/// smallest score (+inf if there is one centroid). NaN scores are ignored.
fn two_smallest(table: &CentroidTable, x: &[f32], scores: &mut [f32]) -> ((usize, f32), f32) {
    table.scores(x, scores);
    let (mut best, mut best_score, mut next) = (0, f32::INFINITY, f32::INFINITY);
    for (j, &s) in scores.iter().enumerate() {
        if s < best_score {
            (next, best_score, best) = (best_score, s, j);
        } else if s < next {
            next = s;
        }
    }
    ((best, best_score), next)
}
