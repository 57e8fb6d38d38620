//! Distance kernels against an f64 reference.

mod common;

use shoal_vector::{distance, distances, distances_many, normalize, Metric};

const DIMS: [usize; 6] = [1, 3, 16, 17, 128, 130];

/// The f64 distance and the magnitude its rounding error scales with.
fn reference(metric: Metric, a: &[f32], b: &[f32]) -> (f64, f64) {
    let (mut dot, mut aa, mut bb, mut l2, mut abs_dot) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        abs_dot += (x * y).abs();
        aa += x * x;
        bb += y * y;
        l2 += (x - y) * (x - y);
    }
    match metric {
        Metric::L2 => (l2, l2 + aa + bb),
        Metric::Dot => (-dot, abs_dot),
        Metric::Cosine if aa == 0.0 || bb == 0.0 => (1.0, 1.0),
        Metric::Cosine => (1.0 - dot / (aa.sqrt() * bb.sqrt()), 1.0),
    }
}

fn assert_close(metric: Metric, got: f32, a: &[f32], b: &[f32]) {
    let (want, scale) = reference(metric, a, b);
    let error = (f64::from(got) - want).abs();
    assert!(
        error <= 1e-5 * scale.max(1.0),
        "{metric} dim {}: got {got}, want {want} (error {error})",
        a.len()
    );
}

#[test]
fn kernels_match_the_f64_reference() {
    let mut rng = common::rng(1);
    for dim in DIMS {
        let query = common::uniform(&mut rng, 1, dim);
        let mut vectors = common::uniform(&mut rng, 40, dim);
        vectors[..dim].fill(0.0); // a zero row, for cosine
        for metric in Metric::ALL {
            let mut out = vec![123.0; 3];
            distances(metric, &query, &vectors, &mut out);
            assert_eq!(out.len(), 40);
            for (got, v) in out.iter().zip(vectors.chunks_exact(dim)) {
                assert_close(metric, *got, &query, v);
                assert_eq!(*got, distance(metric, &query, v));
            }
        }
    }
}

#[test]
fn cosine_of_a_zero_vector_is_one() {
    let zero = [0.0f32; 5];
    let v = [1.0f32, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(distance(Metric::Cosine, &zero, &v), 1.0);
    assert_eq!(distance(Metric::Cosine, &v, &zero), 1.0);
    assert!(distance(Metric::Cosine, &v, &v).abs() < 1e-6);
}

#[test]
fn many_queries_equal_one_at_a_time() {
    let mut rng = common::rng(2);
    for dim in DIMS {
        // Enough rows for several cache blocks, and a partial last one.
        let n = 70_000 / dim + 7;
        let queries = common::uniform(&mut rng, 5, dim);
        let vectors = common::uniform(&mut rng, n, dim);
        for metric in Metric::ALL {
            let mut many = Vec::new();
            distances_many(metric, &queries, dim, &vectors, &mut many);
            assert_eq!(many.len(), 5 * n);
            let mut one = Vec::new();
            for (qi, q) in queries.chunks_exact(dim).enumerate() {
                distances(metric, q, &vectors, &mut one);
                assert_eq!(&many[qi * n..][..n], &one[..], "{metric} dim {dim}");
            }
        }
    }
}

#[test]
fn empty_inputs_give_empty_outputs() {
    let mut out = vec![1.0];
    distances(Metric::L2, &[1.0, 2.0], &[], &mut out);
    assert!(out.is_empty());
    distances_many(Metric::Dot, &[], 2, &[1.0, 2.0], &mut out);
    assert!(out.is_empty());
}

#[test]
#[should_panic(expected = "not a multiple")]
fn ragged_vectors_panic() {
    distances(Metric::L2, &[1.0, 2.0], &[1.0, 2.0, 3.0], &mut Vec::new());
}

#[test]
fn normalize_gives_unit_length() {
    let mut v = [3.0f32, 4.0];
    normalize(&mut v);
    assert_eq!(v, [0.6, 0.8]);
    let mut zero = [0.0f32; 3];
    normalize(&mut zero);
    assert_eq!(zero, [0.0; 3]);
}

#[test]
fn metric_names() {
    for metric in Metric::ALL {
        assert_eq!(metric.to_string(), metric.name());
        assert_eq!(
            metric.name().to_uppercase().parse::<Metric>().unwrap(),
            metric
        );
    }
    let error = "euclid".parse::<Metric>().unwrap_err().to_string();
    assert!(error.contains("l2, cosine, dot"), "{error}");
}
