//! Filters on the read and write paths: a filtered scan returns exactly the matching live
//! rows, whatever the projection, batch size, offset and limit; pages and fragments whose
//! statistics rule out a match are never read (and counted); updates give matching rows new
//! values in place, rebase like deletes and commit nothing when they fail; a filter or an
//! update bound to another schema is refused.

mod support;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use shoal_dataset::{
    row_address, Dataset, DatasetWriter, Error, RowFilter, WriteMode, WriteParams,
};
use shoal_format::WriteOptions;
use shoal_sql::{SqlFilter, SqlUpdate};
use support::{uris, DeleteWhere};

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("category", DataType::Int32, true),
        Field::new("name", DataType::Utf8, true),
    ]))
}

/// Row `i`: id i, category i * 7 % 10 (null every 13th row), name "n{i}" (null every 11th).
fn category(i: i64) -> Option<i32> {
    (i % 13 != 0).then_some((i * 7 % 10) as i32)
}

fn name(i: i64) -> Option<String> {
    (i % 11 != 0).then(|| format!("n{i}"))
}

fn batch(range: std::ops::Range<i64>) -> RecordBatch {
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(range.clone()));
    let categories: ArrayRef = Arc::new(Int32Array::from_iter(range.clone().map(category)));
    let names: ArrayRef = Arc::new(StringArray::from_iter(range.map(name)));
    RecordBatch::try_new(schema(), vec![ids, categories, names]).unwrap()
}

async fn create(uri: &str, rows: i64, rows_per_file: u64, page_size: usize) -> Dataset {
    let params = WriteParams {
        max_rows_per_file: rows_per_file,
        file: WriteOptions {
            page_size,
            ..WriteOptions::default()
        },
    };
    let mut w = DatasetWriter::new(uri, schema(), WriteMode::Create, params)
        .await
        .unwrap();
    let mut start = 0;
    while start < rows {
        let end = (start + 50_000).min(rows);
        w.write(&batch(start..end)).await.unwrap();
        start = end;
    }
    w.commit().await.unwrap()
}

fn filter(ds: &Dataset, text: &str) -> Arc<dyn RowFilter> {
    Arc::new(SqlFilter::new(text, &ds.schema(), ds.uri()).unwrap())
}

fn column_i64(batches: &[RecordBatch], at: usize) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| b.column(at).as_primitive::<Int64Type>().values().to_vec())
        .collect()
}

/// Filters, each with the rows (by id) it selects.
type Rule = fn(i64) -> bool;
const CASES: &[(&str, Rule)] = &[
    ("id BETWEEN 1234 AND 1300", |i| (1234..=1300).contains(&i)),
    ("category = 3", |i| category(i) == Some(3)),
    ("category IS NULL OR id < 5", |i| {
        category(i).is_none() || i < 5
    }),
    ("name LIKE 'n12%' AND category > 4", |i| {
        name(i).is_some_and(|n| n.starts_with("n12")) && category(i).is_some_and(|c| c > 4)
    }),
    ("name IS NULL", |i| name(i).is_none()),
    ("id > 1000000", |_| false),
    ("id >= 0", |_| true),
    ("id % 997 = 5 OR id IN (1, 2, 3)", |i| {
        i % 997 == 5 || (1..=3).contains(&i)
    }),
];

