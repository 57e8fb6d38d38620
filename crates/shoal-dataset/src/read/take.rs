//! Takes: rows by offset or by address, in the design's phases. [`Dataset::plan_take`]
//! opens the fragments involved, concurrently, at its await (errors surface there) and
//! plans one task per fragment; [`TakeTask::fetch`] is I/O only (through the store's
//! scheduler; one round, or two for variable-length values), [`FetchedTake::decode`] CPU
//! only; [`TakePlan::assemble`] puts the rows back in the order asked. [`Dataset::take`]
//! composes them, decoding on the CPU pool (a few rows in place). A take records the same
//! per-phase [`ScanStats`] as a scan ([`TakePlan::execute_with_stats`]).

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::SchemaRef;
use futures::stream::{self, StreamExt, TryStreamExt};
use shoal_format::Fetched;

use crate::dataset::{row_address, Dataset};
use crate::error::Result;
use crate::read::fragment::{FragmentPlan, OpenFragment};
use crate::read::scan::stats::Collector;
use crate::read::scan::ScanStats;

/// Fragments opened, and tasks fetched, at once.
const FRAGMENTS_AT_ONCE: usize = 16;
/// A fragment's rows are decoded where their bytes arrived, not on the CPU pool, when there
/// are at most this many of them in at most [`INLINE_DECODE_BYTES`]: decoding them costs
/// microseconds, less than the two thread wake-ups of a hand-off to the pool and back.
const INLINE_DECODE_ROWS: usize = 64;
const INLINE_DECODE_BYTES: u64 = 256 << 10;

/// A take, planned: one task per fragment involved.
#[derive(Debug)]
pub struct TakePlan {
    schema: SchemaRef,
    tasks: Vec<TakeTask>,
    /// For each row asked: (task, position in that task's batch).
    placement: Vec<(usize, usize)>,
    collector: Arc<Collector>,
}

/// The rows of one fragment to take.
#[derive(Debug)]
pub struct TakeTask {
    fragment: Arc<OpenFragment>,
    plan: FragmentPlan,
    collector: Arc<Collector>,
}

/// A take task whose bytes have arrived.
#[derive(Debug)]
pub struct FetchedTake {
    task: TakeTask,
    fetched: Fetched,
}

impl Dataset {
    /// Takes the rows at offsets `rows` of this version (any order, repeats allowed).
    pub async fn take(&self, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        self.plan_take(projection, rows).await?.execute().await
    }

    /// Takes the rows at addresses `addresses` (see [`row_address`]), in any order, repeats
    /// allowed. An address of a deleted row, or of a fragment this version does not have, is
    /// an error.
    pub async fn take_addresses(
        &self,
        projection: &[usize],
        addresses: &[u64],
    ) -> Result<RecordBatch> {
        let located = self.locate_addresses(addresses)?;
        self.plan_located(projection, &located, false)
            .await?
            .execute()
            .await
    }

    /// Opens the fragments holding the rows at offsets `rows` and plans the take (all
    /// metadata I/O happens here).
    pub async fn plan_take(&self, projection: &[usize], rows: &[u64]) -> Result<TakePlan> {
        let num_rows = self.num_rows();
        if let Some(&row) = rows.iter().find(|r| **r >= num_rows) {
            return Err(self.row_not_found(format!(
                "row offset {row} is out of bounds: the version has {num_rows} rows"
            )));
        }
        let starts: Vec<u64> = self
            .fragments()
            .iter()
            .scan(0, |acc, f| {
                let start = *acc;
                *acc += f.live_rows();
                Some(start)
            })
            .collect();
        let located: Vec<(usize, u64)> = rows
            .iter()
            .map(|&row| {
                // The last fragment starting at or before `row` that has live rows.
                let index = starts.partition_point(|s| *s <= row) - 1;
                (index, row - starts[index])
            })
            .collect();
        self.plan_located(projection, &located, true).await
    }

