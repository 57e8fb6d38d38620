//! k-means training and assignment.

mod common;

use std::collections::HashSet;
use std::sync::Mutex;

use shoal_vector::{assign, distance, train_kmeans, KMeansParams, Metric, Progress, VectorError};

/// Each blob maps to exactly one centroid, and distinct blobs to distinct centroids.
fn assert_blobs_recovered(data: &[f32], labels: &[usize], dim: usize, centroids: &[f32], k: usize) {
    assert_eq!(centroids.len(), k * dim);
    let assigned = assign(centroids, dim, data);
    let mut centroid_of = vec![None; k];
    for (&label, &c) in labels.iter().zip(&assigned) {
        let expected = *centroid_of[label].get_or_insert(c);
        assert_eq!(c, expected, "blob {label} is split between centroids");
    }
    let distinct: HashSet<_> = centroid_of.iter().flatten().collect();
    assert_eq!(distinct.len(), k, "two blobs share a centroid");
}

#[test]
fn recovers_separated_blobs() {
    let (dim, k) = (8, 12);
    let (data, labels) = common::blobs(&mut common::rng(1), 3000, dim, k, 100.0, 1.0);
    let centroids = train_kmeans(&data, dim, &KMeansParams::new(k), &common::quiet).unwrap();
    assert_blobs_recovered(&data, &labels, dim, &centroids, k);
}

#[test]
fn recovers_blobs_from_a_sample() {
    let (dim, k) = (5, 6);
    let (data, labels) = common::blobs(&mut common::rng(2), 6000, dim, k, 50.0, 1.0);
    let params = KMeansParams {
        max_sample: 300,
        ..KMeansParams::new(k)
    };
    let centroids = train_kmeans(&data, dim, &params, &common::quiet).unwrap();
    assert_blobs_recovered(&data, &labels, dim, &centroids, k);
}

#[test]
fn is_deterministic_and_reports_progress() {
    let dim = 4;
    let data = common::uniform(&mut common::rng(3), 2000, dim);
    let params = KMeansParams {
        iterations: 7,
        ..KMeansParams::new(16)
    };
    let reports = Mutex::new(Vec::new());
    let record = |p: Progress| reports.lock().unwrap().push(p);
    let a = train_kmeans(&data, dim, &params, &record).unwrap();
    let b = train_kmeans(&data, dim, &params, &common::quiet).unwrap();
    assert_eq!(a, b);
    let reports = reports.into_inner().unwrap();
    assert!(!reports.is_empty());
    assert!(reports
        .iter()
        .all(|p| p.stage == "k-means" && p.total == 7 && p.done <= 7));
    assert!(reports.windows(2).all(|w| w[0].done < w[1].done));
    assert_eq!(reports.last().unwrap().done, 7);
}

#[test]
fn centroids_are_cluster_means() {
    // After training every centroid is the mean of the rows nearest it (up to rounding),
    // when Lloyd has converged.
    let dim = 3;
    let data = common::uniform(&mut common::rng(4), 500, dim);
    let params = KMeansParams {
        iterations: 200,
        ..KMeansParams::new(5)
    };
    let centroids = train_kmeans(&data, dim, &params, &common::quiet).unwrap();
    let assigned = assign(&centroids, dim, &data);
    for (j, c) in centroids.chunks_exact(dim).enumerate() {
        let rows: Vec<&[f32]> = data
            .chunks_exact(dim)
            .zip(&assigned)
            .filter(|(_, &a)| a as usize == j)
            .map(|(r, _)| r)
            .collect();
        assert!(!rows.is_empty());
        for d in 0..dim {
            let mean = rows.iter().map(|r| f64::from(r[d])).sum::<f64>() / rows.len() as f64;
            assert!((f64::from(c[d]) - mean).abs() < 1e-4, "centroid {j}");
        }
    }
}

#[test]
fn assign_picks_the_nearest_centroid() {
    let dim = 7;
    let mut rng = common::rng(5);
    let centroids = common::uniform(&mut rng, 30, dim);
    let data = common::uniform(&mut rng, 3000, dim);
    let assigned = assign(&centroids, dim, &data);
    for (x, &a) in data.chunks_exact(dim).zip(&assigned) {
        let best = centroids
            .chunks_exact(dim)
            .map(|c| distance(Metric::L2, x, c))
            .fold(f32::INFINITY, f32::min);
        let got = distance(Metric::L2, x, &centroids[a as usize * dim..][..dim]);
        assert!(got <= best + 1e-5, "assigned {got}, nearest {best}");
    }
    assert!(assign(&centroids, dim, &[]).is_empty());
}

#[test]
fn degenerate_data_does_not_panic() {
    // Fewer distinct rows than clusters: empty clusters get re-seeded, nothing panics.
    let data = vec![1.0f32; 40];
    let centroids = train_kmeans(&data, 2, &KMeansParams::new(4), &common::quiet).unwrap();
    assert_eq!(centroids.len(), 8);
    let data = [0.0f32, 0.0, 0.0, 0.0, 1.0, 1.0];
    let centroids = train_kmeans(&data, 2, &KMeansParams::new(3), &common::quiet).unwrap();
    assert_eq!(centroids.len(), 6);
}

#[test]
fn rejects_bad_input() {
    let data = [0.0f32; 12];
    let check = |data: &[f32], dim: usize, k: usize| {
        let result = train_kmeans(data, dim, &KMeansParams::new(k), &common::quiet);
        assert!(
            matches!(result, Err(VectorError::InvalidArgument(_))),
            "{result:?}"
        );
    };
    check(&data, 0, 1);
    check(&data, 5, 1);
    check(&data, 3, 0);
    check(&data, 3, 5);
    check(&[f32::NAN, 0.0], 1, 1);
    check(&[f32::INFINITY, 0.0], 1, 1);
}
