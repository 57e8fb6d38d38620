//! Schema evolution end to end, on local disk and in memory: columns dropped, renamed, made
//! nullable or not, added as nulls or computed, and cast, each read back on every path
//! (scans plain, filtered and pruned, takes by offset and address, counts, deletes, updates,
//! compaction, vector search) with deleted rows present; older versions keep their schema;
//! bad changes are refused with nothing changed; and schema changes conflict with data
//! written concurrently.

mod support;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, FixedSizeListArray, Float32Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use shoal_dataset::{
    row_address, ColumnAlteration, CompactOptions, Dataset, DatasetWriter, Error, FileReader,
    IndexParams, Metric, NewColumns, Operation, WriteMode, WriteParams,
};
use shoal_sql::{SqlColumns, SqlFilter, SqlSession, SqlUpdate};
use support::DeleteWhere;

/// id (int64, not null), small (int32), score (float32), name (utf8, null where id % 10 = 9).
fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("small", DataType::Int32, true),
        Field::new("score", DataType::Float32, true),
        Field::new("name", DataType::Utf8, true),
    ]))
}

fn batch(start: i64, rows: i64) -> RecordBatch {
    let range = start..start + rows;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(range.clone())),
        Arc::new(Int32Array::from_iter_values(
            range.clone().map(|i| -(i as i32)),
        )),
        Arc::new(Float32Array::from_iter_values(
            range.clone().map(|i| i as f32 / 4.0),
        )),
        Arc::new(StringArray::from_iter(
            range.map(|i| (i % 10 != 9).then(|| format!("n{i}"))),
        )),
    ];
    RecordBatch::try_new(schema(), columns).unwrap()
}

/// A dataset of ids 0..300 in fragments of 100, with ids 10..20 deleted.
async fn create(uri: &str) -> Dataset {
    let params = WriteParams {
        max_rows_per_file: 100,
        ..WriteParams::default()
    };
    let mut w = DatasetWriter::new(uri, schema(), WriteMode::Create, params)
        .await
        .unwrap();
    w.write(&batch(0, 300)).await.unwrap();
    let ds = w.commit().await.unwrap();
    ds.delete_where("id >= 10 AND id < 20").await.unwrap()
}

fn uris(test: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join(test).to_str().unwrap().to_string();
    (dir, vec![local, format!("memory://schema-{test}/ds")])
}

fn live_ids() -> Vec<i64> {
    (0..300).filter(|i| !(10..20).contains(i)).collect()
}

async fn data_files(uri: &str) -> usize {
    let root = shoal_io::resolve(uri).unwrap();
    shoal_io::list(&root.child("data")).await.unwrap().len()
}

/// Every batch of a scan, as one.
async fn scan_all(ds: &Dataset, filter: Option<&str>) -> RecordBatch {
    let mut scan = ds.scan().batch_rows(64).with_row_addresses(true);
    if let Some(text) = filter {
        scan = scan.filter(Arc::new(
            SqlFilter::new(text, &ds.schema(), ds.uri()).unwrap(),
        ));
    }
    let batches = scan.collect().await.unwrap();
    let mut fields = ds.schema().fields().to_vec();
    fields.push(Arc::new(Field::new("_rowaddr", DataType::UInt64, false)));
    let schema = Arc::new(Schema::new(fields));
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}

/// The single int64 value `query` over `ds` (registered as `t`) answers, through SQL.
async fn sql_value(ds: &Dataset, query: &str) -> i64 {
    let mut session = SqlSession::new();
    session.register("t", ds.clone()).unwrap();
    let batches: Vec<RecordBatch> = session
        .sql(query)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    int64s(batches[0].column(0))[0]
}

fn int64s(array: &dyn Array) -> Vec<i64> {
    array.as_primitive::<Int64Type>().values().to_vec()
}

