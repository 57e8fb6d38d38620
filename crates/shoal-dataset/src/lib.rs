//! # shoal-dataset
//!
//! The pipelines that compose the format (`shoal-format`) with storage (`shoal-io`).
//!
//! - [`FileReader`] opens one Shoal file (one suffix read for all of its metadata) and
//!   reads row ranges, takes and batch streams from it, keeping the phases separate:
//!   planning is sync, fetching is async I/O, decoding runs off the async runtime.
//! - [`FileWriter`] streams record batches into a new Shoal file.
//! - [`Dataset`] is one version of a dataset: fragments (Shoal files, each with an optional
//!   deletion vector) listed by a manifest. It scans, takes by row offset or address,
//!   deletes, updates, merges rows in by key ([`Dataset::merge_insert`]), compacts, adds,
//!   alters and drops columns, tags versions and cleans up old ones; [`DatasetWriter`] writes a
//!   create, append or overwrite. Every change commits as the next version with
//!   put-if-not-exists, rebasing on concurrent changes it does not conflict with.
//!
//! Users normally reach these through the `shoal` crate.
//!
//! The source is laid out by concern: `file/` (single files: data files read and written,
//! deletion files, the envelope of the dataset's own objects), `version/` (manifests,
//! finding versions, changes and the commit loop, tags, restore, cleanup), `read/`
//! (fragments, scans, takes, the rows a filter matches), `write/` (the changes that write
//! data: create and append, delete, update, compact, merge-insert, schema evolution),
//! `search/` (vector search, building indices) and `session/` (what a handle caches);
//! `dataset.rs` is the [`Dataset`] handle they hang off and `filter.rs` the seams a
//! where-clause crosses.

mod dataset;
mod error;
mod file;
mod filter;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod read;
mod search;
mod session;
mod version;
mod write;

pub use dataset::{row_address, Dataset, ROW_ADDRESS_COLUMN};
pub use error::{Error, Result};
pub use file::file_reader::FileReader;
pub use file::file_writer::{FileWriter, WrittenFile};
pub use filter::{ColumnRangeStats, RangeStats, RowFilter, RowUpdate};
pub use read::scan::{
    FetchedTask, PhaseStats, ReadTask, ScanBatch, ScanPlan, ScanStats, ScanStream, Scanner,
    DEFAULT_SCAN_BUDGET_BYTES,
};
pub use read::take::{FetchedTake, TakePlan, TakeTask};
pub use search::index_build::{IndexParams, ProgressCallback};
pub use search::index_coverage::IndexCoverage;
pub use search::{
    SearchResults, SearchStats, VectorSearch, DEFAULT_NPROBES, DEFAULT_REFINE_FACTOR,
    DISTANCE_COLUMN,
};
pub use session::DEFAULT_VECTOR_CACHE_BYTES;
pub use shoal_vector::{Metric, Progress};
pub use version::cleanup::CleanupStats;
pub use version::manifest::{
    DataFile, DeletionFile, Fragment, IndexEntry, IndexKind, Manifest, Operation, MANIFEST_MAJOR,
    MANIFEST_MINOR,
};
pub use version::relocate::{copy_dataset, destroy_dataset};
pub use version::site::dataset_exists;
pub use version::tags::Tag;
pub use write::compact::CompactOptions;
pub use write::dataset_writer::{DatasetWriter, WriteMode, WriteParams};
pub use write::merge::{MergeInsertBuilder, MergeInsertStats, DEFAULT_CONFLICT_RETRIES};
pub use write::schema::{ColumnAlteration, ColumnMaker, NewColumns};
