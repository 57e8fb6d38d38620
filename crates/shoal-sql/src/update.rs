//! [`SqlUpdate`]: the assignments of an update (`col = expr, ...`) compiled once against a
//! dataset schema: each parsed, its column found, its expression type-checked and cast to
//! the column's type (`expr.rs`), planned into a physical expression evaluated on the rows to
//! change.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Schema, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{AssignmentTarget, ObjectNamePart};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use shoal_dataset::{Error, Result, RowUpdate};

use crate::errors::{filter_error, invalid};
use crate::expr::{evaluate_values, parse_value, plan_value};

/// Assignments bound to a dataset schema.
#[derive(Debug)]
pub struct SqlUpdate {
    text: String,
    assigned: Vec<usize>,
    input: SchemaRef,
    exprs: Vec<Arc<dyn PhysicalExpr>>,
}

impl SqlUpdate {
    /// Compiles assignments such as `"score = score * 2"` or `"a = 1, b = upper(b)"`
    /// (several may be given, each with one or more) against `schema`, the schema of the
    /// dataset at `uri` (named in errors). A column may be assigned once.
    pub fn new<S: AsRef<str>>(assignments: &[S], schema: &Schema, uri: &str) -> Result<Self> {
        Self::compile(assignments, schema, uri).map_err(as_update_error)
    }

    fn compile<S: AsRef<str>>(assignments: &[S], schema: &Schema, uri: &str) -> Result<Self> {
        let text = assignments
            .iter()
            .map(|a| a.as_ref().trim())
            .collect::<Vec<_>>()
            .join(", ");
        let error = |e| filter_error(uri, &text, e);
        let parsed = parse(&text)?;
        let ctx = SessionContext::new();
        let full = DFSchema::try_from(schema.clone()).map_err(error)?;
        let input: SchemaRef = Arc::new(schema.clone());
        let mut assigned = Vec::new();
        let mut exprs = Vec::new();
        for (column, value) in parsed {
            let at = full.index_of_column_by_name(None, &column).ok_or_else(|| {
                invalid(
                    &text,
                    format!(
                        "there is no column '{column}' to assign (columns: {})",
                        names(schema)
                    ),
                )
            })?;
            if assigned.contains(&at) {
                return Err(invalid(
                    &text,
                    format!("column '{column}' is assigned twice"),
                ));
            }
            let target = schema.field(at).data_type();
            let expr = parse_value(&ctx, &full, &value, Some(target))
                .and_then(|e| plan_value(&ctx, e, &input))
                .map_err(error)?;
            assigned.push(at);
            exprs.push(expr);
        }
        Ok(Self {
            text,
            assigned,
            input,
            exprs,
        })
    }
}

/// Errors about the text name it as an update's (the shared helpers say "filter").
fn as_update_error(error: Error) -> Error {
    match error {
        Error::InvalidFilter { filter, reason } => Error::InvalidUpdate {
            assignments: filter,
            reason,
        },
        other => other,
    }
}

/// `col = expr, ...` as (column, expression text) pairs.
fn parse(text: &str) -> Result<Vec<(String, String)>> {
    if text.is_empty() {
        return Err(invalid(
            text,
            "no assignment: give 'column = expression'".into(),
        ));
    }
    let fail =
        |e: &dyn std::fmt::Display| invalid(text, format!("expected 'column = expression': {e}"));
    let mut parser = Parser::new(&GenericDialect {})
        .try_with_sql(text)
        .map_err(|e| fail(&e))?;
    let assignments = parser
        .parse_comma_separated(Parser::parse_assignment)
        .map_err(|e| fail(&e))?;
    let rest = parser.peek_token();
    if rest.token != Token::EOF {
        return Err(fail(&format!("unexpected '{}'", rest.token)));
    }
    assignments
        .into_iter()
        .map(|a| match a.target {
            AssignmentTarget::ColumnName(name) => match name.0.as_slice() {
                [ObjectNamePart::Identifier(ident)] => {
                    Ok((ident.value.clone(), a.value.to_string()))
                }
                _ => Err(fail(&format!("'{name}' is not a column name"))),
            },
            AssignmentTarget::Tuple(_) => Err(fail(&"assign one column at a time")),
        })
        .collect()
}

fn names(schema: &Schema) -> String {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    names.join(", ")
}

impl RowUpdate for SqlUpdate {
    fn text(&self) -> &str {
        &self.text
    }

    fn assigned(&self) -> &[usize] {
        &self.assigned
    }

    fn apply(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
        self.evaluate(batch).map_err(as_update_error)
    }
}

impl SqlUpdate {
    fn evaluate(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
        evaluate_values(&self.exprs, &self.input, batch)
            .map_err(|e| filter_error("", &self.text, e))
    }
}