    /// Plans a take of rows given as (fragment index, row): live offsets in the fragment
    /// when `live_offsets`, else positions in its data file, which must not be deleted.
    async fn plan_located(
        &self,
        projection: &[usize],
        located: &[(usize, u64)],
        live_offsets: bool,
    ) -> Result<TakePlan> {
        let mut per_fragment: Vec<Vec<u64>> = vec![Vec::new(); self.fragments().len()];
        let mut local = Vec::with_capacity(located.len());
        for &(f, row) in located {
            local.push((f, per_fragment[f].len()));
            per_fragment[f].push(row);
        }
        let wanted: Vec<(usize, Vec<u64>)> = per_fragment
            .into_iter()
            .enumerate()
            .filter(|(_, rows)| !rows.is_empty())
            .collect();
        let task_of: Vec<usize> = {
            let mut task_of = vec![usize::MAX; self.fragments().len()];
            for (task, (f, _)) in wanted.iter().enumerate() {
                task_of[*f] = task;
            }
            task_of
        };
        let collector = Arc::new(Collector::new());
        let fragments = self
            .open_fragments(
                wanted.iter().map(|(f, _)| *f).collect(),
                FRAGMENTS_AT_ONCE,
                &collector,
            )
            .await?;
        let started = Instant::now();
        let tasks = fragments
            .into_iter()
            .zip(wanted)
            .map(|(fragment, (_, rows))| {
                let physical: Vec<u64> = if live_offsets {
                    rows.iter().map(|&r| fragment.physical_row(r)).collect()
                } else {
                    if let Some(&row) = rows.iter().find(|&&r| fragment.is_deleted(r)) {
                        let address = row_address(fragment.fragment.id, row);
                        return Err(self.row_not_found(format!(
                            "row address {address} (fragment {}, row {row}) is deleted",
                            fragment.fragment.id
                        )));
                    }
                    rows
                };
                let plan = fragment.plan_take(projection, &physical)?;
                Ok(TakeTask {
                    fragment,
                    plan,
                    collector: collector.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        collector.planned(started.elapsed(), tasks.len() as u64);
        Ok(TakePlan {
            schema: Arc::new(self.schema().project(projection)?),
            tasks,
            placement: local.into_iter().map(|(f, i)| (task_of[f], i)).collect(),
            collector,
        })
    }
}

impl TakePlan {
    /// One task per fragment involved, in manifest order.
    pub fn tasks(&self) -> &[TakeTask] {
        &self.tasks
    }

    /// The tasks, to fetch and decode by hand; the plan keeps what
    /// [`TakePlan::assemble`] needs.
    pub fn take_tasks(&mut self) -> Vec<TakeTask> {
        std::mem::take(&mut self.tasks)
    }

    /// Fetches every task concurrently, decodes each on the CPU pool (a few rows in place)
    /// and assembles the rows in the order asked.
    pub async fn execute(self) -> Result<RecordBatch> {
        Ok(self.execute_with_stats().await?.0)
    }

    /// [`TakePlan::execute`], returning what the take spent per phase too (also emitted
    /// through `tracing`, as for scans).
    pub async fn execute_with_stats(self) -> Result<(RecordBatch, ScanStats)> {
        let TakePlan {
            schema,
            tasks,
            placement,
            collector,
        } = self;
        let batches: Vec<RecordBatch> = stream::iter(tasks)
            .map(|task| async move {
                let fetched = task.fetch().await?;
                if fetched.is_small() {
                    return fetched.decode();
                }
                shoal_runtime::spawn_cpu(move || fetched.decode()).await?
            })
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        let batch = assemble(&schema, &placement, &batches)?;
        collector.touch();
        let stats = collector.snapshot(0);
        stats.emit("take");
        Ok((batch, stats))
    }

    /// Puts decoded task batches (one per task, in task order) together in the order the
    /// rows were asked. CPU only.
    pub fn assemble(&self, batches: &[RecordBatch]) -> Result<RecordBatch> {
        assemble(&self.schema, &self.placement, batches)
    }
}

fn assemble(
    schema: &SchemaRef,
    placement: &[(usize, usize)],
    batches: &[RecordBatch],
) -> Result<RecordBatch> {
    let mut first = Vec::with_capacity(batches.len());
    let mut taken = 0;
    for batch in batches {
        first.push(taken);
        taken += batch.num_rows();
    }
    let all = arrow_select::concat::concat_batches(schema, batches)?;
    let order: UInt32Array = placement
        .iter()
        .map(|(task, i)| (first[*task] + i) as u32)
        .collect();
    Ok(arrow_select::take::take_record_batch(&all, &order)?)
}

impl TakeTask {
    /// The id of the fragment read.
    pub fn fragment_id(&self) -> u64 {
        self.fragment.fragment.id
    }

    /// Reads the bytes the rows need, through the store's I/O scheduler. I/O only.
    pub async fn fetch(self) -> Result<FetchedTake> {
        let started = Instant::now();
        let (fetched, cost) = self
            .fragment
            .reader
            .fetch_with_priority(self.plan.read_plan(), 0)
            .await?;
        self.collector
            .fetched(started.elapsed(), cost, std::time::Duration::ZERO);
        Ok(FetchedTake {
            task: self,
            fetched,
        })
    }
}

impl FetchedTake {
    /// Whether decoding costs less than a hand-off to the CPU pool.
    fn is_small(&self) -> bool {
        self.task.plan.read_plan().num_rows() <= INLINE_DECODE_ROWS
            && self.fetched.total_bytes() <= INLINE_DECODE_BYTES
    }

    /// Decodes the fragment's rows. CPU only.
    pub fn decode(self) -> Result<RecordBatch> {
        let started = Instant::now();
        let batch = self
            .task
            .plan
            .decode(&self.fetched, self.task.fragment.reader.uri())?;
        self.task
            .collector
            .decoded(started.elapsed(), batch.num_rows() as u64);
        Ok(batch)
    }
}
