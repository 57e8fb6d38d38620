//! [`TableData`]: the rows a table is created from or that are added to it, from whatever
//! the caller holds: record batches, an Arrow `RecordBatchReader`, an async stream of
//! batches, or just a schema (an empty table).
//!
//! A `RecordBatchReader` may block while it produces a batch (it may read a file, or call
//! into Python), so it is read on a thread of its own, a couple of batches ahead of the
//! writer, and never on a runtime thread.

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::SchemaRef;
use futures::stream::{self, BoxStream, StreamExt};

use crate::error::{Error, Result};

/// Batches read ahead of the writer from a [`RecordBatchReader`].
const READER_AHEAD: usize = 2;

/// Rows to write into a table, all of one schema.
pub struct TableData {
    schema: SchemaRef,
    source: Source,
}

enum Source {
    Batches(Vec<RecordBatch>),
    Reader(Box<dyn RecordBatchReader + Send>),
    Stream(BoxStream<'static, Result<RecordBatch>>),
}

impl TableData {
    /// No rows: a table of `schema` with nothing in it.
    pub fn empty(schema: SchemaRef) -> Self {
        Self::batches(schema, Vec::new())
    }

    /// Batches already in memory, each of `schema`.
    pub fn batches(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        Self {
            schema,
            source: Source::Batches(batches),
        }
    }

    /// Everything an Arrow reader yields, read on a thread of its own.
    pub fn reader(reader: impl RecordBatchReader + Send + 'static) -> Self {
        Self {
            schema: reader.schema(),
            source: Source::Reader(Box::new(reader)),
        }
    }

    /// Everything an async stream of batches of `schema` yields.
    pub fn stream<E>(
        schema: SchemaRef,
        batches: impl futures::Stream<Item = std::result::Result<RecordBatch, E>> + Send + 'static,
    ) -> Self
    where
        E: Into<Error>,
    {
        Self {
            schema,
            source: Source::Stream(batches.map(|b| b.map_err(Into::into)).boxed()),
        }
    }

    /// The schema of the rows.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The batches as a stream; a reader starts producing on its own thread now.
    pub(crate) fn into_stream(self) -> BoxStream<'static, Result<RecordBatch>> {
        match self.source {
            Source::Batches(batches) => stream::iter(batches.into_iter().map(Ok)).boxed(),
            Source::Stream(stream) => stream,
            Source::Reader(reader) => read_ahead(reader),
        }
    }
}

impl From<RecordBatch> for TableData {
    fn from(batch: RecordBatch) -> Self {
        Self::batches(batch.schema(), vec![batch])
    }
}

impl From<SchemaRef> for TableData {
    fn from(schema: SchemaRef) -> Self {
        Self::empty(schema)
    }
}

impl From<Box<dyn RecordBatchReader + Send>> for TableData {
    fn from(reader: Box<dyn RecordBatchReader + Send>) -> Self {
        Self::reader(reader)
    }
}

/// Reads `reader` on a thread of its own into a bounded channel. The thread stops when the
/// reader ends or fails, or when the stream is dropped (its next send fails).
fn read_ahead(
    mut reader: Box<dyn RecordBatchReader + Send>,
) -> BoxStream<'static, Result<RecordBatch>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(READER_AHEAD);
    let started = std::thread::Builder::new()
        .name("shoal-reader".into())
        .spawn(move || {
            for batch in reader.by_ref() {
                let failed = batch.is_err();
                if sender.blocking_send(batch.map_err(Error::from)).is_err() || failed {
                    return;
                }
            }
        });
    if let Err(error) = started {
        let error = Error::new(
            crate::ErrorKind::Runtime,
            format!("cannot start a thread to read the batches: {error}"),
        );
        return stream::once(async { Err(error) }).boxed();
    }
    stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|batch| (batch, receiver))
    })
    .boxed()
}
