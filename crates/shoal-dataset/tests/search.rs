//! Vector search: flat results equal a brute-force reference exactly; several queries at
//! once equal one at a time; an indexed search sees rows appended after the index was built
//! and never deleted ones, finds what exact search finds on clustered data, and survives
//! optimize; bad queries and columns are clear errors, and so are parameters of zero; a
//! non-finite vector stops an index build naming its row, and flat search leaves such rows
//! out; an index's coverage of a version follows deletes, appends and compaction.

mod support;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int64Type, UInt64Type};
use arrow_array::{
    ArrayRef, FixedSizeListArray, Float16Array, Float32Array, Int64Array, RecordBatch,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use half::f16;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shoal_dataset::{
    row_address, CompactOptions, Dataset, DatasetWriter, Error, IndexCoverage, IndexParams, Metric,
    WriteMode, WriteParams, DISTANCE_COLUMN,
};
use support::{uris, DeleteWhere};

const DIM: usize = 16;

fn schema() -> SchemaRef {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("vector", DataType::FixedSizeList(item, DIM as i32), true),
    ]))
}

/// Rows `start..start + vectors.len() / DIM` with these vectors.
fn batch(start: i64, vectors: &[f32]) -> RecordBatch {
    let rows = (vectors.len() / DIM) as i64;
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let list = FixedSizeListArray::try_new(
        item,
        DIM as i32,
        Arc::new(Float32Array::from(vectors.to_vec())),
        None,
    )
    .unwrap();
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(start..start + rows));
    RecordBatch::try_new(schema(), vec![ids, Arc::new(list)]).unwrap()
}

