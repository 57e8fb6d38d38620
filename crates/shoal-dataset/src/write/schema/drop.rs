//! [`Dataset::drop_columns`]: columns leave the schema; no data is rewritten.

use crate::dataset::Dataset;
use crate::error::Result;
use crate::version::change::SchemaChange;
use crate::version::manifest::Operation;
use crate::write::schema::schema_like;

impl Dataset {
    /// Drops the columns `names` (top-level) and returns the new version. Only the manifest
    /// changes: the data stays in the files until compaction or a rewrite leaves it out (and
    /// older versions still read it). Indices on a dropped column are dropped with it. A
    /// missing column, a column named twice, or every column is refused, and nothing
    /// changes.
    pub async fn drop_columns<S: AsRef<str>>(&self, names: &[S]) -> Result<Dataset> {
        let names: Vec<String> = names.iter().map(|n| n.as_ref().to_string()).collect();
        let operation = Operation::DropColumns {
            names: names.clone(),
        };
        if names.is_empty() {
            return Err(self.invalid_change(&operation, "no column named".into()));
        }
        let dropped = self.projection(Some(&names))?;
        if let Some(twice) = names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(*n))
        {
            return Err(
                self.invalid_change(&operation, format!("column '{}' is named twice", twice.1))
            );
        }
        let schema = self.schema();
        if dropped.len() == schema.fields().len() {
            return Err(self.invalid_change(
                &operation,
                "a dataset keeps at least one column (to replace them all, overwrite it)".into(),
            ));
        }
        let kept: Vec<usize> = (0..schema.fields().len())
            .filter(|c| !dropped.contains(c))
            .collect();
        let fields = kept.iter().map(|&c| schema.fields()[c].clone()).collect();
        let field_ids = kept.iter().map(|&c| self.manifest().field_ids[c]).collect();
        self.commit_schema(SchemaChange {
            operation,
            schema: schema_like(&schema, fields),
            field_ids,
            recomputed: Vec::new(),
            replaced: Vec::new(),
        })
        .await
    }
}
