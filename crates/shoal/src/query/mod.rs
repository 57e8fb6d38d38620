//! [`Query`]: what to read from a table — columns, a filter, a window of rows — and, for a
//! vector search, what to search for and how. [`Query::execute`] streams the result;
//! [`Query::explain`] says how it would run, [`Query::analyze`] runs it and says what it
//! spent.

mod explain;
mod run;
mod stream;
mod text;

use arrow_schema::DataType;
use shoal_dataset::{Dataset, Metric};

use crate::error::{Error, Result};

pub use stream::{QueryStats, QueryStream};

/// Rows a vector query returns when no limit is set.
pub const DEFAULT_SEARCH_LIMIT: u64 = 10;

/// A query over one version of a table, built step by step; nothing runs until
/// [`execute`](Query::execute), [`explain`](Query::explain) or [`analyze`](Query::analyze).
///
/// ```
/// # use std::sync::Arc;
/// # use arrow_array::{Int64Array, RecordBatch};
/// # use futures::TryStreamExt;
/// # shoal_runtime::block_on(async {
/// # let db = shoal::connect("memory://docs/query", Default::default()).await?;
/// # let ids = Arc::new(Int64Array::from_iter_values(0..100));
/// # let batch = RecordBatch::try_from_iter([("id", ids as _)])?;
/// let table = db.create_table("t", batch, Default::default()).await?;
/// let batches: Vec<_> = table
///     .query()
///     .filter("id % 10 = 3")
///     .offset(2)
///     .limit(3)
///     .execute()
///     .await?
///     .try_collect()
///     .await?;
/// let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
/// assert_eq!(rows, 3); // ids 23, 33, 43
/// # Ok::<_, shoal::Error>(())
/// # }).unwrap().unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Query {
    dataset: Dataset,
    columns: Option<Vec<String>>,
    filter: Option<String>,
    offset: u64,
    limit: Option<u64>,
    with_row_address: bool,
    batch_size: Option<usize>,
    budget_bytes: Option<u64>,
    fragments: Option<Vec<u64>>,
    vector: Option<VectorQuery>,
}

/// The nearest-neighbour part of a [`Query`].
#[derive(Debug, Clone)]
struct VectorQuery {
    vector: Vec<f32>,
    /// A text to embed into `vector` when the query runs.
    text: Option<String>,
    column: Option<String>,
    metric: Option<Metric>,
    nprobes: Option<usize>,
    refine_factor: Option<Option<usize>>,
    prefilter: bool,
    use_index: bool,
}

impl Default for VectorQuery {
    fn default() -> Self {
        Self {
            vector: Vec::new(),
            text: None,
            column: None,
            metric: None,
            nprobes: None,
            refine_factor: None,
            prefilter: true,
            use_index: true,
        }
    }
}

impl Query {
    pub(crate) fn new(dataset: Dataset) -> Self {
        Self {
            dataset,
            columns: None,
            filter: None,
            offset: 0,
            limit: None,
            with_row_address: false,
            batch_size: None,
            budget_bytes: None,
            fragments: None,
            vector: None,
        }
    }

    /// Only these columns, in this order (all by default).
    pub fn select<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.columns = Some(columns.iter().map(|c| c.as_ref().to_string()).collect());
        self
    }

    /// Only rows for which this SQL where-clause is true (`"category = 'a' AND price < 10"`).
    pub fn filter(mut self, filter: &str) -> Self {
        self.filter = Some(filter.to_string());
        self
    }

    /// Skip this many (matching) rows first.
    pub fn offset(mut self, rows: u64) -> Self {
        self.offset = rows;
        self
    }

    /// At most this many rows (for a vector query, the k nearest; 10 by default).
    pub fn limit(mut self, rows: u64) -> Self {
        self.limit = Some(rows);
        self
    }

    /// Adds a last column `_rowaddr` (uint64): each row's address, for
    /// [`Table::take_row_addresses`](crate::Table::take_row_addresses).
    pub fn with_row_address(mut self) -> Self {
        self.with_row_address = true;
        self
    }

    /// Rows per batch of a scan's result.
    pub fn batch_size(mut self, rows: usize) -> Self {
        self.batch_size = Some(rows);
        self
    }

    /// The most bytes a scan holds at once, fetched or decoded and not yet dropped by the
    /// consumer (the read pipeline's byte budget; a default suits most machines). A read
    /// larger than the budget still runs, alone.
    pub fn budget_bytes(mut self, bytes: u64) -> Self {
        self.budget_bytes = Some(bytes);
        self
    }

    /// Scans only the fragments with these ids (from [`Table::fragments`](crate::Table::fragments)),
    /// in the table's order: how data loaders split an epoch between workers. An id the
    /// version lacks is an error; vector queries refuse this option.
    pub fn fragments(mut self, ids: impl Into<Vec<u64>>) -> Self {
        self.fragments = Some(ids.into());
        self
    }

    /// Makes this a vector query: the rows whose vectors are nearest `vector`, nearest
    /// first, with their distance in a `_distance` column.
    pub fn nearest_to(self, vector: impl Into<Vec<f32>>) -> Self {
        let vector = vector.into();
        self.vector_option(|v| v.vector = vector)
    }

    /// The vector column to search (needed when the table has more than one).
    pub fn column(self, column: &str) -> Self {
        self.vector_option(|v| v.column = Some(column.to_string()))
    }

    /// The distance to rank by (an index's own by default, L2 without one). An index built
    /// for another distance is not used.
    pub fn distance_type(self, metric: Metric) -> Self {
        self.vector_option(|v| v.metric = Some(metric))
    }

    /// Index partitions to probe (more: better recall, slower).
    pub fn nprobes(self, nprobes: usize) -> Self {
        self.vector_option(|v| v.nprobes = Some(nprobes))
    }

    /// Re-rank `factor` x limit candidates by their exact distance (`None`: return the
    /// index's approximate order).
    pub fn refine_factor(self, factor: Option<usize>) -> Self {
        self.vector_option(|v| v.refine_factor = Some(factor))
    }

    /// Filter before searching (the default): the k nearest matching rows.
    pub fn prefilter(self) -> Self {
        self.vector_option(|v| v.prefilter = true)
    }

    /// Filter the k nearest rows after searching: fewer than k may remain.
    pub fn postfilter(self) -> Self {
        self.vector_option(|v| v.prefilter = false)
    }

    /// Search exactly, every vector, even when an index exists.
    pub fn bypass_vector_index(self) -> Self {
        self.vector_option(|v| v.use_index = false)
    }

    /// Sets a vector option; a query with vector options but no vector is refused when it
    /// runs.
    fn vector_option(mut self, set: impl FnOnce(&mut VectorQuery)) -> Self {
        set(self.vector.get_or_insert_with(VectorQuery::default));
        self
    }
}

/// The vector column a query searches: the one named, or the table's only column of
/// fixed-size lists of floats.
pub(crate) fn vector_column(dataset: &Dataset, named: Option<&str>) -> Result<String> {
    if let Some(name) = named {
        return Ok(name.to_string());
    }
    let schema = dataset.schema();
    let vectors: Vec<&str> = schema
        .fields()
        .iter()
        .filter(|f| matches!(f.data_type(), DataType::FixedSizeList(item, _) if item.data_type().is_floating()))
        .map(|f| f.name().as_str())
        .collect();
    match vectors.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(Error::invalid(format!(
            "'{}' has no vector column (a fixed-size list of floats) to search",
            dataset.uri()
        ))),
        several => Err(Error::invalid(format!(
            "'{}' has several vector columns ({}); name the one to search with column()",
            dataset.uri(),
            several.join(", ")
        ))),
    }
}
