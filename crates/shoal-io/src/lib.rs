//! # shoal-io
//!
//! Shoal's storage layer. Every file Shoal reads or writes goes through the `object_store`
//! crate, addressed by a URI ([`resolve`]): a plain path or `file://` URI is the embedded
//! default. [`ObjectReader`] reads a file's suffix (size included, in one request) and byte
//! ranges; [`ObjectWriter`] streams a new file out in parts, so memory stays bounded however
//! large the file.
//!
//! This crate knows nothing of the file format; `shoal-dataset` composes the two.

mod error;
mod reader;
mod uri;
mod writer;

pub use error::{IoError, Result};
pub use reader::ObjectReader;
pub use uri::{resolve, ObjectLocation};
pub use writer::ObjectWriter;