/// `rows` vectors around `centers` random centers (or uniform noise when 0).
fn vectors(rng: &mut StdRng, rows: usize, centers: usize) -> Vec<f32> {
    let middles: Vec<f32> = (0..centers.max(1) * DIM)
        .map(|_| rng.gen_range(-10.0..10.0))
        .collect();
    (0..rows)
        .flat_map(|_| {
            let c = rng.gen_range(0..centers.max(1));
            let spread = if centers == 0 { 10.0 } else { 1.0 };
            (0..DIM)
                .map(|d| {
                    middles[c * DIM + d] * (centers > 0) as u8 as f32
                        + rng.gen_range(-spread..spread)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn create(uri: &str, data: &[f32], rows_per_file: u64) -> Dataset {
    let params = WriteParams {
        max_rows_per_file: rows_per_file,
        ..WriteParams::default()
    };
    let mut w = DatasetWriter::new(uri, schema(), WriteMode::Create, params)
        .await
        .unwrap();
    w.write(&batch(0, data)).await.unwrap();
    w.commit().await.unwrap()
}

async fn append(ds: &Dataset, start: i64, data: &[f32]) -> Dataset {
    let mut w = DatasetWriter::new(
        ds.uri(),
        schema(),
        WriteMode::Append,
        WriteParams::default(),
    )
    .await
    .unwrap();
    w.write(&batch(start, data)).await.unwrap();
    w.commit().await.unwrap()
}

/// Ids and distances of the k nearest by an f64 brute force over (id, vector) pairs.
fn reference(rows: &[(i64, &[f32])], query: &[f32], k: usize, metric: Metric) -> Vec<(i64, f64)> {
    let mut all: Vec<(i64, f64)> = rows
        .iter()
        .map(|(id, v)| {
            let dot: f64 = v
                .iter()
                .zip(query)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            let d = match metric {
                Metric::L2 => v
                    .iter()
                    .zip(query)
                    .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
                    .sum(),
                Metric::Dot => -dot,
                Metric::Cosine => {
                    let n = |x: &[f32]| x.iter().map(|a| (*a as f64).powi(2)).sum::<f64>().sqrt();
                    1.0 - dot / (n(v) * n(query))
                }
            };
            (*id, d)
        })
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

fn found(batch: &RecordBatch) -> Vec<(i64, f32)> {
    let ids = batch
        .column_by_name("id")
        .unwrap()
        .as_primitive::<Int64Type>();
    let d = batch
        .column_by_name(DISTANCE_COLUMN)
        .unwrap()
        .as_primitive::<Float32Type>();
    ids.values()
        .iter()
        .copied()
        .zip(d.values().iter().copied())
        .collect()
}

fn ids_of(batch: &RecordBatch) -> Vec<i64> {
    found(batch).into_iter().map(|(id, _)| id).collect()
}

#[tokio::test]
async fn flat_search_equals_brute_force_for_every_metric() {
    let (_dir, uris) = uris("search-flat");
    let mut rng = StdRng::seed_from_u64(7);
    let data = vectors(&mut rng, 3000, 0);
    let queries = vectors(&mut rng, 5, 0);
    for uri in &uris {
        // 3000 rows in 12 fragments, then 100 deleted.
        let ds = create(uri, &data, 250)
            .await
            .delete_where("id < 100")
            .await
            .unwrap();
        let live: Vec<(i64, &[f32])> = data
            .chunks(DIM)
            .enumerate()
            .skip(100)
            .map(|(i, v)| (i as i64, v))
            .collect();
        for metric in [Metric::L2, Metric::Cosine, Metric::Dot] {
            let all = ds
                .search("vector", &queries)
                .k(10)
                .metric(metric)
                .execute()
                .await
                .unwrap();
            assert_eq!(all.batches.len(), 5);
            assert_eq!(all.stats.index, None);
            for (q, query) in queries.chunks(DIM).enumerate() {
                let want = reference(&live, query, 10, metric);
                let got = found(&all.batches[q]);
                assert_eq!(
                    got.iter().map(|g| g.0).collect::<Vec<_>>(),
                    want.iter().map(|w| w.0).collect::<Vec<_>>(),
                    "{metric} query {q}"
                );
                for ((_, g), (_, w)) in got.iter().zip(&want) {
                    assert!(
                        (*g as f64 - w).abs() <= 1e-3 * w.abs().max(1.0),
                        "{metric}: {g} vs {w}"
                    );
                }
                // One query alone gives the same answer as in the group.
                let alone = ds
                    .search("vector", query)
                    .metric(metric)
                    .execute()
                    .await
                    .unwrap();
                assert_eq!(alone.batches[0], all.batches[q]);
            }
        }
        // Projection, row addresses, and the winners' other columns fetched by take.
        let one = ds
            .search("vector", &queries[..DIM])
            .k(3)
            .columns(&["id"])
            .with_row_addresses(true)
            .execute()
            .await
            .unwrap();
        let b = &one.batches[0];
        assert_eq!(
            b.schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>(),
            ["id", "_distance", "_rowaddr"]
        );
        let taken = ds
            .take_addresses(&[0], b.column(2).as_primitive::<UInt64Type>().values())
            .await
            .unwrap();
        assert_eq!(taken.column(0), b.column(0));
    }
}

/// Flat search keeps the vectors it reads in the session: the second search reads nothing and
/// answers the same; a delete makes its fragment a new cache entry, so the deleted row is
/// never found; a cache of 0 bytes reads every time.
#[tokio::test]
async fn flat_search_caches_vectors_per_fragment_and_deletion() {
    let (_dir, uris) = uris("search-cache");
    let mut rng = StdRng::seed_from_u64(11);
    let data = vectors(&mut rng, 2000, 0);
    let query = vectors(&mut rng, 1, 0);
    for uri in &uris {
        let ds = create(uri, &data, 250).await;
        let first = ds.search("vector", &query).execute().await.unwrap();
        assert_eq!(
            (first.stats.cached_fragments, first.stats.flat.rows),
            (0, 2000)
        );
        // Every column is narrow or the vector: read with the vectors, not taken after.
        assert_eq!(first.stats.taken_rows, 0);
        let (capacity, held) = ds.vector_cache_bytes();
        assert!(
            held >= 2000 * DIM as u64 * 4 && held <= capacity,
            "{held} of {capacity}"
        );

        let second = ds.search("vector", &query).execute().await.unwrap();
        assert_eq!(
            (second.stats.cached_fragments, second.stats.flat.rows),
            (8, 0)
        );
        // The cache holds vectors only: the winners' columns are taken, and are the same.
        assert_eq!(second.stats.taken_rows, 10);
        assert_eq!(second.batches, first.batches);

        let nearest = ids_of(&first.batches[0])[0];
        let ds = ds.delete_where(&format!("id = {nearest}")).await.unwrap();
        let third = ds.search("vector", &query).execute().await.unwrap();
        assert_eq!(
            (third.stats.cached_fragments, third.stats.flat.rows),
            (7, 249)
        );
        assert!(!ids_of(&third.batches[0]).contains(&nearest));
        assert_eq!(
            ids_of(&third.batches[0])[..9],
            ids_of(&first.batches[0])[1..]
        );

        ds.set_vector_cache_bytes(0);
        assert_eq!(ds.vector_cache_bytes(), (0, 0));
        let uncached = ds.search("vector", &query).execute().await.unwrap();
        assert_eq!(
            (uncached.stats.cached_fragments, uncached.stats.flat.rows),
            (0, 1999)
        );
        assert_eq!(uncached.batches, third.batches);
        let ids_only = ds
            .search("vector", &query)
            .columns(&["id"])
            .with_row_addresses(true)
            .execute()
            .await
            .unwrap();
        assert_eq!(ids_only.stats.taken_rows, 0);
        assert_eq!(ids_of(&ids_only.batches[0]), ids_of(&third.batches[0]));
    }
}

/// A dataset whose vector column is `fixed_size_list<float16>`, from float32 values.
async fn create_f16(uri: &str, data: &[f32], rows_per_file: u64) -> Dataset {
    let item = Arc::new(Field::new("item", DataType::Float16, true));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(item.clone(), DIM as i32),
            true,
        ),
    ]));
    let halves = Float16Array::from_iter_values(data.iter().map(|v| f16::from_f32(*v)));
    let list = FixedSizeListArray::try_new(item, DIM as i32, Arc::new(halves), None).unwrap();
    let ids = Int64Array::from_iter_values(0..(data.len() / DIM) as i64);
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(list)]).unwrap();
    let params = WriteParams {
        max_rows_per_file: rows_per_file,
        ..WriteParams::default()
    };
    let mut w = DatasetWriter::new(uri, schema, WriteMode::Create, params)
        .await
        .unwrap();
    w.write(&batch).await.unwrap();
    w.commit().await.unwrap()
}

