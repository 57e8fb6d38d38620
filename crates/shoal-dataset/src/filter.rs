//! Row filters and updates: the seams through which the dataset layer applies a where-clause without
//! knowing the engine that parsed it (`shoal-sql` implements it with DataFusion). A filter
//! is bound to a dataset's schema once, before any I/O; the dataset reads the columns it
//! names and asks it which rows match, and, before reading anything, which row ranges may
//! hold a match at all given their pages' statistics. An update's assignments cross the
//! same way: the dataset hands them the rows to change and writes what they compute.

use arrow_array::{ArrayRef, BooleanArray, RecordBatch, UInt64Array};

use crate::error::Result;

/// A where-clause bound to a dataset schema.
pub trait RowFilter: Send + Sync + std::fmt::Debug {
    /// The filter as the user wrote it (recorded as a delete's predicate, named in errors).
    fn text(&self) -> &str;

    /// The columns (indices into the dataset schema, ascending, at least one) the filter
    /// reads.
    fn columns(&self) -> &[usize];

    /// Which rows of `batch` match; `batch` holds exactly [`RowFilter::columns`], in that
    /// order, as the dataset stores them. A row whose condition is null does not match.
    fn evaluate(&self, batch: &RecordBatch) -> Result<BooleanArray>;

    /// For each row range described by `stats`, whether it may hold a matching row: `false`
    /// only where the statistics prove that none can. The default keeps every range.
    fn may_match(&self, stats: &RangeStats) -> Result<Vec<bool>> {
        Ok(vec![true; stats.ranges()])
    }
}

/// What the footer says about several row ranges of the filter's columns: per column (in
/// [`RowFilter::columns`] order), one entry per range.
#[derive(Debug, Clone)]
pub struct RangeStats {
    /// Per column: the smallest and largest non-null value of each range (null where
    /// unknown), and its nulls.
    pub columns: Vec<ColumnRangeStats>,
    /// Rows in each range.
    pub rows: UInt64Array,
}

/// One column's statistics over several row ranges.
#[derive(Debug, Clone)]
pub struct ColumnRangeStats {
    /// Smallest non-null value per range, of the column's type; null where unknown.
    pub min: ArrayRef,
    /// Largest non-null value per range; null where unknown.
    pub max: ArrayRef,
    /// Null values per range; null where unknown.
    pub nulls: UInt64Array,
}

impl RangeStats {
    /// How many row ranges these statistics describe.
    pub fn ranges(&self) -> usize {
        self.rows.len()
    }
}

/// The assignments of an update (`SET col = expr, ...`) bound to a dataset schema.
pub trait RowUpdate: Send + Sync + std::fmt::Debug {
    /// The assignments as the user wrote them (recorded in the update's operation).
    fn text(&self) -> &str;

    /// The assigned columns (indices into the dataset schema, distinct).
    fn assigned(&self) -> &[usize];

    /// The new values of the assigned columns (in [`RowUpdate::assigned`] order, each of the
    /// column's type) for the rows of `batch`, which holds every column of the dataset in
    /// schema order and only rows to update.
    fn apply(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>>;
}
