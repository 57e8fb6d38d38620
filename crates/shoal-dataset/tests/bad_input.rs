//! Bad input gets a clear, typed error and changes nothing: a corrupt manifest, a missing or
//! replaced data file, a corrupt deletion file, a wrong-schema append, an unknown URI
//! scheme, duplicate column names and out-of-range parameters; and every error says its
//! cause once, even through a chain printer.

mod support;

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use shoal_dataset::{Dataset, DatasetWriter, Error, WriteMode, WriteParams};
use shoal_io::IoError;
use support::{batch, uris, write, DeleteWhere};

/// Every object under the dataset, with its length and checksum, sorted by path.
async fn snapshot(uri: &str) -> Vec<(String, usize, u32)> {
    let root = shoal_io::resolve(uri).unwrap();
    let mut objects = Vec::new();
    for info in shoal_io::list(&root).await.unwrap() {
        let bytes = shoal_io::get(&root.child(&info.path)).await.unwrap();
        objects.push((info.path, bytes.len(), crc32c::crc32c(&bytes)));
    }
    objects.sort();
    objects
}

async fn scan_all(ds: &Dataset) -> shoal_dataset::Result<usize> {
    let batches = ds.scan().batch_rows(100).collect().await?;
    Ok(batches.iter().map(|b| b.num_rows()).sum())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_manifest_is_refused_by_name_and_nothing_is_written() {
    let (_dir, uris) = uris("bad-manifest");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 10)], 100)
            .await
            .unwrap();
        write(uri, WriteMode::Append, &[batch(10, 10)], 100)
            .await
            .unwrap();
        let root = shoal_io::resolve(uri).unwrap();
        let manifest = root.child("_versions/00000000000000000002.manifest");
        let mut bytes = shoal_io::get(&manifest).await.unwrap().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        shoal_io::put(&manifest, Bytes::from(bytes)).await.unwrap();
        let before = snapshot(uri).await;

        let err = Dataset::open(uri).await.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Format { .. }), "{msg}");
        assert!(
            msg.contains("00000000000000000002.manifest")
                && msg.contains("checksum mismatch in manifest"),
            "{msg}"
        );
        let err = write(uri, WriteMode::Append, &[batch(20, 5)], 100)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("checksum mismatch in manifest"),
            "{err}"
        );
        // The versions before it still open.
        assert_eq!(Dataset::open_version(uri, 1).await.unwrap().num_rows(), 10);
        assert_eq!(snapshot(uri).await, before, "nothing changed");

        // A truncated manifest (a torn write on a store without atomic puts) likewise.
        shoal_io::put(&manifest, Bytes::from_static(b"SHOALMAN\x01\x00"))
            .await
            .unwrap();
        let err = Dataset::open(uri).await.unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_data_file_is_named_and_nothing_is_written() {
    let (_dir, uris) = uris("bad-missing-file");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 300)], 100)
            .await
            .unwrap();
        let lost = ds.fragments()[1].data.path.clone();
        let root = shoal_io::resolve(uri).unwrap();
        shoal_io::delete(&root.child(&lost)).await.unwrap();
        let before = snapshot(uri).await;

        // Opening needs only the manifest; reading the fragment names the missing file.
        let ds = Dataset::open(uri).await.unwrap();
        let err = scan_all(&ds).await.unwrap_err();
        assert!(matches!(err, Error::Io(IoError::NotFound { .. })), "{err}");
        assert!(err.to_string().contains(&lost), "{err}");
        let err = ds.take(&[0], &[150]).await.unwrap_err();
        assert!(err.to_string().contains(&lost), "{err}");
        // Rows of other fragments still read.
        assert_eq!(ds.take(&[0], &[5, 250]).await.unwrap().num_rows(), 2);
        let err = ds.delete_where("id = 3").await.unwrap_err();
        assert!(err.to_string().contains(&lost), "{err}");
        assert_eq!(
            snapshot(uri).await,
            before,
            "the failed delete wrote nothing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_data_file_is_refused() {
    let (_dir, uris) = uris("bad-replaced-file");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 300)], 100)
            .await
            .unwrap();
        let root = shoal_io::resolve(uri).unwrap();
        let (first, second) = (&ds.fragments()[0].data.path, &ds.fragments()[1].data.path);
        let other = shoal_io::get(&root.child(first)).await.unwrap();
        shoal_io::put(&root.child(second), other).await.unwrap();
        let err = scan_all(&ds).await.unwrap_err().to_string();
        assert!(
            err.contains(second) && err.contains("replaced or damaged"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_deletion_file_is_refused() {
    let (_dir, uris) = uris("bad-deletion");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 100)], 100)
            .await
            .unwrap();
        let ds = ds.delete_where("id < 10").await.unwrap();
        let path = ds.fragments()[0].deletion.clone().unwrap().path;
        let root = shoal_io::resolve(uri).unwrap();
        let mut bytes = shoal_io::get(&root.child(&path)).await.unwrap().to_vec();
        let last = bytes.len() - 5;
        bytes[last] ^= 0x80;
        shoal_io::put(&root.child(&path), Bytes::from(bytes))
            .await
            .unwrap();
        let err = scan_all(&ds).await.unwrap_err().to_string();
        assert!(
            err.contains(&path) && err.contains("deletion file"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_schema_append_lists_the_differences_and_writes_nothing() {
    let (_dir, uris) = uris("bad-schema");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 10)], 100)
            .await
            .unwrap();
        let before = snapshot(uri).await;
        let other = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("extra", DataType::Float32, true),
        ]));
        let err = DatasetWriter::new(uri, other, WriteMode::Append, WriteParams::default())
            .await
            .err()
            .expect("refused");
        let msg = err.to_string();
        assert!(matches!(err, Error::SchemaMismatch { .. }), "{msg}");
        assert!(
            msg.contains("column 'id' has type Utf8 instead of Int64")
                && msg.contains("column 'extra' is not in the schema"),
            "{msg}"
        );
        assert_eq!(snapshot(uri).await, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_scheme_is_refused_by_name() {
    for uri in ["ftp://host/ds", "gopher://x/y"] {
        let err = Dataset::open(uri).await.unwrap_err();
        assert!(
            matches!(err, Error::Io(IoError::UnsupportedScheme { .. })),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("unsupported storage scheme") && msg.contains(uri),
            "{msg}"
        );
        let err = write(uri, WriteMode::Create, &[batch(0, 1)], 10)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unsupported storage scheme"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_column_names_are_refused_naming_them_and_nothing_is_written() {
    let (_dir, uris) = uris("duplicate-names");
    let int = |name: &str| Field::new(name, DataType::Int64, true);
    let point = DataType::Struct(vec![int("x"), int("y"), int("x")].into());
    let duplicated = Arc::new(Schema::new(vec![
        int("a"),
        int("a"),
        int("b"),
        Field::new("p", point, true),
    ]));
    for uri in &uris {
        let err = DatasetWriter::new(
            uri,
            duplicated.clone(),
            WriteMode::Create,
            WriteParams::default(),
        )
        .await
        .err()
        .expect("refused");
        let msg = err.to_string();
        assert!(
            matches!(
                &err,
                Error::Format {
                    error: shoal_format::FormatError::DuplicateNames { .. },
                    ..
                }
            ),
            "{msg}"
        );
        assert!(
            msg.contains("duplicate column names: 'a', 'p.x'") && !msg.contains("'b'"),
            "{msg}"
        );
        assert!(snapshot(uri).await.is_empty());
        let file = format!("{uri}.shoal");
        let err = shoal_dataset::FileWriter::create(&file, duplicated.clone(), Default::default())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("duplicate column names"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_and_oversized_rows_per_file_are_refused_by_parameter_name() {
    let (_dir, uris) = uris("bad-rows-per-file");
    for uri in &uris {
        for rows in [0, 1 << 32] {
            let err = write(uri, WriteMode::Create, &[batch(0, 3)], rows)
                .await
                .unwrap_err();
            assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
            assert_eq!(
                err.to_string(),
                format!("max_rows_per_file must be 1 to 4294967295 (got {rows})")
            );
            assert!(snapshot(uri).await.is_empty());
        }
        let ds = write(uri, WriteMode::Create, &[batch(0, 3)], 1)
            .await
            .unwrap();
        assert_eq!(ds.fragments().len(), 3);
        for target in [0, 1 << 32] {
            let options = shoal_dataset::CompactOptions {
                target_rows_per_fragment: target,
                ..Default::default()
            };
            let err = ds.compact(&options).await.unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("target_rows_per_fragment must be 1 to 4294967295 (got {target})")
            );
        }
    }
}

/// Each cause printed once: a chain printer (anyhow's `{:#}`) joins every `source()` to the
/// message, so an error whose message includes its cause must not expose it again.
#[test]
fn errors_say_their_cause_once_through_a_chain_printer() {
    fn chain(err: &dyn std::error::Error) -> String {
        let mut text = err.to_string();
        let mut cause = err.source();
        while let Some(c) = cause {
            text = format!("{text}: {c}");
            cause = c.source();
        }
        text
    }
    let arrow = || arrow_schema::ArrowError::ComputeError("overflow in row 7".into());
    let dataset = Error::from(arrow());
    let format = shoal_format::FormatError::from(arrow());
    let wrapped = Error::Format {
        uri: "x.shoal".into(),
        error: shoal_format::FormatError::from(arrow()),
    };
    for text in [chain(&dataset), chain(&format), chain(&wrapped)] {
        assert_eq!(text.matches("overflow in row 7").count(), 1, "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_error_says_its_os_error_once_through_a_chain_printer() {
    // Reading under a regular file fails with "Not a directory" from the OS.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    let under = file.join("ds");
    let err = Dataset::open(under.to_str().unwrap()).await.unwrap_err();
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    assert_eq!(text.matches("os error 20").count(), 1, "{text}");
}
