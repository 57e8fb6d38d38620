//! Reading one Shoal file from any object store.
//!
//! Opening costs one request: a suffix read of [`DEFAULT_TAIL_READ`] bytes that returns the
//! file size too and, for files smaller than that, the whole file, which is then kept so that
//! reads need no further I/O. A footer larger than the suffix costs one more request.
//!
//! Reads keep the phases of the design apart: [`FileReader::plan_rows`] and
//! [`FileReader::plan_take`] are sync CPU, [`FileReader::fetch`] is async I/O only, and
//! [`ReadPlan::decode`] is sync CPU, which [`FileReader::read`] runs on the CPU pool
//! (`shoal_runtime::spawn_cpu`) so that decoding never stalls the async runtime.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use shoal_format::{parse_footer, Fetched, FileMetadata, FooterRead, ReadPlan, DEFAULT_TAIL_READ};
use shoal_io::{resolve, ObjectLocation, ObjectReader, ReadCost};

use crate::error::{Error, Result};
use crate::file::projection::column_indices;

/// An open Shoal file: its metadata, and a way to read its bytes.
#[derive(Debug, Clone)]
pub struct FileReader {
    reader: ObjectReader,
    meta: Arc<FileMetadata>,
    /// The whole file, when it was smaller than the first suffix read.
    whole: Option<Bytes>,
}

impl FileReader {
    /// Opens the file at `uri` (a path or `file://` URI).
    pub async fn open(uri: &str) -> Result<Self> {
        Self::open_location(resolve(uri)?).await
    }

    /// Opens the file at a resolved location.
    pub async fn open_location(location: ObjectLocation) -> Result<Self> {
        Ok(Self::open_location_with_cost(location).await?.0)
    }

    /// [`FileReader::open_location`], also returning what opening cost (one request, or
    /// two when the footer is larger than the first read).
    pub async fn open_location_with_cost(location: ObjectLocation) -> Result<(Self, ReadCost)> {
        let reader = ObjectReader::new(location);
        let uri = reader.uri().to_string();
        let (suffix, size) = reader.read_suffix(DEFAULT_TAIL_READ).await?;
        let mut cost = ReadCost {
            requests: 1,
            bytes: suffix.len() as u64,
        };
        let meta = match parse_footer(size, &suffix).map_err(Error::format(&uri))? {
            FooterRead::Complete(meta) => meta,
            FooterRead::NeedSuffix(n) => {
                let (longer, after) = reader.read_suffix(n).await?;
                cost += ReadCost {
                    requests: 1,
                    bytes: longer.len() as u64,
                };
                if after != size {
                    return Err(Error::ChangedWhileOpening {
                        uri,
                        before: size,
                        after,
                    });
                }
                match parse_footer(size, &longer).map_err(Error::format(&uri))? {
                    FooterRead::Complete(meta) => meta,
                    FooterRead::NeedSuffix(_) => {
                        return Err(Error::Format {
                            uri,
                            error: shoal_format::FormatError::Corrupt(
                                "footer length is inconsistent".into(),
                            ),
                        })
                    }
                }
            }
        };
        let whole = (suffix.len() as u64 == size).then_some(suffix);
        let file = Self {
            reader,
            meta: Arc::new(*meta),
            whole,
        };
        Ok((file, cost))
    }

    /// The URI the file was opened with.
    pub fn uri(&self) -> &str {
        self.reader.uri()
    }

    /// The size of the whole file, when it was small enough to come with the first read
    /// (and is kept, so that reads need no further I/O).
    pub fn whole_len(&self) -> Option<u64> {
        self.whole.as_ref().map(|w| w.len() as u64)
    }

    /// Everything the footer says.
    pub fn metadata(&self) -> &Arc<FileMetadata> {
        &self.meta
    }

    /// The file's Arrow schema.
    pub fn schema(&self) -> SchemaRef {
        self.meta.schema.clone()
    }

    /// Rows in the file.
    pub fn num_rows(&self) -> u64 {
        self.meta.num_rows
    }

    /// Column indices for the given names, or all columns when `names` is `None`.
    pub fn projection<S: AsRef<str>>(&self, names: Option<&[S]>) -> Result<Vec<usize>> {
        column_indices(&self.meta.schema, names, self.uri())
    }

