//! The footer: what a reader knows about a file before touching any page.
//!
//! [`FileMetadata`] holds the Arrow schema, the row count and, per top-level column, the page
//! table ([`PageMeta`]: rows, byte range, encoding, compression, checksum, node lengths and null counts,
//! buffer lengths, statistics). [`parse_footer`] turns the last bytes of a file into it, asking
//! for more bytes when one tail read did not cover the whole footer. Every page's byte range,
//! row count, node lengths and fixed buffer lengths are checked against the file and the type
//! here, so the planners can compute offsets from them; what depends on page contents
//! (offsets, UTF-8) is checked when decoding. The header magic is checked when the bytes
//! given include it (files smaller than one tail read).

use std::ops::Range;
use std::sync::Arc;

use arrow_schema::{DataType, FieldRef, Schema, SchemaRef};
use bytes::Bytes;

use crate::compression::Compression;
use crate::error::{FormatError, Result};
use crate::format_version::FORMAT_MAJOR;
use crate::format_version::{check_header, parse_tail, HEADER_LEN, TAIL_LEN};
use crate::page_encode::{padded, Encoding, NodeInfo, BUFFER_ALIGN};
use crate::stats::{self, storage_bound, PageStats};
use crate::storage::storage_type;
use crate::type_codec::{decode_schema, encode_schema};
use crate::types::{node_kind, nodes_of, NodeKind};
use crate::wire::{WireReader, WireWriter};
use arrow_array::{Array, ArrayRef};
use arrow_select::concat::concat;

/// How many bytes to read from the end of a file to find its metadata in one request. The
/// footer of a 1,000,000-row file with a 128-float vector column and a text column at the
/// default page size is about 25 KiB, and a few hundred small columns fit as well.
pub const DEFAULT_TAIL_READ: u64 = 64 * 1024;

/// One page of one column, as the footer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageMeta {
    /// Rows of the column stored in this page.
    pub num_rows: u64,
    /// Byte offset of the page in the file.
    pub offset: u64,
    /// Bytes the page occupies in the file (compressed, when it is).
    pub stored_len: u64,
    /// Layout of the plain bytes.
    pub encoding: Encoding,
    /// Codec of the stored bytes.
    pub compression: Compression,
    /// crc32c of the stored bytes.
    pub crc: u32,
    /// Length and null count of every node of the column type, in pre-order.
    pub nodes: Vec<NodeInfo>,
    /// Length of every buffer of the plain page, in order; each starts 8-byte aligned.
    pub buffer_lens: Vec<u64>,
    /// Min/max of the page's values, where the type has an order.
    pub stats: Option<PageStats>,
}

impl PageMeta {
    /// Size of the page once decompressed.
    pub fn plain_len(&self) -> u64 {
        self.buffer_lens.iter().map(|l| padded(*l)).sum()
    }

    /// Byte range of the page in the file.
    pub fn byte_range(&self) -> Range<u64> {
        self.offset..self.offset + self.stored_len
    }

    /// Offset within the plain page at which buffer `index` starts.
    pub(crate) fn buffer_start(&self, index: usize) -> u64 {
        self.buffer_lens[..index].iter().map(|l| padded(*l)).sum()
    }
}

/// The page table of one top-level column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMeta {
    /// The column's field in the schema.
    pub field: FieldRef,
    /// The type whose layout its pages hold: the field's type, or the values of a
    /// dictionary, the large form of a view (see `docs/format.md`, section 6).
    pub storage: DataType,
    /// The nodes of the storage type, in pre-order.
    pub nodes: Vec<NodeKind>,
    /// The column's pages, in row order.
    pub pages: Vec<PageMeta>,
    /// `row_starts[i]` is the first row of page `i`; the last entry is the row count.
    pub row_starts: Vec<u64>,
}

impl ColumnMeta {
    /// Index of the page holding `row` (which must be below the row count).
    pub fn page_of_row(&self, row: u64) -> usize {
        self.row_starts.partition_point(|start| *start <= row) - 1
    }

    /// Bytes the column occupies in the file.
    pub fn stored_bytes(&self) -> u64 {
        self.pages.iter().map(|p| p.stored_len).sum()
    }

