//! [`ScanStream`]: phases 3 and 4 of every task, composed.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};
use futures::FutureExt;
use shoal_io::ByteBudget;

use crate::error::Result;
use crate::scan::stats::{Collector, ScanStats};
use crate::scan::task::{ReadTask, ScanBatch};

/// The batches of a scan, in order unless asked otherwise. Dropping it cancels the tasks
/// in flight.
pub struct ScanStream {
    inner: BoxStream<'static, Result<ScanBatch>>,
    budget: Arc<ByteBudget>,
    collector: Arc<Collector>,
}

impl std::fmt::Debug for ScanStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanStream")
            .field("stats", &self.stats())
            .finish()
    }
}

/// A task running on the I/O runtime, aborted if dropped before it finishes.
struct Spawned(tokio::task::JoinHandle<Result<ScanBatch>>);

impl Drop for Spawned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl ScanStream {
    pub(crate) fn new(
        tasks: Vec<ReadTask>,
        ordered: bool,
        readahead: usize,
        small: bool,
        budget: Arc<ByteBudget>,
        collector: Arc<Collector>,
    ) -> Self {
        let batches = stream::iter(tasks);
        let inner = if small {
            // Too little to be worth a task: fetch and decode in the consumer's poll.
            batches
                .map(|task| async move { task.fetch().await?.decode_in_pipeline() })
                .buffered(readahead)
                .boxed()
        } else {
            let running = batches.map(|task| {
                let mut handle = Spawned(shoal_runtime::io().spawn(run(task)));
                async move {
                    match (&mut handle.0).await {
                        Ok(result) => result,
                        Err(e) => Err(crate::Error::Runtime(
                            shoal_runtime::RuntimeError::Panicked {
                                pool: "shoal-io".into(),
                                message: e.to_string(),
                            },
                        )),
                    }
                }
                .boxed()
            });
            if ordered {
                running.buffered(readahead).boxed()
            } else {
                running.buffer_unordered(readahead).boxed()
            }
        };
        Self {
            inner,
            budget,
            collector,
        }
    }

    /// What the scan has spent so far (everything, once the stream has ended).
    pub fn stats(&self) -> ScanStats {
        self.collector.snapshot(self.budget.peak_reserved())
    }
}

/// One task's phases 3 and 4: I/O here, decoding on the CPU pool.
async fn run(task: ReadTask) -> Result<ScanBatch> {
    let fetched = task.fetch().await?;
    shoal_runtime::spawn_cpu(move || fetched.decode_in_pipeline()).await?
}

impl Stream for ScanStream {
    type Item = Result<ScanBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut next = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(Ok(batch))) = &mut next {
            batch.hand_over();
        }
        if let Poll::Ready(None) = next {
            self.collector.touch();
            let stats = self.stats();
            stats.emit("scan");
        }
        next
    }
}
