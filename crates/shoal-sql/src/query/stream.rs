//! [`SqlStream`]: a planned query running on the query runtime, its batches handed over
//! through a small channel as the consumer asks for them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{execute_stream, ExecutionPlan};
use futures::{Stream, StreamExt};
use shoal_dataset::{Error, Result};
use shoal_runtime::RuntimeError;
use tokio::sync::mpsc;

use crate::query::errors;
use crate::table::ScanFailures;
use shoal_runtime::AbortOnDrop as Spawned;

/// Batches computed ahead of the consumer: enough to overlap the two, few enough that a
/// slow consumer holds back the query instead of piling results up in memory.
const AHEAD: usize = 2;

/// The result of a query, batch by batch (see [`crate::SqlSession::sql`]). The query runs
/// while the consumer reads; dropping the stream stops it. An error ends the stream.
pub struct SqlStream {
    schema: SchemaRef,
    batches: mpsc::Receiver<Result<RecordBatch>>,
    /// The running query, until the stream has seen it end.
    query: Option<Spawned<()>>,
}

impl std::fmt::Debug for SqlStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStream")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl SqlStream {
    /// Starts running `plan` with `context`, whose scans report their errors to `failures`.
    pub(crate) fn start(
        plan: Arc<dyn ExecutionPlan>,
        context: Arc<TaskContext>,
        failures: Arc<ScanFailures>,
    ) -> Result<Self> {
        let schema = plan.schema();
        let (sender, batches) = mpsc::channel(AHEAD);
        let query = shoal_runtime::query_runtime()
            .map_err(shoal_dataset::Error::Runtime)?
            .spawn(run(plan, context, failures, sender));
        Ok(Self {
            schema,
            batches,
            query: Some(Spawned(query)),
        })
    }

    /// The schema of the result's batches.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// Runs the query, sending each batch (or its error, which ends it) to `sender` until the
/// stream is dropped.
async fn run(
    plan: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
    failures: Arc<ScanFailures>,
    sender: mpsc::Sender<Result<RecordBatch>>,
) {
    let mut batches = match execute_stream(plan, context) {
        Ok(batches) => batches,
        Err(e) => {
            let _ = sender.send(Err(errors::failed(&e, &failures))).await;
            return;
        }
    };
    while let Some(batch) = batches.next().await {
        let batch = batch.map_err(|e| errors::failed(&e, &failures));
        let last = batch.is_err();
        if sender.send(batch).await.is_err() || last {
            return;
        }
    }
}

impl Stream for SqlStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(item) = ready!(self.batches.poll_recv(cx)) {
            return Poll::Ready(Some(item));
        }
        // The channel closed: the query ended, or panicked (which must not pass for the end
        // of the result).
        let Some(query) = self.query.as_mut() else {
            return Poll::Ready(None);
        };
        let ended = ready!(Pin::new(&mut query.0).poll(cx));
        self.query = None;
        Poll::Ready(ended.err().map(|e| {
            Err(Error::Runtime(RuntimeError::Panicked {
                pool: "shoal-sql".into(),
                message: e.to_string(),
            }))
        }))
    }
}