    /// Bytes the column occupies once decompressed.
    pub fn plain_bytes(&self) -> u64 {
        self.pages.iter().map(PageMeta::plain_len).sum()
    }

    /// Nulls in the column (at the top level).
    pub fn null_count(&self) -> u64 {
        self.pages.iter().map(|p| p.nodes[0].null_count).sum()
    }

    /// The column's smallest and largest value, from the page statistics; `None` when some
    /// page has none.
    pub fn bounds(&self) -> Result<Option<PageStats>> {
        let dt = &self.storage;
        let mut mins = Vec::new();
        let mut maxs = Vec::new();
        for page in &self.pages {
            let Some(stats) = &page.stats else {
                return Ok(None);
            };
            mins.push(storage_bound(dt, &stats.min)?);
            maxs.push(storage_bound(dt, &stats.max)?);
        }
        let all = |arrays: Vec<ArrayRef>| -> Result<Option<PageStats>> {
            let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
            if refs.is_empty() {
                return Ok(None);
            }
            Ok(stats::compute(concat(&refs)?.as_ref()))
        };
        Ok(match (all(mins)?, all(maxs)?) {
            (Some(lo), Some(hi)) => Some(PageStats {
                min: lo.min,
                max: hi.max,
            }),
            _ => None,
        })
    }
}

/// Everything the footer of a Shoal file says.
#[derive(Debug, Clone, PartialEq)]
pub struct FileMetadata {
    /// The Arrow schema, field and schema metadata included.
    pub schema: SchemaRef,
    /// Rows in the file.
    pub num_rows: u64,
    /// One page table per top-level field, in schema order.
    pub columns: Vec<ColumnMeta>,
    /// The software that wrote the file.
    pub created_by: String,
    /// The format version of the file, `(major, minor)`.
    pub format_version: (u16, u16),
    /// Size of the whole file.
    pub file_len: u64,
    /// Size of the footer (without the tail).
    pub footer_len: u64,
}

/// What [`parse_footer`] made of the bytes it was given.
#[derive(Debug)]
pub enum FooterRead {
    /// The metadata, complete.
    Complete(Box<FileMetadata>),
    /// The footer is longer than the bytes given: read this many bytes from the end and retry.
    NeedSuffix(u64),
}

/// Parses the metadata of a file of `file_len` bytes from `suffix`, its last bytes (ideally
/// [`DEFAULT_TAIL_READ`] of them, or the whole file when it is smaller).
pub fn parse_footer(file_len: u64, suffix: &[u8]) -> Result<FooterRead> {
    if file_len < HEADER_LEN + TAIL_LEN {
        return Err(FormatError::corrupt(format!(
            "file of {file_len} bytes is too short to be a Shoal file"
        )));
    }
    if suffix.len() as u64 > file_len || suffix.len() < TAIL_LEN as usize {
        return Err(FormatError::corrupt(format!(
            "{} suffix bytes given for a file of {file_len} bytes",
            suffix.len()
        )));
    }
    let tail = parse_tail(&suffix[suffix.len() - TAIL_LEN as usize..])?;
    let footer_start = (file_len - TAIL_LEN)
        .checked_sub(tail.footer_len)
        .filter(|s| *s >= HEADER_LEN)
        .ok_or_else(|| {
            FormatError::corrupt(format!(
                "footer length {} exceeds the file",
                tail.footer_len
            ))
        })?;
    let needed = file_len - footer_start;
    if (suffix.len() as u64) < needed {
        return Ok(FooterRead::NeedSuffix(needed));
    }
    if suffix.len() as u64 == file_len {
        check_header(suffix)?;
    }
    let at = suffix.len() - needed as usize;
    let footer = &suffix[at..suffix.len() - TAIL_LEN as usize];
    let computed = crc32c::crc32c(footer);
    if computed != tail.footer_crc {
        return Err(FormatError::Checksum {
            what: "footer".into(),
            stored: tail.footer_crc,
            computed,
        });
    }
    let meta = decode_footer(footer, footer_start, file_len, tail.minor)?;
    Ok(FooterRead::Complete(Box::new(meta)))
}