/// float16 vector columns are searched as float32, widened exactly: flat results equal a
/// brute force over the widened values, and an index built on them finds a stored row.
#[tokio::test]
async fn float16_vector_columns_are_searched_flat_and_indexed() {
    let (_dir, uris) = uris("search-f16");
    let mut rng = StdRng::seed_from_u64(5);
    let widened: Vec<f32> = vectors(&mut rng, 3000, 30)
        .iter()
        .map(|v| f16::from_f32(*v).to_f32())
        .collect();
    let queries = vectors(&mut rng, 3, 30);
    let live: Vec<(i64, &[f32])> = widened
        .chunks(DIM)
        .enumerate()
        .map(|(i, v)| (i as i64, v))
        .collect();
    for uri in &uris {
        let ds = create_f16(uri, &widened, 1000).await;
        let flat = ds.search("vector", &queries).execute().await.unwrap();
        for (q, query) in queries.chunks(DIM).enumerate() {
            let want = reference(&live, query, 10, Metric::L2);
            assert_eq!(
                ids_of(&flat.batches[q]),
                want.iter().map(|w| w.0).collect::<Vec<_>>()
            );
        }
        let params = IndexParams {
            partitions: Some(8),
            sub_vectors: Some(4),
            ..IndexParams::new(Metric::L2)
        };
        let ds = ds.create_index("vector", &params, None).await.unwrap();
        let row = 1234;
        let hit = ds
            .search("vector", &widened[row * DIM..(row + 1) * DIM])
            .k(1)
            .refine_factor(Some(100))
            .execute()
            .await
            .unwrap();
        assert_eq!(hit.stats.index.as_deref(), Some("vector_idx"));
        assert_eq!(found(&hit.batches[0]), vec![(row as i64, 0.0)]);
    }
}

