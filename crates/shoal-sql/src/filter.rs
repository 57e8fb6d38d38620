//! [`SqlFilter`]: a where-clause compiled once against a dataset schema: parsed by
//! DataFusion, its columns found (a missing one is refused before any I/O), its float
//! comparisons given SQL's semantics, type-checked to be true or false for each row, and
//! planned into a physical expression that batches are evaluated against, and into a
//! pruning predicate that rules out row ranges from their statistics.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Schema, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::pruning::PruningPredicate;
use datafusion::prelude::SessionContext;
use shoal_dataset::{RangeStats, Result, RowFilter};

use crate::errors::{filter_error, invalid};
use crate::pruning::{consistent, pruning_predicate, Ranges};
use crate::rewrite::sql_float_comparisons;

/// A where-clause bound to a dataset schema (see the crate docs for what it may say).
pub struct SqlFilter {
    text: String,
    columns: Vec<usize>,
    /// The schema of the batches it is evaluated on: the dataset's, projected to `columns`.
    input: SchemaRef,
    expr: Arc<dyn PhysicalExpr>,
    /// What rules out row ranges from their statistics, when something can.
    pruning: Option<PruningPredicate>,
}

// `PruningPredicate` has no `Debug`.
impl std::fmt::Debug for SqlFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlFilter")
            .field("text", &self.text)
            .field("columns", &self.columns)
            .field("expr", &self.expr)
            .field("prunes", &self.pruning.is_some())
            .finish()
    }
}

impl SqlFilter {
    /// Compiles `text` against `schema`, the schema of the dataset at `uri` (named in errors).
    pub fn new(text: &str, schema: &Schema, uri: &str) -> Result<Self> {
        let error = |e| filter_error(uri, text, e);
        if text.trim().is_empty() {
            return Err(invalid(text, "the filter is empty".to_string()));
        }
        let ctx = SessionContext::new();
        let full = DFSchema::try_from(schema.clone()).map_err(error)?;
        let parsed = ctx.parse_sql_expr(text, &full).map_err(error)?;
        Self::compile(&ctx, parsed, text.trim().to_string(), schema, uri)
    }

    /// Compiles a DataFusion expression (from a query plan, say) against `schema`, the
    /// schema of the dataset at `uri`; column qualifiers (`items.id`) are ignored.
    pub fn from_expr(expr: Expr, schema: &Schema, uri: &str) -> Result<Self> {
        let expr = unnormalize_col(expr);
        let text = expr.human_display().to_string();
        Self::compile(&SessionContext::new(), expr, text, schema, uri)
    }

    fn compile(
        ctx: &SessionContext,
        parsed: Expr,
        text: String,
        schema: &Schema,
        uri: &str,
    ) -> Result<Self> {
        let error = |e| filter_error(uri, &text, e);
        let full = DFSchema::try_from(schema.clone()).map_err(error)?;
        let mut columns = Vec::new();
        for column in parsed.column_refs() {
            columns.push(full.index_of_column(column).map_err(error)?);
        }
        columns.sort_unstable();
        columns.dedup();
        if columns.is_empty() {
            columns.push(0); // a constant filter still needs rows to count
        }
        let input = Arc::new(schema.project(&columns).map_err(|e| error(e.into()))?);
        let projected = DFSchema::try_from(input.as_ref().clone()).map_err(error)?;
        let pruning = pruning_predicate(ctx, &parsed, &projected, &input);
        let rewritten = sql_float_comparisons(parsed, &projected).map_err(error)?;
        let expr = ctx
            .create_physical_expr(rewritten, &projected)
            .map_err(error)?;
        let data_type = expr.data_type(&input).map_err(error)?;
        if data_type != DataType::Boolean && data_type != DataType::Null {
            return Err(invalid(
                &text,
                format!("a filter is true or false for each row, but this one is {data_type}"),
            ));
        }
        // A dry run on no rows evaluates the constant parts ('seven' as a number, a bad
        // date literal), so that their errors come now, before any data is read.
        expr.evaluate(&RecordBatch::new_empty(input.clone()))
            .map_err(error)?;
        Ok(Self {
            text,
            columns,
            input,
            expr,
            pruning,
        })
    }
}

impl RowFilter for SqlFilter {
    fn text(&self) -> &str {
        &self.text
    }

    fn columns(&self) -> &[usize] {
        &self.columns
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<BooleanArray> {
        let error = |e| filter_error("", &self.text, e);
        // Batches come with the dataset's field metadata and names; evaluate them as the
        // schema the expression was planned for.
        let batch = RecordBatch::try_new(self.input.clone(), batch.columns().to_vec())
            .map_err(|e| error(e.into()))?;
        let value = self.expr.evaluate(&batch).map_err(error)?;
        let array = value.into_array(batch.num_rows()).map_err(error)?;
        let mask = match array.data_type() {
            DataType::Null => BooleanArray::from(vec![false; batch.num_rows()]),
            _ => array.as_boolean().clone(),
        };
        // A null condition is no match.
        Ok(match mask.nulls() {
            Some(_) => arrow_select::filter::prep_null_mask_filter(&mask),
            None => mask,
        })
    }

    fn may_match(&self, stats: &RangeStats) -> Result<Vec<bool>> {
        match &self.pruning {
            Some(pruning) if consistent(stats) => {
                let ranges = Ranges {
                    stats,
                    input: &self.input,
                };
                // A range the predicate cannot judge is kept.
                Ok(pruning
                    .prune(&ranges)
                    .unwrap_or_else(|_| vec![true; stats.ranges()]))
            }
            _ => Ok(vec![true; stats.ranges()]),
        }
    }
}
