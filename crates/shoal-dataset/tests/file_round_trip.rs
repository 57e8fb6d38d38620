//! Shoal files through the storage layer: written with `FileWriter`, read back with
//! `FileReader` by range, by take and as a stream, on local disk; and the errors a user
//! meets (missing file, corrupt file, unknown column, schema mismatch) are typed and name
//! the file, with nothing left behind by a failed write.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use futures::TryStreamExt;
use shoal_dataset::{Error, FileReader, FileWriter};
use shoal_format::WriteOptions;

fn batch(start: i64, rows: i64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
    ]));
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(start..start + rows));
    let names: ArrayRef = Arc::new(StringArray::from_iter(
        (start..start + rows).map(|i| (i % 5 != 0).then(|| format!("name-{i}"))),
    ));
    RecordBatch::try_new(schema, vec![ids, names]).unwrap()
}

async fn write(path: &str, batches: &[RecordBatch], page_size: usize) {
    let options = WriteOptions {
        page_size,
        ..WriteOptions::default()
    };
    let mut w = FileWriter::create(path, batches[0].schema(), options).unwrap();
    for b in batches {
        w.write(b).await.unwrap();
    }
    let written = w.finish().await.unwrap();
    assert_eq!(
        written.rows,
        batches.iter().map(|b| b.num_rows() as u64).sum::<u64>()
    );
    assert_eq!(written.bytes, std::fs::metadata(path).unwrap().len());
}

#[tokio::test]
async fn written_files_read_back_by_range_take_and_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.shoal");
    let path = path.to_str().unwrap();
    let batches: Vec<_> = (0..10).map(|i| batch(i * 10_000, 10_000)).collect();
    write(path, &batches, 16 * 1024).await;

    let reader = FileReader::open(path).await.unwrap();
    assert_eq!(reader.num_rows(), 100_000);
    let all = reader.projection::<&str>(None).unwrap();

    let range = reader.read_rows(&all, 25_000..25_010).await.unwrap();
    assert_eq!(range, batches[2].slice(5_000, 10));

    let rows = [99_999u64, 3, 50_000, 3];
    let taken = reader.take(&all, &rows).await.unwrap();
    let ids = taken
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    assert_eq!(ids.values().to_vec(), vec![99_999, 3, 50_000, 3]);
    assert!(taken.column(1).is_null(2) && taken.column(1).is_valid(0));

    let streamed: Vec<RecordBatch> = reader
        .stream(vec![1], 0..100_000, 7_777, 3)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        streamed.iter().map(|b| b.num_rows()).sum::<usize>(),
        100_000
    );
    let second = streamed[1].column(0).slice(0, 2_223);
    assert_eq!(
        second.as_ref(),
        batches[0].column(1).slice(7_777, 2_223).as_ref()
    );
}

#[tokio::test]
async fn a_footer_larger_than_one_tail_read_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.shoal");
    let path = path.to_str().unwrap();
    // 400 columns of 64-byte pages: the footer is far larger than the 64 KiB tail read.
    let fields: Vec<Field> = (0..400)
        .map(|i| Field::new(format!("c{i}"), DataType::Int64, false))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let columns: Vec<ArrayRef> = (0..400)
        .map(|i| Arc::new(Int64Array::from_iter_values(i..i + 2_000)) as ArrayRef)
        .collect();
    let b = RecordBatch::try_new(schema, columns).unwrap();
    write(path, std::slice::from_ref(&b), 64).await;
    let reader = FileReader::open(path).await.unwrap();
    assert!(reader.metadata().footer_len > shoal_format::DEFAULT_TAIL_READ);
    let got = reader.read_rows(&[399], 1_990..2_000).await.unwrap();
    assert_eq!(
        got.column(0).as_ref(),
        b.column(399).slice(1_990, 10).as_ref()
    );
}

#[tokio::test]
async fn user_errors_are_typed_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.shoal");
    let err = FileReader::open(missing.to_str().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Io(shoal_io::IoError::NotFound { .. })),
        "{err}"
    );

    let garbage = dir.path().join("garbage.shoal");
    std::fs::write(&garbage, vec![7u8; 5_000]).unwrap();
    let err = FileReader::open(garbage.to_str().unwrap())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("garbage.shoal") && err.to_string().contains("not a Shoal file"),
        "{err}"
    );

    let good = dir.path().join("good.shoal");
    write(good.to_str().unwrap(), &[batch(0, 10)], 1024).await;
    let reader = FileReader::open(good.to_str().unwrap()).await.unwrap();
    let err = reader.projection(Some(&["id", "nope"])).unwrap_err();
    assert!(
        err.to_string()
            .contains("no column 'nope' (columns: id, name)"),
        "{err}"
    );
    assert!(reader.take(&[0], &[10]).await.is_err());

    let other = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    let target = dir.path().join("mismatch.shoal");
    let mut w =
        FileWriter::create(target.to_str().unwrap(), other, WriteOptions::default()).unwrap();
    let err = w.write(&batch(0, 3)).await.unwrap_err();
    assert!(err.to_string().contains("column 'x' is missing"), "{err}");
    w.abort().await.unwrap();
    assert!(!target.exists(), "an aborted write leaves nothing behind");
}