#[tokio::test]
async fn bad_queries_and_columns_are_clear_errors() {
    let (_dir, uris) = uris("search-errors");
    let mut rng = StdRng::seed_from_u64(1);
    let ds = create(&uris[0], &vectors(&mut rng, 100, 0), 1000).await;
    let q = vec![0.5f32; DIM];
    let err = |e: Error| e.to_string();
    let wrong_dim = ds.search("vector", &q[..5]).execute().await.unwrap_err();
    assert!(err(wrong_dim).contains("16 values"), "dimension");
    let mut nan = q.clone();
    nan[3] = f32::NAN;
    let e = err(ds.search("vector", &nan).execute().await.unwrap_err());
    assert!(e.contains("non-finite") && e.contains("position 3"), "{e}");
    let e = err(ds.search("id", &q).execute().await.unwrap_err());
    assert!(
        e.contains("not a vector column") && e.contains("Int64"),
        "{e}"
    );
    let e = err(ds.search("nope", &q).execute().await.unwrap_err());
    assert!(e.contains("no column 'nope'"), "{e}");
    let e = err(ds.search("vector", &q).k(0).execute().await.unwrap_err());
    assert!(e.contains("k must be"), "{e}");
}

#[tokio::test]
async fn indexed_search_sees_appended_rows_and_never_deleted_ones() {
    let (_dir, uris) = uris("search-index");
    let mut rng = StdRng::seed_from_u64(3);
    let data = vectors(&mut rng, 4000, 40);
    for uri in &uris {
        let ds = create(uri, &data, 1000).await;
        let params = IndexParams {
            partitions: Some(16),
            sub_vectors: Some(4),
            ..IndexParams::new(Metric::L2)
        };
        let ds = ds.create_index("vector", &params, None).await.unwrap();
        assert_eq!(ds.manifest().indices.len(), 1);
        assert_eq!(ds.manifest().indices[0].rows, 4000);

        // Recall of the defaults (refined) against exact search, on clustered data.
        let queries = vectors(&mut rng, 20, 40);
        let indexed = ds.search("vector", &queries).execute().await.unwrap();
        let exact = ds
            .search("vector", &queries)
            .use_index(false)
            .execute()
            .await
            .unwrap();
        assert_eq!(indexed.stats.index.as_deref(), Some("vector_idx"));
        let hits: usize = indexed
            .batches
            .iter()
            .zip(&exact.batches)
            .map(|(a, b)| ids_of(a).iter().filter(|id| ids_of(b).contains(id)).count())
            .sum();
        assert!(hits as f64 / 200.0 >= 0.9, "recall {}", hits as f64 / 200.0);

        // Rows appended after the index was built are found (searched flat) ...
        let extra = vectors(&mut rng, 50, 40);
        let ds = append(&ds, 4000, &extra).await;
        let query = &extra[7 * DIM..8 * DIM];
        let r = ds.search("vector", query).k(1).execute().await.unwrap();
        assert_eq!(found(&r.batches[0]), vec![(4007, 0.0)]);
        assert_eq!(r.stats.flat_fragments, 1);
        // ... and deleted rows, indexed or not, never appear.
        let target = &data[123 * DIM..124 * DIM];
        let before = ds.search("vector", target).k(1).execute().await.unwrap();
        assert_eq!(ids_of(&before.batches[0]), vec![123]);
        let ds = ds
            .delete_where("id = 123")
            .await
            .unwrap()
            .delete_where("id = 4007")
            .await
            .unwrap();
        for query in [target, query] {
            let r = ds.search("vector", query).k(50).execute().await.unwrap();
            let ids = ids_of(&r.batches[0]);
            assert!(!ids.contains(&123) && !ids.contains(&4007), "{ids:?}");
        }

        // Optimize puts the appended fragment into the index without retraining.
        let optimized = ds.optimize_index("vector_idx", None).await.unwrap();
        let entry = &optimized.manifest().indices[0];
        assert_eq!((entry.fragments.len(), entry.rows), (5, 4050 - 1));
        let r = optimized
            .search("vector", &extra[..DIM])
            .k(1)
            .execute()
            .await
            .unwrap();
        assert_eq!(r.stats.flat_fragments, 0);
        assert_eq!(ids_of(&r.batches[0]), vec![4000]);
        // A fresh handle loads the index from storage and agrees.
        let reopened = Dataset::open(uri).await.unwrap();
        let again = reopened
            .search("vector", &extra[..DIM])
            .k(1)
            .execute()
            .await
            .unwrap();
        assert_eq!(again.batches[0], r.batches[0]);
    }
}

