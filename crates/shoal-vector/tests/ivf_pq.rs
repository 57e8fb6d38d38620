//! The IVF-PQ model: search quality against brute force, serialization, bad input.

mod common;

use std::sync::Mutex;

use rand::Rng;
use shoal_vector::{
    adc_distances, distance, distances, IvfPqModel, IvfPqParams, Metric, Progress, TopK,
    VectorError,
};

const DIM: usize = 32;
/// Rows of the test data set (kept modest: the tests run in debug builds).
const ROWS: usize = 12_000;

/// Clustered rows, and queries drawn the same way.
fn dataset(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = common::rng(seed);
    let (all, _) = common::blobs(&mut rng, ROWS + 50, DIM, 100, 1.0, 0.15);
    let (data, queries) = all.split_at(ROWS * DIM);
    (data.to_vec(), queries.to_vec())
}

/// Mean recall@10 of: probe 10 partitions, ADC, top 100 candidates, exact re-ranking.
fn recall(metric: Metric) -> f64 {
    let (data, queries) = dataset(7);
    let rows = data.len() / DIM;
    let params = IvfPqParams {
        iterations: 6,
        max_sample_per_partition: 32,
        ..IvfPqParams::new(rows, DIM, metric)
    };
    let model = IvfPqModel::train(&data, DIM, &params, &common::quiet).unwrap();
    let (partitions, codes) = model.encode(&data, &common::quiet);
    let m = model.pq.sub_vectors;
    // Inverted lists: row ids and codes per partition.
    let mut lists: Vec<(Vec<u64>, Vec<u8>)> = vec![(Vec::new(), Vec::new()); model.partitions()];
    for (i, &p) in partitions.iter().enumerate() {
        lists[p as usize].0.push(i as u64);
        lists[p as usize].1.extend_from_slice(&codes[i * m..][..m]);
    }
    let (mut found, mut total) = (0, 0);
    let mut exact = Vec::new();
    let mut approximate = Vec::new();
    for q in queries.chunks_exact(DIM) {
        distances(metric, q, &data, &mut exact);
        let mut truth = TopK::new(10);
        truth.push_slice(&exact, |i| i as u64);
        let truth: Vec<u64> = truth.into_sorted_vec().into_iter().map(|x| x.1).collect();

        let mut candidates = TopK::new(100);
        for p in model.probe(q, 10) {
            let (ids, codes) = &lists[p as usize];
            let table = model.partition_table(q, p);
            adc_distances(&table.table, m, codes, &mut approximate);
            approximate.iter_mut().for_each(|d| *d += table.offset);
            candidates.push_slice(&approximate, |i| ids[i]);
        }
        let mut reranked = TopK::new(10);
        for (_, id) in candidates.into_sorted_vec() {
            reranked.push(distance(metric, q, &data[id as usize * DIM..][..DIM]), id);
        }
        let got: Vec<u64> = reranked
            .into_sorted_vec()
            .into_iter()
            .map(|x| x.1)
            .collect();
        found += truth.iter().filter(|id| got.contains(id)).count();
        total += truth.len();
    }
    found as f64 / total as f64
}

#[test]
fn recall_l2() {
    let r = recall(Metric::L2);
    eprintln!("recall {r}");
    assert!(r >= 0.95, "recall@10 {r}");
}

#[test]
fn recall_cosine() {
    let r = recall(Metric::Cosine);
    eprintln!("recall {r}");
    assert!(r >= 0.95, "recall@10 {r}");
}

#[test]
fn recall_dot() {
    let r = recall(Metric::Dot);
    eprintln!("recall {r}");
    assert!(r >= 0.95, "recall@10 {r}");
}

