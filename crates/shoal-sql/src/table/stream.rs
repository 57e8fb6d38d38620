//! One partition of a [`crate::ShoalTable`] scan as DataFusion's record batch stream: the
//! scan planned on Shoal's I/O runtime (its fragments opened concurrently), then its
//! [`ScanStream`] polled, each batch given the plan's schema.

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::{stream, StreamExt, TryStreamExt};
use shoal_dataset::{Error, Result, ScanBatch, ScanStream, Scanner};
use shoal_runtime::RuntimeError;

use crate::table::failures::ScanFailures;
use shoal_runtime::AbortOnDrop as Spawned;

/// The batches of `scanner`, as `schema` (the plan's), errors reported to `failures`.
pub(crate) fn partition_stream(
    scanner: Scanner,
    schema: SchemaRef,
    failures: Option<Arc<ScanFailures>>,
) -> SendableRecordBatchStream {
    let output = schema.clone();
    let batches = stream::once(plan(scanner))
        .try_flatten()
        .map(move |batch| conform(batch?, &output))
        .map_err(move |e| ScanFailures::report(failures.as_deref(), e));
    Box::pin(RecordBatchStreamAdapter::new(schema, batches))
}

/// Plans `scanner` on the I/O runtime, where opening fragments belongs.
async fn plan(scanner: Scanner) -> Result<ScanStream> {
    let mut planning = Spawned(shoal_runtime::io().spawn(scanner.plan()));
    match (&mut planning.0).await {
        Ok(plan) => Ok(plan?.stream()),
        Err(e) => Err(Error::Runtime(RuntimeError::Panicked {
            pool: "shoal-io".into(),
            message: e.to_string(),
        })),
    }
}

/// `batch` with `schema`: the same columns (none, for a scan that only counts rows), the
/// dataset's names, types and metadata whatever its file says.
fn conform(batch: ScanBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let batch = batch.into_batch();
    let columns = match schema.fields().len() {
        0 => Vec::new(),
        _ => batch.columns().to_vec(),
    };
    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    Ok(RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &options,
    )?)
}
