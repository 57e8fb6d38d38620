//! Schema evolution: new columns (computed by SQL from existing ones, or all null), renames,
//! nullability and safe casts, and dropped columns. Each call commits one version; only
//! computed columns and casts rewrite data.

use std::sync::Arc;

use arrow_schema::FieldRef;
use shoal_dataset::{ColumnAlteration, NewColumns};
use shoal_sql::SqlColumns;

use super::Table;
use crate::error::{Error, Result};

impl Table {
    /// Adds columns computed by SQL expressions over existing columns, one per
    /// `(name, expression)`: `&[("price_eur", "price * 0.92")]`. Every fragment is
    /// rewritten in place (row addresses stay).
    pub async fn add_columns<S: AsRef<str>, E: AsRef<str>>(
        &self,
        columns: &[(S, E)],
    ) -> Result<()> {
        let base = self.writable()?;
        let columns = SqlColumns::new(columns, &base.schema(), base.uri())?;
        let columns = NewColumns::Computed(Arc::new(columns));
        self.change(move |base| async move { Ok(base.add_columns(columns).await?) })
            .await?;
        Ok(())
    }

    /// Adds columns of these fields, null in every row; no data is written.
    pub async fn add_null_columns(&self, fields: Vec<FieldRef>) -> Result<()> {
        if let Some(field) = fields.iter().find(|f| !f.is_nullable()) {
            return Err(Error::invalid(format!(
                "new column '{}' must be nullable: every existing row holds null in it",
                field.name()
            )));
        }
        let columns = NewColumns::Nulls(fields);
        self.change(move |base| async move { Ok(base.add_columns(columns).await?) })
            .await?;
        Ok(())
    }

    /// Renames columns, changes their nullability, or casts them to a type that holds every
    /// value exactly (a cast rewrites the column's fragments and drops indices on it).
    pub async fn alter_columns(&self, alterations: Vec<ColumnAlteration>) -> Result<()> {
        self.change(move |base| async move { Ok(base.alter_columns(&alterations).await?) })
            .await?;
        Ok(())
    }

    /// Drops columns (and indices on them); no data is rewritten.
    pub async fn drop_columns<S: AsRef<str>>(&self, columns: &[S]) -> Result<()> {
        let columns: Vec<String> = columns.iter().map(|c| c.as_ref().to_string()).collect();
        self.change(move |base| async move { Ok(base.drop_columns(&columns).await?) })
            .await?;
        Ok(())
    }
}
