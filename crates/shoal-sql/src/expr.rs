//! Value expressions (`score * 2`, `upper(name)`) compiled once against a dataset schema and
//! evaluated on its batches: what an update's assignments ([`crate::SqlUpdate`]) and computed
//! columns ([`crate::SqlColumns`]) share. Parsing resolves columns against the whole schema
//! (a missing one is named with what exists); planning binds the expression to the schema of
//! the batches it will see, and a dry run on no rows surfaces constant errors ('x' as a
//! number) before any data is read.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;

use crate::rewrite::sql_float_comparisons;

/// `value` parsed against `full`, its float comparisons given SQL's semantics, and cast to
/// `target` when given.
pub(crate) fn parse_value(
    ctx: &SessionContext,
    full: &DFSchema,
    value: &str,
    target: Option<&DataType>,
) -> Result<Expr, DataFusionError> {
    let expr = ctx.parse_sql_expr(value, full)?;
    let expr = sql_float_comparisons(expr, full)?;
    match target {
        Some(target) => expr.cast_to(target, full),
        None => Ok(expr),
    }
}

/// `expr` planned for batches of `input`, and tried on no rows.
pub(crate) fn plan_value(
    ctx: &SessionContext,
    expr: Expr,
    input: &SchemaRef,
) -> Result<Arc<dyn PhysicalExpr>, DataFusionError> {
    let schema = DFSchema::try_from(input.as_ref().clone())?;
    let physical = ctx.create_physical_expr(expr, &schema)?;
    physical.evaluate(&RecordBatch::new_empty(input.clone()))?;
    Ok(physical)
}

/// The values of `exprs` for the rows of `batch`, whose columns are those of `input`.
pub(crate) fn evaluate_values(
    exprs: &[Arc<dyn PhysicalExpr>],
    input: &SchemaRef,
    batch: &RecordBatch,
) -> Result<Vec<ArrayRef>, DataFusionError> {
    let rows = batch.num_rows();
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    let batch =
        RecordBatch::try_new_with_options(input.clone(), batch.columns().to_vec(), &options)?;
    exprs
        .iter()
        .map(|expr| expr.evaluate(&batch)?.into_array(rows))
        .collect()
}