#[tokio::test]
async fn filtered_scans_return_exactly_the_matching_live_rows() {
    let (_dir, uris) = uris("filter-scan");
    let rows = 6000;
    for uri in &uris {
        let ds = create(uri, rows, 2000, 4096).await;
        let ds = ds.delete_where("id % 5 = 0").await.unwrap();
        let live = |i: i64| i % 5 != 0;
        for (text, rule) in CASES {
            let expected: Vec<i64> = (0..rows).filter(|&i| live(i) && rule(i)).collect();
            for batch_rows in [64, 100_000] {
                // Every column, the filter's column first or not.
                let batches = ds
                    .scan()
                    .filter(filter(&ds, text))
                    .batch_rows(batch_rows)
                    .collect()
                    .await
                    .unwrap();
                assert_eq!(column_i64(&batches, 0), expected, "{text}");
                for b in &batches {
                    assert!(b.num_rows() > 0, "no empty batches");
                    assert_eq!(b.schema().fields().len(), 3);
                    for row in 0..b.num_rows() {
                        let id = b.column(0).as_primitive::<Int64Type>().value(row);
                        let c = b.column(1).as_primitive::<Int32Type>();
                        assert_eq!(c.is_valid(row).then(|| c.value(row)), category(id));
                        let n = b.column(2).as_string::<i32>();
                        assert_eq!(n.is_valid(row).then(|| n.value(row).to_string()), name(id));
                    }
                }
            }
            // A projection without the filter's columns, with row addresses.
            let batches = ds
                .scan()
                .columns(&["name"])
                .with_row_addresses(true)
                .filter(filter(&ds, text))
                .batch_rows(300)
                .collect()
                .await
                .unwrap();
            let addresses: Vec<u64> = batches
                .iter()
                .flat_map(|b| b.column(1).as_primitive::<UInt64Type>().values().to_vec())
                .collect();
            let want: Vec<u64> = expected
                .iter()
                .map(|&i| row_address(i as u64 / 2000, i as u64 % 2000))
                .collect();
            assert_eq!(addresses, want, "{text}");
            let names: Vec<Option<String>> = batches
                .iter()
                .flat_map(|b| {
                    let n = b.column(0).as_string::<i32>();
                    (0..b.num_rows())
                        .map(|r| n.is_valid(r).then(|| n.value(r).to_string()))
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(names, expected.iter().map(|&i| name(i)).collect::<Vec<_>>());
            // Offset and limit count matching rows.
            for (offset, limit) in [(0, 1), (3, 7), (10, 1000), (5000, 10)] {
                let batches = ds
                    .scan()
                    .columns(&["id"])
                    .filter(filter(&ds, text))
                    .offset(offset)
                    .limit(limit)
                    .batch_rows(50)
                    .collect()
                    .await
                    .unwrap();
                let want: Vec<i64> = expected
                    .iter()
                    .copied()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .collect();
                assert_eq!(column_i64(&batches, 0), want, "{text} {offset} {limit}");
            }
            let count = ds.count_rows(Some(filter(&ds, text))).await.unwrap();
            assert_eq!(count, expected.len() as u64, "{text}");
        }
    }
}

#[tokio::test]
async fn statistics_prune_pages_and_fragments_that_cannot_match() {
    let (_dir, uris) = uris("filter-prune");
    // 1,000,000 sorted ids in 10 fragments; pages of 8 KiB hold 1,024 ids.
    let ds = create(&uris[0], 1_000_000, 100_000, 8192).await;
    let mut stream = ds
        .scan()
        .filter(filter(&ds, "id BETWEEN 431000 AND 431999"))
        .stream()
        .await
        .unwrap();
    let mut ids = Vec::new();
    while let Some(batch) = futures::TryStreamExt::try_next(&mut stream).await.unwrap() {
        ids.extend(
            batch
                .column(0)
                .as_primitive::<Int64Type>()
                .values()
                .to_vec(),
        );
    }
    assert_eq!(ids, (431_000..432_000).collect::<Vec<_>>());
    let stats = stream.stats();
    assert_eq!(stats.fragments_pruned, 9, "{stats:?}");
    // 977 pages of ids: all but those of the one task (32,768 rows, 33 pages at most)
    // that holds the range are pruned.
    assert_eq!(stats.tasks, 1, "{stats:?}");
    assert!(stats.pages_pruned >= 977 - 33, "{stats:?}");
    // The id pages read are those of the one task the statistics could not rule out, and
    // the other columns only for matching rows: far below the 8 MB of ids alone.
    assert!(stats.fetch.bytes < 600_000, "{stats:?}");

    // An unsorted column prunes nothing, and nothing is wrong.
    let all = ds
        .count_rows(Some(filter(&ds, "category = 3")))
        .await
        .unwrap();
    assert_eq!(
        all,
        (0..1_000_000).filter(|&i| category(i) == Some(3)).count() as u64
    );
    // A column whose every value is null in a range rules it out for comparisons.
    let ds = ds
        .update(
            Arc::new(SqlUpdate::new(&["category = NULL"], &ds.schema(), ds.uri()).unwrap()),
            Some(filter(&ds, "id < 100000")),
        )
        .await
        .unwrap();
    let mut stream = ds
        .scan()
        .filter(filter(&ds, "category = 3"))
        .stream()
        .await
        .unwrap();
    let mut rows = 0;
    while let Some(batch) = futures::TryStreamExt::try_next(&mut stream).await.unwrap() {
        rows += batch.num_rows() as u64;
    }
    let want = (100_000..1_000_000)
        .filter(|&i| category(i) == Some(3))
        .count();
    assert_eq!(rows, want as u64);
    assert_eq!(stream.stats().fragments_pruned, 1);
}

#[tokio::test]
async fn updates_change_matching_rows_in_place_as_one_version() {
    let (_dir, uris) = uris("filter-update");
    for uri in &uris {
        let ds = create(uri, 3000, 1000, 4096).await;
        let ds = ds.delete_where("id = 1500").await.unwrap();
        let untouched = ds.fragments()[2].clone();
        let set = |text: &[&str]| Arc::new(SqlUpdate::new(text, &ds.schema(), ds.uri()).unwrap());
        let after = ds
            .update(
                set(&["name = upper(name) || '!'", "category = category * 100"]),
                Some(filter(&ds, "id BETWEEN 990 AND 1999 AND category = 2")),
            )
            .await
            .unwrap();
        assert_eq!(after.version(), ds.version() + 1);
        assert_eq!(after.num_rows(), 2999);
        assert_eq!(after.fragments().len(), 3);
        assert_eq!(
            after.fragments()[2],
            untouched,
            "a fragment with no match is kept"
        );
        let batches = after.scan().collect().await.unwrap();
        let mut seen = Vec::new();
        for b in &batches {
            for row in 0..b.num_rows() {
                let id = b.column(0).as_primitive::<Int64Type>().value(row);
                seen.push(id);
                let hit = (990..=1999).contains(&id) && category(id) == Some(2);
                let c = b.column(1).as_primitive::<Int32Type>();
                let n = b.column(2).as_string::<i32>();
                let (want_c, want_n) = match hit {
                    true => (
                        Some(200),
                        name(id).map(|n| format!("{}!", n.to_uppercase())),
                    ),
                    false => (category(id), name(id)),
                };
                assert_eq!(c.is_valid(row).then(|| c.value(row)), want_c, "{id}");
                assert_eq!(n.is_valid(row).then(|| n.value(row).to_string()), want_n);
            }
        }
        let want: Vec<i64> = (0..3000).filter(|&i| i != 1500).collect();
        assert_eq!(
            seen, want,
            "rows keep their order; the deleted one stays deleted"
        );
        assert!(after
            .manifest()
            .operation
            .to_string()
            .starts_with("update set"));

        // No match: nothing is written.
        let same = after
            .update(set(&["category = 1"]), Some(filter(&after, "id < 0")))
            .await
            .unwrap();
        assert_eq!(same.version(), after.version());

        // An update prepared on an old version rebases over a delete of another fragment
        // and conflicts with one of its own.
        let other = after.delete_where("id = 2500").await.unwrap();
        let rebased = after
            .update(set(&["category = 9"]), Some(filter(&after, "id = 10")))
            .await
            .unwrap();
        assert_eq!(rebased.version(), other.version() + 1);
        assert_eq!(rebased.num_rows(), 2998);
        let mine = rebased.delete_where("id = 20").await.unwrap();
        let stale = rebased
            .update(set(&["category = 9"]), Some(filter(&rebased, "id = 30")))
            .await;
        assert!(matches!(stale, Err(Error::Conflict { .. })), "{stale:?}");
        assert_eq!(
            Dataset::open(uri).await.unwrap().version(),
            mine.version(),
            "the conflicting update committed nothing"
        );
    }
}

#[tokio::test]
async fn bad_updates_and_foreign_filters_are_refused_and_change_nothing() {
    let (_dir, uris) = uris("filter-bad");
    let ds = create(&uris[0], 100, 1000, 4096).await;
    let schema = ds.schema();
    for (assignments, says) in [
        (vec!["nope = 1"], "no column 'nope'"),
        (vec!["id = 'x'"], "Cannot cast"),
        (vec!["id = 1 WHERE id = 2"], "unexpected"),
        (vec!["id = 1", "id = 2"], "assigned twice"),
        (vec!["id"], "expected 'column = expression'"),
        (vec![""], "no assignment"),
    ] {
        let err = SqlUpdate::new(&assignments, &schema, ds.uri()).unwrap_err();
        assert!(matches!(err, Error::InvalidUpdate { .. }), "{err:?}");
        assert!(err.to_string().contains(says), "{err}");
    }
    // A value the column cannot hold fails at run time, before anything commits.
    let nulls = SqlUpdate::new(&["id = NULL"], &schema, ds.uri()).unwrap();
    let err = ds.update(Arc::new(nulls), None).await.unwrap_err();
    assert!(err.to_string().contains("does not allow"), "{err}");
    let err = ds
        .update(
            Arc::new(SqlUpdate::new(&["category = 1 / (id - id)"], &schema, ds.uri()).unwrap()),
            Some(filter(&ds, "id = 3")),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Divide by zero"), "{err}");
    assert_eq!(Dataset::open(ds.uri()).await.unwrap().version(), 1);
    let files = std::fs::read_dir(std::path::Path::new(ds.uri()).join("data"))
        .unwrap()
        .count();
    assert_eq!(files, 1, "failed updates leave no data file behind");

    // A filter compiled for a wider schema is refused before any I/O.
    let wide = Schema::new(vec![
        Field::new("a", DataType::Int64, false),
        Field::new("b", DataType::Int64, false),
        Field::new("c", DataType::Int64, false),
        Field::new("d", DataType::Int64, false),
    ]);
    let foreign: Arc<dyn RowFilter> = Arc::new(SqlFilter::new("d = 1", &wide, "x").unwrap());
    let err = ds
        .scan()
        .filter(foreign.clone())
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidFilter { .. }), "{err:?}");
    assert!(ds.count_rows(Some(foreign)).await.is_err());
}
