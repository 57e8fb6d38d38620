//! [`ShoalTable`]: one dataset version as a DataFusion table.

use std::sync::Arc;

use arrow_schema::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::stats::Precision;
use datafusion::common::Statistics;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use shoal_dataset::Dataset;

use crate::table::exec::ShoalScanExec;
use crate::table::partitions::split;
use crate::table::pushdown;

/// One version of a dataset as a DataFusion table (register it with
/// `SessionContext::register_table`, or let [`crate::SqlSession`] do it).
///
/// Its scans read only the columns a query uses; take the query's filters (Shoal skips
/// the pages their statistics rule out, and DataFusion still applies them above); stop
/// after a limit that no filter stands before; and run the fragments in up to the
/// session's `target_partitions` parallel partitions. It reports its exact live row
/// count, so `SELECT count(*)` reads nothing.
#[derive(Debug, Clone)]
pub struct ShoalTable {
    dataset: Dataset,
}

impl ShoalTable {
    /// A table reading `dataset` (that version, whatever is committed later).
    pub fn new(dataset: Dataset) -> Self {
        Self { dataset }
    }

    /// The dataset version it reads.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }
}

#[async_trait]
impl TableProvider for ShoalTable {
    fn schema(&self) -> SchemaRef {
        self.dataset.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let schema = self.dataset.schema();
        Ok(filters
            .iter()
            .map(|f| pushdown::support(f, &schema, self.dataset.uri()))
            .collect())
    }

    fn statistics(&self) -> Option<Statistics> {
        let rows = usize::try_from(self.dataset.num_rows()).ok()?;
        Some(Statistics::new_unknown(&self.dataset.schema()).with_num_rows(Precision::Exact(rows)))
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = self.dataset.schema();
        let filter = pushdown::combine(filters, &schema, self.dataset.uri())
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        // Filters are inexact: DataFusion applies them again above the scan, so a limit
        // below them would cut rows short.
        let limit = limit.filter(|_| filter.is_none());
        // A limit reads a few rows: one partition stops soonest (its scan still reads
        // ahead in parallel).
        let target = match limit {
            Some(_) => 1,
            None => state.config().target_partitions(),
        };
        let projection = projection
            .cloned()
            .unwrap_or_else(|| (0..schema.fields().len()).collect());
        let partitions = split(self.dataset.fragments(), target);
        Ok(Arc::new(ShoalScanExec::new(
            self.dataset.clone(),
            projection,
            filter,
            limit,
            partitions,
        )?))
    }
}
