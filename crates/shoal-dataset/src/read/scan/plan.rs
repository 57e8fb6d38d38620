//! [`Scanner`] (what to scan) and [`ScanPlan`] (phases 1 and 2: fragments opened, tasks
//! planned).

use std::sync::Arc;
use std::time::Instant;

use futures::stream::TryStreamExt;
use shoal_io::ByteBudget;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::filter::RowFilter;
use crate::read::fragment::OpenFragment;
use crate::read::scan::filtered::Filtering;
use crate::read::scan::prune::prune;
use crate::read::scan::stats::{Collector, ScanStats};
use crate::read::scan::stream::{ScanStream, Window};
use crate::read::scan::task::ReadTask;

/// Default byte budget of a scan: 256 MiB. An object store needs about its bandwidth times
/// its latency in flight to stay busy (1 GB/s x 100 ms = 100 MB), local NVMe less; the
/// rest leaves decoded batches room to wait for a consumer. Small next to the memory of a
/// machine that trains models, and bounded whatever the dataset size.
pub const DEFAULT_SCAN_BUDGET_BYTES: u64 = 256 << 20;
/// Default fragments opened at once: enough to keep an object store's 64 request slots busy.
const DEFAULT_FRAGMENT_READAHEAD: usize = 64;
/// Default tasks in flight at once: twice an object store's 64 request slots, so that in an
/// ordered stream a late task at the head does not leave slots idle behind it. The byte
/// budget is what bounds their memory.
const DEFAULT_READAHEAD: usize = 128;
/// Default rows per batch.
const DEFAULT_BATCH_ROWS: usize = 32 * 1024;
/// Scans whose decoded size is estimated below this run inline in the consumer's stream,
/// with no task spawned.
const SMALL_SCAN_BYTES: u64 = 1 << 20;

/// A scan of one dataset version, being described.
#[derive(Debug, Clone)]
pub struct Scanner {
    dataset: Dataset,
    columns: Option<Vec<String>>,
    projection: Option<Vec<usize>>,
    fragment_ids: Option<Vec<u64>>,
    offset: u64,
    limit: Option<u64>,
    batch_rows: usize,
    ordered: bool,
    budget_bytes: u64,
    fragment_readahead: usize,
    readahead: usize,
    row_addresses: bool,
    filter: Option<Arc<dyn RowFilter>>,
}

/// A scan with its fragments open and its tasks planned.
#[derive(Debug)]
pub struct ScanPlan {
    tasks: Vec<ReadTask>,
    /// The offset and limit the stream applies (a filtered scan's tasks cannot).
    window: Option<Window>,
    ordered: bool,
    readahead: usize,
    small: bool,
    budget: Arc<ByteBudget>,
    collector: Arc<Collector>,
}

impl Dataset {
    /// A scan of this version: every live row of every column, unless narrowed.
    pub fn scan(&self) -> Scanner {
        Scanner {
            dataset: self.clone(),
            columns: None,
            projection: None,
            fragment_ids: None,
            offset: 0,
            limit: None,
            batch_rows: DEFAULT_BATCH_ROWS,
            ordered: true,
            budget_bytes: DEFAULT_SCAN_BUDGET_BYTES,
            fragment_readahead: DEFAULT_FRAGMENT_READAHEAD,
            readahead: DEFAULT_READAHEAD,
            row_addresses: false,
            filter: None,
        }
    }
}