/// Encodes a footer (without the tail).
pub(crate) fn encode_footer(
    schema: &Schema,
    num_rows: u64,
    columns: &[Vec<PageMeta>],
    created_by: &str,
) -> Vec<u8> {
    let mut w = WireWriter::new();
    w.str(created_by);
    encode_schema(&mut w, schema);
    w.varint(num_rows);
    for (field, pages) in schema.fields().iter().zip(columns) {
        let kinds = nodes_of(&storage_type(field.data_type()));
        w.len(pages.len());
        for page in pages {
            encode_page_meta(&mut w, page, &kinds);
        }
    }
    w.into_inner()
}

fn encode_page_meta(w: &mut WireWriter, page: &PageMeta, kinds: &[NodeKind]) {
    w.varint(page.num_rows);
    w.varint(page.offset);
    w.varint(page.stored_len);
    w.u8(page.encoding.code());
    w.u8(page.compression.code());
    w.u32(page.crc);
    // Each node, then its buffers: the same order the page stores them in.
    let mut lens = page.buffer_lens.iter();
    for (node, kind) in page.nodes.iter().zip(kinds) {
        w.varint(node.len);
        w.varint(node.null_count);
        let buffers = usize::from(kind.has_validity(node.null_count)) + kind.data_buffers();
        for len in lens.by_ref().take(buffers) {
            w.varint(*len);
        }
    }
    match &page.stats {
        Some(s) => {
            w.u8(1);
            w.bytes(&s.min);
            w.bytes(&s.max);
        }
        None => w.u8(0),
    }
}

fn decode_footer(
    footer: &[u8],
    footer_start: u64,
    file_len: u64,
    minor: u16,
) -> Result<FileMetadata> {
    let mut r = WireReader::new(footer);
    let created_by = r.str("created_by")?.to_string();
    let schema = Arc::new(decode_schema(&mut r)?);
    let num_rows = r.varint("row count")?;
    let mut columns = Vec::new();
    for field in schema.fields() {
        let storage = storage_type(field.data_type());
        let nodes = nodes_of(&storage);
        let n_pages = r.count("page count")?;
        let mut pages = Vec::new();
        let mut row_starts = vec![0u64];
        for index in 0..n_pages {
            let page = PageParser {
                r: &mut r,
                column: field.name(),
                page: index,
            }
            .parse(&storage, footer_start)?;
            let next = row_starts[index]
                .checked_add(page.num_rows)
                .ok_or_else(|| FormatError::corrupt("row count overflows"))?;
            row_starts.push(next);
            pages.push(page);
        }
        if row_starts[n_pages] != num_rows {
            return Err(FormatError::corrupt(format!(
                "column '{}' has {} rows in its pages, the file has {num_rows}",
                field.name(),
                row_starts[n_pages]
            )));
        }
        columns.push(ColumnMeta {
            field: field.clone(),
            storage,
            nodes,
            pages,
            row_starts,
        });
    }
    if r.remaining() != 0 {
        return Err(FormatError::corrupt(format!(
            "{} unexpected bytes after the footer",
            r.remaining()
        )));
    }
    Ok(FileMetadata {
        schema,
        num_rows,
        columns,
        created_by,
        format_version: (FORMAT_MAJOR, minor),
        file_len,
        footer_len: file_len - TAIL_LEN - footer_start,
    })
}

/// Reads one page entry, checking every length against the type and the file.
struct PageParser<'r, 'a> {
    r: &'r mut WireReader<'a>,
    column: &'r str,
    page: usize,
}

impl PageParser<'_, '_> {
    fn err(&self, msg: impl std::fmt::Display) -> FormatError {
        FormatError::corrupt(format!(
            "column '{}', page {}: {msg}",
            self.column, self.page
        ))
    }

