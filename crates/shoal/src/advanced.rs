//! The layers under the API, for callers who compose the phases themselves: a scan's
//! four phases ([`Scanner`] → [`ScanPlan`] → [`ReadTask`] → [`FetchedTask`]), a take's
//! ([`TakePlan`], [`TakeTask`], [`FetchedTake`]), single Shoal files ([`FileReader`],
//! [`FileWriter`]), a version's [`Manifest`], SQL over several tables ([`SqlSession`]),
//! and storage locations ([`resolve_with`]). Reach a table's version with
//! [`Table::dataset`](crate::Table::dataset).
//!
//! These types are stable enough to use but follow the layers' needs more than the API's.

pub use shoal_dataset::{
    row_address, DataFile, Dataset, DatasetWriter, DeletionFile, FetchedTake, FetchedTask,
    FileReader, FileWriter, Fragment, IndexEntry, IndexKind, Manifest, Operation, ReadTask,
    RowFilter, RowUpdate, ScanBatch, ScanPlan, ScanStream, Scanner, SearchResults, TakePlan,
    TakeTask, VectorSearch, WriteMode, WrittenFile,
};
/// The error and result of the layers, as their calls return them ([`crate::Error`] converts from it).
pub use shoal_dataset::{Error as DatasetError, Result as DatasetResult};
pub use shoal_format::{
    bound_as_array, ColumnMeta, FileMetadata, PageMeta, PageStats, FORMAT_MAJOR, FORMAT_MINOR,
};
pub use shoal_io::{resolve, resolve_with, IoError, ObjectLocation};
pub use shoal_sql::{ShoalTable, SqlFilter, SqlSession, SqlStream, SqlUpdate};
