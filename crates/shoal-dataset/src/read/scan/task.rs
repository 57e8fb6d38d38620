//! A read task: rows of one fragment, planned (phase 2), then fetched (phase 3, I/O only)
//! and decoded (phase 4, CPU only) by separate calls, and the batch it produces. A task of a
//! filtered scan fetches in two steps, the filter evaluated on the CPU pool between them
//! (see `filtered.rs`).

use std::ops::{Deref, Range};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use shoal_format::Fetched;
use shoal_io::{ByteBudget, Reservation, Ticket};

use crate::dataset::{row_address, ROW_ADDRESS_COLUMN};
use crate::error::{Error, Result};
use crate::read::fragment::{FragmentPlan, OpenFragment};
use crate::read::scan::filtered::{Filtering, Matched};
use crate::read::scan::stats::Collector;

/// Rows `rows` (positions in the data file) of one fragment: what to read, planned.
#[derive(Debug)]
pub struct ReadTask {
    /// Position of this task's batch in the scan's output.
    index: u64,
    fragment: Arc<OpenFragment>,
    rows: Range<u64>,
    plan: FragmentPlan,
    /// Live rows to drop from the front of the batch, and to keep after them (offset and
    /// limit of the scan).
    skip: usize,
    keep: usize,
    /// Whether to add the row-address column.
    row_addresses: bool,
    /// The filter of a filtered scan (`plan` then reads only its columns).
    filtering: Option<Arc<Filtering>>,
    estimate: u64,
    /// Its place in the scan's byte budget.
    ticket: Ticket,
    collector: Arc<Collector>,
}

/// A task whose bytes have arrived; [`FetchedTask::decode`] finishes it.
#[derive(Debug)]
pub struct FetchedTask {
    task: ReadTask,
    fetched: Arrived,
    reservation: Reservation,
}

/// What a task's fetch brought: the plan's bytes, or a filtered task's matching rows.
#[derive(Debug)]
enum Arrived {
    Bytes(Fetched),
    Matches(Box<Matched>),
}

/// A decoded batch and its share of the scan's byte budget, which returns when this is
/// dropped. [`ScanBatch::into_batch`] keeps the data and returns the budget at once.
#[derive(Debug)]
pub struct ScanBatch {
    batch: RecordBatch,
    reservation: Reservation,
}

impl ReadTask {
    #[allow(clippy::too_many_arguments)] // the planner's one call site names each part
    pub(crate) fn new(
        index: u64,
        fragment: Arc<OpenFragment>,
        rows: Range<u64>,
        plan: FragmentPlan,
        skip: usize,
        keep: usize,
        row_addresses: bool,
        budget: Arc<ByteBudget>,
        collector: Arc<Collector>,
    ) -> Self {
        let estimate = plan.read_plan().decoded_bytes_estimate()
            + if row_addresses {
                8 * (rows.end - rows.start)
            } else {
                0
            };
        Self {
            index,
            fragment,
            rows,
            plan,
            skip,
            keep,
            row_addresses,
            filtering: None,
            estimate,
            ticket: budget.ticket(index),
            collector,
        }
    }

    /// This task as part of a filtered scan: `plan` reads the filter's columns, and the
    /// task reserves `estimate` bytes, enough for every row to match.
    pub(crate) fn filtered(mut self, filtering: Arc<Filtering>, estimate: u64) -> Self {
        self.filtering = Some(filtering);
        self.estimate = estimate;
        self
    }

    /// Position of this task's batch in the scan's output.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The id of the fragment read.
    pub fn fragment_id(&self) -> u64 {
        self.fragment.fragment.id
    }

    /// The rows read, as positions in the fragment's data file (deleted ones included).
    pub fn rows(&self) -> Range<u64> {
        self.rows.clone()
    }

    /// The byte ranges of the data file this task reads (before coalescing).
    pub fn byte_ranges(&self) -> Result<Vec<Range<u64>>> {
        self.plan
            .read_plan()
            .missing_ranges(&Fetched::new())
            .map_err(Error::format(self.fragment.reader.uri()))
    }

    /// About how many bytes the decoded batch takes; what the task reserves from the budget.
    pub fn estimated_bytes(&self) -> u64 {
        self.estimate
    }