impl Scanner {
    /// Only these columns, by name, in this order.
    pub fn columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.columns = Some(names.iter().map(|n| n.as_ref().to_string()).collect());
        self.projection = None;
        self
    }

    /// Only these columns, by index in the schema, in this order.
    pub fn projection(mut self, indices: Vec<usize>) -> Self {
        self.projection = Some(indices);
        self.columns = None;
        self
    }

    /// Only the fragments with these ids (in manifest order).
    pub fn fragments(mut self, ids: Vec<u64>) -> Self {
        self.fragment_ids = Some(ids);
        self
    }

    /// Skip the first `rows` live rows.
    pub fn offset(mut self, rows: u64) -> Self {
        self.offset = rows;
        self
    }

    /// Return at most `rows` rows.
    pub fn limit(mut self, rows: u64) -> Self {
        self.limit = Some(rows);
        self
    }

    /// Rows read per task (batches are smaller where rows are deleted). At least 1.
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// Batches in dataset order (the default), or as soon as each is ready.
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// Bytes the scan may hold between issuing I/O and the consumer dropping a batch.
    pub fn budget_bytes(mut self, bytes: u64) -> Self {
        self.budget_bytes = bytes.max(1);
        self
    }

    /// Fragments opened at once in phase 1. At least 1.
    pub fn fragment_readahead(mut self, fragments: usize) -> Self {
        self.fragment_readahead = fragments.max(1);
        self
    }

    /// Adds a last column, [`crate::ROW_ADDRESS_COLUMN`] (uint64), holding each row's address (see
    /// [`crate::row_address`]).
    pub fn with_row_addresses(mut self, yes: bool) -> Self {
        self.row_addresses = yes;
        self
    }

    /// Only the live rows that match `filter`, which must be bound to this dataset's schema;
    /// the offset and limit count matching rows. The filter's columns are read first, the
    /// other columns only for matching rows, and row ranges whose page statistics prove that
    /// no row matches are not read at all. The stream applies the offset and limit: tasks
    /// driven by hand return every match.
    pub fn filter(mut self, filter: Arc<dyn RowFilter>) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Tasks in flight at once in the stream. At least 1.
    pub fn readahead(mut self, tasks: usize) -> Self {
        self.readahead = tasks.max(1);
        self
    }

    /// Phases 1 and 2: opens the selected fragments concurrently (errors surface here) and
    /// plans the read tasks.
    pub async fn plan(self) -> Result<ScanPlan> {
        let collector = Arc::new(Collector::new());
        let ds = &self.dataset;
        let projection = match (&self.projection, &self.columns) {
            (Some(indices), _) => {
                let width = ds.schema().fields().len();
                if let Some(bad) = indices.iter().find(|i| **i >= width) {
                    return Err(Error::InvalidArgument(format!(
                        "column index {bad} is out of range: the dataset has {width} columns"
                    )));
                }
                indices.clone()
            }
            (None, Some(names)) => ds.projection(Some(names))?,
            (None, None) => ds.projection::<&str>(None)?,
        };
        if let Some(filter) = &self.filter {
            check_filter(ds, filter.as_ref())?;
        }
        let selected = self.selected_fragments()?;

        let opened = ds
            .open_fragments(selected, self.fragment_readahead, &collector)
            .await?;

        let started = Instant::now();
        let budget = ByteBudget::new(self.budget_bytes);
        let (tasks, window) = match &self.filter {
            None => (
                self.plan_tasks(&opened, &projection, &budget, &collector)?,
                None,
            ),
            Some(filter) => {
                let filtering = Arc::new(Filtering::new(filter.clone(), projection));
                let tasks = self.plan_filtered(&opened, &filtering, &budget, &collector)?;
                (tasks, Some(Window::new(self.offset, self.limit)))
            }
        };
        collector.planned(started.elapsed(), tasks.len() as u64);
        let estimate: u64 = tasks.iter().map(ReadTask::estimated_bytes).sum();
        Ok(ScanPlan {
            small: estimate < SMALL_SCAN_BYTES,
            tasks,
            window,
            ordered: self.ordered,
            readahead: self.readahead,
            budget,
            collector,
        })
    }

    /// Plans and streams the batches: [`Scanner::plan`] then [`ScanPlan::stream`].
    pub async fn stream(self) -> Result<ScanStream> {
        Ok(self.plan().await?.stream())
    }

    /// Every batch of the scan, their budget returned (convenient for small results).
    pub async fn collect(self) -> Result<Vec<arrow_array::RecordBatch>> {
        self.stream()
            .await?
            .map_ok(|b| b.into_batch())
            .try_collect()
            .await
    }

    /// Indices (in manifest order) of the fragments to scan.
    fn selected_fragments(&self) -> Result<Vec<usize>> {
        let fragments = self.dataset.fragments();
        let Some(ids) = &self.fragment_ids else {
            return Ok((0..fragments.len()).collect());
        };
        if let Some(missing) = ids
            .iter()
            .find(|id| !fragments.iter().any(|f| f.id == **id))
        {
            return Err(self
                .dataset
                .row_not_found(format!("there is no fragment {missing}")));
        }
        Ok((0..fragments.len())
            .filter(|&i| ids.contains(&fragments[i].id))
            .collect())
    }

    /// Tasks of up to `batch_rows` rows per fragment, within the offset and limit.
    fn plan_tasks(
        &self,
        opened: &[Arc<OpenFragment>],
        projection: &[usize],
        budget: &Arc<ByteBudget>,
        collector: &Arc<Collector>,
    ) -> Result<Vec<ReadTask>> {
        let window_end = self
            .limit
            .map_or(u64::MAX, |l| self.offset.saturating_add(l));
        let mut live_before = 0u64; // live rows before the current chunk
        let mut tasks = Vec::new();
        let step = self.batch_rows as u64;
        'fragments: for fragment in opened {
            let rows = fragment.fragment.data.rows;
            let mut start = 0;
            while start < rows {
                if live_before >= window_end {
                    break 'fragments;
                }
                let end = (start + step).min(rows);
                let deleted = fragment
                    .deleted
                    .as_ref()
                    .map_or(0, |d| d.range_cardinality(start as u32..end as u32));
                let live = end - start - deleted;
                let (from, to) = (live_before, live_before + live);
                live_before = to;
                let (skip, keep_end) = (self.offset.max(from) - from, window_end.min(to) - from);
                if live > 0 && keep_end > skip {
                    let plan = fragment.plan_rows(projection, start..end)?;
                    tasks.push(ReadTask::new(
                        tasks.len() as u64,
                        fragment.clone(),
                        start..end,
                        plan,
                        skip as usize,
                        (keep_end - skip) as usize,
                        self.row_addresses,
                        budget.clone(),
                        collector.clone(),
                    ));
                }
                start = end;
            }
        }
        Ok(tasks)
    }

    /// A filtered scan's tasks: every range of up to `batch_rows` rows that holds live rows
    /// and that the page statistics do not rule out.
    fn plan_filtered(
        &self,
        opened: &[Arc<OpenFragment>],
        filtering: &Arc<Filtering>,
        budget: &Arc<ByteBudget>,
        collector: &Arc<Collector>,
    ) -> Result<Vec<ReadTask>> {
        let step = self.batch_rows as u64;
        let mut tasks = Vec::new();
        for fragment in opened {
            let rows = fragment.fragment.data.rows;
            let ranges: Vec<_> = (0..rows)
                .step_by(self.batch_rows)
                .map(|start| start..(start + step).min(rows))
                .filter(|r| {
                    let deleted = fragment
                        .deleted
                        .as_ref()
                        .map_or(0, |d| d.range_cardinality(r.start as u32..r.end as u32));
                    r.end - r.start > deleted
                })
                .collect();
            let (keep, pages_pruned) = prune(fragment, filtering.filter.as_ref(), &ranges)?;
            let kept = keep.iter().filter(|k| **k).count();
            collector.pruned(pages_pruned, u64::from(kept == 0 && !ranges.is_empty()));
            for (range, _) in ranges.into_iter().zip(keep).filter(|(_, k)| *k) {
                let plan = filtering.plan(fragment, range.clone())?;
                let estimate = filtering.estimate(fragment, range.clone())?;
                let task = ReadTask::new(
                    tasks.len() as u64,
                    fragment.clone(),
                    range,
                    plan,
                    0,
                    0,
                    self.row_addresses,
                    budget.clone(),
                    collector.clone(),
                );
                tasks.push(task.filtered(filtering.clone(), estimate));
            }
        }
        Ok(tasks)
    }
}

