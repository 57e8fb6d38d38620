//! [`Query`]: `shoal::Query` for Python, built in one go from the options the Python
//! builder collected ([`QueryOptions`]), and [`AsyncBatches`], the rows of a query run
//! from asyncio.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use pyo3::prelude::*;
use pyo3_arrow::{PyRecordBatch, PySchema};
use shoal::QueryStream;
use tokio::sync::Mutex;

use crate::call::{run, wait};
use crate::reader::result_reader;
use crate::table::parse_metric;

/// What the Python `Query` builder collected: a dict with every key, `None` where unset.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct QueryOptions {
    columns: Option<Vec<String>>,
    filter: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
    with_row_address: bool,
    batch_size: Option<usize>,
    fragments: Option<Vec<u64>>,
    vector: Option<Vec<f32>>,
    /// A text for the table's embedding function to turn into the query vector.
    text: Option<String>,
    column: Option<String>,
    metric: Option<String>,
    nprobes: Option<usize>,
    /// Whether `refine_factor` was set (`None` then means: no re-ranking).
    refine: bool,
    refine_factor: Option<usize>,
    prefilter: Option<bool>,
    bypass_vector_index: bool,
}

impl QueryOptions {
    /// `query` with these options.
    pub fn build(self, py: Python<'_>, mut query: shoal::Query) -> PyResult<Query> {
        if let Some(columns) = &self.columns {
            query = query.select(columns);
        }
        if let Some(filter) = &self.filter {
            query = query.filter(filter);
        }
        if let Some(offset) = self.offset {
            query = query.offset(offset);
        }
        if let Some(limit) = self.limit {
            query = query.limit(limit);
        }
        if self.with_row_address {
            query = query.with_row_address();
        }
        if let Some(rows) = self.batch_size {
            query = query.batch_size(rows);
        }
        if let Some(ids) = self.fragments {
            query = query.fragments(ids);
        }
        if let Some(vector) = self.vector {
            query = query.nearest_to(vector);
        }
        if let Some(text) = &self.text {
            query = query.nearest_to_text(text);
        }
        if let Some(column) = &self.column {
            query = query.column(column);
        }
        if let Some(metric) = &self.metric {
            query = query.distance_type(parse_metric(py, metric)?);
        }
        if let Some(nprobes) = self.nprobes {
            query = query.nprobes(nprobes);
        }
        if self.refine {
            query = query.refine_factor(self.refine_factor);
        }
        query = match self.prefilter {
            Some(true) => query.prefilter(),
            Some(false) => query.postfilter(),
            None => query,
        };
        if self.bypass_vector_index {
            query = query.bypass_vector_index();
        }
        Ok(Query(query))
    }
}

/// A query ready to run.
#[pyclass(module = "shoal._native", frozen)]
pub struct Query(shoal::Query);

#[pymethods]
impl Query {
    /// Runs the query. Blocking, it returns once the query has started (errors in the query
    /// are raised here) an Arrow reader of the rows (with `__arrow_c_stream__`); with
    /// `asynchronous`, an awaitable of [`AsyncBatches`].
    #[pyo3(signature = (asynchronous=false))]
    fn execute(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let query = self.0.clone();
        if asynchronous {
            return run(py, true, async move {
                Ok(AsyncBatches::new(query.execute().await?))
            });
        }
        let stream = wait(py, query.execute())?;
        let reader = result_reader(shoal::blocking::QueryRows::from(stream));
        Ok(reader.into_pyobject(py)?.into_any().unbind())
    }

    /// How the query would run.
    #[pyo3(signature = (asynchronous=false))]
    fn explain(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let query = self.0.clone();
        run(py, asynchronous, async move { query.explain().await })
    }

    /// Runs the query and says what each phase spent.
    #[pyo3(signature = (asynchronous=false))]
    fn analyze(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let query = self.0.clone();
        run(py, asynchronous, async move { query.analyze().await })
    }
}

/// The rows of a query run from asyncio, a batch per awaited [`next`](AsyncBatches::next).
/// Dropping it stops the query.
#[pyclass(module = "shoal._native", frozen)]
pub struct AsyncBatches {
    schema: arrow_schema::SchemaRef,
    stream: Arc<Mutex<QueryStream>>,
}

impl AsyncBatches {
    fn new(stream: QueryStream) -> Self {
        Self {
            schema: stream.schema(),
            stream: Arc::new(Mutex::new(stream)),
        }
    }
}

#[pymethods]
impl AsyncBatches {
    /// The schema of every batch, as an object with `__arrow_c_schema__`.
    fn schema(&self) -> PySchema {
        PySchema::new(self.schema.clone())
    }

    /// An awaitable of the next batch (with `__arrow_c_array__`), or of `None` at the end.
    fn next(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let stream = self.stream.clone();
        run(py, true, async move {
            let next = stream.lock().await.next().await.transpose()?;
            Ok(next.map(PyRecordBatch::new))
        })
    }

    /// An awaitable of every remaining batch (a list): the event loop hears from Shoal
    /// once, not once per batch.
    fn collect(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let stream = self.stream.clone();
        run(py, true, async move {
            let batches: Vec<_> = (&mut *stream.lock().await).try_collect().await?;
            Ok(batches
                .into_iter()
                .map(PyRecordBatch::new)
                .collect::<Vec<_>>())
        })
    }
}
