//! [`Dataset::add_columns`]: new columns, all null (the manifest only: no file has them, so
//! they read as nulls) or computed from existing ones by a [`ColumnMaker`] on the CPU pool,
//! every fragment then rewritten in place with the new columns appended.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::FieldRef;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::version::change::SchemaChange;
use crate::version::manifest::Operation;
use crate::write::rewrite::{Target, Transform};
use crate::write::schema::{next_field_id, schema_like};

/// Computes new columns from existing ones, batch by batch: the seam through which an
/// engine of expressions (`shoal-sql`'s `SqlColumns`) adds computed columns. It is bound to
/// a dataset schema once, before any I/O.
pub trait ColumnMaker: Send + Sync + std::fmt::Debug {
    /// What it computes, as the user wrote it (named in errors).
    fn text(&self) -> &str;

    /// The new columns' fields, in order; their names must be new.
    fn fields(&self) -> &[FieldRef];

    /// The existing columns it reads (indices into the dataset schema).
    fn inputs(&self) -> &[usize];

    /// The new columns' values (one array per field, of its type) for the rows of `batch`,
    /// which holds [`ColumnMaker::inputs`] in that order. Deleted rows are computed too.
    fn make(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>>;
}

/// Columns to add.
#[derive(Debug, Clone)]
pub enum NewColumns {
    /// Columns of these (nullable) fields, null in every row. No data is written.
    Nulls(Vec<FieldRef>),
    /// Columns computed from existing ones; every fragment is rewritten.
    Computed(Arc<dyn ColumnMaker>),
}

impl Dataset {
    /// Adds `columns` after the existing ones and returns the new version. All-null columns
    /// change only the manifest; computed ones rewrite every fragment in place (fragment ids,
    /// row positions and deletions kept, so row addresses and indices stay valid). A name
    /// already taken (or given twice), a non-nullable all-null column, or a maker bound to
    /// another schema is refused, and nothing changes.
    pub async fn add_columns(&self, columns: NewColumns) -> Result<Dataset> {
        let fields = match &columns {
            NewColumns::Nulls(fields) => fields.clone(),
            NewColumns::Computed(maker) => maker.fields().to_vec(),
        };
        let operation = Operation::AddColumns {
            names: fields.iter().map(|f| f.name().clone()).collect(),
        };
        if fields.is_empty() {
            return Err(self.invalid_change(&operation, "no column given".into()));
        }
        let schema = self.schema();
        if let Some(taken) = fields
            .iter()
            .find(|f| schema.field_with_name(f.name()).is_ok())
        {
            let reason = format!("there is a column '{}' already", taken.name());
            return Err(self.invalid_change(&operation, reason));
        }
        let mut all = schema.fields().to_vec();
        all.extend(fields.iter().cloned());
        let new_schema = schema_like(&schema, all);
        self.check_new_schema(&operation, &new_schema)?;
        let first = next_field_id(self.manifest());
        let mut field_ids = self.manifest().field_ids.clone();
        field_ids.extend((first..).take(fields.len()));
        let replaced = match columns {
            NewColumns::Nulls(fields) => {
                if let Some(f) = fields.iter().find(|f| !f.is_nullable()) {
                    let reason = format!(
                        "column '{}' would be null in every row, so it must be nullable",
                        f.name()
                    );
                    return Err(self.invalid_change(&operation, reason));
                }
                Vec::new()
            }
            NewColumns::Computed(maker) => {
                check_inputs(self, maker.as_ref())?;
                let target = Target {
                    schema: new_schema.clone(),
                    field_ids: field_ids.clone(),
                };
                let to = new_schema.clone();
                let transform: Transform = Arc::new(move |_, _, batch| {
                    let made = made(maker.as_ref(), &batch)?;
                    let mut columns = batch.columns().to_vec();
                    columns.extend(made);
                    Ok((RecordBatch::try_new(to.clone(), columns)?, 0))
                });
                self.replace_files(&target, transform).await?
            }
        };
        self.commit_schema(SchemaChange {
            operation,
            schema: new_schema,
            field_ids,
            recomputed: Vec::new(),
            replaced,
        })
        .await
    }
}

/// Refuses a maker bound to another schema.
fn check_inputs(ds: &Dataset, maker: &dyn ColumnMaker) -> Result<()> {
    let width = ds.schema().fields().len();
    match maker.inputs().iter().find(|c| **c >= width) {
        None => Ok(()),
        Some(c) => Err(Error::InvalidNewColumns {
            columns: maker.text().to_string(),
            reason: format!(
                "it was bound to another schema: it reads column {c} of a dataset with {width}"
            ),
        }),
    }
}

/// The maker's columns for `batch` (every column of the version), checked against its
/// fields. CPU only.
fn made(maker: &dyn ColumnMaker, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    let inputs = batch.project(maker.inputs())?;
    let made = maker.make(&inputs)?;
    let invalid = |reason: String| Error::InvalidNewColumns {
        columns: maker.text().to_string(),
        reason,
    };
    if made.len() != maker.fields().len() {
        return Err(invalid(format!(
            "it computed {} columns, {} expected",
            made.len(),
            maker.fields().len()
        )));
    }
    for (array, field) in made.iter().zip(maker.fields()) {
        if array.data_type() != field.data_type() || array.len() != batch.num_rows() {
            return Err(invalid(format!(
                "it computed {} values of type {} for column '{}' ({}), {} expected",
                array.len(),
                array.data_type(),
                field.name(),
                field.data_type(),
                batch.num_rows()
            )));
        }
        if !field.is_nullable() && array.null_count() > 0 {
            return Err(invalid(format!(
                "it computed {} nulls for column '{}', which does not allow them",
                array.null_count(),
                field.name()
            )));
        }
    }
    Ok(made)
}