fn strings(array: &dyn Array) -> Vec<Option<String>> {
    array
        .as_string::<i32>()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drops_and_renames_change_only_the_manifest_and_every_reader_follows() {
    let (_dir, uris) = uris("drop-rename");
    for uri in &uris {
        let v2 = create(uri).await;
        let files = data_files(uri).await;
        let v3 = v2.drop_columns(&["small"]).await.unwrap();
        let v4 = v3
            .alter_columns(&[ColumnAlteration::new("name").rename("label")])
            .await
            .unwrap();
        assert_eq!(data_files(uri).await, files, "no data rewritten");
        assert_eq!(v4.fragments(), v2.fragments(), "same files, same deletions");
        assert!(matches!(
            &v3.manifest().operation,
            Operation::DropColumns { names } if names == &["small"]
        ));
        assert_eq!(
            v4.manifest().operation.to_string(),
            "alter columns (name: renamed to label)"
        );
        let v4_schema = v4.schema();
        let names: Vec<&str> = v4_schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names, ["id", "score", "label"]);

        // A plain scan, with row addresses.
        let all = scan_all(&v4, None).await;
        assert_eq!(int64s(all.column(0)), live_ids());
        assert_eq!(all.schema().field(2).name(), "label");
        assert_eq!(strings(all.column(2))[0].as_deref(), Some("n0"));
        // A filtered scan on the renamed column, pruned by its statistics.
        let hits = scan_all(&v4, Some("label = 'n150'")).await;
        assert_eq!(int64s(hits.column(0)), [150]);
        let nulls = scan_all(&v4, Some("label IS NULL AND id < 100")).await;
        assert_eq!(int64s(nulls.column(0)), [9, 29, 39, 49, 59, 69, 79, 89, 99]);
        // Counts and SQL queries.
        let filter = SqlFilter::new("label IS NULL", &v4.schema(), uri).unwrap();
        assert_eq!(v4.count_rows(Some(Arc::new(filter))).await.unwrap(), 29);
        let query = "SELECT count(*) FROM t WHERE label IS NULL AND id > 200";
        assert_eq!(sql_value(&v4, query).await, 10);
        // Takes by offset and by address.
        let taken = v4.take(&[2, 0], &[0, 10, 289]).await.unwrap();
        assert_eq!(taken.schema().field(0).name(), "label");
        assert_eq!(int64s(taken.column(1)), [0, 20, 299]);
        let address = row_address(v4.fragments()[1].id, 50);
        let taken = v4.take_addresses(&[0, 2], &[address]).await.unwrap();
        assert_eq!(strings(taken.column(1)), [Some("n150".to_string())]);
        // Counts, deletes and updates by the new name.
        let gone = v4.delete_where("label = 'n42'").await.unwrap();
        assert_eq!(gone.num_rows(), v4.num_rows() - 1);
        let set = SqlUpdate::new(&["label = 'x'"], &gone.schema(), uri).unwrap();
        let filter = SqlFilter::new("id = 7", &gone.schema(), uri).unwrap();
        let updated = gone
            .update(Arc::new(set), Some(Arc::new(filter)))
            .await
            .unwrap();
        let row = updated.take(&[0, 2], &[7]).await.unwrap();
        assert_eq!(strings(row.column(1)), [Some("x".to_string())]);
        // The rewritten fragment's file holds only the version's columns.
        let fragment = &updated.fragments()[0];
        let path = format!("{}/{}", uri.trim_end_matches('/'), fragment.data.path);
        if !uri.starts_with("memory://") {
            let file = FileReader::open(&path).await.unwrap();
            let names: Vec<String> = file
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            assert_eq!(names, ["id", "score", "label"]);
        }
        assert_eq!(fragment.data.field_ids, updated.manifest().field_ids);
        // Appends write the new schema.
        let appended = append(uri, &updated.schema(), 300, 10).await;
        assert_eq!(appended.num_rows(), updated.num_rows() + 10);
        let tail = appended
            .take(&[2], &[appended.num_rows() - 1])
            .await
            .unwrap();
        assert_eq!(strings(tail.column(0)), [Some("m309".to_string())]);

        // Older versions keep their schema and data.
        let old = appended.checkout(2).await.unwrap();
        assert_eq!(old.schema(), schema());
        let all = scan_all(&old, None).await;
        assert_eq!(all.column(1).as_primitive::<Int32Type>().value(0), 0);
        assert_eq!(all.column(1).as_primitive::<Int32Type>().value(1), -1);
    }
}

