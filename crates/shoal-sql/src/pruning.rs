//! Pruning with DataFusion's `PruningPredicate`: which row ranges may hold a match, from the
//! min/max statistics and null counts the dataset layer reads from the footer.
//!
//! Only the conjuncts that involve no floating-point value are used: the footer's float
//! bounds follow Arrow's total order (-0.0 below 0.0, NaN above everything), while filters
//! compare floats as SQL does (-0.0 = 0.0), so a float bound could rule out a range that
//! holds a match. Dropping a conjunct only keeps more ranges.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray};
use arrow_schema::{DataType, SchemaRef};
use datafusion::common::pruning::PruningStatistics;
use datafusion::common::tree_node::TreeNode;
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::logical_expr::utils::{conjunction, split_conjunction};
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::physical_optimizer::pruning::{PruningPredicate, PruningPredicateBuilder};
use datafusion::prelude::SessionContext;
use shoal_dataset::RangeStats;

/// The prunable part of a filter, or `None` when no conjunct can rule out a range.
pub(crate) fn pruning_predicate(
    ctx: &SessionContext,
    expr: &Expr,
    schema: &DFSchema,
    input: &SchemaRef,
) -> Option<PruningPredicate> {
    let usable = split_conjunction(expr)
        .into_iter()
        .filter(|conjunct| !involves_floats(conjunct, schema))
        .cloned();
    let physical = ctx
        .create_physical_expr(conjunction(usable)?, schema)
        .ok()?;
    let predicate = PruningPredicateBuilder::new()
        .with_file_schema(input.clone())
        .try_build(physical)
        .ok()?;
    (!predicate.always_true()).then_some(predicate)
}

/// Whether any part of `expr` is a floating-point value (or its type is unknown).
pub(crate) fn involves_floats(expr: &Expr, schema: &DFSchema) -> bool {
    expr.exists(|e| {
        Ok(match e.get_type(schema) {
            Ok(t) => is_float(&t),
            Err(_) => true,
        })
    })
    .unwrap_or(true)
}

fn is_float(t: &DataType) -> bool {
    match t {
        DataType::Float16 | DataType::Float32 | DataType::Float64 => true,
        DataType::Dictionary(_, value) => is_float(value),
        _ => false,
    }
}

/// The dataset layer's statistics, as DataFusion asks for them: the containers are row
/// ranges, the columns those of the filter's input schema.
pub(crate) struct Ranges<'a> {
    pub(crate) stats: &'a RangeStats,
    pub(crate) input: &'a SchemaRef,
}

impl Ranges<'_> {
    fn column(&self, column: &Column) -> Option<&shoal_dataset::ColumnRangeStats> {
        let at = self.input.index_of(column.name()).ok()?;
        self.stats.columns.get(at)
    }
}

impl PruningStatistics for Ranges<'_> {
    fn min_values(&self, column: &Column) -> Option<ArrayRef> {
        self.column(column).map(|c| c.min.clone())
    }

    fn max_values(&self, column: &Column) -> Option<ArrayRef> {
        self.column(column).map(|c| c.max.clone())
    }

    fn num_containers(&self) -> usize {
        self.stats.ranges()
    }

    fn null_counts(&self, column: &Column) -> Option<ArrayRef> {
        self.column(column)
            .map(|c| Arc::new(c.nulls.clone()) as ArrayRef)
    }

    fn row_counts(&self) -> Option<ArrayRef> {
        Some(Arc::new(self.stats.rows.clone()))
    }

    fn contained(&self, _: &Column, _: &HashSet<ScalarValue>) -> Option<BooleanArray> {
        None
    }
}

/// Whether the statistics describe as many ranges in every column.
pub(crate) fn consistent(stats: &RangeStats) -> bool {
    stats.columns.iter().all(|c| {
        c.min.len() == stats.ranges()
            && c.max.len() == stats.ranges()
            && c.nulls.len() == stats.ranges()
    })
}
