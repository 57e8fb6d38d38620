//! Random access: rows by offset in the version, or by row address (stable across appends
//! and deletes, changed by compaction), in the order asked, repeats allowed.

use arrow_array::RecordBatch;

use super::Table;
use crate::background::on_io;
use crate::error::Result;

impl Table {
    /// The rows at offsets `offsets` (0 is the version's first live row), with `columns`
    /// (all when `None`).
    pub async fn take_offsets(
        &self,
        offsets: &[u64],
        columns: Option<&[&str]>,
    ) -> Result<RecordBatch> {
        let dataset = self.dataset();
        let projection = dataset.projection(columns)?;
        let offsets = offsets.to_vec();
        on_io(async move { Ok(dataset.take(&projection, &offsets).await?) }).await
    }

    /// The rows at row addresses `addresses` (from a query's `_rowaddr` column), with
    /// `columns` (all when `None`). An address of a deleted row is an error.
    pub async fn take_row_addresses(
        &self,
        addresses: &[u64],
        columns: Option<&[&str]>,
    ) -> Result<RecordBatch> {
        let dataset = self.dataset();
        let projection = dataset.projection(columns)?;
        let addresses = addresses.to_vec();
        on_io(async move { Ok(dataset.take_addresses(&projection, &addresses).await?) }).await
    }
}
