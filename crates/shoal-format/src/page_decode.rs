//! Decodes the plain bytes of a page into an Arrow array, and reads a page out of the fetched
//! bytes of its file (`read_page`: checksum, decompression, decoding), for row-range reads
//! (`plan.rs`) and takes (`take.rs`) alike.
//!
//! The inverse of `page_encode`: walks the column's type in pre-order, taking each node's
//! validity bitmap and data buffers from the page as zero-copy slices. Every array is built
//! with Arrow's full validation (offsets, UTF-8, lengths), so a page that passed its checksum
//! but was crafted to lie still yields an error rather than undefined behaviour. Buffers that
//! are not aligned for their type are copied, never reinterpreted.

use arrow_array::{make_array, ArrayRef};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow_data::{ArrayData, ArrayDataBuilder};
use arrow_schema::DataType;
use bytes::Bytes;

use crate::compression::{decompress, Compression};
use crate::error::{FormatError, Result};
use crate::fetched::Fetched;
use crate::metadata::{ColumnMeta, PageMeta};
use crate::page_encode::{padded, NodeInfo};
use crate::types::node_kind;

/// Reads, checks and decodes a whole page, in the column's storage type.
pub(crate) fn read_page(
    col: &ColumnMeta,
    index: usize,
    fetched: &Fetched,
    verify: bool,
) -> Result<ArrayRef> {
    let page = &col.pages[index];
    let stored = fetched.require(page.byte_range())?;
    let computed = if verify {
        crc32c::crc32c(&stored)
    } else {
        page.crc
    };
    if computed != page.crc {
        return Err(FormatError::Checksum {
            what: format!("column '{}', page {index}", col.field.name()),
            stored: page.crc,
            computed,
        });
    }
    let plain = match page.compression {
        Compression::None => stored,
        codec => bytes::Bytes::from(decompress(codec, &stored, page.plain_len())?),
    };
    decode_page(&col.storage, page, plain).map_err(|e| match e {
        FormatError::Corrupt(msg) => FormatError::Corrupt(format!(
            "column '{}', page {index}: {msg}",
            col.field.name()
        )),
        FormatError::Arrow(e) => FormatError::Corrupt(format!(
            "column '{}', page {index}: invalid data: {e}",
            col.field.name()
        )),
        other => other,
    })
}

/// Decodes a whole page of a column of storage type `dt` from its plain (decompressed) bytes.
pub(crate) fn decode_page(dt: &DataType, page: &PageMeta, plain: Bytes) -> Result<ArrayRef> {
    let mut d = PageDecoder {
        plain,
        nodes: &page.nodes,
        buffer_lens: &page.buffer_lens,
        node: 0,
        buffer: 0,
        pos: 0,
    };
    let data = d.decode(dt)?;
    if data.len() as u64 != page.num_rows {
        return Err(FormatError::corrupt(format!(
            "page decodes to {} rows, the page table says {}",
            data.len(),
            page.num_rows
        )));
    }
    Ok(make_array(data))
}

struct PageDecoder<'a> {
    plain: Bytes,
    nodes: &'a [NodeInfo],
    buffer_lens: &'a [u64],
    node: usize,
    buffer: usize,
    pos: u64,
}

impl PageDecoder<'_> {
    fn next_node(&mut self) -> Result<NodeInfo> {
        let info = *self
            .nodes
            .get(self.node)
            .ok_or_else(|| FormatError::corrupt("page has fewer nodes than its type"))?;
        self.node += 1;
        Ok(info)
    }

    fn next_buffer(&mut self) -> Result<Buffer> {
        let len = *self
            .buffer_lens
            .get(self.buffer)
            .ok_or_else(|| FormatError::corrupt("page has fewer buffers than its type"))?;
        self.buffer += 1;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.plain.len() as u64);
        let end =
            end.ok_or_else(|| FormatError::corrupt("page buffer runs past the end of the page"))?;
        let buf = Buffer::from(self.plain.slice(self.pos as usize..end as usize));
        self.pos = padded(end).min(self.plain.len() as u64);
        Ok(buf)
    }

    fn decode(&mut self, dt: &DataType) -> Result<ArrayData> {
        let info = self.next_node()?;
        let len =
            usize::try_from(info.len).map_err(|_| FormatError::corrupt("node length overflows"))?;
        let nulls = if node_kind(dt).has_validity(info.null_count) {
            let bitmap = self.next_buffer()?;
            if bitmap.len() < len.div_ceil(8) {
                return Err(FormatError::corrupt(
                    "validity bitmap shorter than its node",
                ));
            }
            let nulls = NullBuffer::new(BooleanBuffer::new(bitmap, 0, len));
            if nulls.null_count() as u64 != info.null_count {
                return Err(FormatError::corrupt(format!(
                    "validity bitmap has {} nulls, the page table says {}",
                    nulls.null_count(),
                    info.null_count
                )));
            }
            Some(nulls)
        } else {
            None
        };
        let mut builder = ArrayDataBuilder::new(dt.clone())
            .len(len)
            .nulls(nulls)
            .align_buffers(true);
        match dt {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary => {
                let offsets = self.next_buffer()?;
                let values = self.next_buffer()?;
                builder = builder.buffers(vec![offsets, values]);
            }
            DataType::FixedSizeList(child, size) => {
                let child_len = usize::try_from(*size)
                    .ok()
                    .and_then(|s| s.checked_mul(len))
                    .ok_or_else(|| FormatError::corrupt("fixed size list length overflows"))?;
                let child = self.decode(child.data_type())?;
                if child.len() != child_len {
                    return Err(FormatError::corrupt(
                        "fixed size list child has the wrong length",
                    ));
                }
                builder = builder.child_data(vec![child]);
            }
            DataType::Null => {}
            DataType::List(child) | DataType::LargeList(child) | DataType::Map(child, _) => {
                let offsets = self.next_buffer()?;
                let child = self.decode(child.data_type())?;
                builder = builder.buffers(vec![offsets]).child_data(vec![child]);
            }
            DataType::Struct(fields) => {
                let mut children = Vec::new();
                for f in fields {
                    let child = self.decode(f.data_type())?;
                    if child.len() != len {
                        return Err(FormatError::corrupt("struct child has the wrong length"));
                    }
                    children.push(child);
                }
                builder = builder.child_data(children);
            }
            // Boolean and every fixed-width primitive: one values buffer.
            _ => builder = builder.buffers(vec![self.next_buffer()?]),
        }
        Ok(builder.build()?)
    }
}