#[tokio::test]
async fn indices_are_kept_by_changes_and_cleaned_up_with_their_versions() {
    let (_dir, uris) = uris("search-index-lifecycle");
    let mut rng = StdRng::seed_from_u64(5);
    let ds = create(&uris[0], &vectors(&mut rng, 600, 6), 300).await;
    let params = IndexParams {
        partitions: Some(4),
        sub_vectors: Some(2),
        ..IndexParams::new(Metric::Cosine)
    };
    let ds = ds.create_index("vector", &params, None).await.unwrap();
    let first = ds.manifest().indices[0].path.clone();
    let ds = ds.delete_where("id < 10").await.unwrap();
    assert_eq!(
        ds.manifest().indices[0].path,
        first,
        "a delete keeps the index"
    );
    // Rebuilding under the same name replaces it; cleanup removes the old file.
    let ds = ds.create_index("vector", &params, None).await.unwrap();
    assert_eq!(ds.manifest().indices.len(), 1);
    assert_ne!(ds.manifest().indices[0].path, first);
    let stats = ds.cleanup(std::time::Duration::ZERO).await.unwrap();
    assert!(stats.files_removed >= 1, "{stats:?}");
    let r = ds
        .search("vector", &vectors(&mut rng, 1, 6))
        .execute()
        .await
        .unwrap();
    assert_eq!(r.stats.metric, Some(Metric::Cosine));
    assert_eq!(r.batches[0].num_rows(), 10);
    // An index over too few rows is refused clearly.
    let too_many = IndexParams {
        partitions: Some(10_000),
        ..IndexParams::new(Metric::L2)
    };
    let e = ds
        .create_index("vector", &too_many, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("10000 partitions"), "{e}");
}

/// Small, quick index parameters for the 16-dimensional test vectors.
fn quick_index() -> IndexParams {
    IndexParams {
        partitions: Some(2),
        sub_vectors: Some(2),
        iterations: Some(2),
        ..IndexParams::new(Metric::L2)
    }
}

#[tokio::test]
async fn index_and_search_parameters_of_zero_are_refused_by_name() {
    let (_dir, uris) = uris("search-zero-params");
    let mut rng = StdRng::seed_from_u64(7);
    let ds = create(&uris[0], &vectors(&mut rng, 300, 3), 1000).await;
    let divisor = "a divisor of the vectors' dimension (16)";
    for (params, expected) in [
        (
            IndexParams {
                partitions: Some(0),
                ..quick_index()
            },
            "partitions must be at least 1 (got 0)".to_string(),
        ),
        (
            IndexParams {
                sub_vectors: Some(0),
                ..quick_index()
            },
            format!("sub_vectors must be {divisor} (got 0)"),
        ),
        (
            IndexParams {
                sub_vectors: Some(3),
                ..quick_index()
            },
            format!("sub_vectors must be {divisor} (got 3)"),
        ),
        (
            IndexParams {
                iterations: Some(0),
                ..quick_index()
            },
            "iterations must be at least 1 (got 0)".to_string(),
        ),
    ] {
        let err = ds.create_index("vector", &params, None).await.unwrap_err();
        assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
        assert_eq!(err.to_string(), expected);
    }
    assert_eq!(ds.latest().await.unwrap().version(), 1, "nothing committed");
    let q = vectors(&mut rng, 1, 3);
    let err = ds
        .search("vector", &q)
        .nprobes(0)
        .execute()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "nprobes must be at least 1 (got 0)");
    let err = ds
        .search("vector", &q)
        .refine_factor(Some(0))
        .execute()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "refine_factor must be at least 1 (got 0)");
}