    /// About what one more request to this file's store costs, in bytes read: the gap
    /// below which its I/O scheduler reads through rather than issue another request.
    pub fn request_cost_bytes(&self) -> u64 {
        self.reader
            .location()
            .store_ref
            .scheduler()
            .config()
            .coalesce_gap
    }

    /// Plans reading rows `rows` of the columns `projection` (sync, no I/O).
    pub fn plan_rows(&self, projection: &[usize], rows: Range<u64>) -> Result<ReadPlan> {
        ReadPlan::rows(&self.meta, projection, rows).map_err(Error::format(self.uri()))
    }

    /// Plans taking rows `rows`, in any order (sync, no I/O).
    pub fn plan_take(&self, projection: &[usize], rows: &[u64]) -> Result<ReadPlan> {
        ReadPlan::take(&self.meta, projection, rows).map_err(Error::format(self.uri()))
    }

    /// Reads every byte range `plan` needs (I/O only). Most plans need one round of
    /// requests; a take of variable-length values needs two.
    pub async fn fetch(&self, plan: &ReadPlan) -> Result<Fetched> {
        Ok(self.fetch_with_priority(plan, 0).await?.0)
    }

    /// [`FileReader::fetch`] through the store's I/O scheduler, whose waiting requests are
    /// served lowest `priority` first; returns what the reads cost too.
    pub async fn fetch_with_priority(
        &self,
        plan: &ReadPlan,
        priority: u64,
    ) -> Result<(Fetched, ReadCost)> {
        let mut fetched = Fetched::new();
        if let Some(whole) = &self.whole {
            fetched.insert(0, whole.clone());
        }
        let location = self.reader.location();
        let scheduler = location.store_ref.scheduler();
        let store = location.store();
        let mut cost = ReadCost::default();
        loop {
            let missing = plan
                .missing_ranges(&fetched)
                .map_err(Error::format(self.uri()))?;
            if missing.is_empty() {
                return Ok((fetched, cost));
            }
            let (bytes, read) = scheduler
                .read(&*store, &location.path, &location.uri, &missing, priority)
                .await?;
            cost += read;
            for (range, b) in missing.iter().zip(bytes) {
                fetched.insert(range.start, b);
            }
        }
    }

    /// Fetches and decodes a plan; decoding runs on the CPU pool.
    pub async fn read(&self, plan: ReadPlan) -> Result<RecordBatch> {
        let fetched = self.fetch(&plan).await?;
        let uri = self.uri().to_string();
        shoal_runtime::spawn_cpu(move || plan.decode(&fetched).map_err(Error::format(&uri))).await?
    }

    /// Reads rows `rows` of the columns `projection`.
    pub async fn read_rows(&self, projection: &[usize], rows: Range<u64>) -> Result<RecordBatch> {
        self.read(self.plan_rows(projection, rows)?).await
    }

    /// Takes rows `rows` (any order, repeats allowed) of the columns `projection`.
    pub async fn take(&self, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        self.read(self.plan_take(projection, rows)?).await
    }

    /// Streams the rows `rows` of the columns `projection` in batches of up to `batch_rows`
    /// rows, in order, with up to `readahead` batches being fetched and decoded at once.
    pub fn stream(
        &self,
        projection: Vec<usize>,
        rows: Range<u64>,
        batch_rows: usize,
        readahead: usize,
    ) -> BoxStream<'static, Result<RecordBatch>> {
        let this = self.clone();
        stream::iter(row_chunks(rows, batch_rows))
            .map(move |chunk| {
                let this = this.clone();
                let projection = projection.clone();
                async move { this.read_rows(&projection, chunk).await }
            })
            .buffered(readahead.max(1))
            .boxed()
    }
}

/// `rows` in consecutive ranges of up to `batch_rows` rows (at least 1).
pub(crate) fn row_chunks(rows: Range<u64>, batch_rows: usize) -> impl Iterator<Item = Range<u64>> {
    let step = batch_rows.max(1) as u64;
    (rows.start..rows.end)
        .step_by(step as usize)
        .map(move |start| start..(start + step).min(rows.end))
}
