//! Turns record batches into the bytes of a Shoal file, with no I/O of its own.
//!
//! [`FileEncoder`] buffers each column until it holds about a page's worth of bytes
//! ([`WriteOptions::page_size`]), then cuts it into pages, compresses them when that pays, and
//! hands back the encoded bytes for the caller to append to whatever it writes to. Memory is
//! bounded by about one page per column plus the batch being written. [`FileEncoder::finish`]
//! returns the remaining pages, the footer and the tail. Columns are buffered in their storage
//! type (`storage.rs`), and the file is stamped with the oldest format version that holds
//! its schema.

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use arrow_select::concat::concat;
use bytes::Bytes;

use crate::compression::{compress, Compression};
use crate::error::{FormatError, Result};
use crate::format_version::{header_bytes, tail_bytes, HEADER_LEN};
use crate::metadata::{encode_footer, PageMeta};
use crate::page_encode::{encode_page, padded, Encoding};
use crate::stats;
use crate::storage::to_storage;
use crate::type_codec::minor_version_for;
use crate::types::{check_schema, schema_differences};

/// Default target size of a page.
///
/// 1 MiB is large enough that a page is an efficient object-store request on its own and
/// that a 1,000,000-row file's footer stays within one [`crate::DEFAULT_TAIL_READ`], and
/// small enough that even a file of a few hundred MiB splits into hundreds of pages, which
/// is where scan parallelism comes from. Adjacent pages are coalesced by the I/O layer when
/// larger requests pay off.
pub const DEFAULT_PAGE_SIZE: usize = 1024 * 1024;

