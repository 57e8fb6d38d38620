//! The public API end to end, as a user drives it: a connection's tables (names page by
//! page, the create modes, drop, rename), a table's changes and versions, queries with each
//! option, the error kinds a caller matches on, and the threading promises: a connection
//! outlives the runtime that made it, and a blocking call inside async code fails instead of
//! hanging.

use std::sync::Arc;

use arrow_array::types::Float32Type;
use arrow_array::{Array, FixedSizeListArray, Int64Array, RecordBatch, StringArray, UInt64Array};
use futures::TryStreamExt;
use shoal::{
    AddMode, ConnectOptions, CreateMode, ErrorKind, IndexParams, Metric, TableData,
    TableNamesOptions,
};

fn rows(ids: std::ops::Range<i64>) -> RecordBatch {
    let vectors = ids.clone().map(|i| {
        Some(vec![
            Some(i as f32),
            Some((i % 7) as f32),
            Some(1.0),
            Some(-1.0),
        ])
    });
    let labels = ids.clone().map(|i| format!("label-{}", i % 3));
    RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from_iter_values(ids)) as _),
        (
            "label",
            Arc::new(StringArray::from_iter_values(labels)) as _,
        ),
        (
            "vector",
            Arc::new(FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(vectors, 4)) as _,
        ),
    ])
    .unwrap()
}

fn ids(batches: &[RecordBatch]) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            let column = b.column_by_name("id").unwrap();
            let ids = column.as_any().downcast_ref::<Int64Array>().unwrap();
            ids.values().to_vec()
        })
        .collect()
}

/// A local directory and a memory store, each fresh.
fn uris(test: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("db").to_str().unwrap().to_string();
    let memory = format!("memory://api-tests/{test}");
    (dir, vec![local, memory])
}

