//! [`Dataset::alter_columns`]: columns renamed, made nullable or not, or cast to a wider
//! type. Renames and nullability touch only the manifest (making a column non-nullable first
//! scans it for nulls); a cast rewrites every fragment in place.

use std::sync::Arc;

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, FieldRef, SchemaRef};
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::version::change::SchemaChange;
use crate::version::manifest::Operation;
use crate::write::rewrite::{Target, Transform};
use crate::write::schema::cast::is_safe_cast;
use crate::write::schema::schema_like;

/// Rows per batch while looking for nulls.
const BATCH_ROWS: usize = 64 * 1024;
/// Fragments scanned for nulls at once.
const FRAGMENTS_AT_ONCE: usize = 4;

/// What to change about one column: any of its name, nullability and type.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnAlteration {
    /// The column's current name (a top-level column).
    pub column: String,
    /// Its new name, not taken by another column.
    pub rename: Option<String>,
    /// Whether it may hold nulls from now on. `false` is refused while it holds one.
    pub nullable: Option<bool>,
    /// Its new type: only a cast that cannot fail or lose information (wider integers,
    /// integers to a float that holds them exactly, wider floats, `Utf8` to `LargeUtf8`,
    /// `Binary` to `LargeBinary`, lists to large lists or to lists of such items).
    pub data_type: Option<DataType>,
}

impl ColumnAlteration {
    /// An alteration of column `column` that changes nothing yet.
    pub fn new(column: impl Into<String>) -> Self {
        Self {
            column: column.into(),
            rename: None,
            nullable: None,
            data_type: None,
        }
    }

    /// Renames the column.
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.rename = Some(name.into());
        self
    }

    /// Lets the column hold nulls, or not.
    pub fn nullable(mut self, nullable: bool) -> Self {
        self.nullable = Some(nullable);
        self
    }

    /// Casts the column to `data_type`.
    pub fn cast(mut self, data_type: DataType) -> Self {
        self.data_type = Some(data_type);
        self
    }

    /// What it does to `field`, as recorded in the operation: `a: renamed to b, int32 to
    /// int64, not nullable`.
    fn describe(&self, field: &Field) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.rename {
            parts.push(format!("renamed to {name}"));
        }
        if let Some(to) = &self.data_type {
            parts.push(format!("{} to {to}", field.data_type()));
        }
        match self.nullable {
            Some(true) => parts.push("nullable".to_string()),
            Some(false) => parts.push("not nullable".to_string()),
            None => {}
        }
        if parts.is_empty() {
            parts.push("unchanged".to_string());
        }
        format!("{}: {}", self.column, parts.join(", "))
    }
}

impl Dataset {
    /// Applies `alterations` (one per column) as one new version, and returns it. Renames
    /// and nullability change only the manifest; making a column non-nullable first scans
    /// it, and is refused if it holds a null. A type change rewrites every fragment in place
    /// (fragment ids, row positions and deletions kept) and drops the indices of that column.
    /// A missing column, a column altered twice, a name taken, or an unsafe cast is refused,
    /// and nothing changes.
    pub async fn alter_columns(&self, alterations: &[ColumnAlteration]) -> Result<Dataset> {
        let schema = self.schema();
        let names: Vec<&str> = alterations.iter().map(|a| a.column.as_str()).collect();
        let columns = self.projection(Some(&names))?;
        let operation = Operation::AlterColumns {
            alterations: alterations
                .iter()
                .zip(&columns)
                .map(|(a, &c)| a.describe(schema.field(c)))
                .collect(),
        };
        if alterations.is_empty() {
            return Err(self.invalid_change(&operation, "no column named".into()));
        }
        let mut fields: Vec<FieldRef> = schema.fields().to_vec();
        let mut cast: Vec<usize> = Vec::new();
        let mut no_nulls: Vec<usize> = Vec::new();
        for (i, (alteration, &c)) in alterations.iter().zip(&columns).enumerate() {
            if columns[..i].contains(&c) {
                let reason = format!("column '{}' is altered twice", alteration.column);
                return Err(self.invalid_change(&operation, reason));
            }
            let mut field = schema.field(c).clone();
            if let Some(name) = &alteration.rename {
                if name != field.name() && schema.field_with_name(name).is_ok() {
                    let reason = format!("there is a column '{name}' already");
                    return Err(self.invalid_change(&operation, reason));
                }
                field = field.with_name(name);
            }
            if let Some(to) = alteration
                .data_type
                .as_ref()
                .filter(|t| *t != field.data_type())
            {
                if !is_safe_cast(field.data_type(), to) {
                    return Err(Error::UnsafeCast {
                        uri: self.uri().to_string(),
                        column: alteration.column.clone(),
                        from: field.data_type().to_string(),
                        to: to.to_string(),
                    });
                }
                field = field.with_data_type(to.clone());
                cast.push(c);
            }
            if let Some(nullable) = alteration.nullable {
                if !nullable && field.is_nullable() {
                    no_nulls.push(c);
                }
                field = field.with_nullable(nullable);
            }
            fields[c] = Arc::new(field);
        }
        let new_schema = schema_like(&schema, fields);
        self.check_new_schema(&operation, &new_schema)?;
        for &c in &no_nulls {
            self.refuse_nulls(c).await?;
        }
        let field_ids = self.manifest().field_ids.clone();
        let recomputed = cast.iter().map(|&c| field_ids[c]).collect();
        let replaced = match cast.is_empty() {
            true => Vec::new(),
            false => {
                let target = Target {
                    schema: new_schema.clone(),
                    field_ids: field_ids.clone(),
                };
                let to = new_schema.clone();
                let transform: Transform =
                    Arc::new(move |_, _, batch| Ok((cast_columns(&batch, &cast, &to)?, 0)));
                self.replace_files(&target, transform).await?
            }
        };
        self.commit_schema(SchemaChange {
            operation,
            schema: new_schema,
            field_ids,
            recomputed,
            replaced,
        })
        .await
    }

    /// Fails if column `column` holds a null in any row, deleted rows included (they are
    /// still in the files, which must match the schema).
    async fn refuse_nulls(&self, column: usize) -> Result<()> {
        let nulls: Vec<u64> = stream::iter(0..self.fragments().len())
            .map(|index| async move {
                let fragment = self.open_fragment(index).await?;
                let mut batches = fragment.stream_all(vec![column], BATCH_ROWS);
                let mut nulls = 0;
                while let Some((_, batch)) = batches.try_next().await? {
                    nulls += batch.column(0).null_count() as u64;
                }
                Ok::<_, Error>(nulls)
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        let nulls = nulls.iter().sum();
        if nulls == 0 {
            return Ok(());
        }
        Err(Error::NullsInColumn {
            uri: self.uri().to_string(),
            column: self.schema().field(column).name().clone(),
            nulls,
        })
    }
}

/// `batch` with columns `cast` cast to their types in `to`, and `to`'s fields. CPU only.
fn cast_columns(batch: &RecordBatch, cast: &[usize], to: &SchemaRef) -> Result<RecordBatch> {
    let mut columns = batch.columns().to_vec();
    for &c in cast {
        columns[c] = arrow_cast::cast(&columns[c], to.field(c).data_type())?;
    }
    Ok(RecordBatch::try_new(to.clone(), columns)?)
}
