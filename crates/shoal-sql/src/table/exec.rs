//! [`ShoalScanExec`]: the execution plan of a [`crate::ShoalTable`] scan, one partition per
//! group of fragments.

use std::fmt::Formatter;
use std::sync::Arc;

use datafusion::common::stats::Precision;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{internal_err, Statistics};
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::statistics::StatisticsArgs;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PhysicalExpr, PlanProperties,
    ReplaceChildrenOptions, SendableRecordBatchStream,
};
use shoal_dataset::{Dataset, RowFilter, DEFAULT_SCAN_BUDGET_BYTES};

use crate::table::failures::ScanFailures;
use crate::table::partitions::Partition;
use crate::table::stream::partition_stream;

/// A scan of one dataset version: the columns `projection` names, the live rows the filter
/// may match, up to the limit, each partition its own group of fragments.
#[derive(Debug)]
pub(crate) struct ShoalScanExec {
    dataset: Dataset,
    /// Indices into the dataset's schema of the columns returned.
    projection: Vec<usize>,
    /// Indices of the columns read: the projection, or one narrow column to count rows by
    /// when the projection is empty (`count(*)` under a filter).
    read: Vec<usize>,
    filter: Option<Arc<dyn RowFilter>>,
    limit: Option<usize>,
    partitions: Vec<Partition>,
    /// Each partition's share of the default scan budget, so that the query as a whole
    /// holds no more in flight than one scan would.
    budget_bytes: u64,
    properties: Arc<PlanProperties>,
}

impl ShoalScanExec {
    pub(crate) fn new(
        dataset: Dataset,
        projection: Vec<usize>,
        filter: Option<Arc<dyn RowFilter>>,
        limit: Option<usize>,
        partitions: Vec<Partition>,
    ) -> Result<Self> {
        let schema = Arc::new(dataset.schema().project(&projection)?);
        let read = if projection.is_empty() {
            let fixed_width = dataset
                .schema()
                .fields()
                .iter()
                .position(|f| f.data_type().primitive_width().is_some());
            vec![fixed_width.unwrap_or(0)]
        } else {
            projection.clone()
        };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(partitions.len()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(Self {
            budget_bytes: (DEFAULT_SCAN_BUDGET_BYTES / partitions.len() as u64).max(1),
            dataset,
            projection,
            read,
            filter,
            limit,
            partitions,
            properties: Arc::new(properties),
        })
    }

    /// The live rows of `partition` (all partitions for `None`), or none such partition.
    fn rows(&self, partition: Option<usize>) -> Option<u64> {
        match partition {
            Some(i) => self.partitions.get(i).map(|p| p.rows),
            None => Some(self.partitions.iter().map(|p| p.rows).sum()),
        }
    }
}

impl DisplayAs for ShoalScanExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut Formatter) -> std::fmt::Result {
        let schema = self.dataset.schema();
        let columns: Vec<&str> = self
            .projection
            .iter()
            .map(|i| schema.field(*i).name().as_str())
            .collect();
        let (start, separator) = match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => ("ShoalScanExec: ", ", "),
            DisplayFormatType::TreeRender => ("", "\n"),
        };
        write!(
            f,
            "{start}uri={}{separator}version={}{separator}partitions={}{separator}columns=[{}]",
            self.dataset.uri(),
            self.dataset.version(),
            self.partitions.len(),
            columns.join(", "),
        )?;
        if let Some(filter) = &self.filter {
            write!(f, "{separator}filter={}", filter.text())?;
        }
        if let Some(limit) = self.limit {
            write!(f, "{separator}limit={limit}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for ShoalScanExec {
    fn name(&self) -> &str {
        "ShoalScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let Some(part) = self.partitions.get(partition) else {
            return internal_err!(
                "ShoalScanExec has {} partitions, not {}",
                self.partitions.len(),
                partition + 1
            );
        };
        let mut scanner = self
            .dataset
            .scan()
            .projection(self.read.clone())
            .fragments(part.ids.clone())
            .budget_bytes(self.budget_bytes);
        if let Some(filter) = &self.filter {
            scanner = scanner.filter(filter.clone());
        }
        if let Some(limit) = self.limit {
            scanner = scanner.limit(limit as u64);
        }
        let failures = context.session_config().get_extension::<ScanFailures>();
        Ok(partition_stream(scanner, self.schema(), failures))
    }

    fn statistics_from_inputs(
        &self,
        _input_stats: &[Arc<Statistics>],
        args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        let Some(rows) = self.rows(args.partition()) else {
            return internal_err!("ShoalScanExec has no partition {:?}", args.partition());
        };
        let rows = usize::try_from(rows).unwrap_or(usize::MAX);
        let rows = match (&self.filter, self.limit) {
            (Some(_), _) => Precision::Inexact(rows),
            (None, Some(limit)) => Precision::Exact(rows.min(limit)),
            (None, None) => Precision::Exact(rows),
        };
        Ok(Arc::new(
            Statistics::new_unknown(&self.schema()).with_num_rows(rows),
        ))
    }
}
