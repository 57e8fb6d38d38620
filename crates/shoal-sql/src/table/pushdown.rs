//! Which of a query's filters Shoal evaluates in its scan: those that compile to a
//! [`SqlFilter`] against the dataset's schema and give the same answer each time they are
//! evaluated (no `random()`). They are pushed down as inexact, so DataFusion still applies
//! them above the scan: Shoal's part is to read less (pages pruned by their statistics, the
//! other columns read only for matching rows), never to decide the result alone. A filter
//! that involves a float is left to DataFusion: Shoal's filters compare floats as SQL does
//! (-0.0 = 0.0) and DataFusion's by Arrow's total order, so Shoal could drop a row that
//! DataFusion would keep.

use std::sync::Arc;

use arrow_schema::Schema;
use datafusion::common::DFSchema;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use shoal_dataset::{Result, RowFilter};

use crate::pruning::involves_floats;
use crate::SqlFilter;

/// Whether the scan of the dataset at `uri` (of `schema`) can take `filter`.
pub(crate) fn support(filter: &Expr, schema: &Schema, uri: &str) -> TableProviderFilterPushDown {
    let floats = DFSchema::try_from(schema.clone())
        .map(|df| involves_floats(&unnormalize_col(filter.clone()), &df))
        .unwrap_or(true);
    if !floats && !filter.is_volatile() && bind(filter.clone(), schema, uri).is_ok() {
        TableProviderFilterPushDown::Inexact
    } else {
        TableProviderFilterPushDown::Unsupported
    }
}

/// `filters` (each one [`support`] takes) as one filter for the scan, or none.
pub(crate) fn combine(
    filters: &[Expr],
    schema: &Schema,
    uri: &str,
) -> Result<Option<Arc<dyn RowFilter>>> {
    let Some(all) = conjunction(filters.iter().cloned()) else {
        return Ok(None);
    };
    Ok(Some(Arc::new(bind(all, schema, uri)?)))
}

/// `filter` compiled against the dataset's schema (its columns' table names ignored).
fn bind(filter: Expr, schema: &Schema, uri: &str) -> Result<SqlFilter> {
    SqlFilter::from_expr(filter, schema, uri)
}
