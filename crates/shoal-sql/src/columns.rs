//! [`SqlColumns`]: new columns computed by SQL expressions over a dataset's existing columns
//! (`("total", "price * quantity")`), compiled once against its schema (`expr.rs`, as an
//! update's assignments are): each expression parsed, its columns found, planned for the
//! batches of only the columns the expressions read. It is the dataset layer's
//! [`ColumnMaker`], which [`shoal_dataset::Dataset::add_columns`] evaluates on the CPU pool.
//! A new column has the expression's type and is nullable.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, FieldRef, Schema, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::logical_expr::ExprSchemable;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;
use shoal_dataset::{ColumnMaker, Error, Result};

use crate::errors::{filter_error, invalid};
use crate::expr::{evaluate_values, parse_value, plan_value};

/// New columns' SQL expressions bound to a dataset schema.
#[derive(Debug)]
pub struct SqlColumns {
    text: String,
    fields: Vec<FieldRef>,
    inputs: Vec<usize>,
    /// The schema of the batches the expressions are evaluated on: `inputs` of the dataset's.
    input: SchemaRef,
    exprs: Vec<Arc<dyn PhysicalExpr>>,
}

impl SqlColumns {
    /// Compiles `columns`, each a new column's name and the SQL expression computing it
    /// from the columns of `schema` (the schema of the dataset at `uri`, named in errors).
    /// An expression that does not parse, names a missing column or does not type-check
    /// is refused, naming it.
    pub fn new<S: AsRef<str>, E: AsRef<str>>(
        columns: &[(S, E)],
        schema: &Schema,
        uri: &str,
    ) -> Result<Self> {
        Self::compile(columns, schema, uri).map_err(as_columns_error)
    }

    fn compile<S: AsRef<str>, E: AsRef<str>>(
        columns: &[(S, E)],
        schema: &Schema,
        uri: &str,
    ) -> Result<Self> {
        let text = columns
            .iter()
            .map(|(name, expr)| format!("{} = {}", name.as_ref(), expr.as_ref().trim()))
            .collect::<Vec<_>>()
            .join(", ");
        if columns.is_empty() {
            return Err(invalid(
                &text,
                "no column: give a name and an expression".into(),
            ));
        }
        let error = |e| filter_error(uri, &text, e);
        let ctx = SessionContext::new();
        let full = DFSchema::try_from(schema.clone()).map_err(error)?;
        let mut fields = Vec::new();
        let mut parsed = Vec::new();
        let mut inputs = BTreeSet::new();
        for (name, value) in columns {
            let (name, value) = (name.as_ref(), value.as_ref());
            if value.trim().is_empty() {
                return Err(invalid(&text, format!("column '{name}' has no expression")));
            }
            let expr = parse_value(&ctx, &full, value, None).map_err(error)?;
            for column in expr.column_refs() {
                inputs.insert(full.index_of_column(column).map_err(error)?);
            }
            let data_type = expr.get_type(&full).map_err(error)?;
            fields.push(Arc::new(Field::new(name, data_type, true)));
            parsed.push(expr);
        }
        let inputs: Vec<usize> = inputs.into_iter().collect();
        let input: SchemaRef = Arc::new(schema.project(&inputs).map_err(|e| error(e.into()))?);
        let exprs = parsed
            .into_iter()
            .map(|expr| plan_value(&ctx, expr, &input).map_err(error))
            .collect::<Result<_>>()?;
        Ok(Self {
            text,
            fields,
            inputs,
            input,
            exprs,
        })
    }
}

/// Errors about the text name it as new columns' (the shared helpers say "filter").
fn as_columns_error(error: Error) -> Error {
    match error {
        Error::InvalidFilter { filter, reason } => Error::InvalidNewColumns {
            columns: filter,
            reason,
        },
        other => other,
    }
}

impl ColumnMaker for SqlColumns {
    fn text(&self) -> &str {
        &self.text
    }

    fn fields(&self) -> &[FieldRef] {
        &self.fields
    }

    fn inputs(&self) -> &[usize] {
        &self.inputs
    }

    fn make(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
        evaluate_values(&self.exprs, &self.input, batch)
            .map_err(|e| as_columns_error(filter_error("", &self.text, e)))
    }
}