    fn parse(mut self, dt: &DataType, footer_start: u64) -> Result<PageMeta> {
        let num_rows = self.r.varint("page rows")?;
        let offset = self.r.varint("page offset")?;
        let stored_len = self.r.varint("page length")?;
        let encoding = Encoding::from_code(self.r.u8("page encoding")?)?;
        let compression = Compression::from_code(self.r.u8("page compression")?)?;
        let crc = self.r.u32("page checksum")?;
        if offset < HEADER_LEN || offset % BUFFER_ALIGN as u64 != 0 {
            return Err(self.err(format!("bad page offset {offset}")));
        }
        if offset
            .checked_add(stored_len)
            .is_none_or(|end| end > footer_start)
        {
            return Err(self.err("page runs past the data region"));
        }
        let mut page = PageMeta {
            num_rows,
            offset,
            stored_len,
            encoding,
            compression,
            crc,
            nodes: Vec::new(),
            buffer_lens: Vec::new(),
            stats: None,
        };
        self.node(dt, Some(num_rows), &mut page)?;
        let plain_len = page
            .buffer_lens
            .iter()
            .try_fold(0u64, |acc, l| acc.checked_add(padded(*l)))
            .ok_or_else(|| self.err("buffer lengths overflow"))?;
        if compression == Compression::None && plain_len != stored_len {
            return Err(self.err(format!(
                "buffers total {plain_len} bytes, the page has {stored_len}"
            )));
        }
        page.stats = match self.r.u8("statistics flag")? {
            0 => None,
            1 => Some(PageStats {
                min: Bytes::copy_from_slice(self.r.bytes("minimum")?),
                max: Bytes::copy_from_slice(self.r.bytes("maximum")?),
            }),
            v => return Err(self.err(format!("statistics flag {v}"))),
        };
        Ok(page)
    }

    fn buffer(&mut self, expected: Option<u64>, page: &mut PageMeta) -> Result<()> {
        let len = self.r.varint("buffer length")?;
        if expected.is_some_and(|e| e != len) {
            return Err(self.err(format!("buffer of {len} bytes where {expected:?} belong")));
        }
        page.buffer_lens.push(len);
        Ok(())
    }

    /// Reads the node of type `dt` and its children; `expected` is its length when known.
    fn node(&mut self, dt: &DataType, expected: Option<u64>, page: &mut PageMeta) -> Result<()> {
        let len = self.r.varint("node length")?;
        let null_count = self.r.varint("node null count")?;
        if expected.is_some_and(|e| e != len) || null_count > len {
            return Err(self.err(format!(
                "node of length {len} with {null_count} nulls, expected {expected:?}"
            )));
        }
        let kind = node_kind(dt);
        if kind == NodeKind::Null && null_count != len {
            return Err(self.err(format!("null node of length {len} with {null_count} nulls")));
        }
        page.nodes.push(NodeInfo { len, null_count });
        if kind.has_validity(null_count) {
            self.buffer(Some(len.div_ceil(8)), page)?;
        }
        let sized = |width: u64| len.checked_mul(width);
        let offsets_len = |width: u64| len.checked_add(1).and_then(|n| n.checked_mul(width));
        match kind {
            NodeKind::Null => Ok(()),
            NodeKind::Boolean => self.buffer(Some(len.div_ceil(8)), page),
            NodeKind::Fixed { width } => {
                let want = sized(width as u64).ok_or_else(|| self.err("length overflows"))?;
                self.buffer(Some(want), page)
            }
            NodeKind::Bytes { offset_width } => {
                let want =
                    offsets_len(offset_width as u64).ok_or_else(|| self.err("length overflows"))?;
                self.buffer(Some(want), page)?;
                self.buffer(None, page)
            }
            NodeKind::List { offset_width } => {
                let want =
                    offsets_len(offset_width as u64).ok_or_else(|| self.err("length overflows"))?;
                self.buffer(Some(want), page)?;
                match dt {
                    DataType::List(c) | DataType::LargeList(c) | DataType::Map(c, _) => {
                        self.node(c.data_type(), None, page)
                    }
                    _ => Err(self.err("list node of a non-list type")),
                }
            }
            NodeKind::FixedSizeList { size } => {
                let child_len = sized(size as u64).ok_or_else(|| self.err("length overflows"))?;
                match dt {
                    DataType::FixedSizeList(c, _) => {
                        self.node(c.data_type(), Some(child_len), page)
                    }
                    _ => Err(self.err("fixed size list node of another type")),
                }
            }
            NodeKind::Struct { .. } => match dt {
                DataType::Struct(fields) => fields
                    .iter()
                    .try_for_each(|f| self.node(f.data_type(), Some(len), page)),
                _ => Err(self.err("struct node of another type")),
            },
        }
    }
}
