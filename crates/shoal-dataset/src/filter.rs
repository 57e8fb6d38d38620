//! Row filters: the seam through which the dataset layer applies a where-clause without
//! knowing the engine that parsed it (`shoal-sql` implements it with DataFusion). A filter
//! is bound to a dataset's schema once, before any I/O; the dataset reads the columns it
//! names and asks it which rows match.

use arrow_array::{BooleanArray, RecordBatch};

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
}
