//! Result columns read with the vectors: when every column a flat search returns is narrow
//! and fixed-width (or is the vector column itself), the flat pass reads them in the same
//! requests as the vectors (a fragment's columns lie side by side, so the ranges coalesce)
//! and keeps each batch's candidate rows. The winners' columns are then already in memory,
//! and the search skips the take that would otherwise cost another round trip to storage.

use std::collections::{HashMap, HashSet};

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::{DataType, Schema};
use arrow_select::concat::concat_batches;
use arrow_select::take::take_record_batch;
use shoal_vector::TopK;

use crate::error::Result;

/// The widest column (bytes per row) read alongside the vectors for every row.
const MAX_CARRIED_WIDTH: usize = 16;
/// Candidate rows kept, as a multiple of the winners, before they are pruned to the winners
/// so far.
const PRUNE_FACTOR: usize = 4;

/// Which columns a flat pass carries: the vector column's index in the dataset's schema, and
/// the projection's other columns, read after it.
#[derive(Debug, Clone)]
pub(crate) struct CarriedColumns {
    vector: usize,
    /// Whether the projection returns the vector column.
    with_vector: bool,
    /// The projection's other columns, in the order the scan reads them.
    pub others: Vec<usize>,
}

impl CarriedColumns {
    /// The columns to carry for `projection`, or `None` when one of them is too wide to read
    /// for every row (the winners are then taken).
    pub(crate) fn for_projection(
        schema: &Schema,
        projection: &[usize],
        vector: usize,
    ) -> Option<Self> {
        let others: Vec<usize> = projection
            .iter()
            .copied()
            .filter(|&c| c != vector)
            .collect();
        let narrow = |c: &usize| {
            let data_type = schema.field(*c).data_type();
            data_type == &DataType::Boolean
                || data_type
                    .primitive_width()
                    .is_some_and(|w| w <= MAX_CARRIED_WIDTH)
        };
        others.iter().all(narrow).then(|| Self {
            vector,
            with_vector: projection.contains(&vector),
            others,
        })
    }
}

/// The candidate rows of a flat pass's batches, in carried columns: the vector column if
/// returned, the others, and the row address last.
#[derive(Debug)]
pub(crate) struct Carried {
    columns: CarriedColumns,
    batches: Vec<RecordBatch>,
}

impl Carried {
    pub(crate) fn new(columns: CarriedColumns) -> Self {
        Self {
            columns,
            batches: Vec::new(),
        }
    }

    /// Keeps the rows of `batch` (the vector column, the carried ones, the row address
    /// last, in row order) whose `candidates` (the batch's own top-k of each query, see
    /// [`candidates`]) are still among `tops`, the winners so far merged with them: at most
    /// k per query, and few once the winners settle.
    pub(crate) fn keep(
        &mut self,
        batch: &RecordBatch,
        candidates: &[Vec<(f32, u64)>],
        tops: &[TopK],
    ) -> Result<()> {
        let entered: Vec<u64> = candidates
            .iter()
            .zip(tops)
            .flat_map(|(own, top)| {
                let threshold = top.threshold();
                own.iter()
                    .filter(move |(distance, _)| *distance <= threshold)
                    .map(|(_, address)| *address)
            })
            .collect();
        let in_batch = addresses(batch);
        let mut rows: Vec<u32> = entered
            .iter()
            .filter_map(|a| in_batch.binary_search(a).ok())
            .map(|i| i as u32)
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        rows.sort_unstable();
        rows.dedup();
        let first = usize::from(!self.columns.with_vector);
        let columns: Vec<usize> = (first..batch.num_columns()).collect();
        let picked = take_record_batch(&batch.project(&columns)?, &UInt32Array::from(rows))?;
        self.batches.push(picked);
        self.prune(tops)
    }

    /// Drops the rows no longer among `tops` (the winners so far) once more than a few times
    /// their number are kept, so memory stays bounded by k whatever the dataset's size.
    fn prune(&mut self, tops: &[TopK]) -> Result<()> {
        let winners: usize = tops.iter().map(TopK::len).sum();
        let kept: usize = self.batches.iter().map(RecordBatch::num_rows).sum();
        if kept <= winners.max(1) * PRUNE_FACTOR {
            return Ok(());
        }
        let Some(all) = self.concatenated()? else {
            return Ok(());
        };
        let winning = take_record_batch(&all, &positions_of(addresses(&all), &ids_of(tops)))?;
        self.batches = vec![winning];
        Ok(())
    }

    /// The rows at `addresses`, in that order, with the columns of `projection` in its order;
    /// `None` when one of them was not carried (its fragment was scored from the cache).
    pub(crate) fn lookup(
        &self,
        projection: &[usize],
        wanted: &[u64],
    ) -> Result<Option<RecordBatch>> {
        let Some(all) = self.concatenated()? else {
            return Ok(None);
        };
        let positions: HashMap<u64, u32> = addresses(&all)
            .iter()
            .enumerate()
            .map(|(i, a)| (*a, i as u32))
            .collect();
        let Some(rows) = wanted
            .iter()
            .map(|a| positions.get(a).copied())
            .collect::<Option<Vec<u32>>>()
        else {
            return Ok(None);
        };
        let picked = take_record_batch(&all, &UInt32Array::from(rows))?;
        let offset = usize::from(self.columns.with_vector);
        let order: Vec<usize> = projection
            .iter()
            .map(|c| match self.columns.others.iter().position(|o| o == c) {
                Some(i) => i + offset,
                None => {
                    debug_assert_eq!(*c, self.columns.vector);
                    0
                }
            })
            .collect();
        Ok(Some(picked.project(&order)?))
    }

    fn concatenated(&self) -> Result<Option<RecordBatch>> {
        let Some(first) = self.batches.first() else {
            return Ok(None);
        };
        if self.batches.len() == 1 {
            return Ok(Some(first.clone()));
        }
        Ok(Some(concat_batches(&first.schema(), &self.batches)?))
    }
}

/// Each query's candidates from one batch, `(distance, row address)`: its top-k of the
/// batch, before they are merged into the winners.
pub(crate) fn candidates(tops: &[TopK]) -> Vec<Vec<(f32, u64)>> {
    tops.iter().map(|top| top.iter().collect()).collect()
}

/// The row addresses in any of `tops`.
fn ids_of(tops: &[TopK]) -> HashSet<u64> {
    tops.iter()
        .flat_map(|top| top.iter().map(|(_, address)| address))
        .collect()
}

/// The positions in `addresses` (any order) of the rows in `wanted`.
fn positions_of(addresses: &[u64], wanted: &HashSet<u64>) -> UInt32Array {
    addresses
        .iter()
        .enumerate()
        .filter(|(_, a)| wanted.contains(a))
        .map(|(i, _)| i as u32)
        .collect()
}

/// The row addresses of a carried batch (its last column).
fn addresses(batch: &RecordBatch) -> &[u64] {
    batch
        .column(batch.num_columns() - 1)
        .as_primitive::<UInt64Type>()
        .values()
}
