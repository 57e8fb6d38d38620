//! Writing one Shoal file to any object store, batch by batch.
//!
//! Batches are encoded as they arrive and their finished pages streamed out, so memory stays
//! at about one page per column whatever the file size. The file appears at its path only
//! when [`FileWriter::finish`] succeeds; [`FileWriter::abort`] leaves nothing behind.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use bytes::Bytes;
use shoal_format::{FileEncoder, WriteOptions};
use shoal_io::{resolve, ObjectLocation, ObjectWriter};

use crate::error::{Error, Result};

/// What a finished write produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenFile {
    pub rows: u64,
    pub bytes: u64,
}

/// Streams record batches of one schema into a new Shoal file.
pub struct FileWriter {
    encoder: FileEncoder,
    sink: Sink,
    uri: String,
}

/// The object being written, and how many bytes went into it.
struct Sink {
    out: ObjectWriter,
    bytes: u64,
}

impl Sink {
    async fn put_all(&mut self, chunks: Vec<Bytes>) -> Result<()> {
        for chunk in chunks {
            self.bytes += chunk.len() as u64;
            self.out.put(chunk).await?;
        }
        Ok(())
    }
}

impl FileWriter {
    /// Starts a file at `uri`, refusing a schema the format cannot store.
    pub fn create(uri: &str, schema: SchemaRef, options: WriteOptions) -> Result<Self> {
        Self::create_at(resolve(uri)?, schema, options)
    }

    /// Starts a file at a resolved location.
    pub fn create_at(
        location: ObjectLocation,
        schema: SchemaRef,
        options: WriteOptions,
    ) -> Result<Self> {
        let uri = location.uri.clone();
        let encoder = FileEncoder::try_new(schema, options).map_err(Error::format(&uri))?;
        Ok(Self {
            encoder,
            sink: Sink {
                out: ObjectWriter::new(location),
                bytes: 0,
            },
            uri,
        })
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        self.encoder.schema()
    }

    /// Rows written so far.
    pub fn num_rows(&self) -> u64 {
        self.encoder.num_rows()
    }

    /// Encodes a batch and uploads the pages it completes.
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let pages = self
            .encoder
            .write(batch)
            .map_err(Error::format(&self.uri))?;
        self.sink.put_all(pages).await
    }

    /// Writes the last pages and the footer, and makes the file visible.
    pub async fn finish(self) -> Result<WrittenFile> {
        let Self {
            encoder,
            mut sink,
            uri,
        } = self;
        let rows = encoder.num_rows();
        sink.put_all(encoder.finish().map_err(Error::format(&uri))?)
            .await?;
        sink.out.finish().await?;
        Ok(WrittenFile {
            rows,
            bytes: sink.bytes,
        })
    }

    /// Abandons the file; nothing appears at its path.
    pub async fn abort(self) -> Result<()> {
        Ok(self.sink.out.abort().await?)
    }
}