#[tokio::test]
async fn a_non_finite_vector_stops_an_index_build_naming_column_row_and_value() {
    let (_dir, uris) = uris("search-nan-index");
    let mut rng = StdRng::seed_from_u64(8);
    for uri in &uris {
        // Row 250 is row 50 of fragment 1 (200 rows per file).
        let mut data = vectors(&mut rng, 400, 4);
        data[250 * DIM + 5] = f32::NAN;
        let ds = create(uri, &data, 200).await;
        let err = ds
            .create_index("vector", &quick_index(), None)
            .await
            .unwrap_err();
        let msg = err.to_string();
        match &err {
            Error::NonFiniteVector {
                column,
                address,
                fragment,
                row,
                value,
                ..
            } => {
                assert_eq!(column, "vector");
                assert_eq!(*address, row_address(1, 50));
                assert_eq!((*fragment, *row), (1, 50));
                assert!(value.is_nan());
            }
            _ => panic!("{msg}"),
        }
        assert!(
            msg.contains("column 'vector'")
                && msg.contains("(NaN)")
                && msg.contains(&format!("address {}", row_address(1, 50)))
                && msg.contains("fragment 1, row 50"),
            "{msg}"
        );
        // Rows encoded without being sampled (optimize encodes appended fragments only)
        // are checked too.
        let ds = ds.delete_where("id = 250").await.unwrap();
        let ds = ds
            .create_index("vector", &quick_index(), None)
            .await
            .unwrap();
        let mut more = vectors(&mut rng, 10, 4);
        more[3 * DIM] = f32::INFINITY;
        let ds = append(&ds, 400, &more).await;
        let err = ds.optimize_index("vector_idx", None).await.unwrap_err();
        assert!(
            matches!(err, Error::NonFiniteVector { fragment: 2, row: 3, value, .. } if value == f32::INFINITY),
            "{err}"
        );
        assert!(err.to_string().contains("(inf)"), "{err}");
    }
}

#[tokio::test]
async fn flat_search_leaves_out_rows_whose_vectors_hold_nan() {
    let (_dir, uris) = uris("search-nan-flat");
    let mut rng = StdRng::seed_from_u64(9);
    let mut data = vectors(&mut rng, 100, 0);
    data[42 * DIM + 1] = f32::NAN;
    let ds = create(&uris[0], &data, 1000).await;
    let r = ds
        .search("vector", &vectors(&mut rng, 1, 0))
        .k(100)
        .execute()
        .await
        .unwrap();
    let ids = ids_of(&r.batches[0]);
    assert_eq!(ids.len(), 99, "every row but the NaN one");
    assert!(!ids.contains(&42));
}

#[tokio::test]
async fn index_coverage_counts_what_the_version_still_has() {
    let (_dir, uris) = uris("search-index-coverage");
    let mut rng = StdRng::seed_from_u64(10);
    let ds = create(&uris[0], &vectors(&mut rng, 600, 3), 200).await;
    let ds = ds
        .create_index("vector", &quick_index(), None)
        .await
        .unwrap();
    let entry = ds.manifest().indices[0].clone();
    let coverage = |ds: &Dataset| ds.manifest().index_coverage(&ds.manifest().indices[0]);
    let covered = |fragments, rows, unindexed_fragments, unindexed_rows| IndexCoverage {
        fragments,
        rows,
        unindexed_fragments,
        unindexed_rows,
    };
    assert_eq!(coverage(&ds), covered(3, 600, 0, 0));
    // Fragment 0 goes entirely, fragment 1 keeps 150 rows.
    let ds = ds.delete_where("id < 250").await.unwrap();
    assert_eq!(coverage(&ds), covered(2, 350, 0, 0));
    let ds = append(&ds, 600, &vectors(&mut rng, 100, 3)).await;
    assert_eq!(coverage(&ds), covered(2, 350, 1, 100));
    // Compaction rewrites every fragment: the index holds none of the new ones.
    let compacted = ds.compact(&CompactOptions::default()).await.unwrap();
    assert_eq!(coverage(&compacted), covered(0, 0, 1, 450));
    let emptied = compacted.delete_where("id >= 0").await.unwrap();
    assert_eq!(coverage(&emptied), covered(0, 0, 0, 0));
    // The entry itself still records what was built.
    assert_eq!(emptied.manifest().indices[0], entry);
}

fn sql(ds: &Dataset, text: &str) -> Arc<dyn shoal_dataset::RowFilter> {
    Arc::new(shoal_sql::SqlFilter::new(text, &ds.schema(), ds.uri()).unwrap())
}

