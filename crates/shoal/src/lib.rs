//! # shoal
//!
//! The public API of Shoal, an embedded columnar store for AI data (vectors, text, bytes,
//! tables). Today it reads and writes single Shoal files on local disk:
//!
//! - [`FileWriter`] streams Arrow record batches into a new file ([`WriteOptions`] sets the
//!   page size and [`Compression`]).
//! - [`FileReader`] opens a file with one request and serves row ranges, takes of arbitrary
//!   rows, and batch streams, with the metadata available as [`FileMetadata`].
//!
//! Datasets (fragments, versions, commits) build on these in `shoal-dataset`.

pub use shoal_dataset::{Error, FileReader, FileWriter, Result, WrittenFile};
pub use shoal_format::{
    bound_as_array, ColumnMeta, Compression, FileMetadata, PageMeta, PageStats, WriteOptions,
    DEFAULT_PAGE_SIZE, FORMAT_MAJOR, FORMAT_MINOR,
};
pub use shoal_io::{resolve, IoError, ObjectLocation};
