//! Filtered reads with late materialization: a task first reads only the filter's columns,
//! evaluates the filter on the CPU pool, and then reads the other projected columns only
//! for the rows that matched: by take where that costs less, else the range between the
//! first and last match. A read's cost is its bytes plus, per request, the bytes the store's
//! I/O scheduler would rather read through than issue another request (a few KiB on local
//! disk, much more on an object store).

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{
    new_empty_array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use arrow_select::filter::filter_record_batch;
use shoal_format::Fetched;
use shoal_io::ReadCost;

use crate::dataset::{row_address, ROW_ADDRESS_COLUMN};
use crate::error::{Error, Result};
use crate::filter::RowFilter;
use crate::read::fragment::{FragmentPlan, OpenFragment};

/// What a filtered scan reads: the filter, the projected columns, and those of them the
/// filter does not read already.
#[derive(Debug)]
pub(crate) struct Filtering {
    pub(crate) filter: Arc<dyn RowFilter>,
    projection: Vec<usize>,
    rest: Vec<usize>,
}

/// The rows of one task that matched, with the bytes of their other columns.
#[derive(Debug)]
pub(crate) struct Matched {
    filtering: Arc<Filtering>,
    /// The filter's columns, every row of the task's range.
    columns: RecordBatch,
    /// Which rows of the range match (deleted rows never do).
    mask: BooleanArray,
    /// The other projected columns of the matching rows, when any matched.
    rest: Option<RestRead>,
}

/// The other projected columns: read as a take of the matching rows, or as the range from
/// the first match to the last (`range` is then that range, relative to the task's).
#[derive(Debug)]
struct RestRead {
    plan: FragmentPlan,
    fetched: Fetched,
    range: Option<Range<usize>>,
}

impl Filtering {
    pub(crate) fn new(filter: Arc<dyn RowFilter>, projection: Vec<usize>) -> Self {
        let rest = projection
            .iter()
            .copied()
            .filter(|c| !filter.columns().contains(c))
            .collect();
        Self {
            filter,
            projection,
            rest,
        }
    }

    /// The plan of the filter's columns over `rows`.
    pub(crate) fn plan(&self, fragment: &OpenFragment, rows: Range<u64>) -> Result<FragmentPlan> {
        fragment.plan_rows(self.filter.columns(), rows)
    }

    /// About how many bytes a task of `rows` holds at most once decoded: the filter's
    /// columns and every other projected column of the whole range.
    pub(crate) fn estimate(&self, fragment: &OpenFragment, rows: Range<u64>) -> Result<u64> {
        let filter = self.plan(fragment, rows.clone())?;
        let rest = match self.rest.is_empty() {
            true => 0,
            false => fragment
                .plan_rows(&self.rest, rows)?
                .read_plan()
                .decoded_bytes_estimate(),
        };
        let filter = filter.read_plan().decoded_bytes_estimate();
        Ok(filter + rest)
    }

    /// After the filter's columns arrived: evaluates the filter on the CPU pool, then reads
    /// the other columns of the matching rows. Returns what the second read cost.
    pub(crate) async fn fetch_rest(
        self: &Arc<Self>,
        fragment: &Arc<OpenFragment>,
        rows: Range<u64>,
        plan: FragmentPlan,
        fetched: Fetched,
        priority: u64,
    ) -> Result<(Matched, ReadCost)> {
        let (this, frag) = (self.clone(), fragment.clone());
        let range = rows.clone();
        let (columns, mask, rest_plan) = shoal_runtime::spawn_cpu(move || {
            let uri = frag.reader.uri();
            let columns = plan.decode(&fetched, uri)?;
            drop(fetched);
            let mask = this.matching(&frag, range.start, &columns)?;
            let rest = this.plan_rest(&frag, range, &mask)?;
            Ok::<_, Error>((columns, mask, rest))
        })
        .await??;
        let Some((rest_plan, rest_range)) = rest_plan else {
            let matched = Matched {
                filtering: self.clone(),
                columns,
                mask,
                rest: None,
            };
            return Ok((matched, ReadCost::default()));
        };
        let (fetched, cost) = fragment
            .reader
            .fetch_with_priority(rest_plan.read_plan(), priority)
            .await?;
        let rest = RestRead {
            plan: rest_plan,
            fetched,
            range: rest_range,
        };
        let matched = Matched {
            filtering: self.clone(),
            columns,
            mask,
            rest: Some(rest),
        };
        Ok((matched, cost))
    }

    /// The filter's verdict on the rows of `columns` (from position `first`), deleted rows
    /// excluded.
    fn matching(
        &self,
        fragment: &OpenFragment,
        first: u64,
        columns: &RecordBatch,
    ) -> Result<BooleanArray> {
        let mask = self.filter.evaluate(columns)?;
        if mask.len() != columns.num_rows() {
            return Err(Error::InvalidFilter {
                filter: self.filter.text().to_string(),
                reason: format!(
                    "it answered for {} rows of a batch of {}",
                    mask.len(),
                    columns.num_rows()
                ),
            });
        }
        let Some(deleted) = &fragment.deleted else {
            return Ok(mask);
        };
        Ok(mask
            .iter()
            .enumerate()
            .map(|(i, m)| Some(m == Some(true) && !deleted.contains((first + i as u64) as u32)))
            .collect())
    }

    /// How to read the other columns of the rows `mask` selects: `None` when there is
    /// nothing to read; else the cheaper of a take and a range read.
    #[allow(clippy::type_complexity)] // a plan, and the range it covers when it is one
    fn plan_rest(
        &self,
        fragment: &OpenFragment,
        rows: Range<u64>,
        mask: &BooleanArray,
    ) -> Result<Option<(FragmentPlan, Option<Range<usize>>)>> {
        let positions: Vec<usize> = mask.values().set_indices().collect();
        let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else {
            return Ok(None);
        };
        if self.rest.is_empty() {
            return Ok(None);
        }
        let reader = &fragment.reader;
        let span = rows.start + first as u64..rows.start + last as u64 + 1;
        let range = fragment.plan_rows(&self.rest, span)?;
        let absolute: Vec<u64> = positions.iter().map(|&p| rows.start + p as u64).collect();
        let take = fragment.plan_take(&self.rest, &absolute)?;
        let request = reader.request_cost_bytes();
        let cost = |plan: &FragmentPlan| -> Result<u64> {
            let ranges = plan
                .read_plan()
                .missing_ranges(&Fetched::new())
                .map_err(Error::format(reader.uri()))?;
            Ok(ranges.iter().map(|r| r.end - r.start + request).sum())
        };
        Ok(Some(if cost(&take)? < cost(&range)? {
            (take, None)
        } else {
            (range, Some(first..last + 1))
        }))
    }
}

impl Matched {
    /// Bytes fetched for this task's rows.
    pub(crate) fn fetched_bytes(&self) -> u64 {
        self.rest.as_ref().map_or(0, |r| r.fetched.total_bytes())
    }

    /// The matching rows of the projected columns (and their row addresses, on request).
    /// CPU only.
    pub(crate) fn decode(
        self,
        fragment: &OpenFragment,
        rows: Range<u64>,
        row_addresses: bool,
    ) -> Result<RecordBatch> {
        let uri = fragment.reader.uri();
        let filtering = &self.filtering;
        let matching = filter_record_batch(&self.columns, &self.mask)?;
        let rest = match self.rest {
            None => None,
            Some(read) => {
                let batch = read.plan.decode(&read.fetched, uri)?;
                Some(match read.range {
                    None => batch,
                    Some(range) => {
                        let mask = self.mask.slice(range.start, range.len());
                        filter_record_batch(&batch, &mask)?
                    }
                })
            }
        };
        let schema = fragment.columns.schema();
        let mut fields: Vec<Field> = Vec::with_capacity(filtering.projection.len() + 1);
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(fields.capacity());
        for &column in &filtering.projection {
            fields.push(schema.field(column).clone());
            let array = match filtering.filter.columns().iter().position(|&c| c == column) {
                Some(at) => matching.column(at).clone(),
                None => match &rest {
                    Some(rest) => {
                        let at = filtering.rest.iter().position(|&c| c == column);
                        rest.column(at.unwrap_or_default()).clone()
                    }
                    // No row matched, so nothing else was read.
                    None => new_empty_array(schema.field(column).data_type()),
                },
            };
            arrays.push(array);
        }
        if row_addresses {
            let id = fragment.fragment.id;
            let addresses = self
                .mask
                .values()
                .set_indices()
                .map(|i| row_address(id, rows.start + i as u64));
            fields.push(Field::new(ROW_ADDRESS_COLUMN, DataType::UInt64, false));
            arrays.push(Arc::new(UInt64Array::from_iter_values(addresses)));
        }
        let options = RecordBatchOptions::new().with_row_count(Some(matching.num_rows()));
        Ok(RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            arrays,
            &options,
        )?)
    }
}