/// Refuses a filter bound to another schema than the dataset's.
fn check_filter(ds: &Dataset, filter: &dyn RowFilter) -> Result<()> {
    let width = ds.schema().fields().len();
    let reason = match filter.columns() {
        [] => "it reads no column".to_string(),
        columns if columns.iter().any(|c| *c >= width) => format!(
            "it was bound to another schema: it reads column {} of a dataset with {width}",
            columns.iter().max().copied().unwrap_or_default()
        ),
        _ => return Ok(()),
    };
    Err(Error::InvalidFilter {
        filter: filter.text().to_string(),
        reason,
    })
}

impl ScanPlan {
    /// Phase 2's result: the read tasks, in output order.
    pub fn tasks(&self) -> &[ReadTask] {
        &self.tasks
    }

    /// The tasks, to fetch and decode by hand (see [`ReadTask::fetch`]).
    pub fn into_tasks(self) -> Vec<ReadTask> {
        self.tasks
    }

    /// What the scan has spent so far.
    pub fn stats(&self) -> ScanStats {
        self.collector.snapshot(self.budget.peak_reserved())
    }

    /// Phases 3 and 4 for every task, composed with readahead (see the module docs).
    pub fn stream(self) -> ScanStream {
        ScanStream::new(
            self.tasks,
            self.window,
            self.ordered,
            self.readahead,
            self.small,
            self.budget,
            self.collector,
        )
    }
}
