//! # shoal
//!
//! The public API of Shoal, an embedded columnar store for AI data (vectors, text, bytes,
//! tables), on local disk or any object store.
//!
//! - [`Dataset`] is one version of a dataset: open the latest, a numbered version or a tagged
//!   one; scan it, take rows by offset or [address](row_address), [delete](Dataset::delete)
//!   rows, [compact](Dataset::compact) it, tag versions and [clean up](Dataset::cleanup) old
//!   ones. [`DatasetWriter`] creates, appends to or overwrites a dataset from record batches.
//!   Every change is a new version, committed atomically.
//! - [`FileWriter`] and [`FileReader`] read and write single Shoal files: one request to
//!   open, row ranges, takes of arbitrary rows, and batch streams ([`WriteOptions`] sets the
//!   page size and [`Compression`]).
//! - [`Dataset::scan`] builds a [`Scanner`]; its phases ([`ScanPlan`], [`ReadTask`],
//!   [`FetchedTask`]) can be driven one by one, or composed by [`ScanStream`] under a byte
//!   budget, with [`ScanStats`] per phase.
//! - [`Dataset::search`] finds the rows nearest query vectors ([`VectorSearch`]), flat or
//!   through an IVF-PQ index built by [`Dataset::create_index`] ([`IndexParams`]).
//! - [`SqlSession`] runs SQL queries over datasets registered as tables ([`ShoalTable`]),
//!   their scans reading only the columns and pages a query needs; [`SqlFilter`] is a
//!   where-clause for deletes and filtered scans.
//! - Every URI goes through [`resolve`] (or [`resolve_with`] and [`StorageOptions`]): a
//!   path, `file://`, `memory://` or `s3://bucket/prefix`.

pub use shoal_dataset::{
    row_address, CleanupStats, CompactOptions, DataFile, Dataset, DatasetWriter, DeletionFile,
    Error, FetchedTake, FetchedTask, FileReader, FileWriter, Fragment, IndexCoverage, IndexEntry,
    IndexKind, IndexParams, Manifest, Metric, Operation, PhaseStats, Progress, ProgressCallback,
    ReadTask, Result, RowFilter, RowUpdate, ScanBatch, ScanPlan, ScanStats, ScanStream, Scanner,
    SearchResults, SearchStats, Tag, TakePlan, TakeTask, VectorSearch, WriteMode, WriteParams,
    WrittenFile, DEFAULT_NPROBES, DEFAULT_REFINE_FACTOR, DEFAULT_SCAN_BUDGET_BYTES,
    DEFAULT_VECTOR_CACHE_BYTES, DISTANCE_COLUMN, ROW_ADDRESS_COLUMN,
};
pub use shoal_format::{
    bound_as_array, ColumnMeta, Compression, FileMetadata, PageMeta, PageStats, WriteOptions,
    DEFAULT_PAGE_SIZE, FORMAT_MAJOR, FORMAT_MINOR,
};
pub use shoal_io::{
    resolve, resolve_with, IoError, ObjectLocation, SimConfig, SimCounters, Simulation,
    StorageOptions,
};
pub use shoal_sql::{ShoalTable, SqlFilter, SqlSession, SqlStream, SqlUpdate};