    /// Phase 3: reserves the task's bytes from the budget (lowest waiting task first, see
    /// [`shoal_io::ByteBudget`]; tasks may be fetched in any order, or dropped), then reads them
    /// through the store's I/O scheduler (prioritised by output position). I/O only; a
    /// filtered task reads its filter's columns, has the filter evaluated on the CPU pool,
    /// then reads the other columns of the matching rows.
    pub async fn fetch(self) -> Result<FetchedTask> {
        let waiting = Instant::now();
        let reservation = self.ticket.reserve(self.estimate).await;
        let budget_wait = waiting.elapsed();
        let started = Instant::now();
        let (bytes, mut cost) = self
            .fragment
            .reader
            .fetch_with_priority(self.plan.read_plan(), self.index)
            .await?;
        let fetched = match &self.filtering {
            None => Arrived::Bytes(bytes),
            Some(filtering) => {
                let (matches, rest) = filtering
                    .fetch_rest(
                        &self.fragment,
                        self.rows.clone(),
                        self.plan.clone(),
                        bytes,
                        self.index,
                    )
                    .await?;
                cost += rest;
                Arrived::Matches(Box::new(matches))
            }
        };
        self.collector.fetched(started.elapsed(), cost, budget_wait);
        Ok(FetchedTask {
            task: self,
            fetched,
            reservation,
        })
    }
}

impl FetchedTask {
    /// Phase 4: decodes the batch, drops deleted rows and applies the scan's offset and
    /// limit. CPU only: call it on a CPU pool (the scan's stream does). The batch is now the
    /// caller's: its bytes count against the budget until it is dropped.
    pub fn decode(self) -> Result<ScanBatch> {
        let mut batch = self.decode_in_pipeline()?;
        batch.reservation.hand_over();
        Ok(batch)
    }

    /// [`FetchedTask::decode`], the batch still counted as in the pipeline: the stream
    /// hands it over when it yields it to the consumer, so that batches decoded ahead of
    /// the consumer do not let later tasks overdraw the budget.
    pub(crate) fn decode_in_pipeline(self) -> Result<ScanBatch> {
        let started = Instant::now();
        let FetchedTask {
            task,
            fetched,
            reservation,
        } = self;
        let uri = task.fragment.reader.uri();
        let fetched = match fetched {
            Arrived::Bytes(fetched) => fetched,
            Arrived::Matches(matches) => {
                let batch =
                    matches.decode(&task.fragment, task.rows.clone(), task.row_addresses)?;
                task.collector
                    .decoded(started.elapsed(), batch.num_rows() as u64);
                return Ok(ScanBatch { batch, reservation });
            }
        };
        let batch = task.plan.decode(&fetched, uri)?;
        drop(fetched);
        let batch = if task.row_addresses {
            with_row_addresses(batch, task.fragment_id(), task.rows.clone())?
        } else {
            batch
        };
        let batch = task.fragment.drop_deleted(task.rows.start, batch)?;
        let batch = if task.skip == 0 && task.keep == batch.num_rows() {
            batch
        } else {
            batch.slice(task.skip, task.keep.min(batch.num_rows() - task.skip))
        };
        task.collector
            .decoded(started.elapsed(), batch.num_rows() as u64);
        Ok(ScanBatch { batch, reservation })
    }

    /// Bytes fetched (for a filtered task, of the matching rows' other columns).
    pub fn fetched_bytes(&self) -> u64 {
        match &self.fetched {
            Arrived::Bytes(fetched) => fetched.total_bytes(),
            Arrived::Matches(matches) => matches.fetched_bytes(),
        }
    }
}

/// `batch` (rows `rows` of fragment `fragment_id`) with the row-address column added last.
fn with_row_addresses(
    batch: RecordBatch,
    fragment_id: u64,
    rows: Range<u64>,
) -> Result<RecordBatch> {
    let mut fields = batch.schema().fields().to_vec();
    fields.push(Arc::new(Field::new(
        ROW_ADDRESS_COLUMN,
        DataType::UInt64,
        false,
    )));
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(UInt64Array::from_iter_values(
        rows.map(|row| row_address(fragment_id, row)),
    )));
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

impl ScanBatch {
    /// Marks the batch as the consumer's (see [`shoal_io::Reservation::hand_over`]).
    pub(crate) fn hand_over(&mut self) {
        self.reservation.hand_over();
    }

    /// Keeps only `len` rows from `offset`; the reservation is kept whole.
    pub(crate) fn slice(&mut self, offset: usize, len: usize) {
        self.batch = self.batch.slice(offset, len);
    }

    /// The batch, its budget returned.
    pub fn into_batch(self) -> RecordBatch {
        self.batch
    }

    /// Bytes of the budget this batch holds.
    pub fn reserved_bytes(&self) -> u64 {
        self.reservation.bytes()
    }
}

impl Deref for ScanBatch {
    type Target = RecordBatch;

    fn deref(&self) -> &RecordBatch {
        &self.batch
    }
}
