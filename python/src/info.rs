//! Plain read-only records a table's calls return: versions, tags, indices, stats, what a
//! merge-insert did.

use std::time::SystemTime;

use pyo3::prelude::*;

/// One version of a table.
#[pyclass(module = "shoal._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub version: u64,
    /// When it was committed (a timezone-aware UTC datetime in Python).
    pub timestamp: SystemTime,
    /// What kind of change made it (`append`, `delete`, `merge_insert`, ...).
    pub operation: String,
    /// What made it, as one line (`append (1000 rows)`).
    pub description: String,
    /// Live rows of the version.
    pub rows: u64,
    pub fragments: u64,
}

/// A named version.
#[pyclass(module = "shoal._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub version: u64,
}

/// A vector index and how much of the table it covers.
#[pyclass(module = "shoal._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct IndexInfo {
    pub name: String,
    pub column: String,
    pub kind: String,
    pub indexed_rows: u64,
    /// Rows added since it was built (searched exactly until `optimize()`).
    pub unindexed_rows: u64,
    /// Fragments it covers, and fragments added since it was built.
    pub fragments: u64,
    pub unindexed_fragments: u64,
    /// Bytes of the index file.
    pub bytes: u64,
}

/// The shape of a table's version.
#[pyclass(module = "shoal._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct TableStats {
    pub version: u64,
    pub rows: u64,
    /// Rows deleted but still in data files (compaction drops them).
    pub deleted_rows: u64,
    pub fragments: u64,
    pub data_bytes: u64,
    pub indices: Vec<IndexInfo>,
}

/// What `optimize()` did.
#[pyclass(module = "shoal._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct OptimizeStats {
    pub fragments_removed: u64,
    pub fragments_added: u64,
    pub indices_optimized: Vec<String>,
    pub versions_removed: u64,
    pub files_removed: u64,
    pub bytes_removed: u64,
}

/// What `merge_insert()` did.
#[pyclass(module = "shoal._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct MergeStats {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    /// 1, plus one per conflict with a concurrent change.
    pub attempts: u32,
}

impl From<shoal::MergeInsertStats> for MergeStats {
    fn from(s: shoal::MergeInsertStats) -> Self {
        Self {
            inserted: s.inserted,
            updated: s.updated,
            deleted: s.deleted,
            attempts: s.attempts,
        }
    }
}

/// `__repr__` from `Debug` for each record.
macro_rules! repr {
    ($($record:ty),*) => {$(
        #[pymethods]
        impl $record {
            fn __repr__(&self) -> String {
                format!("{self:?}")
            }
        }
    )*};
}
repr!(
    VersionInfo,
    Tag,
    IndexInfo,
    TableStats,
    OptimizeStats,
    MergeStats
);

impl From<shoal::VersionInfo> for VersionInfo {
    fn from(v: shoal::VersionInfo) -> Self {
        Self {
            version: v.version,
            timestamp: v.timestamp,
            operation: v.operation.to_string(),
            description: v.description,
            rows: v.rows,
            fragments: v.fragments,
        }
    }
}

impl From<shoal::Tag> for Tag {
    fn from(tag: shoal::Tag) -> Self {
        Self {
            name: tag.name,
            version: tag.version,
        }
    }
}

impl From<shoal::IndexInfo> for IndexInfo {
    fn from(i: shoal::IndexInfo) -> Self {
        Self {
            name: i.name,
            column: i.column,
            kind: i.kind,
            indexed_rows: i.indexed_rows,
            unindexed_rows: i.unindexed_rows,
            fragments: i.fragments,
            unindexed_fragments: i.unindexed_fragments,
            bytes: i.bytes,
        }
    }
}

impl From<shoal::TableStats> for TableStats {
    fn from(s: shoal::TableStats) -> Self {
        Self {
            version: s.version,
            rows: s.rows,
            deleted_rows: s.deleted_rows,
            fragments: s.fragments,
            data_bytes: s.data_bytes,
            indices: s.indices.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<shoal::OptimizeStats> for OptimizeStats {
    fn from(s: shoal::OptimizeStats) -> Self {
        let cleanup = s.cleanup.unwrap_or_default();
        Self {
            fragments_removed: s.fragments_removed,
            fragments_added: s.fragments_added,
            indices_optimized: s.indices_optimized,
            versions_removed: cleanup.versions_removed,
            files_removed: cleanup.files_removed,
            bytes_removed: cleanup.bytes_removed,
        }
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<VersionInfo>()?;
    module.add_class::<Tag>()?;
    module.add_class::<IndexInfo>()?;
    module.add_class::<TableStats>()?;
    module.add_class::<OptimizeStats>()?;
    module.add_class::<MergeStats>()?;
    Ok(())
}
