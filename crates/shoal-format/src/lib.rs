//! # shoal-format
//!
//! The Shoal columnar file format: one file holds Arrow record batches of one schema, stored
//! column by column in pages sized for I/O, with a footer that describes every page.
//!
//! This crate is pure: no I/O and no async. It follows the reading phases of the design:
//!
//! 1. **Metadata**: read the last [`DEFAULT_TAIL_READ`] bytes of a file and hand them to
//!    [`parse_footer`], which returns the [`FileMetadata`] (or asks for a longer suffix).
//! 2. **Planning**: [`ReadPlan::rows`] or [`ReadPlan::take`] turn a projection and rows into
//!    byte ranges ([`ReadPlan::missing_ranges`]).
//! 3. **Data I/O**: the caller reads those ranges into a [`Fetched`] (the dataset layer does it
//!    with an I/O scheduler).
//! 4. **Decode**: [`ReadPlan::decode`] builds the `RecordBatch`.
//!
//! Writing is the mirror: [`FileEncoder`] turns batches into bytes for the caller to append.
//! Any byte sequence given to the parsing and decoding functions yields a [`FormatError`],
//! never a panic. The byte-level layout is specified in `docs/format.md`.
//!
//! Users normally reach this crate through the `shoal` crate rather than directly.

#[cfg(target_endian = "big")]
compile_error!("Shoal maps little-endian pages straight into Arrow buffers; big-endian hosts are not supported");

mod compression;
mod error;
mod fetched;
mod format_version;
mod metadata;
mod names;
mod page_decode;
mod page_encode;
mod plan;
mod stats;
mod storage;
mod take;
mod type_codec;
mod types;
mod wire;
mod writer;

/// Building blocks for Shoal's other binary encodings (the dataset manifest): the footer's
/// bounds-checked wire primitives and the Arrow schema codec.
pub mod codec {
    pub use crate::type_codec::{decode_schema, encode_schema};
    pub use crate::wire::{WireReader, WireWriter};
}

pub use compression::Compression;
pub use error::{FormatError, Result};
pub use fetched::Fetched;
pub use format_version::{FORMAT_MAJOR, FORMAT_MINOR, HEADER_LEN, MAGIC, TAIL_LEN};
pub use metadata::{
    parse_footer, ColumnMeta, FileMetadata, FooterRead, PageMeta, DEFAULT_TAIL_READ,
};
pub use page_encode::{Encoding, NodeInfo};
pub use plan::ReadPlan;
pub use stats::{bound_as_array, PageStats};
pub use storage::storage_type;
pub use types::{check_schema, schema_differences, NodeKind};
pub use writer::{FileEncoder, WriteOptions, DEFAULT_PAGE_SIZE};
