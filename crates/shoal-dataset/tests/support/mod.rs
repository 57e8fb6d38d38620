//! Helpers shared by the dataset tests: a two-column schema, batches of it, writes, and
//! the URIs each test runs on.
#![allow(dead_code)] // each test binary uses its own subset

pub mod workers;

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use shoal_dataset::{Dataset, DatasetWriter, WriteMode, WriteParams};

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
    ]))
}

pub fn batch(start: i64, rows: i64) -> RecordBatch {
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(start..start + rows));
    let names: ArrayRef = Arc::new(StringArray::from_iter(
        (start..start + rows).map(|i| Some(format!("n{i}"))),
    ));
    RecordBatch::try_new(schema(), vec![ids, names]).unwrap()
}

pub async fn write(
    uri: &str,
    mode: WriteMode,
    batches: &[RecordBatch],
    max_rows_per_file: u64,
) -> shoal_dataset::Result<Dataset> {
    let params = WriteParams {
        max_rows_per_file,
        ..WriteParams::default()
    };
    let mut w = DatasetWriter::new(uri, schema(), mode, params).await?;
    for b in batches {
        w.write(b).await?;
    }
    w.commit().await
}

pub fn ids(batch: &RecordBatch) -> Vec<i64> {
    batch
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .values()
        .to_vec()
}

/// One local directory, one in-memory prefix and, when the test server runs, one S3 prefix
/// per test.
pub fn uris(test: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join(test).to_str().unwrap().to_string();
    let mut uris = vec![local, format!("memory://{test}/ds")];
    uris.extend(shoal_io::testing::s3_prefix(test));
    (dir, uris)
}

/// The `id` column of every live row of `ds`, in scan order.
pub async fn scanned_ids(ds: &Dataset) -> Vec<i64> {
    let batches: Vec<RecordBatch> = ds
        .scan()
        .projection(vec![0])
        .batch_rows(97)
        .collect()
        .await
        .unwrap();
    batches.iter().flat_map(ids).collect()
}

/// Deletes said in SQL, as users say them (the dataset layer takes a compiled filter).
pub trait DeleteWhere {
    async fn delete_where(&self, filter: &str) -> shoal_dataset::Result<Dataset>;
}

impl DeleteWhere for Dataset {
    async fn delete_where(&self, filter: &str) -> shoal_dataset::Result<Dataset> {
        let filter = shoal_sql::SqlFilter::new(filter, &self.schema(), self.uri())?;
        self.delete(std::sync::Arc::new(filter)).await
    }
}
