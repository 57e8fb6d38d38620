//! `merge_insert` (upsert by key) end to end, on local disk, in memory and (when the test
//! server runs) on S3: every combination of its three clauses against a model of the same
//! rows in memory, on a one-column key (several target rows per key) and a string-and-int
//! key, with null keys (they match nothing) and deleted rows (never matched); bad sources
//! refused with nothing changed; and 8 writer processes upserting overlapping keys at once,
//! which must leave every key exactly once, with the value of its last committed upsert.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{Array, ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::stream;
use rand::{Rng, SeedableRng};
use shoal_dataset::{
    Dataset, DatasetWriter, Error, MergeInsertStats, Operation, RowFilter, WriteMode, WriteParams,
};
use support::uris;
use support::workers::{report, reports, shared_uris, spawn_worker, worker_task};

/// A row: key parts `k` and `n` (either may be null) and a value `v`.
type Row = (Option<String>, Option<i64>, i64);

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("k", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new("v", DataType::Int64, false),
    ]))
}

fn to_batch(rows: &[Row]) -> RecordBatch {
    let k: ArrayRef = Arc::new(StringArray::from_iter(rows.iter().map(|r| r.0.clone())));
    let n: ArrayRef = Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.1)));
    let v: ArrayRef = Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.2)));
    RecordBatch::try_new(schema(), vec![k, n, v]).unwrap()
}

fn from_batch(batch: &RecordBatch) -> Vec<Row> {
    let k = batch
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    let n = batch
        .column(1)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    let v = batch
        .column(2)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    (0..batch.num_rows())
        .map(|i| {
            let key = k.is_valid(i).then(|| k.value(i).to_string());
            (key, n.is_valid(i).then(|| n.value(i)), v.value(i))
        })
        .collect()
}

async fn create(uri: &str, rows: &[Row]) -> Dataset {
    let params = WriteParams {
        max_rows_per_file: 7,
        ..WriteParams::default()
    };
    let mut w = DatasetWriter::new(uri, schema(), WriteMode::Create, params)
        .await
        .unwrap();
    w.write(&to_batch(rows)).await.unwrap();
    w.commit().await.unwrap()
}

async fn rows_of(ds: &Dataset) -> Vec<Row> {
    let mut rows: Vec<Row> = ds
        .scan()
        .collect()
        .await
        .unwrap()
        .iter()
        .flat_map(from_batch)
        .collect();
    rows.sort();
    rows
}

/// Source rows in batches of `per_batch`.
fn source(
    rows: &[Row],
    per_batch: usize,
) -> impl futures::Stream<Item = shoal_dataset::Result<RecordBatch>> {
    let batches: Vec<_> = rows.chunks(per_batch).map(|c| Ok(to_batch(c))).collect();
    stream::iter(batches)
}

fn filter(ds: &Dataset, text: &str) -> Arc<dyn RowFilter> {
    Arc::new(shoal_sql::SqlFilter::new(text, &ds.schema(), ds.uri()).unwrap())
}

/// Which clauses a merge has.
#[derive(Debug, Clone, Copy)]
struct Clauses {
    update: bool,
    insert: bool,
    delete: bool,
}

/// A key's identity under the key columns `on`: `None` when a key column is null.
fn key(row: &Row, on: &[&str]) -> Option<String> {
    let parts: Option<Vec<String>> = on
        .iter()
        .map(|c| match *c {
            "k" => row.0.clone(),
            "n" => row.1.map(|n| n.to_string()),
            _ => unreachable!(),
        })
        .collect();
    parts.map(|p| p.join("|"))
}

/// What a merge does, in memory: the rows after it, and its figures. Only target rows for
/// which `deletable` holds may be deleted by source.
fn model(
    target: &[Row],
    source: &[Row],
    on: &[&str],
    c: Clauses,
    deletable: impl Fn(&Row) -> bool,
) -> (Vec<Row>, MergeInsertStats) {
    let source_keys: HashSet<String> = source.iter().filter_map(|r| key(r, on)).collect();
    let target_keys: HashSet<String> = target.iter().filter_map(|r| key(r, on)).collect();
    let mut stats = MergeInsertStats::default();
    let mut rows = Vec::new();
    for t in target {
        let matched = key(t, on).is_some_and(|k| source_keys.contains(&k));
        match matched {
            true if c.update => {}
            false if c.delete && deletable(t) => stats.deleted += 1,
            _ => rows.push(t.clone()),
        }
    }
    for s in source {
        let matched = key(s, on).is_some_and(|k| target_keys.contains(&k));
        match matched {
            true if c.update => stats.updated += 1,
            false if c.insert => stats.inserted += 1,
            _ => continue,
        }
        rows.push(s.clone());
    }
    rows.sort();
    (rows, stats)
}

