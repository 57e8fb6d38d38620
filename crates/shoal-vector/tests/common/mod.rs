//! Test data shared by the integration tests.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A seeded random generator.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A standard normal sample (Box-Muller).
pub fn gaussian(rng: &mut StdRng) -> f32 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// `n x dim` uniform values in [-1, 1).
pub fn uniform(rng: &mut StdRng, n: usize, dim: usize) -> Vec<f32> {
    (0..n * dim).map(|_| rng.gen_range(-1.0..1.0)).collect()
}

/// `n x dim` rows around `clusters` random centers (uniform in [-scale, scale)), each row
/// its center plus gaussian noise of standard deviation `noise`. Returns the rows and the
/// cluster of each row.
pub fn blobs(
    rng: &mut StdRng,
    n: usize,
    dim: usize,
    clusters: usize,
    scale: f32,
    noise: f32,
) -> (Vec<f32>, Vec<usize>) {
    let centers: Vec<f32> = (0..clusters * dim)
        .map(|_| rng.gen_range(-scale..scale))
        .collect();
    let mut data = Vec::with_capacity(n * dim);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % clusters;
        labels.push(c);
        for d in 0..dim {
            data.push(centers[c * dim + d] + noise * gaussian(rng));
        }
    }
    (data, labels)
}

/// A progress callback that ignores reports.
pub fn quiet(_: shoal_vector::Progress) {}