#[test]
fn approximate_distances_track_exact_ones() {
    let (data, queries) = dataset(8);
    let data = &data[..2000 * DIM];
    for metric in Metric::ALL {
        let params = IvfPqParams {
            iterations: 5,
            ..IvfPqParams::new(2000, DIM, metric)
        };
        let model = IvfPqModel::train(data, DIM, &params, &common::quiet).unwrap();
        let (partitions, codes) = model.encode(data, &common::quiet);
        let q = &queries[..DIM];
        let tables: Vec<_> = (0..model.partitions() as u32)
            .map(|p| model.partition_table(q, p))
            .collect();
        let mut adc = Vec::new();
        let (mut approximate, mut exact) = (Vec::new(), Vec::new());
        for (i, x) in data.chunks_exact(DIM).enumerate() {
            let table = &tables[partitions[i] as usize];
            let code = &codes[i * model.pq.sub_vectors..][..model.pq.sub_vectors];
            adc_distances(&table.table, model.pq.sub_vectors, code, &mut adc);
            approximate.push(f64::from(adc[0] + table.offset));
            exact.push(f64::from(distance(metric, q, x)));
        }
        // The approximate distances are strongly correlated with the exact ones.
        let n = exact.len() as f64;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
        let (ma, me) = (mean(&approximate), mean(&exact));
        let covariance: f64 = approximate
            .iter()
            .zip(&exact)
            .map(|(a, e)| (a - ma) * (e - me))
            .sum();
        let spread = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>().sqrt();
        let correlation = covariance / (spread(&approximate, ma) * spread(&exact, me));
        eprintln!("{metric}: correlation {correlation}");
        assert!(correlation > 0.9, "{metric}: correlation {correlation}");
    }
}

#[test]
fn train_and_encode_report_progress() {
    let (data, _) = dataset(9);
    let data = &data[..3000 * DIM];
    let params = IvfPqParams {
        iterations: 3,
        ..IvfPqParams::new(3000, DIM, Metric::L2)
    };
    let reports = Mutex::new(Vec::new());
    let record = |p: Progress| reports.lock().unwrap().push(p);
    let model = IvfPqModel::train(data, DIM, &params, &record).unwrap();
    model.encode(data, &record);
    let reports = reports.into_inner().unwrap();
    for (stage, total) in [("partitions", 3), ("sub-vectors", 4), ("assigning", 3000)] {
        let last = reports.iter().rfind(|p| p.stage == stage).unwrap();
        assert_eq!((last.done, last.total), (total, total), "{stage}");
    }
}

#[test]
fn default_params() {
    let p = IvfPqParams::new(1_000_000, 128, Metric::L2);
    assert_eq!(
        (
            p.partitions,
            p.sub_vectors,
            p.iterations,
            p.max_sample_per_partition
        ),
        (1000, 16, 25, 256)
    );
    assert_eq!(IvfPqParams::new(0, 0, Metric::L2).partitions, 1);
    assert_eq!(IvfPqParams::new(3, 4, Metric::L2).sub_vectors, 1);
    assert_eq!(IvfPqParams::new(3, 100, Metric::L2).sub_vectors, 10);
    assert_eq!(IvfPqParams::new(3, 768, Metric::L2).sub_vectors, 96);
    assert_eq!(IvfPqParams::new(2, 16, Metric::L2).partitions, 1);
}

#[test]
fn tiny_datasets_work() {
    for metric in Metric::ALL {
        for rows in [1, 2, 5, 300] {
            let data = common::uniform(&mut common::rng(rows as u64), rows, 16);
            let params = IvfPqParams::new(rows, 16, metric);
            let model = IvfPqModel::train(&data, 16, &params, &common::quiet).unwrap();
            let (partitions, codes) = model.encode(&data, &common::quiet);
            assert_eq!((partitions.len(), codes.len()), (rows, rows * 2));
            let probed = model.probe(&data[..16], 100);
            assert_eq!(probed.len(), model.partitions());
            let table = model.partition_table(&data[..16], probed[0]);
            assert_eq!(table.table.len(), 2 * 256);
        }
    }
}

