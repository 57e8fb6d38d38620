//! Datasets end to end on local disk and in memory: create, append, overwrite, versions,
//! take and scan across fragments; concurrent appenders never lose a row; changes that do
//! not fit (wrong schema, creating over an existing dataset) fail with typed errors and
//! change nothing.

mod support;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use shoal_dataset::{Dataset, DatasetWriter, Error, Operation, WriteMode, WriteParams};
use support::{batch, ids, uris, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn versions_grow_and_old_ones_stay_readable() {
    let (_dir, uris) = uris("versions");
    for uri in &uris {
        let v1 = write(uri, WriteMode::Create, &[batch(0, 250)], 100)
            .await
            .unwrap();
        assert_eq!(
            (v1.version(), v1.num_rows(), v1.fragments().len()),
            (1, 250, 3)
        );
        let v2 = write(uri, WriteMode::Append, &[batch(250, 50)], 100)
            .await
            .unwrap();
        assert_eq!((v2.version(), v2.num_rows()), (2, 300));
        let v3 = write(uri, WriteMode::Overwrite, &[batch(1000, 10)], 100)
            .await
            .unwrap();
        assert_eq!((v3.version(), v3.num_rows()), (3, 10));

        let latest = Dataset::open(uri).await.unwrap();
        assert_eq!(latest.version(), 3);
        let old = Dataset::open_version(uri, 2).await.unwrap();
        let all: Vec<RecordBatch> = old
            .scan()
            .projection(vec![0])
            .batch_rows(64)
            .collect()
            .await
            .unwrap();
        let scanned: Vec<i64> = all.iter().flat_map(ids).collect();
        assert_eq!(scanned, (0..300).collect::<Vec<_>>());

        let history = latest.versions().await.unwrap();
        let ops: Vec<&str> = history.iter().map(|m| m.operation.name()).collect();
        assert_eq!(ops, ["create", "append", "overwrite"]);
        assert!(history
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));

        let err = Dataset::open_version(uri, 9).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::VersionNotFound {
                    version: 9,
                    latest: 3,
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn take_spans_fragments_in_request_order() {
    let (_dir, uris) = uris("take");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 1000)], 128)
            .await
            .unwrap();
        let rows = [999u64, 0, 128, 127, 500, 0];
        let got = ds.take(&[0, 1], &rows).await.unwrap();
        assert_eq!(ids(&got), vec![999, 0, 128, 127, 500, 0]);
        assert!(ds.take(&[0], &[1000]).await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_all_land() {
    let (_dir, uris) = uris("concurrent");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 1)], 100)
            .await
            .unwrap();
        let writers = (0..8).map(|w| {
            let uri = uri.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    write(
                        &uri,
                        WriteMode::Append,
                        &[batch(1 + w * 100 + i * 10, 10)],
                        100,
                    )
                    .await
                    .unwrap();
                }
            })
        });
        for w in writers.collect::<Vec<_>>() {
            w.await.unwrap();
        }
        let ds = Dataset::open(uri).await.unwrap();
        assert_eq!(ds.version(), 81);
        assert_eq!(ds.num_rows(), 801);
        let history = ds.versions().await.unwrap();
        assert_eq!(history.len(), 81);
        assert!(history[1..]
            .iter()
            .all(|m| matches!(m.operation, Operation::Append { rows: 10 })));
        let mut all: Vec<i64> = ds
            .scan()
            .projection(vec![0])
            .collect()
            .await
            .unwrap()
            .iter()
            .flat_map(ids)
            .collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 801, "every appended row is present exactly once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_that_do_not_fit_fail_and_change_nothing() {
    let (_dir, uris) = uris("misfit");
    for uri in &uris {
        assert!(matches!(
            Dataset::open(uri).await,
            Err(Error::DatasetNotFound { .. })
        ));
        assert!(matches!(
            write(uri, WriteMode::Append, &[batch(0, 1)], 10).await,
            Err(Error::DatasetNotFound { .. })
        ));
        write(uri, WriteMode::Create, &[batch(0, 5)], 10)
            .await
            .unwrap();
        let err = write(uri, WriteMode::Create, &[batch(0, 5)], 10)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::DatasetExists { version: 1, .. }),
            "{err}"
        );

        let other = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, false),
            Field::new("extra", DataType::Utf8, true),
        ]));
        let err = DatasetWriter::new(uri, other, WriteMode::Append, WriteParams::default())
            .await
            .err()
            .expect("a different schema is refused");
        let msg = err.to_string();
        assert!(
            msg.contains("column 'id' has type Int32 instead of Int64"),
            "{msg}"
        );
        assert!(
            msg.contains("column 'name' is missing")
                && msg.contains("column 'extra' is not in the schema"),
            "{msg}"
        );

        let ds = Dataset::open(uri).await.unwrap();
        assert_eq!((ds.version(), ds.num_rows()), (1, 5));
    }
}
