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

mod change;
mod cleanup;
mod columns;
mod commit;
mod compact;
mod data_files;
mod dataset;
mod dataset_writer;
mod delete;
mod deletion;
mod error;
mod file_reader;
mod file_writer;
mod filter;
mod fragment;
mod framing;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod index_build;
mod index_coverage;
mod layout;
mod lru;
mod manifest;
mod matches;
mod merge;
mod projection;
mod relocate;
mod restore;
mod rewrite;
mod scan;
mod schema;
mod search;
mod session;
mod site;
mod tags;
mod take;
mod update;
mod versions;

pub use cleanup::CleanupStats;
pub use compact::CompactOptions;
pub use dataset::{row_address, Dataset, ROW_ADDRESS_COLUMN};
pub use dataset_writer::{DatasetWriter, WriteMode, WriteParams};
pub use error::{Error, Result};
pub use file_reader::FileReader;
pub use file_writer::{FileWriter, WrittenFile};
pub use filter::{ColumnRangeStats, RangeStats, RowFilter, RowUpdate};
pub use index_build::{IndexParams, ProgressCallback};
pub use index_coverage::IndexCoverage;
pub use manifest::{
    DataFile, DeletionFile, Fragment, IndexEntry, IndexKind, Manifest, Operation, MANIFEST_MAJOR,
    MANIFEST_MINOR,
};
pub use merge::{MergeInsertBuilder, MergeInsertStats, DEFAULT_CONFLICT_RETRIES};
pub use relocate::{copy_dataset, destroy_dataset};
pub use scan::{
    FetchedTask, PhaseStats, ReadTask, ScanBatch, ScanPlan, ScanStats, ScanStream, Scanner,
    DEFAULT_SCAN_BUDGET_BYTES,
};
pub use schema::{ColumnAlteration, ColumnMaker, NewColumns};
pub use search::{
    SearchResults, SearchStats, VectorSearch, DEFAULT_NPROBES, DEFAULT_REFINE_FACTOR,
    DISTANCE_COLUMN,
};
pub use session::DEFAULT_VECTOR_CACHE_BYTES;
pub use shoal_vector::{Metric, Progress};
pub use site::dataset_exists;
pub use tags::Tag;
pub use take::{FetchedTake, TakePlan, TakeTask};
