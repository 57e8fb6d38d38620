//! Encodes a slice of one column into the plain (uncompressed) bytes of a page.
//!
//! The nodes of the column's type are walked in pre-order. Each node writes its validity
//! bitmap (only when it has nulls in this page), then its data buffers; every buffer starts
//! at a multiple of [`BUFFER_ALIGN`] within the page. Offsets are rebased to start at zero
//! and sliced arrays are normalised, so a page never refers to data outside itself.

use arrow_array::cast::AsArray;
use arrow_array::{Array, OffsetSizeTrait};
use arrow_buffer::{Buffer, OffsetBuffer};
use arrow_schema::DataType;

use crate::types::fixed_width;

/// Alignment of every buffer within a page, and of every page within the file.
pub const BUFFER_ALIGN: usize = 8;

/// How a page's plain bytes are laid out. Format 1.0 has one layout; the code is stored per
/// page so that later versions can add encodings (dictionary, bit-packing) page by page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// The node buffers in pre-order, each 8-byte aligned (see `docs/format.md`).
    #[default]
    Plain,
}

impl Encoding {
    pub(crate) fn code(self) -> u8 {
        match self {
            Encoding::Plain => 0,
        }
    }

    pub(crate) fn from_code(code: u8) -> crate::Result<Self> {
        match code {
            0 => Ok(Encoding::Plain),
            other => Err(crate::FormatError::Corrupt(format!(
                "unknown page encoding {other} (written by a newer Shoal?)"
            ))),
        }
    }

    /// A short name for display.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
        }
    }
}

/// Length and null count of one node of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeInfo {
    /// Number of values of this node in the page (rows, for the root node).
    pub len: u64,
    /// Number of nulls among them; a validity bitmap is stored when non-zero.
    pub null_count: u64,
}

/// One page of one column, before compression.
pub(crate) struct PlainPage {
    pub nodes: Vec<NodeInfo>,
    pub buffer_lens: Vec<u64>,
    pub bytes: Vec<u8>,
}

/// Rounds `len` up to the buffer alignment.
pub(crate) fn padded(len: u64) -> u64 {
    len.div_ceil(BUFFER_ALIGN as u64) * BUFFER_ALIGN as u64
}

/// Encodes `array` (of the storage type of a type that passed `check_schema`) as a plain page.
pub(crate) fn encode_page(array: &dyn Array) -> PlainPage {
    let mut page = PlainPage {
        nodes: Vec::new(),
        buffer_lens: Vec::new(),
        bytes: Vec::with_capacity(array.to_data().get_slice_memory_size().unwrap_or(0) + 64),
    };
    encode_node(array, &mut page);
    page
}

impl PlainPage {
    fn push(&mut self, bytes: &[u8]) {
        self.buffer_lens.push(bytes.len() as u64);
        self.bytes.extend_from_slice(bytes);
        let pad = padded(self.bytes.len() as u64) as usize - self.bytes.len();
        self.bytes.extend(std::iter::repeat_n(0u8, pad));
    }

    fn push_offsets<O: OffsetSizeTrait>(&mut self, offsets: &OffsetBuffer<O>) -> (usize, usize) {
        let first = offsets.first().map_or(0, |o| o.as_usize());
        let last = offsets.last().map_or(0, |o| o.as_usize());
        if first == 0 {
            self.push(offsets.inner().inner().as_slice());
        } else {
            let rebased: Vec<O> = offsets.iter().map(|o| *o - O::usize_as(first)).collect();
            self.push(Buffer::from_vec(rebased).as_slice());
        }
        (first, last)
    }
}

fn encode_node(array: &dyn Array, page: &mut PlainPage) {
    // A null array has no validity bitmap, yet every value is null.
    let null_count = match array.data_type() {
        DataType::Null => array.len(),
        _ => array.null_count(),
    };
    page.nodes.push(NodeInfo {
        len: array.len() as u64,
        null_count: null_count as u64,
    });
    if let Some(nulls) = array.nulls().filter(|_| null_count > 0) {
        page.push(nulls.inner().sliced().as_slice());
    }
    match array.data_type() {
        DataType::Null => {}
        DataType::Boolean => page.push(array.as_boolean().values().sliced().as_slice()),
        DataType::Utf8 => push_bytes(
            page,
            array.as_string::<i32>().offsets(),
            array.as_string::<i32>().values(),
        ),
        DataType::LargeUtf8 => push_bytes(
            page,
            array.as_string::<i64>().offsets(),
            array.as_string::<i64>().values(),
        ),
        DataType::Binary => push_bytes(
            page,
            array.as_binary::<i32>().offsets(),
            array.as_binary::<i32>().values(),
        ),
        DataType::LargeBinary => push_bytes(
            page,
            array.as_binary::<i64>().offsets(),
            array.as_binary::<i64>().values(),
        ),
        DataType::FixedSizeList(_, size) => {
            let list = array.as_fixed_size_list();
            let size = usize::try_from(*size).unwrap_or(0);
            encode_node(list.values().slice(0, list.len() * size).as_ref(), page);
        }
        DataType::List(_) => push_list(page, array.as_list::<i32>()),
        DataType::Map(..) => {
            let map = array.as_map();
            let (first, last) = page.push_offsets(map.offsets());
            encode_node(&map.entries().slice(first, last - first), page);
        }
        DataType::LargeList(_) => push_list(page, array.as_list::<i64>()),
        DataType::Struct(_) => {
            for child in array.as_struct().columns() {
                encode_node(child.as_ref(), page);
            }
        }
        dt => {
            let width = fixed_width(dt).unwrap_or(0);
            let data = array.to_data();
            let start = data.offset() * width;
            page.push(&data.buffers()[0].as_slice()[start..start + data.len() * width]);
        }
    }
}

fn push_bytes<O: OffsetSizeTrait>(
    page: &mut PlainPage,
    offsets: &OffsetBuffer<O>,
    values: &Buffer,
) {
    let (first, last) = page.push_offsets(offsets);
    page.push(&values.as_slice()[first..last]);
}

fn push_list<O: OffsetSizeTrait>(page: &mut PlainPage, list: &arrow_array::GenericListArray<O>) {
    let (first, last) = page.push_offsets(list.offsets());
    encode_node(list.values().slice(first, last - first).as_ref(), page);
}