#[test]
fn rejects_bad_input() {
    let data = common::uniform(&mut common::rng(1), 10, 8);
    let base = IvfPqParams::new(10, 8, Metric::L2);
    let mut with_nan = data.clone();
    with_nan[17] = f32::NAN;
    let cases = [
        (
            data.clone(),
            8,
            IvfPqParams {
                partitions: 11,
                ..base.clone()
            },
        ),
        (
            data.clone(),
            8,
            IvfPqParams {
                partitions: 0,
                ..base.clone()
            },
        ),
        (
            data.clone(),
            8,
            IvfPqParams {
                sub_vectors: 3,
                ..base.clone()
            },
        ),
        (
            data.clone(),
            8,
            IvfPqParams {
                sub_vectors: 0,
                ..base.clone()
            },
        ),
        (data.clone(), 0, base.clone()),
        (data[..9].to_vec(), 8, base.clone()),
        (with_nan, 8, base.clone()),
    ];
    for (data, dim, params) in cases {
        let result = IvfPqModel::train(&data, dim, &params, &common::quiet);
        assert!(
            matches!(result, Err(VectorError::InvalidArgument(_))),
            "{params:?}: {result:?}"
        );
    }
}

fn small_model(metric: Metric) -> IvfPqModel {
    let data = common::uniform(&mut common::rng(2), 200, 8);
    let params = IvfPqParams {
        partitions: 4,
        sub_vectors: 2,
        ..IvfPqParams::new(200, 8, metric)
    };
    IvfPqModel::train(&data, 8, &params, &common::quiet).unwrap()
}

#[test]
fn bytes_round_trip() {
    for metric in Metric::ALL {
        let model = small_model(metric);
        let bytes = model.to_bytes();
        assert_eq!(&bytes[..8], b"SHOALIVF");
        assert_eq!(bytes.len(), 24 + 4 * (4 * 8 + 256 * 8));
        assert_eq!(IvfPqModel::from_bytes(&bytes).unwrap(), model);
    }
}

fn assert_corrupt(bytes: &[u8], what: &str) {
    match IvfPqModel::from_bytes(bytes) {
        Err(VectorError::Corrupt(_)) => {}
        other => panic!("{what}: expected a corrupt error, got {other:?}"),
    }
}

#[test]
fn corrupt_bytes_are_errors() {
    let bytes = small_model(Metric::Cosine).to_bytes();
    for len in 0..bytes.len() {
        assert_corrupt(&bytes[..len], &format!("truncated to {len}"));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_corrupt(&longer, "trailing byte");
    let patch = |at: usize, value: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + value.len()].copy_from_slice(value);
        b
    };
    assert_corrupt(&patch(0, b"X"), "magic");
    assert_corrupt(&patch(8, &2u16.to_le_bytes()), "version");
    assert_corrupt(&patch(10, &[0]), "metric 0");
    assert_corrupt(&patch(10, &[4]), "metric 4");
    assert_corrupt(&patch(11, &[1]), "padding");
    assert_corrupt(&patch(12, &0u32.to_le_bytes()), "dim 0");
    assert_corrupt(&patch(12, &u32::MAX.to_le_bytes()), "huge dim");
    assert_corrupt(
        &patch(12, &16u32.to_le_bytes()),
        "dim disagrees with the length",
    );
    assert_corrupt(&patch(16, &0u32.to_le_bytes()), "partitions 0");
    assert_corrupt(&patch(16, &u32::MAX.to_le_bytes()), "huge partitions");
    assert_corrupt(&patch(20, &0u32.to_le_bytes()), "sub_vectors 0");
    assert_corrupt(
        &patch(20, &3u32.to_le_bytes()),
        "sub_vectors not dividing dim",
    );
    assert_corrupt(&patch(24, &f32::NAN.to_le_bytes()), "NaN centroid");
    assert_corrupt(
        &patch(bytes.len() - 4, &f32::INFINITY.to_le_bytes()),
        "infinite code word",
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = common::rng(3);
    let valid = small_model(Metric::Dot).to_bytes();
    for round in 0..3000 {
        let bytes: Vec<u8> = if round % 2 == 0 {
            let len = rng.gen_range(0..200);
            let mut b: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if round % 4 == 0 && b.len() >= 8 {
                b[..8].copy_from_slice(b"SHOALIVF");
            }
            b
        } else {
            // Flip a few bytes of a valid model, mostly in the header.
            let mut b = valid.clone();
            for _ in 0..rng.gen_range(1..4) {
                let at = if rng.gen_bool(0.7) {
                    rng.gen_range(0..24)
                } else {
                    rng.gen_range(0..b.len())
                };
                b[at] = rng.gen();
            }
            b
        };
        let _ = IvfPqModel::from_bytes(&bytes);
    }
}
