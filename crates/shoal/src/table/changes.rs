//! Changes that write rows: add, delete, update. Each commits one version.

use shoal_dataset::WriteMode;

use super::Table;
use crate::data::TableData;
use crate::embedding::Embeddings;
use crate::error::{Error, Result};
use crate::filter;
use crate::write::write_data;

/// How [`Table::add`] relates the new rows to the old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddMode {
    /// Add the rows to the table's; their schema must be the table's.
    #[default]
    Append,
    /// Replace every row (and the schema) with the new ones.
    Overwrite,
}

impl Table {
    /// Adds `data` to the table (or replaces its rows) as one new version.
    ///
    /// The vector columns that the table's [embedding functions](crate::embedding) make
    /// and `data` lacks are computed from their text columns (a null text gets a null
    /// vector); if embedding fails, nothing is committed.
    pub async fn add(&self, data: impl Into<TableData>, mode: AddMode) -> Result<()> {
        let data = data.into();
        let params = self.inner.write.clone();
        let mode = match mode {
            AddMode::Append => WriteMode::Append,
            AddMode::Overwrite => WriteMode::Overwrite,
        };
        self.change(move |base| async move {
            let schema = base.schema();
            let data = Embeddings::of_schema(&schema).await?.apply(data, &schema)?;
            write_data(base.root().clone(), data, mode, params).await
        })
        .await?;
        Ok(())
    }

    /// Deletes the rows matching `filter` (a SQL where-clause); returns how many.
    pub async fn delete(&self, filter: &str) -> Result<u64> {
        let base = self.writable()?;
        let Some(filter) = filter::parse(&base, Some(filter))? else {
            unreachable!("a filter was given")
        };
        let committed = self
            .change(move |base| async move { Ok(base.delete(filter).await?) })
            .await?;
        Ok(rows_changed(&committed, base.version()))
    }

    /// Sets columns to SQL expressions (`"price = price * 1.1"`) in the rows matching
    /// `filter`, or in every row; returns how many rows it changed.
    pub async fn update<S: AsRef<str>>(
        &self,
        assignments: &[S],
        filter: Option<&str>,
    ) -> Result<u64> {
        let base = self.writable()?;
        if assignments.is_empty() {
            return Err(Error::invalid("an update needs at least one assignment"));
        }
        let update = filter::assignments(&base, assignments)?;
        let filter = filter::parse(&base, filter)?;
        let committed = self
            .change(move |base| async move { Ok(base.update(update, filter).await?) })
            .await?;
        Ok(rows_changed(&committed, base.version()))
    }
}

/// The rows a delete or update changed: none when it committed nothing (no row matched).
fn rows_changed(committed: &shoal_dataset::Dataset, base: u64) -> u64 {
    use shoal_dataset::Operation;
    if committed.version() == base {
        return 0;
    }
    match &committed.manifest().operation {
        Operation::Delete { rows, .. } | Operation::Update { rows, .. } => *rows,
        _ => 0,
    }
}
