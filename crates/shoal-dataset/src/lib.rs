//! # shoal-dataset
//!
//! The pipelines that compose the format (`shoal-format`) with storage (`shoal-io`).
//!
//! - [`FileReader`] opens one Shoal file (one suffix read for all of its metadata) and
//!   reads row ranges, takes and batch streams from it, keeping the phases separate:
//!   planning is sync, fetching is async I/O, decoding runs off the async runtime.
//! - [`FileWriter`] streams record batches into a new Shoal file.
//! - [`Dataset`] is one version of a dataset: fragments (Shoal files) listed by a manifest;
//!   [`DatasetWriter`] writes a change (create, append, overwrite) and commits it as the next
//!   version with put-if-not-exists, rebasing on concurrent appends.
//!
//! Users normally reach these through the `shoal` crate.

mod change;
mod commit;
mod dataset;
mod dataset_writer;
mod error;
mod file_reader;
mod file_writer;
mod layout;
mod manifest;
mod projection;
mod versions;

pub use dataset::Dataset;
pub use dataset_writer::{DatasetWriter, WriteMode, WriteParams};
pub use error::{Error, Result};
pub use file_reader::FileReader;
pub use file_writer::{FileWriter, WrittenFile};
pub use manifest::{
    DataFile, DeletionFile, Fragment, Manifest, Operation, MANIFEST_MAJOR, MANIFEST_MINOR,
};
