//! Random access: how the rows a take wants from one page are read.
//!
//! Uncompressed pages of fixed-width values (primitives, decimals, fixed-size binary, booleans, and fixed-size lists of
//! them without inner nulls, i.e. embedding vectors) are read row by row: one byte range of
//! exactly the row's bytes, plus one byte of validity bitmap when the page has nulls.
//! Uncompressed pages of variable-length bytes take two rounds: the row's pair of offsets,
//! then its bytes. Everything else (compressed pages, nested lists and structs, and takes of
//! most of a page) reads and decodes the whole page, then selects with Arrow's `take`.

use std::ops::Range;

use arrow_array::{make_array, ArrayRef, UInt64Array};
use arrow_buffer::{bit_util, BooleanBufferBuilder, MutableBuffer, NullBuffer};
use arrow_data::ArrayDataBuilder;
use arrow_schema::DataType;

use crate::compression::Compression;
use crate::error::{FormatError, Result};
use crate::fetched::Fetched;
use crate::metadata::ColumnMeta;
use crate::page_decode::read_page;
use crate::types::NodeKind;

/// The rows of one page that a take wants, and how to read them.
#[derive(Debug, Clone)]
pub(crate) struct PageTake {
    page: usize,
    /// Sorted, unique row numbers relative to the page's first row.
    rows: Vec<u64>,
    mode: Mode,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    WholePage,
    /// Row `r`'s value is the `bits` bits starting at bit `r * bits` from byte `values`.
    Fixed {
        validity: Option<u64>,
        values: u64,
        bits: u64,
        list_size: Option<usize>,
    },
    /// Row `r`'s value is `data[offsets[r]..offsets[r + 1]]`.
    Bytes {
        validity: Option<u64>,
        offsets: u64,
        offset_width: u64,
        data: u64,
        data_len: u64,
    },
}

/// A page is read whole when the take wants at least this fraction of its rows.
const WHOLE_PAGE_FRACTION: u64 = 2;

impl PageTake {
    /// Groups sorted unique `rows` of `col` by page, choosing how to read each page.
    pub(crate) fn group(col: &ColumnMeta, rows: &[u64]) -> Vec<PageTake> {
        let mut out: Vec<PageTake> = Vec::new();
        for &row in rows {
            let page = col.page_of_row(row);
            let rel = row - col.row_starts[page];
            match out.last_mut() {
                Some(last) if last.page == page => last.rows.push(rel),
                _ => out.push(PageTake {
                    page,
                    rows: vec![rel],
                    mode: Mode::WholePage,
                }),
            }
        }
        for take in &mut out {
            take.mode = choose_mode(col, take.page, take.rows.len() as u64);
        }
        out
    }

    /// Appends the byte ranges this page still needs, given what has been fetched.
    pub(crate) fn ranges(
        &self,
        col: &ColumnMeta,
        fetched: &Fetched,
        out: &mut Vec<Range<u64>>,
    ) -> Result<()> {
        match self.mode {
            Mode::WholePage => out.push(col.pages[self.page].byte_range()),
            Mode::Fixed {
                validity,
                values,
                bits,
                ..
            } => {
                for &r in &self.rows {
                    if let Some(v) = validity {
                        out.push(bit_byte(v, r));
                    }
                    out.push(values + r * bits / 8..values + ((r + 1) * bits).div_ceil(8));
                }
            }
            Mode::Bytes {
                validity,
                offsets,
                offset_width,
                data,
                data_len,
            } => {
                let first_round = out.len();
                for &r in &self.rows {
                    if let Some(v) = validity {
                        out.push(bit_byte(v, r));
                    }
                    out.push(offsets + r * offset_width..offsets + (r + 2) * offset_width);
                }
                if out[first_round..].iter().all(|r| fetched.contains(r)) {
                    for &r in &self.rows {
                        let (start, end) =
                            value_bounds(fetched, offsets, offset_width, r, data_len)?;
                        out.push(data + start..data + end);
                    }
                }
            }
        }
        Ok(())
    }

