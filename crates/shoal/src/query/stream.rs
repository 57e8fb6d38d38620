//! [`QueryStream`]: a query's rows as a stream of record batches, and what it spent.

use std::pin::Pin;
use std::task::{Context, Poll};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use futures::{Stream, StreamExt};
use shoal_dataset::{ScanStats, ScanStream, SearchResults, SearchStats};

use crate::error::{Error, ErrorKind, Result};

/// What a query spent, phase by phase (rule 7 of the design): a scan's planning, fetching
/// and decoding, or a vector search's index probes and re-ranking.
#[derive(Debug, Clone)]
pub enum QueryStats {
    Scan(ScanStats),
    Search(SearchStats),
}

/// The rows of a running query, batch by batch. Dropping it stops the query: reads in
/// flight are cancelled and their memory budget returned.
pub struct QueryStream {
    schema: SchemaRef,
    source: Source,
}

enum Source {
    Scan(ScanStream),
    /// A search's results are complete when it returns: the batch is handed out once.
    Search {
        batch: Option<RecordBatch>,
        stats: Box<SearchStats>,
    },
}

impl QueryStream {
    pub(super) fn scan(stream: ScanStream, schema: SchemaRef) -> Self {
        Self {
            schema,
            source: Source::Scan(stream),
        }
    }

    /// The results of a single-vector search, without their first `offset` rows.
    pub(super) fn search(results: SearchResults, offset: usize) -> Result<Self> {
        let SearchResults { batches, stats } = results;
        let Some(batch) = batches.into_iter().next() else {
            return Err(Error::new(
                ErrorKind::Runtime,
                "a search of one vector returned nothing",
            ));
        };
        let skip = offset.min(batch.num_rows());
        let batch = batch.slice(skip, batch.num_rows() - skip);
        Ok(Self {
            schema: batch.schema(),
            source: Source::Search {
                batch: Some(batch),
                stats: Box::new(stats),
            },
        })
    }

    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// What the query has spent so far (all of it once the stream has ended).
    pub fn stats(&self) -> QueryStats {
        match &self.source {
            Source::Scan(stream) => QueryStats::Scan(stream.stats()),
            Source::Search { stats, .. } => QueryStats::Search((**stats).clone()),
        }
    }
}

impl Stream for QueryStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.source {
            Source::Scan(stream) => stream
                .poll_next_unpin(cx)
                .map(|next| next.map(|batch| Ok(batch?.into_batch()))),
            Source::Search { batch, .. } => Poll::Ready(batch.take().map(Ok)),
        }
    }
}
