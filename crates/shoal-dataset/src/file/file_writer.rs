//! Writing one Shoal file to any object store, batch by batch.
//!
//! Batches are encoded as they arrive and their finished pages streamed out, so memory stays
//! at about one page per column (and one batch's pages in flight) whatever the file size.
//! Encoding runs on the CPU pool (rule 4 of the design), overlapped with the upload of the
//! previous batch's pages. The file appears at its path only when [`FileWriter::finish`]
//! succeeds; [`FileWriter::abort`] leaves nothing behind.

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
    /// `None` only while a batch is being encoded on the CPU pool (or after that failed).
    encoder: Option<FileEncoder>,
    /// Pages encoded from the last batch, uploaded while the next one is encoded.
    pending: Vec<Bytes>,
    schema: SchemaRef,
    rows: u64,
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
        let encoder = FileEncoder::try_new(schema.clone(), options).map_err(Error::format(&uri))?;
        Ok(Self {
            encoder: Some(encoder),
            pending: Vec::new(),
            schema,
            rows: 0,
            sink: Sink {
                out: ObjectWriter::new(location),
                bytes: 0,
            },
            uri,
        })
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Rows written so far.
    pub fn num_rows(&self) -> u64 {
        self.rows
    }

    /// Encodes a batch on the CPU pool while the previous batch's pages upload; its own
    /// pages upload during the next call (or [`FileWriter::finish`]).
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let encoder = self.take_encoder()?;
        let batch = batch.clone();
        let encoding = shoal_runtime::spawn_cpu(move || {
            let mut encoder = encoder;
            let pages = encoder.write(&batch);
            (encoder, pages)
        });
        let uploading = self.sink.put_all(std::mem::take(&mut self.pending));
        let (encoded, uploaded) = futures::join!(encoding, uploading);
        let (encoder, pages) = encoded?;
        self.rows = encoder.num_rows();
        self.encoder = Some(encoder);
        uploaded?;
        self.pending = pages.map_err(Error::format(&self.uri))?;
        Ok(())
    }

    /// Writes the last pages and the footer, and makes the file visible.
    pub async fn finish(mut self) -> Result<WrittenFile> {
        let encoder = self.take_encoder()?;
        let (uploaded, footer) = futures::join!(
            self.sink.put_all(std::mem::take(&mut self.pending)),
            shoal_runtime::spawn_cpu(move || encoder.finish())
        );
        uploaded?;
        let last = footer?.map_err(Error::format(&self.uri))?;
        self.sink.put_all(last).await?;
        self.sink.out.finish().await?;
        Ok(WrittenFile {
            rows: self.rows,
            bytes: self.sink.bytes,
        })
    }

    /// The encoder, unless an earlier encoding failed (then the file cannot be finished).
    fn take_encoder(&mut self) -> Result<FileEncoder> {
        self.encoder.take().ok_or_else(|| {
            Error::InvalidArgument(format!(
                "'{}': an earlier write to this file failed; abort it",
                self.uri
            ))
        })
    }

    /// Abandons the file; nothing appears at its path.
    pub async fn abort(self) -> Result<()> {
        Ok(self.sink.out.abort().await?)
    }
}
