//! [`ScanStream`]: phases 3 and 4 of every task, composed.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};
use futures::FutureExt;
use shoal_io::ByteBudget;

use crate::error::Result;
use crate::read::scan::stats::{Collector, ScanStats};
use crate::read::scan::task::{ReadTask, ScanBatch};

/// The batches of a scan, in order unless asked otherwise. Dropping it cancels the tasks
/// in flight.
pub struct ScanStream {
    inner: BoxStream<'static, Result<ScanBatch>>,
    window: Option<Window>,
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

/// The offset and limit of a filtered scan, applied to the batches as they pass (empty
/// ones are dropped).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    skip: u64,
    remaining: Option<u64>,
}

impl Window {
    pub(crate) fn new(offset: u64, limit: Option<u64>) -> Self {
        Self {
            skip: offset,
            remaining: limit,
        }
    }

    /// What of `batch` falls in the window: `None` to drop it whole.
    fn admit(&mut self, mut batch: ScanBatch) -> Option<ScanBatch> {
        let rows = batch.num_rows() as u64;
        let skip = self.skip.min(rows);
        self.skip -= skip;
        let keep = self.remaining.map_or(rows - skip, |r| r.min(rows - skip));
        if let Some(remaining) = &mut self.remaining {
            *remaining -= keep;
        }
        if keep == 0 {
            return None;
        }
        if keep < rows {
            batch.slice(skip as usize, keep as usize);
        }
        Some(batch)
    }

    fn is_full(&self) -> bool {
        self.remaining == Some(0)
    }
}

impl ScanStream {
    pub(crate) fn new(
        tasks: Vec<ReadTask>,
        window: Option<Window>,
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
                let mut handle = shoal_runtime::AbortOnDrop(shoal_runtime::io().spawn(run(task)));
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
            window,
            budget,
            collector,
        }
    }

    /// What the scan has spent so far (everything, once the stream has ended).
    pub fn stats(&self) -> ScanStats {
        self.collector.snapshot(self.budget.peak_reserved())
    }
}

impl ScanStream {
    /// The next batch of the tasks, within the window if there is one. Once the window is
    /// full, the tasks still in flight are dropped (and so cancelled).
    fn next_in_window(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<ScanBatch>>> {
        loop {
            let Some(window) = &mut self.window else {
                return self.inner.poll_next_unpin(cx);
            };
            if window.is_full() {
                self.inner = stream::empty().boxed();
                return Poll::Ready(None);
            }
            match self.inner.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(batch))) => {
                    if let Some(batch) = window.admit(batch) {
                        return Poll::Ready(Some(Ok(batch)));
                    }
                }
                other => return other,
            }
        }
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
        let mut next = self.next_in_window(cx);
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