/// Appends ids `start..start + rows` with a name `m<id>` to the dataset at `uri`, whose
/// schema is `schema` (an int64 id first, a utf8 column last, nulls in between).
async fn append(uri: &str, schema: &SchemaRef, start: i64, rows: i64) -> Dataset {
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| -> ArrayRef {
            match i {
                0 => Arc::new(Int64Array::from_iter_values(start..start + rows)),
                _ if i == schema.fields().len() - 1 => Arc::new(StringArray::from_iter_values(
                    (start..start + rows).map(|i| format!("m{i}")),
                )),
                _ => arrow_array::new_null_array(f.data_type(), rows as usize),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut w = DatasetWriter::new(uri, schema.clone(), WriteMode::Append, Default::default())
        .await
        .unwrap();
    w.write(&batch).await.unwrap();
    w.commit().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn null_columns_are_added_without_writing_and_read_as_nulls() {
    let (_dir, uris) = uris("add-nulls");
    for uri in &uris {
        let v2 = create(uri).await;
        let files = data_files(uri).await;
        let extra = Arc::new(Field::new("extra", DataType::Int64, true));
        let v3 = v2
            .add_columns(NewColumns::Nulls(vec![extra]))
            .await
            .unwrap();
        assert_eq!(data_files(uri).await, files);
        assert_eq!(v3.schema().fields().len(), 5);
        let all = scan_all(&v3, None).await;
        assert_eq!(all.column(4).null_count(), 290);
        assert_eq!(all.column(4).data_type(), &DataType::Int64);
        // Filters on the new column: pruned to nothing, or every row.
        let none = scan_all(&v3, Some("extra = 5")).await;
        assert_eq!(none.num_rows(), 0);
        let every = scan_all(&v3, Some("extra IS NULL AND id > 250")).await;
        assert_eq!(every.num_rows(), 49);
        let taken = v3.take(&[4, 0], &[5]).await.unwrap();
        assert!(taken.column(0).is_null(0));
        // Rows appended and updated now hold values; compaction keeps them.
        let set = SqlUpdate::new(&["extra = id * 10"], &v3.schema(), uri).unwrap();
        let filter = SqlFilter::new("id < 50", &v3.schema(), uri).unwrap();
        let v4 = v3
            .update(Arc::new(set), Some(Arc::new(filter)))
            .await
            .unwrap();
        let hits = scan_all(&v4, Some("extra >= 400")).await;
        assert_eq!(int64s(hits.column(0)), (40..50).collect::<Vec<_>>());
        let v5 = v4
            .compact(&CompactOptions {
                target_rows_per_fragment: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(v5.fragments().len(), 1);
        let all = scan_all(&v5, None).await;
        assert_eq!(int64s(all.column(0)), live_ids());
        assert_eq!(all.column(4).null_count(), 290 - 40);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_column_added_again_is_a_new_column() {
    let (_dir, uris) = uris("drop-add");
    for uri in &uris {
        let v3 = create(uri).await.drop_columns(&["name"]).await.unwrap();
        let name = Arc::new(Field::new("name", DataType::Utf8, true));
        let v4 = v3.add_columns(NewColumns::Nulls(vec![name])).await.unwrap();
        let all = scan_all(&v4, None).await;
        assert_eq!(all.column(3).null_count(), 290, "not the dropped values");
        let ids = &v4.manifest().field_ids;
        assert_eq!(ids, &[0, 1, 2, 4], "the dropped id 3 stays taken");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn computed_columns_rewrite_fragments_in_place() {
    let (_dir, uris) = uris("add-computed");
    for uri in &uris {
        let v2 = create(uri).await;
        let files = data_files(uri).await;
        let columns = SqlColumns::new(
            &[("double", "id * 2"), ("greeting", "name || '!'")],
            &v2.schema(),
            uri,
        )
        .unwrap();
        let v3 = v2
            .add_columns(NewColumns::Computed(Arc::new(columns)))
            .await
            .unwrap();
        assert_eq!(
            data_files(uri).await,
            files * 2,
            "one new file per fragment"
        );
        assert!(matches!(
            &v3.manifest().operation,
            Operation::AddColumns { names } if names == &["double", "greeting"]
        ));
        // Same fragment ids and deletion files: row addresses hold.
        for (before, after) in v2.fragments().iter().zip(v3.fragments()) {
            assert_eq!((before.id, &before.deletion), (after.id, &after.deletion));
            assert_ne!(before.data.path, after.data.path);
        }
        let all = scan_all(&v3, None).await;
        let before = scan_all(&v2, None).await;
        assert_eq!(all.column(6), before.column(4), "row addresses kept");
        let doubled: Vec<i64> = live_ids().iter().map(|i| i * 2).collect();
        assert_eq!(int64s(all.column(4)), doubled);
        let greeting = strings(all.column(5));
        assert_eq!(greeting[0].as_deref(), Some("n0!"));
        let hits = scan_all(&v3, Some("double = 300")).await;
        assert_eq!(int64s(hits.column(0)), [150]);
        let filter = SqlFilter::new("double < 100", &v3.schema(), uri).unwrap();
        assert_eq!(v3.count_rows(Some(Arc::new(filter))).await.unwrap(), 40);
        let query = "SELECT sum(double) FROM t WHERE greeting IS NOT NULL";
        let want: i64 = live_ids()
            .iter()
            .filter(|i| *i % 10 != 9)
            .map(|i| i * 2)
            .sum();
        assert_eq!(sql_value(&v3, query).await, want);
        let address = row_address(v3.fragments()[2].id, 1);
        let taken = v3.take_addresses(&[4], &[address]).await.unwrap();
        assert_eq!(int64s(taken.column(0)), [402]);
        // A deletion committed after still applies to the rewritten files.
        let v4 = v3.delete_where("double = 4").await.unwrap();
        assert_eq!(v4.num_rows(), 289);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn casts_rewrite_in_place_and_older_versions_keep_the_old_types() {
    let (_dir, uris) = uris("cast");
    for uri in &uris {
        let v2 = create(uri).await;
        let v3 = v2
            .alter_columns(&[
                ColumnAlteration::new("small").cast(DataType::Int64),
                ColumnAlteration::new("score")
                    .cast(DataType::Float64)
                    .rename("points"),
                ColumnAlteration::new("name").cast(DataType::LargeUtf8),
            ])
            .await
            .unwrap();
        let v3_schema = v3.schema();
        let types: Vec<&DataType> = v3_schema.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(
            types,
            [
                &DataType::Int64,
                &DataType::Int64,
                &DataType::Float64,
                &DataType::LargeUtf8
            ]
        );
        for (before, after) in v2.fragments().iter().zip(v3.fragments()) {
            assert_eq!((before.id, &before.deletion), (after.id, &after.deletion));
        }
        let all = scan_all(&v3, None).await;
        assert_eq!(int64s(all.column(1))[..3], [0, -1, -2]);
        assert_eq!(all.column(2).as_primitive::<Float64Type>().value(1), 0.25);
        assert_eq!(all.column(3).as_string::<i64>().value(0), "n0");
        let hits = scan_all(&v3, Some("small = -150 AND points = 37.5")).await;
        assert_eq!(int64s(hits.column(0)), [150]);
        let address = row_address(v3.fragments()[1].id, 5);
        let taken = v3.take_addresses(&[1, 3], &[address]).await.unwrap();
        assert_eq!(int64s(taken.column(0)), [-105]);
        assert_eq!(taken.column(1).as_string::<i64>().value(0), "n105");
        let old = v3.checkout(2).await.unwrap();
        let all = scan_all(&old, None).await;
        assert_eq!(all.column(1).data_type(), &DataType::Int32);
        // Unsafe casts are refused, naming both types, and nothing changes.
        let err = v3
            .alter_columns(&[ColumnAlteration::new("id").cast(DataType::Int32)])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnsafeCast { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("'id'") && text.contains("Int64") && text.contains("Int32"));
        let err = v3
            .alter_columns(&[ColumnAlteration::new("points").cast(DataType::Utf8)])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnsafeCast { .. }), "{err}");
        assert_eq!(v3.latest().await.unwrap().version(), v3.version());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nullability_changes_scan_for_nulls_deleted_rows_included() {
    let (_dir, uris) = uris("nullable");
    for uri in &uris {
        let v2 = create(uri).await;
        let v3 = v2
            .alter_columns(&[ColumnAlteration::new("id").nullable(true)])
            .await
            .unwrap();
        assert!(v3.schema().field(0).is_nullable());
        let v4 = v3
            .alter_columns(&[ColumnAlteration::new("id").nullable(false)])
            .await
            .unwrap();
        assert!(!v4.schema().field(0).is_nullable());
        assert_eq!(int64s(scan_all(&v4, None).await.column(0)), live_ids());
        // name is null in rows 9, 19, ...: 19 is deleted but still in its file.
        let only_deleted_nulls = v4.delete_where("name IS NULL AND id <> 19").await.unwrap();
        let err = only_deleted_nulls
            .alter_columns(&[ColumnAlteration::new("name").nullable(false)])
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::NullsInColumn { nulls: 30, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("'name'"), "{err}");
        let latest = only_deleted_nulls.latest().await.unwrap();
        assert_eq!(latest.version(), only_deleted_nulls.version());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_changes_are_refused_and_change_nothing() {
    let (_dir, uris) = uris("bad");
    for uri in &uris {
        let ds = create(uri).await;
        let files = data_files(uri).await;
        let missing = ds.drop_columns(&["nope"]).await.unwrap_err();
        assert!(matches!(&missing, Error::ColumnNotFound { name, .. } if name == "nope"));
        let every = ds
            .drop_columns(&["id", "small", "score", "name"])
            .await
            .unwrap_err();
        assert!(every.to_string().contains("at least one column"), "{every}");
        let twice = ds.drop_columns(&["id", "id"]).await.unwrap_err();
        assert!(twice.to_string().contains("'id' is named twice"), "{twice}");
        let taken = ds
            .alter_columns(&[ColumnAlteration::new("id").rename("name")])
            .await
            .unwrap_err();
        assert!(
            taken.to_string().contains("a column 'name' already"),
            "{taken}"
        );
        let same_name = ds
            .alter_columns(&[
                ColumnAlteration::new("id").rename("x"),
                ColumnAlteration::new("small").rename("x"),
            ])
            .await
            .unwrap_err();
        assert!(
            same_name.to_string().contains("two columns named 'x'"),
            "{same_name}"
        );
        let missing = ds
            .alter_columns(&[ColumnAlteration::new("nope").nullable(true)])
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::ColumnNotFound { .. }), "{missing}");
        let exists = Arc::new(Field::new("score", DataType::Int64, true));
        let exists = ds.add_columns(NewColumns::Nulls(vec![exists])).await;
        assert!(exists.unwrap_err().to_string().contains("'score' already"));
        let required = Arc::new(Field::new("req", DataType::Int64, false));
        let required = ds.add_columns(NewColumns::Nulls(vec![required])).await;
        assert!(required
            .unwrap_err()
            .to_string()
            .contains("must be nullable"));
        // An expression that fails on some row fails the change: no file is left behind.
        let failing = SqlColumns::new(&[("bad", "1 / (id - 150)")], &ds.schema(), uri).unwrap();
        let err = ds
            .add_columns(NewColumns::Computed(Arc::new(failing)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidNewColumns { .. }), "{err}");
        assert!(err.to_string().contains("Divide by zero"), "{err}");
        assert_eq!(data_files(uri).await, files);
        assert_eq!(ds.latest().await.unwrap().version(), ds.version());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schema_changes_conflict_with_data_written_concurrently() {
    let (_dir, uris) = uris("conflicts");
    for uri in &uris {
        let v2 = create(uri).await;
        // An append prepared before a drop cannot land after it...
        let mut w = DatasetWriter::new(uri, schema(), WriteMode::Append, Default::default())
            .await
            .unwrap();
        w.write(&batch(300, 10)).await.unwrap();
        let dropped = v2.drop_columns(&["small"]).await.unwrap();
        let files = data_files(uri).await;
        let err = w.commit().await.unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        assert!(err.to_string().contains("drop columns small"), "{err}");
        assert_eq!(data_files(uri).await, files, "the append's file is gone");
        // ...nor a drop prepared before an append.
        let appended = append(uri, &dropped.schema(), 300, 10).await;
        let err = dropped.drop_columns(&["score"]).await.unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        // A delete and a rename made concurrently both land.
        let renamed = appended
            .alter_columns(&[ColumnAlteration::new("name").rename("label")])
            .await
            .unwrap();
        let deleted = appended.delete_where("id = 0").await.unwrap();
        assert_eq!(deleted.version(), renamed.version() + 1);
        assert_eq!(deleted.schema().field(2).name(), "label");
        assert_eq!(deleted.num_rows(), appended.num_rows() - 1);
        // A compaction prepared before the rename cannot land after it.
        let options = CompactOptions {
            target_rows_per_fragment: 10_000,
            ..Default::default()
        };
        let files = data_files(uri).await;
        let err = appended.compact(&options).await.unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        assert_eq!(data_files(uri).await, files);
        // A computed column rebases over a concurrent delete of its fragments' rows.
        let columns = SqlColumns::new(&[("twice", "id * 2")], &deleted.schema(), uri).unwrap();
        let stale = deleted.clone();
        let deleted_more = deleted.delete_where("id = 1").await.unwrap();
        let added = stale
            .add_columns(NewColumns::Computed(Arc::new(columns)))
            .await
            .unwrap();
        assert_eq!(added.version(), deleted_more.version() + 1);
        assert_eq!(added.num_rows(), deleted.num_rows() - 1);
        let all = scan_all(&added, None).await;
        assert_eq!(int64s(all.column(3))[..2], [4, 6]);
    }
}

const DIM: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn searches_follow_renames_added_columns_and_drops() {
    let (_dir, uris) = uris("search");
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(item.clone(), DIM as i32),
            true,
        ),
    ]));
    let rows = 600;
    // Distinct vectors: the first component is the row.
    let values: Vec<f32> = (0..rows * DIM)
        .map(|i| match i % DIM {
            0 => (i / DIM) as f32,
            j => ((i * 37 + j) % 101) as f32,
        })
        .collect();
    let vectors = FixedSizeListArray::try_new(
        item,
        DIM as i32,
        Arc::new(Float32Array::from(values.clone())),
        None,
    )
    .unwrap();
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows as i64));
    let batch = RecordBatch::try_new(schema.clone(), vec![ids, Arc::new(vectors)]).unwrap();
    for uri in &uris {
        let params = WriteParams {
            max_rows_per_file: 200,
            ..WriteParams::default()
        };
        let mut w = DatasetWriter::new(uri, schema.clone(), WriteMode::Create, params)
            .await
            .unwrap();
        w.write(&batch).await.unwrap();
        let ds = w.commit().await.unwrap();
        let index = IndexParams {
            partitions: Some(4),
            sub_vectors: Some(2),
            ..IndexParams::new(Metric::L2)
        };
        let ds = ds.create_index("vector", &index, None).await.unwrap();
        let extra = Arc::new(Field::new("extra", DataType::Utf8, true));
        let ds = ds
            .add_columns(NewColumns::Nulls(vec![extra]))
            .await
            .unwrap();
        let ds = ds
            .alter_columns(&[ColumnAlteration::new("id").rename("key")])
            .await
            .unwrap();
        assert_eq!(ds.manifest().indices.len(), 1, "the index stays");
        let row = 321;
        let query = &values[row * DIM..(row + 1) * DIM];
        for use_index in [false, true] {
            let found = ds
                .search("vector", query)
                .k(1)
                .refine_factor(Some(50))
                .use_index(use_index)
                .columns(&["key", "extra"])
                .execute()
                .await
                .unwrap();
            let hit = &found.batches[0];
            assert_eq!(hit.schema().field(0).name(), "key");
            assert_eq!(int64s(hit.column(0)), [row as i64], "use_index {use_index}");
            assert!(hit.column(1).is_null(0));
        }
        // A computed column keeps fragment ids: the index still covers every row.
        let columns = SqlColumns::new(&[("half", "key / 2")], &ds.schema(), uri).unwrap();
        let ds = ds
            .add_columns(NewColumns::Computed(Arc::new(columns)))
            .await
            .unwrap();
        let found = ds.search("vector", query).k(1).execute().await.unwrap();
        assert_eq!(found.stats.index.as_deref(), Some("vector_idx"));
        // Casting the vector column drops its index; so does dropping it.
        let wide = Arc::new(Field::new("item", DataType::Float64, true));
        let cast = ColumnAlteration::new("vector").cast(DataType::FixedSizeList(wide, DIM as i32));
        let cast = ds.alter_columns(&[cast]).await.unwrap();
        assert!(cast.manifest().indices.is_empty());
        let ds = cast.drop_columns(&["vector"]).await.unwrap();
        assert!(ds.manifest().indices.is_empty());
        // Compaction after the drop writes only the live columns.
        let ds = ds
            .compact(&CompactOptions {
                target_rows_per_fragment: 10_000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ds.fragments().len(), 1);
        assert_eq!(ds.fragments()[0].data.field_ids, ds.manifest().field_ids);
        if !uri.starts_with("memory://") {
            let path = format!("{uri}/{}", ds.fragments()[0].data.path);
            let file = FileReader::open(&path).await.unwrap();
            let names: Vec<String> = file
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            assert_eq!(names, ["key", "extra", "half"]);
        }
        let all = ds.scan().collect().await.unwrap();
        let half: Vec<i64> = all.iter().flat_map(|b| int64s(b.column(2))).collect();
        assert_eq!(half, (0..rows as i64).map(|i| i / 2).collect::<Vec<_>>());
    }
}