/// 30 target rows; keys (k, n) unique where not null, n alone shared by 3 rows.
fn target_rows() -> Vec<Row> {
    (0..30)
        .map(|i| {
            let k = (i % 10 != 9).then(|| ["a", "b", "c"][i as usize % 3].to_string());
            let n = (i % 7 != 6).then_some(i / 3);
            (k, n, i)
        })
        .collect()
}

/// 20 source rows whose keys under `on` are unique where not null; some meet target rows.
fn source_rows(on: &[&str]) -> Vec<Row> {
    (0..20)
        .map(|j| {
            let k = (j % 8 != 7).then(|| ["a", "b", "d"][j as usize % 3].to_string());
            let n = match on {
                ["n"] => (j % 8 != 7).then_some(j + 5),
                _ => Some(j / 3 + 2),
            };
            (k, n, 1000 + j)
        })
        .collect()
}

async fn merge(
    ds: &Dataset,
    on: &[&str],
    c: Clauses,
    delete_filter: Option<Arc<dyn RowFilter>>,
    rows: &[Row],
) -> shoal_dataset::Result<(Dataset, MergeInsertStats)> {
    let mut builder = ds.merge_insert(on);
    if c.update {
        builder = builder.when_matched_update_all();
    }
    if c.insert {
        builder = builder.when_not_matched_insert_all();
    }
    if c.delete {
        builder = builder.when_not_matched_by_source_delete(delete_filter);
    }
    builder.execute(source(rows, 6)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_combination_of_clauses_agrees_with_the_model() {
    let (_dir, uris) = uris("merge-model");
    for uri in &uris {
        for on in [&["n"][..], &["k", "n"][..]] {
            for bits in 1..8u8 {
                let c = Clauses {
                    update: bits & 1 != 0,
                    insert: bits & 2 != 0,
                    delete: bits & 4 != 0,
                };
                let at = format!("{uri}/{}-{bits}", on.join("-"));
                let ds = create(&at, &target_rows()).await;
                // Deleted rows are never matched (their keys are among the source's).
                let ds = ds.delete(filter(&ds, "v % 5 = 0")).await.unwrap();
                let mut target: Vec<Row> =
                    target_rows().into_iter().filter(|r| r.2 % 5 != 0).collect();
                target.sort();
                assert_eq!(rows_of(&ds).await, target);

                let src = source_rows(on);
                let (expected, want) = model(&target, &src, on, c, |_| true);
                let (merged, stats) = merge(&ds, on, c, None, &src).await.unwrap();
                let what = format!("{at} on {on:?} with {c:?}");
                assert_eq!(rows_of(&merged).await, expected, "{what}");
                assert_eq!(
                    stats,
                    MergeInsertStats {
                        attempts: 1,
                        ..want
                    },
                    "{what}"
                );
                assert!(stats.inserted + stats.updated + stats.deleted > 0, "{what}");
                assert_eq!(merged.version(), ds.version() + 1, "{what}");
                assert_eq!(
                    merged.manifest().operation,
                    Operation::MergeInsert {
                        on: on.iter().map(|s| s.to_string()).collect(),
                        inserted: want.inserted,
                        updated: want.updated,
                        deleted: want.deleted,
                    },
                    "{what}"
                );
                // What was committed is what a fresh open reads.
                let reopened = Dataset::open(&at).await.unwrap();
                assert_eq!(rows_of(&reopened).await, expected, "{what}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deletes_by_source_only_where_the_filter_allows() {
    let (_dir, uris) = uris("merge-delete-filter");
    for uri in &uris {
        let ds = create(uri, &target_rows()).await;
        let on = ["k", "n"];
        let c = Clauses {
            update: true,
            insert: true,
            delete: true,
        };
        let src = source_rows(&on);
        let (expected, want) = model(&target_rows(), &src, &on, c, |r| r.2 < 12);
        let (merged, stats) = merge(&ds, &on, c, Some(filter(&ds, "v < 12")), &src)
            .await
            .unwrap();
        assert_eq!(rows_of(&merged).await, expected);
        assert_eq!(
            stats,
            MergeInsertStats {
                attempts: 1,
                ..want
            }
        );
        assert!(want.deleted > 0 && want.deleted < 12, "{want:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_empty_source_inserts_nothing_and_deletes_everything_by_source() {
    let (_dir, uris) = uris("merge-empty");
    for uri in &uris {
        let ds = create(uri, &target_rows()).await;
        let (same, stats) = ds
            .merge_insert(&["n"])
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(source(&[], 1))
            .await
            .unwrap();
        assert_eq!(same.version(), ds.version(), "nothing to commit");
        assert_eq!(stats.inserted + stats.updated + stats.deleted, 0);
        let (emptied, stats) = ds
            .merge_insert(&["n"])
            .when_not_matched_by_source_delete(None)
            .execute(stream::iter(vec![Ok(to_batch(&[]))]))
            .await
            .unwrap();
        assert_eq!((emptied.num_rows(), stats.deleted), (0, 30));
        assert_eq!(emptied.version(), ds.version() + 1);
    }
}

async fn data_files(uri: &str) -> usize {
    let root = shoal_io::resolve(uri).unwrap();
    shoal_io::list(&root.child("data")).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_sources_and_keys_are_refused_with_nothing_changed() {
    let (_dir, uris) = uris("merge-refused");
    for uri in &uris {
        let ds = create(uri, &target_rows()).await;
        let files = data_files(uri).await;
        let upsert = |on: &[&str]| {
            ds.merge_insert(on)
                .when_matched_update_all()
                .when_not_matched_insert_all()
        };

        // A key twice (in different batches) is ambiguous, and named; null keys are not.
        let mut rows = source_rows(&["k", "n"]);
        rows.push((Some("b".into()), Some(2), 7));
        rows.push((None, Some(2), 8));
        let err = upsert(&["k", "n"])
            .execute(source(&rows, 4))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::DuplicateKey { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("k = 'b', n = 2") && text.contains("(on k, n)"),
            "{text}"
        );

        // A source of another schema: each difference named.
        let other = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
            Field::new("v", DataType::Int32, false),
            Field::new("extra", DataType::Int64, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![Some("z")])),
            Arc::new(Int64Array::from(vec![Some(99)])),
            Arc::new(Int32Array::from(vec![1])),
            Arc::new(Int64Array::from(vec![Some(1)])),
        ];
        let bad = RecordBatch::try_new(other, columns).unwrap();
        let err = upsert(&["n"])
            .execute(stream::iter(vec![Ok(bad)]))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::SchemaMismatch { .. }), "{text}");
        assert!(
            text.contains("column 'v' has type Int32 instead of Int64"),
            "{text}"
        );
        assert!(
            text.contains("column 'extra' is not in the schema"),
            "{text}"
        );

        // A key column that does not exist, none at all, one named twice, no clause.
        let src = source_rows(&["n"]);
        let err = upsert(&["nope"])
            .execute(source(&src, 5))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::ColumnNotFound { ref name, .. } if name == "nope"),
            "{err}"
        );
        let err = upsert(&[]).execute(source(&src, 5)).await.unwrap_err();
        assert!(err.to_string().contains("at least one key column"), "{err}");
        let err = upsert(&["n", "n"])
            .execute(source(&src, 5))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("'n' is named twice"), "{err}");
        let err = ds
            .merge_insert(&["n"])
            .execute(source(&src, 5))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("at least one clause"), "{err}");
        // A source stream that fails part way.
        let failing = stream::iter(vec![
            Ok(to_batch(&src[..3])),
            Err(Error::InvalidArgument("the source broke".into())),
        ]);
        let err = upsert(&["n"]).execute(failing).await.unwrap_err();
        assert!(err.to_string().contains("the source broke"), "{err}");

        let latest = Dataset::open(uri).await.unwrap();
        assert_eq!(latest.version(), ds.version());
        assert_eq!(rows_of(&latest).await, rows_of(&ds).await);
        assert_eq!(data_files(uri).await, files, "no file written");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_merge_behind_a_concurrent_change_runs_again_on_the_latest_version() {
    let (_dir, uris) = uris("merge-rebase");
    for uri in &uris {
        // Fragments of 7 rows: v 0..7, 7..14, ...
        let v1 = create(uri, &target_rows()).await;
        let upsert = |ds: &Dataset| {
            ds.merge_insert(&["k", "n"])
                .when_matched_update_all()
                .when_not_matched_insert_all()
        };
        let new_key = [(Some("new".to_string()), Some(1), 500)];

        // Another writer inserts the same new key first: this merge, prepared on v1,
        // conflicts, runs again on v2 and updates the row instead of inserting a second.
        let (v2, first) = upsert(&v1).execute(source(&new_key, 1)).await.unwrap();
        assert_eq!((first.inserted, first.attempts), (1, 1));
        let again = [(Some("new".to_string()), Some(1), 501)];
        let (v3, second) = upsert(&v1).execute(source(&again, 1)).await.unwrap();
        assert_eq!(
            (second.inserted, second.updated, second.attempts),
            (0, 1, 2)
        );
        assert_eq!(v3.version(), v2.version() + 1);
        let rows = rows_of(&v3).await;
        let new_rows: Vec<&Row> = rows
            .iter()
            .filter(|r| r.0.as_deref() == Some("new"))
            .collect();
        assert_eq!(new_rows, vec![&again[0]]);

        // Without retries the conflict is the answer, and its files are gone.
        let files = data_files(uri).await;
        let err = upsert(&v1)
            .conflict_retries(0)
            .execute(source(&again, 1))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("merge_insert on (k, n)") && text.contains("on its attempt 1 of 1,"),
            "{text}"
        );
        assert_eq!(data_files(uri).await, files);
        assert_eq!(Dataset::open(uri).await.unwrap().version(), v3.version());

        // A delete committed meanwhile in a fragment the merge does not read fits: one
        // attempt. One of the very row it would update (key (b, 1), v 4) does not: the merge
        // runs again and, the key gone, inserts it.
        let v4 = v3.delete(filter(&v3, "v = 20")).await.unwrap();
        let update = [(Some("a".to_string()), Some(1), 600)];
        let (v5, stats) = upsert(&v3).execute(source(&update, 1)).await.unwrap();
        assert_eq!((stats.updated, stats.attempts), (1, 1));
        assert_eq!(v5.version(), v4.version() + 1);
        let v6 = v5.delete(filter(&v5, "v = 4")).await.unwrap();
        let update = [(Some("b".to_string()), Some(1), 601)];
        let (v7, stats) = upsert(&v5).execute(source(&update, 1)).await.unwrap();
        assert_eq!((stats.inserted, stats.updated, stats.attempts), (1, 0, 2));
        assert_eq!(v7.version(), v6.version() + 1);
        let rows = rows_of(&v7).await;
        assert!(!rows.iter().any(|r| [3, 4, 20].contains(&r.2)), "{rows:?}");
        assert!(rows.contains(&(Some("a".into()), Some(1), 600)));
        assert!(rows.contains(&update[0]));

        // An append of a key meanwhile: the merge runs again and updates it.
        let mut append = DatasetWriter::new(uri, schema(), WriteMode::Append, Default::default())
            .await
            .unwrap();
        append
            .write(&to_batch(&[(Some("x".into()), Some(9), 700)]))
            .await
            .unwrap();
        let v8 = append.commit().await.unwrap();
        let update = [(Some("x".to_string()), Some(9), 701)];
        let (v9, stats) = upsert(&v7).execute(source(&update, 1)).await.unwrap();
        assert_eq!((stats.inserted, stats.updated, stats.attempts), (0, 1, 2));
        assert_eq!(v9.version(), v8.version() + 1);
        let rows = rows_of(&v9).await;
        let x: Vec<&Row> = rows
            .iter()
            .filter(|r| r.0.as_deref() == Some("x"))
            .collect();
        assert_eq!(x, vec![&update[0]]);
    }
}

// ---- Concurrent writer processes ----------------------------------------------------

const WRITERS: i64 = 8;
const MERGES_PER_WRITER: i64 = 50;
const KEY_SPACE: usize = 200;
/// Re-runs a writer allows itself after conflicts: 8 writers whose every merge conflicts
/// with every other commit need more than the default to all get through.
const RETRIES: u32 = 60;

/// The rows of one upsert: each key with the value `writer * 1000 + iteration`.
fn upsert_rows(keys: &[i64], value: i64) -> Vec<Row> {
    keys.iter()
        .map(|&k| (Some("key".into()), Some(k), value))
        .collect()
}

/// The entry point of worker processes; does nothing when run as a test.
#[test]
#[ignore = "the writer process that the other tests of this file start"]
fn worker() {
    let Some((task, uri, index)) = worker_task() else {
        return;
    };
    assert_eq!(task, "upsert");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(upsert_many(&uri, index));
}

/// Runs `MERGES_PER_WRITER` upserts of random keys, reporting each as
/// `committed <iteration> <version> <attempts> <keys>` or `conflict <iteration>`.
async fn upsert_many(uri: &str, writer: i64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(writer as u64);
    let mut ds = Dataset::open(uri).await.unwrap();
    for i in 0..MERGES_PER_WRITER {
        let count = rng.gen_range(1..=20);
        let keys: Vec<i64> = rand::seq::index::sample(&mut rng, KEY_SPACE, count)
            .into_iter()
            .map(|k| k as i64)
            .collect();
        ds = ds.latest().await.unwrap();
        let rows = upsert_rows(&keys, writer * 1000 + i);
        let merged = ds
            .merge_insert(&["n"])
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .conflict_retries(RETRIES)
            .execute(source(&rows, 8))
            .await;
        match merged {
            Ok((merged, stats)) => {
                assert_eq!(stats.inserted + stats.updated, keys.len() as u64);
                let keys: Vec<String> = keys.iter().map(i64::to_string).collect();
                let (version, attempts) = (merged.version(), stats.attempts);
                report(&format!(
                    "committed {i} {version} {attempts} {}",
                    keys.join(",")
                ));
            }
            Err(Error::Conflict { .. }) => report(&format!("conflict {i}")),
            Err(e) => panic!("merge {i} of writer {writer} on {uri} failed: {e}"),
        }
    }
}

/// One committed upsert as its writer reported it.
struct Committed {
    value: i64,
    attempts: u32,
    keys: Vec<i64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_upserting_overlapping_keys_keep_each_key_once() {
    let (_dir, uris) = shared_uris("merge-processes");
    for uri in &uris {
        let base = create(uri, &[]).await;
        let started = Instant::now();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| spawn_worker("upsert", uri, w))
            .collect();
        // By version: what each writer says it committed.
        let mut committed: BTreeMap<u64, Committed> = BTreeMap::new();
        let mut conflicts = 0;
        for (w, child) in writers.into_iter().enumerate() {
            let output = tokio::task::spawn_blocking(move || child.wait_with_output())
                .await
                .unwrap()
                .unwrap();
            assert!(output.status.success(), "writer {w} failed on {uri}");
            for line in reports(&output.stdout) {
                let parts: Vec<&str> = line.split(' ').collect();
                match parts[..] {
                    ["committed", i, version, attempts, keys] => {
                        let value = w as i64 * 1000 + i.parse::<i64>().unwrap();
                        let keys = keys.split(',').map(|k| k.parse().unwrap()).collect();
                        let attempts = attempts.parse().unwrap();
                        let entry = Committed {
                            value,
                            attempts,
                            keys,
                        };
                        let version = version.parse().unwrap();
                        assert!(
                            committed.insert(version, entry).is_none(),
                            "{version} twice"
                        );
                    }
                    ["conflict", _] => conflicts += 1,
                    _ => panic!("unexpected report {line}"),
                }
            }
        }
        let elapsed = started.elapsed();
        assert_eq!(
            committed.len() as i64 + conflicts,
            WRITERS * MERGES_PER_WRITER
        );

        // Versions follow each other, one per committed upsert, each recorded as it was.
        let ds = Dataset::open(uri).await.unwrap();
        let versions: Vec<u64> = committed.keys().copied().collect();
        let first = base.version() + 1;
        assert_eq!(versions, (first..=ds.version()).collect::<Vec<_>>());
        for m in ds.versions().await.unwrap().iter().skip(1) {
            let Operation::MergeInsert {
                inserted, updated, ..
            } = m.operation
            else {
                panic!("version {} is {}", m.version, m.operation);
            };
            assert_eq!(inserted + updated, committed[&m.version].keys.len() as u64);
        }

        // Each key once, with the value of the last committed upsert that had it.
        let mut expected: HashMap<i64, i64> = HashMap::new();
        for c in committed.values() {
            for &k in &c.keys {
                expected.insert(k, c.value);
            }
        }
        let rows = rows_of(&ds).await;
        let mut got: HashMap<i64, i64> = HashMap::new();
        for (_, n, v) in &rows {
            assert!(got.insert(n.unwrap(), *v).is_none(), "key {n:?} twice");
        }
        assert_eq!(got, expected, "{uri}");

        let retries: u32 = committed.values().map(|c| c.attempts - 1).sum();
        let most = committed.values().map(|c| c.attempts).max().unwrap_or(0);
        eprintln!(
            "{uri}: {} upserts committed, {conflicts} gave up after {RETRIES} retries; \
             {retries} re-runs after conflicts (at most {most} attempts for one); \
             {} keys; {:.1} s",
            committed.len(),
            got.len(),
            elapsed.as_secs_f64()
        );
    }
}
