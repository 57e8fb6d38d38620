//! # shoal-dataset
//!
//! The pipelines that compose the format (`shoal-format`) with storage (`shoal-io`).
//!
//! - [`FileReader`] opens one Shoal file (one suffix read for all of its metadata) and
//!   reads row ranges, takes and batch streams from it, keeping the phases separate:
//!   planning is sync, fetching is async I/O, decoding runs off the async runtime.
//! - [`FileWriter`] streams record batches into a new Shoal file.
//!
//! Users normally reach these through the `shoal` crate.

mod error;
mod file_reader;
mod file_writer;

pub use error::{Error, Result};
pub use file_reader::FileReader;
pub use file_writer::{FileWriter, WrittenFile};
