//! k-means++ seeding: each next centroid is a row drawn with probability proportional to
//! its squared distance to the nearest centroid so far.
//!
//! The nearest-centroid distances are updated in parallel after each draw, skipping every
//! row that the triangle inequality proves cannot move closer: if
//! `|new - c(x)| >= 2 |x - c(x)|` then `|x - new| >= |x - c(x)|`. Per-task sums of the
//! distances make each draw a search over task sums, then over one task's rows.

use rand::rngs::StdRng;
use rand::Rng;
use rayon::prelude::*;

use super::ROWS_PER_TASK;
use crate::distance::l2_squared;

/// Picks `k` seeds among the rows of `data` (`k <= rows`, `dim > 0`); returns them
/// row-major, `k x dim`.
pub(super) fn kmeans_plus_plus(data: &[f32], dim: usize, k: usize, rng: &mut StdRng) -> Vec<f32> {
    let rows = data.len() / dim;
    let mut centroids = Vec::with_capacity(k * dim);
    centroids.extend_from_slice(&data[rng.gen_range(0..rows) * dim..][..dim]);
    // Each row's nearest centroid so far, and its squared distance to it.
    let mut assignment = vec![0u32; rows];
    let mut min_distance = vec![f32::INFINITY; rows];
    // Squared distances of the newest centroid to each earlier one. The first pass has
    // none: the 0 here prunes nothing, so it computes every row's distance.
    let mut to_earlier: Vec<f32> = vec![0.0];
    let mut task_sums;
    let mut next = 0;
    loop {
        let newest = &centroids[next * dim..][..dim];
        task_sums = min_distance
            .par_chunks_mut(ROWS_PER_TASK)
            .zip(assignment.par_chunks_mut(ROWS_PER_TASK))
            .zip(data.par_chunks(ROWS_PER_TASK * dim))
            .map(|((min_distance, assignment), rows)| {
                let mut sum = 0.0f64;
                let rows = rows.chunks_exact(dim);
                for ((m, a), x) in min_distance.iter_mut().zip(assignment).zip(rows) {
                    if to_earlier[*a as usize] < 4.0 * *m {
                        let d = l2_squared(x, newest);
                        if d < *m {
                            *m = d;
                            *a = next as u32;
                        }
                    }
                    sum += f64::from(*m);
                }
                sum
            })
            .collect::<Vec<f64>>();
        next += 1;
        if next == k {
            break;
        }
        let row = draw(&min_distance, &task_sums, rng);
        centroids.extend_from_slice(&data[row * dim..][..dim]);
        let (earlier, newest) = centroids.split_at(next * dim);
        to_earlier.clear();
        to_earlier.extend(earlier.chunks_exact(dim).map(|c| l2_squared(c, newest)));
    }
    centroids
}

/// Draws a row with probability proportional to its distance; uniformly if every distance
/// is zero (every row coincides with a centroid) or the sum overflows.
fn draw(min_distance: &[f32], task_sums: &[f64], rng: &mut StdRng) -> usize {
    let total: f64 = task_sums.iter().sum();
    if !total.is_finite() || total <= 0.0 {
        return rng.gen_range(0..min_distance.len());
    }
    let mut target = rng.gen::<f64>() * total;
    // Fall back on the last positive task or row if rounding leaves `target` unspent.
    let mut task = 0;
    for (t, &sum) in task_sums.iter().enumerate() {
        if sum > 0.0 {
            task = t;
            if target < sum {
                break;
            }
            target -= sum;
        }
    }
    let start = task * ROWS_PER_TASK;
    let mut row = start;
    for (i, &m) in min_distance[start..].iter().take(ROWS_PER_TASK).enumerate() {
        if m > 0.0 {
            row = start + i;
            if target < f64::from(m) {
                break;
            }
            target -= f64::from(m);
        }
    }
    row
}