#[tokio::test]
async fn prefilters_return_k_matching_rows_however_few_match_and_postfilters_at_most_k() {
    let (_dir, uris) = uris("search-filter");
    let mut rng = StdRng::seed_from_u64(11);
    let data = vectors(&mut rng, 4000, 40);
    let rows: Vec<(i64, &[f32])> = (0..4000)
        .map(|i| (i as i64, &data[i * DIM..(i + 1) * DIM]))
        .collect();
    for uri in &uris {
        let ds = create(uri, &data, 1000).await;
        let ds = ds.delete_where("id = 103").await.unwrap();
        let indexed = ds
            .create_index(
                "vector",
                &IndexParams {
                    partitions: Some(16),
                    sub_vectors: Some(4),
                    ..IndexParams::new(Metric::L2)
                },
                None,
            )
            .await
            .unwrap();
        let queries = vectors(&mut rng, 5, 40);
        let matching = |id: i64| id % 100 == 3 && id != 103;
        let among: Vec<(i64, &[f32])> = rows
            .iter()
            .copied()
            .filter(|(id, _)| matching(*id))
            .collect();
        for q in queries.chunks(DIM) {
            // Flat: exactly the k nearest matching rows.
            let flat = ds
                .search("vector", q)
                .filter(sql(&ds, "id % 100 = 3"))
                .execute()
                .await
                .unwrap();
            let want: Vec<i64> = reference(&among, q, 10, Metric::L2)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            assert_eq!(ids_of(&flat.batches[0]), want);
            assert_eq!(flat.stats.filtered_rows, Some(39));
            // Indexed, probing one partition: still k rows, all matching.
            let found = indexed
                .search("vector", q)
                .nprobes(1)
                .filter(sql(&ds, "id % 100 = 3"))
                .execute()
                .await
                .unwrap();
            let ids = ids_of(&found.batches[0]);
            assert_eq!(ids.len(), 10, "{ids:?}");
            assert!(ids.iter().all(|id| matching(*id)), "{ids:?}");
            // Fewer matches than k: all of them.
            for ds in [&ds, &indexed] {
                let few = ds
                    .search("vector", q)
                    .filter(sql(ds, "id IN (5, 17, 103, 3999)"))
                    .execute()
                    .await
                    .unwrap();
                let mut ids = ids_of(&few.batches[0]);
                ids.sort_unstable();
                assert_eq!(ids, vec![5, 17, 3999]);
            }
            // Postfilter: the matching rows among the k x refine nearest, at most k.
            for ds in [&ds, &indexed] {
                let post = ds
                    .search("vector", q)
                    .filter(sql(ds, "id % 2 = 0"))
                    .prefilter(false)
                    .execute()
                    .await
                    .unwrap();
                let ids = ids_of(&post.batches[0]);
                assert!(ids.len() <= 10 && !ids.is_empty(), "{ids:?}");
                assert!(ids.iter().all(|id| id % 2 == 0), "{ids:?}");
            }
        }
    }
}

#[tokio::test]
async fn an_index_of_another_dimension_is_refused_as_corrupt() {
    let (dir, uris) = uris("search-index-dim");
    let mut rng = StdRng::seed_from_u64(5);
    let params = IndexParams {
        partitions: Some(4),
        sub_vectors: Some(2),
        ..IndexParams::new(Metric::L2)
    };
    let ds = create(&uris[0], &vectors(&mut rng, 300, 4), 1000).await;
    let ds = ds.create_index("vector", &params, None).await.unwrap();
    // Another dataset whose vectors have 8 dimensions, indexed too.
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let narrow = Arc::new(Schema::new(vec![Field::new(
        "vector",
        DataType::FixedSizeList(item.clone(), 8),
        true,
    )]));
    let other = dir.path().join("narrow").to_str().unwrap().to_string();
    let values = Float32Array::from(vectors(&mut rng, 300, 4)[..300 * 8].to_vec());
    let list = FixedSizeListArray::try_new(item, 8, Arc::new(values), None).unwrap();
    let batch = RecordBatch::try_new(narrow.clone(), vec![Arc::new(list)]).unwrap();
    let mut w = DatasetWriter::new(&other, narrow, WriteMode::Create, WriteParams::default())
        .await
        .unwrap();
    w.write(&batch).await.unwrap();
    let narrow = w.commit().await.unwrap();
    let narrow = narrow.create_index("vector", &params, None).await.unwrap();
    // Its index file in place of the first dataset's.
    let from = std::path::Path::new(&other).join(&narrow.manifest().indices[0].path);
    let to = std::path::Path::new(&uris[0]).join(&ds.manifest().indices[0].path);
    std::fs::copy(from, to).unwrap();
    let ds = Dataset::open(&uris[0]).await.unwrap();
    let query = vec![0.5; DIM];
    let err = ds.search("vector", &query).execute().await.unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(
        err.to_string().contains("8 dimensions, its column 16"),
        "{err}"
    );
}
