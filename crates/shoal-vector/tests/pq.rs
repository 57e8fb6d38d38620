//! Product quantization and asymmetric distances.

mod common;

use std::sync::Mutex;

use shoal_vector::{
    adc_distances, distance, KMeansParams, Metric, ProductQuantizer, Progress, VectorError,
};

/// Squared reconstruction error per row, and variance per row, of a trained quantizer.
fn errors(pq: &ProductQuantizer, data: &[f32]) -> (f64, f64) {
    let dim = pq.dim;
    let decoded = pq.decode(&pq.encode(data));
    let rows = (data.len() / dim) as f64;
    let error: f64 = data
        .iter()
        .zip(&decoded)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum();
    let mut variance = 0.0;
    for d in 0..dim {
        let column: Vec<f64> = data
            .iter()
            .skip(d)
            .step_by(dim)
            .map(|&x| f64::from(x))
            .collect();
        let mean = column.iter().sum::<f64>() / rows;
        variance += column.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    }
    (error / rows, variance / rows)
}

#[test]
fn reconstruction_error_is_much_lower_than_variance() {
    let dim = 16;
    let (data, _) = common::blobs(&mut common::rng(1), 3000, dim, 40, 1.0, 0.05);
    let params = KMeansParams {
        iterations: 10,
        ..KMeansParams::new(256)
    };
    let reports = Mutex::new(Vec::new());
    let record = |p: Progress| reports.lock().unwrap().push(p);
    let pq = ProductQuantizer::train(&data, dim, 4, &params, &record).unwrap();
    assert_eq!(pq.codebooks.len(), 4 * 256 * 4);
    let (error, variance) = errors(&pq, &data);
    assert!(
        error < 0.05 * variance,
        "error {error}, variance {variance}"
    );
    let reports = reports.into_inner().unwrap();
    assert_eq!(reports.len(), 4);
    assert!(reports
        .iter()
        .all(|p| p.stage == "sub-vectors" && p.total == 4));
    assert_eq!(reports.last().unwrap().done, 4);
}

#[test]
fn adc_equals_the_distance_to_the_reconstruction() {
    let mut rng = common::rng(2);
    for (dim, m) in [(16, 16), (16, 4), (15, 5), (12, 3), (32, 8)] {
        let data = common::uniform(&mut rng, 600, dim);
        let params = KMeansParams {
            iterations: 4,
            ..KMeansParams::new(256)
        };
        let pq = ProductQuantizer::train(&data, dim, m, &params, &common::quiet).unwrap();
        let codes = pq.encode(&data);
        assert_eq!(codes.len(), 600 * m);
        let decoded = pq.decode(&codes);
        let query = common::uniform(&mut rng, 1, dim);
        for metric in Metric::ALL {
            let table = pq.distance_table(&query, metric);
            assert_eq!(table.len(), m * 256);
            let mut adc = vec![7.0];
            adc_distances(&table, m, &codes, &mut adc);
            assert_eq!(adc.len(), 600);
            let kernel = if metric == Metric::Dot {
                Metric::Dot
            } else {
                Metric::L2
            };
            for (got, x) in adc.iter().zip(decoded.chunks_exact(dim)) {
                let want = distance(kernel, &query, x);
                assert!(
                    (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                    "{metric} m {m}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn fewer_rows_than_code_words_still_work() {
    let dim = 6;
    let data = common::uniform(&mut common::rng(3), 10, dim);
    let pq =
        ProductQuantizer::train(&data, dim, 3, &KMeansParams::new(256), &common::quiet).unwrap();
    assert_eq!(pq.codebooks.len(), 3 * 256 * 2);
    let (error, _) = errors(&pq, &data);
    assert!(
        error < 1e-10,
        "each row is its own code word, error {error}"
    );
    let single = ProductQuantizer::train(
        &data[..dim],
        dim,
        2,
        &KMeansParams::new(256),
        &common::quiet,
    )
    .unwrap();
    assert_eq!(single.decode(&single.encode(&data[..dim])), data[..dim]);
}

#[test]
fn rejects_bad_input() {
    let data = [0.0f32; 12];
    let params = KMeansParams::new(256);
    for (data, dim, m) in [
        (&data[..], 4, 3),
        (&data[..], 4, 0),
        (&data[..], 0, 1),
        (&data[..0], 4, 2),
        (&data[..], 5, 1),
    ] {
        let result = ProductQuantizer::train(data, dim, m, &params, &common::quiet);
        assert!(
            matches!(result, Err(VectorError::InvalidArgument(_))),
            "{result:?}"
        );
    }
    let nan = [f32::NAN; 4];
    assert!(ProductQuantizer::train(&nan, 4, 2, &params, &common::quiet).is_err());
}