    /// Decodes this page's rows from the fetched bytes.
    pub(crate) fn decode(
        &self,
        col: &ColumnMeta,
        fetched: &Fetched,
        verify: bool,
    ) -> Result<ArrayRef> {
        let dt = &col.storage;
        let n = self.rows.len();
        match self.mode {
            Mode::WholePage => {
                let array = read_page(col, self.page, fetched, verify)?;
                let indices = UInt64Array::from(self.rows.clone());
                Ok(arrow_select::take::take(array.as_ref(), &indices, None)?)
            }
            Mode::Fixed {
                validity,
                values,
                bits,
                list_size,
            } => {
                let nulls = self.nulls(validity, fetched)?;
                let value_buffer = if bits % 8 == 0 {
                    let width = (bits / 8) as usize;
                    let mut buf = MutableBuffer::with_capacity(n * width);
                    for &r in &self.rows {
                        let start = values + r * bits / 8;
                        buf.extend_from_slice(&fetched.require(start..start + width as u64)?);
                    }
                    buf.into()
                } else {
                    let mut builder = BooleanBufferBuilder::new(n * bits as usize);
                    for &r in &self.rows {
                        let first_bit = r * bits;
                        let range = values + first_bit / 8..values + (first_bit + bits).div_ceil(8);
                        let bytes = fetched.require(range)?;
                        let shift = (first_bit % 8) as usize;
                        builder.append_packed_range(shift..shift + bits as usize, &bytes);
                    }
                    builder.finish().into_inner()
                };
                let data = match (dt, list_size) {
                    (DataType::FixedSizeList(child, _), Some(size)) => {
                        let child = ArrayDataBuilder::new(child.data_type().clone())
                            .len(n * size)
                            .buffers(vec![value_buffer])
                            .align_buffers(true)
                            .build()?;
                        ArrayDataBuilder::new(dt.clone())
                            .len(n)
                            .nulls(nulls)
                            .child_data(vec![child])
                    }
                    _ => ArrayDataBuilder::new(dt.clone())
                        .len(n)
                        .nulls(nulls)
                        .buffers(vec![value_buffer]),
                };
                Ok(make_array(data.align_buffers(true).build()?))
            }
            Mode::Bytes {
                validity,
                offsets,
                offset_width,
                data,
                data_len,
            } => {
                let nulls = self.nulls(validity, fetched)?;
                let mut out_offsets = MutableBuffer::with_capacity((n + 1) * offset_width as usize);
                let mut out_values = MutableBuffer::new(0);
                let push_offset = |buf: &mut MutableBuffer, at: usize| -> Result<()> {
                    if offset_width == 4 {
                        let at = i32::try_from(at)
                            .map_err(|_| FormatError::corrupt("taken values exceed 2 GiB"))?;
                        buf.push(at);
                    } else {
                        buf.push(at as i64);
                    }
                    Ok(())
                };
                push_offset(&mut out_offsets, 0)?;
                for &r in &self.rows {
                    let (start, end) = value_bounds(fetched, offsets, offset_width, r, data_len)?;
                    if end > start {
                        out_values.extend_from_slice(&fetched.require(data + start..data + end)?);
                    }
                    push_offset(&mut out_offsets, out_values.len())?;
                }
                let array = ArrayDataBuilder::new(dt.clone())
                    .len(n)
                    .nulls(nulls)
                    .buffers(vec![out_offsets.into(), out_values.into()])
                    .build()?;
                Ok(make_array(array))
            }
        }
    }

    fn nulls(&self, validity: Option<u64>, fetched: &Fetched) -> Result<Option<NullBuffer>> {
        let Some(v) = validity else { return Ok(None) };
        let mut builder = BooleanBufferBuilder::new(self.rows.len());
        for &r in &self.rows {
            let byte = fetched.require(bit_byte(v, r))?;
            builder.append(bit_util::get_bit(&byte, (r % 8) as usize));
        }
        Ok(Some(NullBuffer::new(builder.finish())).filter(|n| n.null_count() > 0))
    }
}

/// The byte of a bitmap starting at `start` that holds bit `r`.
fn bit_byte(start: u64, r: u64) -> Range<u64> {
    start + r / 8..start + r / 8 + 1
}

/// Reads and checks row `r`'s value bounds from its pair of offsets.
fn value_bounds(
    fetched: &Fetched,
    offsets: u64,
    width: u64,
    r: u64,
    data_len: u64,
) -> Result<(u64, u64)> {
    let pair = fetched.require(offsets + r * width..offsets + (r + 2) * width)?;
    let read = |b: &[u8]| -> u64 {
        let mut le = [0u8; 8];
        le[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(le)
    };
    let w = width as usize;
    let (start, end) = (read(&pair[..w]), read(&pair[w..]));
    if start > end || end > data_len {
        return Err(FormatError::corrupt(format!(
            "value offsets {start}..{end} of row {r} are outside the page's {data_len} data bytes"
        )));
    }
    Ok((start, end))
}

/// Picks how to read `wanted` rows from page `index` of `col`.
fn choose_mode(col: &ColumnMeta, index: usize, wanted: u64) -> Mode {
    let page = &col.pages[index];
    if page.compression != Compression::None || wanted * WHOLE_PAGE_FRACTION >= page.num_rows {
        return Mode::WholePage;
    }
    let root_nulls = col.nodes[0].has_validity(page.nodes[0].null_count);
    let validity = root_nulls.then(|| page.offset + page.buffer_start(0));
    let first_data = usize::from(root_nulls);
    // Zero-width values (`FixedSizeBinary(0)`) have no bytes to read row by row.
    let leaf_bits = |kind: NodeKind| match kind {
        NodeKind::Boolean => Some(1u64),
        NodeKind::Fixed { width } if width > 0 => Some(width as u64 * 8),
        _ => None,
    };
    match col.nodes[0] {
        kind @ (NodeKind::Boolean | NodeKind::Fixed { .. }) => match leaf_bits(kind) {
            Some(bits) => Mode::Fixed {
                validity,
                values: page.offset + page.buffer_start(first_data),
                bits,
                list_size: None,
            },
            None => Mode::WholePage,
        },
        NodeKind::FixedSizeList { size } if page.nodes[1].null_count == 0 && size > 0 => {
            match col.nodes.get(1).copied().and_then(leaf_bits) {
                Some(bits) => Mode::Fixed {
                    validity,
                    values: page.offset + page.buffer_start(first_data),
                    bits: bits * size as u64,
                    list_size: Some(size),
                },
                None => Mode::WholePage,
            }
        }
        NodeKind::Bytes { offset_width } => Mode::Bytes {
            validity,
            offsets: page.offset + page.buffer_start(first_data),
            offset_width: offset_width as u64,
            data: page.offset + page.buffer_start(first_data + 1),
            data_len: page.buffer_lens[first_data + 1],
        },
        _ => Mode::WholePage,
    }
}