fn names(page: Option<(&str, usize)>) -> TableNamesOptions {
    TableNamesOptions {
        start_after: page.map(|(after, _)| after.to_string()),
        limit: page.map(|(_, limit)| limit),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_lists_creates_drops_and_renames_tables() {
    let (_dir, uris) = uris("namespace");
    for uri in &uris {
        let db = shoal::connect(uri, ConnectOptions::default())
            .await
            .unwrap();
        assert!(db.table_names(names(None)).await.unwrap().is_empty());
        for name in ["b", "a", "c.v2", "d"] {
            db.create_table(name, rows(0..10), CreateMode::Create)
                .await
                .unwrap();
        }
        let all = db.table_names(names(None)).await.unwrap();
        assert_eq!(all, ["a", "b", "c.v2", "d"]);
        let page = db.table_names(names(Some(("a", 2)))).await.unwrap();
        assert_eq!(page, ["b", "c.v2"]);

        // Create modes.
        let again = db.create_table("a", rows(0..5), CreateMode::Create).await;
        assert_eq!(again.unwrap_err().kind(), ErrorKind::AlreadyExists);
        let kept = db.create_table("a", rows(0..5), CreateMode::ExistOk).await;
        assert_eq!(kept.unwrap().count_rows(None).await.unwrap(), 10);
        let replaced = db
            .create_table("a", rows(0..5), CreateMode::Overwrite)
            .await;
        assert_eq!(replaced.unwrap().count_rows(None).await.unwrap(), 5);
        let other_schema =
            RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1])) as _)]).unwrap();
        let clash = db
            .create_table("a", other_schema, CreateMode::ExistOk)
            .await;
        assert_eq!(clash.unwrap_err().kind(), ErrorKind::InvalidInput);

        // An empty table from a schema, then rows added.
        let empty = db
            .create_table("e", rows(0..0).schema(), CreateMode::Create)
            .await
            .unwrap();
        assert_eq!(empty.count_rows(None).await.unwrap(), 0);
        empty.add(rows(0..3), AddMode::Append).await.unwrap();
        assert_eq!(empty.count_rows(None).await.unwrap(), 3);

        // Drop and rename.
        db.drop_table("b").await.unwrap();
        let gone = db.open_table("b").await.unwrap_err();
        assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone}");
        assert_eq!(
            db.drop_table("b").await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        db.rename_table("d", "renamed").await.unwrap();
        let renamed = db.open_table("renamed").await.unwrap();
        assert_eq!(renamed.count_rows(None).await.unwrap(), 10);
        assert_eq!(
            db.open_table("d").await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        let onto = db.rename_table("renamed", "a").await.unwrap_err();
        assert_eq!(onto.kind(), ErrorKind::AlreadyExists, "{onto}");
        assert_eq!(
            db.table_names(names(None)).await.unwrap(),
            ["a", "c.v2", "e", "renamed"]
        );

        // A new table where a dropped one was.
        db.create_table("b", rows(0..2), CreateMode::Create)
            .await
            .unwrap();

        for bad in ["", "_hidden", ".dot", "a/b", "sp ace", &"x".repeat(200)] {
            let error = db.open_table(bad).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad}: {error}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_changes_travels_in_time_and_refuses_changes_to_old_versions() {
    let (_dir, uris) = uris("changes");
    for uri in &uris {
        let db = shoal::connect(uri, ConnectOptions::default())
            .await
            .unwrap();
        let table = db
            .create_table("t", rows(0..100), CreateMode::Create)
            .await
            .unwrap();
        table.add(rows(100..200), AddMode::Append).await.unwrap();
        assert_eq!(table.delete("id % 2 = 1").await.unwrap(), 100);
        assert_eq!(table.delete("id < 0").await.unwrap(), 0);
        assert_eq!(
            table
                .update(&["label = 'x'"], Some("id < 10"))
                .await
                .unwrap(),
            5
        );
        assert_eq!(table.count_rows(Some("label = 'x'")).await.unwrap(), 5);
        let versions = table.versions().await.unwrap();
        let operations: Vec<&str> = versions.iter().map(|v| v.operation).collect();
        assert_eq!(operations, ["create", "append", "delete", "update"]);
        assert_eq!(
            versions[2].description,
            "delete where id % 2 = 1 (100 rows)"
        );

        table.create_tag("before-update", 3).await.unwrap();
        table.checkout("before-update").await.unwrap();
        assert_eq!(table.version(), 3);
        assert_eq!(table.count_rows(Some("label = 'x'")).await.unwrap(), 0);
        let refused = table.add(rows(0..1), AddMode::Append).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::InvalidInput);
        assert!(refused.to_string().contains("checkout_latest"), "{refused}");
        table.checkout(1).await.unwrap();
        assert_eq!(table.count_rows(None).await.unwrap(), 100);
        table.checkout_latest().await.unwrap();
        assert_eq!(table.version(), 4);

        // Another handle's change is seen after checkout_latest.
        let other = db.open_table("t").await.unwrap();
        other.delete("id >= 150").await.unwrap();
        assert_eq!(table.count_rows(None).await.unwrap(), 100);
        table.checkout_latest().await.unwrap();
        assert_eq!(table.count_rows(None).await.unwrap(), 75);

        let taken = table.take_offsets(&[0, 2, 1], Some(&["id"])).await.unwrap();
        assert_eq!(ids(&[taken]), [0, 4, 2]);
        let stats = table.stats();
        assert_eq!((stats.rows, stats.version), (75, 5));
        assert!(stats.deleted_rows > 0);

        let optimized = table.optimize(Default::default()).await.unwrap();
        assert!(optimized.fragments_removed > 0, "{optimized:?}");
        assert_eq!(table.stats().deleted_rows, 0);
        assert_eq!(table.count_rows(None).await.unwrap(), 75);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_select_filter_window_and_search() {
    let db = shoal::connect("memory://api-tests/query", ConnectOptions::default())
        .await
        .unwrap();
    let table = db
        .create_table("t", rows(0..1000), CreateMode::Create)
        .await
        .unwrap();
    let run = |query: shoal::Query| async move {
        let stream = query.execute().await.unwrap();
        let schema = stream.schema();
        let batches: Vec<RecordBatch> = stream.try_collect().await.unwrap();
        assert!(batches.iter().all(|b| b.schema() == schema));
        batches
    };

    let window = run(table.query().filter("id % 100 = 7").offset(2).limit(3)).await;
    assert_eq!(ids(&window), [207, 307, 407]);
    let projected = run(table.query().select(&["label", "id"]).limit(1)).await;
    assert_eq!(projected[0].schema().field(0).name(), "label");
    assert_eq!(projected[0].num_columns(), 2);

    let addressed = run(table.query().with_row_address().filter("id = 999")).await;
    let column = addressed[0]
        .column_by_name(shoal::ROW_ADDRESS_COLUMN)
        .unwrap();
    let address = column
        .as_any()
        .downcast_ref::<UInt64Array>()
        .unwrap()
        .value(0);
    let by_address = table.take_row_addresses(&[address], None).await.unwrap();
    assert_eq!(ids(&[by_address]), [999]);

    // Exact search, then through an index, with a prefilter and an offset.
    let query = vec![500.0, 3.0, 1.0, -1.0];
    let exact = run(table.search(query.clone()).limit(5)).await;
    assert_eq!(ids(&exact), [500, 499, 501, 498, 502]);
    assert!(exact[0].column_by_name(shoal::DISTANCE_COLUMN).is_some());
    let filtered = run(table.search(query.clone()).filter("id % 2 = 0").limit(3)).await;
    assert_eq!(ids(&filtered), [500, 498, 502]);
    let skipped = run(table.search(query.clone()).offset(1).limit(2)).await;
    assert_eq!(ids(&skipped), [499, 501]);

    let params = IndexParams {
        partitions: Some(4),
        sub_vectors: Some(2),
        ..IndexParams::new(Metric::L2)
    };
    table.create_index("vector", params, None).await.unwrap();
    let indices = table.list_indices();
    assert_eq!(indices.len(), 1);
    assert_eq!(
        (indices[0].column.as_str(), indices[0].indexed_rows),
        ("vector", 1000)
    );
    let explained = table.search(query.clone()).explain().await.unwrap();
    assert!(explained.contains("vector_idx"), "{explained}");
    let flat = table
        .search(query.clone())
        .bypass_vector_index()
        .explain()
        .await
        .unwrap();
    assert!(flat.contains("flat"), "{flat}");
    let indexed = run(table
        .search(query.clone())
        .nprobes(4)
        .refine_factor(Some(20))
        .limit(3))
    .await;
    assert_eq!(ids(&indexed), [500, 499, 501]);
    let analyzed = table.query().filter("id < 10").analyze().await.unwrap();
    assert!(analyzed.contains("rows: 10"), "{analyzed}");

    // Bad queries fail before any I/O, with the kind a caller matches.
    let bad = [
        table.query().filter("nope = 1"),
        table.query().filter("id = "),
        table.query().select(&["missing"]),
        table.search(vec![1.0, 2.0]),
        table.query().nprobes(3),
        table.query().batch_size(0),
    ];
    for query in bad {
        let error = query.execute().await.err().unwrap();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
}

#[test]
fn a_connection_outlives_the_runtime_that_made_it_and_blocking_calls_refuse_async_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![dir.path().to_str().unwrap().to_string()];
    targets.extend(shoal_io::testing::s3_prefix("api-runtimes"));
    for uri in targets {
        let first = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (db, table) = first.block_on(async {
            let db = shoal::connect(&uri, ConnectOptions::default())
                .await
                .unwrap();
            let table = db
                .create_table("t", rows(0..300), CreateMode::Create)
                .await
                .unwrap();
            (db, table)
        });
        drop(first);

        let second = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        second.block_on(async {
            table.add(rows(300..400), AddMode::Append).await.unwrap();
            assert_eq!(db.table_names(Default::default()).await.unwrap(), ["t"]);
            // Inside async code a blocking call fails at once instead of blocking the runtime.
            let blocking = shoal::blocking::Table(table.clone());
            let error = blocking.count_rows(None).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Runtime, "{error}");
        });
        drop(second);

        // From plain threads, through the blocking API.
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let table = shoal::blocking::Table(table.clone());
                std::thread::spawn(move || {
                    let rows: usize = table
                        .query()
                        .filter(&format!("id % 4 = {i}"))
                        .execute()
                        .unwrap()
                        .map(|b| b.unwrap().num_rows())
                        .sum();
                    assert_eq!(rows, 100);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
}

#[test]
fn table_data_comes_from_readers_and_streams() {
    let db = shoal::blocking::connect("memory://api-tests/data", Default::default()).unwrap();
    let batches = vec![rows(0..10), rows(10..20)];
    let reader = arrow_array::RecordBatchIterator::new(
        batches.clone().into_iter().map(Ok),
        rows(0..0).schema(),
    );
    let table = db
        .create_table("from_reader", TableData::reader(reader), CreateMode::Create)
        .unwrap();
    assert_eq!(table.count_rows(None).unwrap(), 20);
    let stream = futures::stream::iter(batches.into_iter().map(Ok::<_, shoal::Error>));
    table
        .add(
            TableData::stream(rows(0..0).schema(), stream),
            AddMode::Overwrite,
        )
        .unwrap();
    assert_eq!(table.count_rows(None).unwrap(), 20);
    assert_eq!(table.versions().unwrap().len(), 2);

    // A reader that fails part-way commits nothing.
    let failing = arrow_array::RecordBatchIterator::new(
        vec![
            Ok(rows(0..5)),
            Err(arrow_schema::ArrowError::ComputeError(
                "the source broke".into(),
            )),
        ],
        rows(0..0).schema(),
    );
    let error = table
        .add(TableData::reader(failing), AddMode::Append)
        .unwrap_err();
    assert!(error.to_string().contains("the source broke"), "{error}");
    assert_eq!(table.versions().unwrap().len(), 2);
    // An error the reader passes through Arrow comes out as it went in: a Shoal error with
    // its kind, any other with its own message and no "External error" prefix.
    for (inner, kind, message) in [
        (
            Box::new(shoal::Error::new(ErrorKind::Storage, "the disk went away")) as _,
            ErrorKind::Storage,
            "the disk went away",
        ),
        (
            Box::new(std::io::Error::other("cannot read 'in.csv'")) as _,
            ErrorKind::InvalidInput,
            "cannot read 'in.csv'",
        ),
    ] {
        let failing = arrow_array::RecordBatchIterator::new(
            vec![Err(arrow_schema::ArrowError::ExternalError(inner))],
            rows(0..0).schema(),
        );
        let error = table
            .add(TableData::reader(failing), AddMode::Append)
            .unwrap_err();
        assert_eq!((error.kind(), error.to_string().as_str()), (kind, message));
    }
    assert_eq!(table.versions().unwrap().len(), 2);
    let rows_now = table.query().execute().unwrap().into_reader();
    assert_eq!(rows_now.map(|b| b.unwrap().num_rows()).sum::<usize>(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upserts_schema_changes_and_restore_through_the_api() {
    let (_dir, uris) = uris("evolution");
    for uri in &uris {
        let db = shoal::connect(uri, ConnectOptions::default())
            .await
            .unwrap();
        let table = db
            .create_table("t", rows(0..100), CreateMode::Create)
            .await
            .unwrap();

        let stats = table
            .merge_insert(&["id"])
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(rows(90..120))
            .await
            .unwrap();
        assert_eq!((stats.updated, stats.inserted, stats.deleted), (10, 20, 0));
        assert_eq!(table.count_rows(None).await.unwrap(), 120);
        let duplicate = table
            .merge_insert(&["id"])
            .when_matched_update_all()
            .execute(TableData::batches(
                rows(0..0).schema(),
                vec![rows(0..2), rows(1..3)],
            ))
            .await
            .unwrap_err();
        assert_eq!(duplicate.kind(), ErrorKind::InvalidInput, "{duplicate}");
        let only_source = table
            .merge_insert(&["id"])
            .when_not_matched_by_source_delete(Some("id >= 100"))
            .execute(rows(0..110))
            .await
            .unwrap();
        assert_eq!(only_source.deleted, 10);
        let version = table.version();

        table.add_columns(&[("double", "id * 2")]).await.unwrap();
        assert_eq!(table.count_rows(Some("double = 20")).await.unwrap(), 1);
        table
            .alter_columns(vec![shoal::ColumnAlteration::new("label").rename("tag")])
            .await
            .unwrap();
        table.drop_columns(&["double"]).await.unwrap();
        let names: Vec<String> = table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["id", "tag", "vector"]);
        let bad = table.add_columns(&[("x", "nope + 1")]).await.unwrap_err();
        assert_eq!(bad.kind(), ErrorKind::InvalidInput, "{bad}");
        let unsafe_cast = table
            .alter_columns(vec![
                shoal::ColumnAlteration::new("id").cast(arrow_schema::DataType::Int32)
            ])
            .await
            .unwrap_err();
        assert_eq!(unsafe_cast.kind(), ErrorKind::InvalidInput, "{unsafe_cast}");

        table.checkout(version).await.unwrap();
        table.restore().await.unwrap();
        assert!(table.schema().field_with_name("label").is_ok());
        assert_eq!(table.count_rows(None).await.unwrap(), 110);
        let last = table.versions().await.unwrap().pop().unwrap();
        assert_eq!(last.description, format!("restore version {version}"));
        table.add(rows(500..501), AddMode::Append).await.unwrap();
        assert_eq!(table.count_rows(None).await.unwrap(), 111);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_reads_only_the_fragments_it_names() {
    let (_dir, uris) = uris("fragments");
    for uri in &uris {
        let db = shoal::connect(uri, ConnectOptions::default())
            .await
            .unwrap();
        let table = db
            .create_table("t", rows(0..10), CreateMode::Create)
            .await
            .unwrap();
        table.add(rows(10..15), AddMode::Append).await.unwrap();
        table.add(rows(15..30), AddMode::Append).await.unwrap();
        table.delete("id = 11").await.unwrap();
        let fragments = table.fragments();
        let live: Vec<u64> = fragments.iter().map(|f| f.rows).collect();
        assert_eq!(live, [10, 4, 15]);
        let (first, last) = (fragments[0].id, fragments[2].id);
        let read = |ids: Vec<u64>| {
            let query = table.query().fragments(ids);
            async move { query.execute().await?.try_collect::<Vec<_>>().await }
        };
        let batches = read(vec![last, first]).await.unwrap();
        let expected: Vec<i64> = (0..10).chain(15..30).collect();
        assert_eq!(ids(&batches), expected, "{uri}: in the table's order");
        assert_eq!(ids(&read(vec![]).await.unwrap()), Vec::<i64>::new());
        let missing = read(vec![last + 100]).await.unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
        let search = table.search(vec![0.0; 4]).fragments(vec![first]);
        let refused = search.execute().await.err().unwrap();
        assert_eq!(refused.kind(), ErrorKind::InvalidInput, "{refused}");
    }
}

#[test]
fn a_table_is_created_and_opened_at_a_version_by_its_own_uri() {
    use shoal::blocking::Table;
    let (_dir, uris) = uris("by-uri");
    for root in &uris {
        let uri = format!("{root}/direct");
        let options = ConnectOptions::default;
        let table = Table::create(&uri, rows(0..10), Default::default(), options()).unwrap();
        assert_eq!(
            (table.name(), table.count_rows(None).unwrap()),
            ("direct", 10)
        );
        table.add(rows(10..30), AddMode::Append).unwrap();
        table.create_tag("first", 1).unwrap();
        let again = Table::create(&uri, rows(0..1), Default::default(), options()).unwrap_err();
        assert_eq!(again.kind(), ErrorKind::AlreadyExists, "{again}");

        for old in [
            Table::open_version(&uri, 1, options()).unwrap(),
            Table::open_version(&uri, "first", options()).unwrap(),
        ] {
            assert_eq!((old.version(), old.count_rows(None).unwrap()), (1, 10));
            let refused = old.add(rows(0..1), AddMode::Append).unwrap_err();
            assert!(refused.to_string().contains("checkout_latest"), "{refused}");
            old.checkout_latest().unwrap();
            assert_eq!(old.count_rows(None).unwrap(), 30);
        }
        let missing = Table::open_version(&uri, 9, options()).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");

        let overwrite = shoal::CreateTableOptions {
            mode: CreateMode::Overwrite,
            ..Default::default()
        };
        let replaced = Table::create(&uri, rows(0..3), overwrite, options()).unwrap();
        assert_eq!(
            (replaced.version(), replaced.count_rows(None).unwrap()),
            (3, 3)
        );
    }
}