/// How a [`FileEncoder`] lays out pages.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Target size of a page's plain bytes. A page holds at least one row.
    pub page_size: usize,
    /// Codec tried on every page; a page that does not shrink by 10% is stored plain.
    pub compression: Compression,
    /// Recorded in the footer as the writer's name.
    pub created_by: String,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            page_size: DEFAULT_PAGE_SIZE,
            compression: Compression::None,
            created_by: format!("shoal-format {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Encodes record batches of one schema into the bytes of a file.
pub struct FileEncoder {
    schema: SchemaRef,
    options: WriteOptions,
    columns: Vec<ColumnBuffer>,
    offset: u64,
    num_rows: u64,
    /// The minor format version the file is written in.
    minor: u16,
}

/// Rows of one column waiting to become pages.
#[derive(Default)]
struct ColumnBuffer {
    pending: Vec<ArrayRef>,
    pending_rows: usize,
    pending_bytes: usize,
    pages: Vec<PageMeta>,
}

impl FileEncoder {
    /// Creates an encoder, refusing a schema with a type the format cannot store.
    pub fn try_new(schema: SchemaRef, options: WriteOptions) -> Result<Self> {
        check_schema(&schema)?;
        let minor = minor_version_for(&schema);
        let columns = schema
            .fields()
            .iter()
            .map(|_| ColumnBuffer::default())
            .collect();
        Ok(Self {
            schema,
            options: WriteOptions {
                page_size: options.page_size.max(1),
                ..options
            },
            columns,
            offset: 0,
            num_rows: 0,
            minor,
        })
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Bytes handed out so far.
    pub fn bytes_written(&self) -> u64 {
        self.offset
    }

    /// Rows accepted so far.
    pub fn num_rows(&self) -> u64 {
        self.num_rows
    }

    /// Buffers a batch; returns the bytes of the pages it completed, to be appended in order.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<Vec<Bytes>> {
        if batch.schema().fields() != self.schema.fields() {
            let differences = schema_differences(&self.schema, &batch.schema());
            return Err(FormatError::SchemaMismatch(differences.join("; ")));
        }
        let mut out = self.start();
        for index in 0..self.columns.len() {
            let column = to_storage(batch.column(index))?;
            let col = &mut self.columns[index];
            col.pending_bytes += logical_size(&column);
            col.pending_rows += column.len();
            col.pending.push(column);
            if col.pending_bytes >= self.options.page_size {
                self.flush_column(index, false, &mut out)?;
            }
        }
        self.num_rows += batch.num_rows() as u64;
        Ok(out)
    }

    /// Flushes every column and returns the last pages, the footer and the tail.
    pub fn finish(mut self) -> Result<Vec<Bytes>> {
        let mut out = self.start();
        for index in 0..self.columns.len() {
            self.flush_column(index, true, &mut out)?;
        }
        let pages: Vec<Vec<PageMeta>> = self
            .columns
            .iter_mut()
            .map(|c| std::mem::take(&mut c.pages))
            .collect();
        let footer = encode_footer(
            &self.schema,
            self.num_rows,
            &pages,
            &self.options.created_by,
        );
        let tail = tail_bytes(footer.len() as u64, crc32c::crc32c(&footer), self.minor);
        self.offset += (footer.len() + tail.len()) as u64;
        out.push(Bytes::from(footer));
        out.push(Bytes::copy_from_slice(&tail));
        Ok(out)
    }

    /// The header, the first time anything is written.
    fn start(&mut self) -> Vec<Bytes> {
        if self.offset > 0 {
            return Vec::new();
        }
        self.offset = HEADER_LEN;
        vec![Bytes::copy_from_slice(&header_bytes(self.minor))]
    }

    /// Cuts the pending rows of a column into pages; keeps a partial page unless `all`.
    fn flush_column(&mut self, index: usize, all: bool, out: &mut Vec<Bytes>) -> Result<()> {
        let col = &mut self.columns[index];
        if col.pending_rows == 0 {
            return Ok(());
        }
        let pending = std::mem::take(&mut col.pending);
        let array = if pending.len() == 1 {
            pending.into_iter().next().unwrap_or_else(|| unreachable!())
        } else {
            let refs: Vec<&dyn Array> = pending.iter().map(|a| a.as_ref()).collect();
            concat(&refs)?
        };
        let bytes_per_row = (col.pending_bytes as f64 / col.pending_rows as f64).max(1.0);
        let rows_per_page = ((self.options.page_size as f64 / bytes_per_row) as usize).max(1);
        let total = array.len();
        let mut start = 0;
        while start < total {
            let rows = rows_per_page.min(total - start);
            if rows < rows_per_page && !all {
                break;
            }
            let page = encode_one(
                &array.slice(start, rows),
                self.offset,
                self.options.compression,
            );
            self.offset += padded(page.0.len() as u64);
            out.push(page.0);
            col.pages.push(page.1);
            start += rows;
        }
        col.pending_rows = total - start;
        col.pending_bytes = (col.pending_rows as f64 * bytes_per_row) as usize;
        if start < total {
            col.pending.push(array.slice(start, total - start));
        }
        Ok(())
    }
}

/// Encodes one page at file offset `offset`: its bytes (padded to 8) and its page-table entry.
fn encode_one(array: &ArrayRef, offset: u64, codec: Compression) -> (Bytes, PageMeta) {
    let plain = encode_page(array.as_ref());
    let (mut stored, compression) = match compress(codec, &plain.bytes) {
        Some(packed) => (packed, codec),
        None => (plain.bytes, Compression::None),
    };
    let stored_len = stored.len() as u64;
    let crc = crc32c::crc32c(&stored);
    stored.resize(padded(stored_len) as usize, 0);
    let meta = PageMeta {
        num_rows: array.len() as u64,
        offset,
        stored_len,
        encoding: Encoding::Plain,
        compression,
        crc,
        nodes: plain.nodes,
        buffer_lens: plain.buffer_lens,
        stats: stats::compute(array.as_ref()),
    };
    (Bytes::from(stored), meta)
}

/// Bytes of the rows of `array` (not of the buffers it may share with a larger array).
fn logical_size(array: &ArrayRef) -> usize {
    array
        .to_data()
        .get_slice_memory_size()
        .unwrap_or_else(|_| array.get_buffer_memory_size())
}
