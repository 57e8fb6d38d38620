//! [`Table`]: `shoal::Table` for Python. Every call that may do I/O takes `asynchronous`
//! (see [`crate::call`]); the rest answer from the version the handle holds.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3_arrow::{PyRecordBatch, PySchema};
use shoal::{AddMode, CompactOptions, IndexParams, Metric, OptimizeOptions, VersionRef};

use crate::call::run;
use crate::changes::{Alteration, MergeOptions};
use crate::error::{invalid, to_py};
use crate::info::{IndexInfo, MergeStats, OptimizeStats, TableStats, Tag, VersionInfo};
use crate::query::{Query, QueryOptions};
use crate::reader::table_data;

/// A table, at its latest version or checked out at an older one.
#[pyclass(module = "shoal._native", frozen)]
pub struct Table(pub(crate) shoal::Table);

impl From<shoal::Table> for Table {
    fn from(table: shoal::Table) -> Self {
        Self(table)
    }
}

/// A version to check out, as Python names one.
#[derive(FromPyObject)]
enum Version {
    Number(u64),
    Tag(String),
}

#[pymethods]
impl Table {
    #[getter]
    fn name(&self) -> &str {
        self.0.name()
    }

    #[getter]
    fn uri(&self) -> String {
        self.0.uri()
    }

    #[getter]
    fn version(&self) -> u64 {
        self.0.version()
    }

    /// The schema, as an object with `__arrow_c_schema__`.
    fn schema(&self) -> PySchema {
        PySchema::new(self.0.schema())
    }

    #[pyo3(signature = (filter=None, asynchronous=false))]
    fn count_rows(
        &self,
        py: Python<'_>,
        filter: Option<String>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.count_rows(filter.as_deref()).await
        })
    }

    #[pyo3(signature = (data, mode="append", asynchronous=false))]
    fn add(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        mode: &str,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let mode = match mode {
            "append" => AddMode::Append,
            "overwrite" => AddMode::Overwrite,
            other => {
                let message =
                    format!("unknown mode {other:?}; expected \"append\" or \"overwrite\"");
                return Err(to_py(py, invalid(message)));
            }
        };
        let data = table_data(data)?;
        let table = self.0.clone();
        run(py, asynchronous, async move { table.add(data, mode).await })
    }

    #[pyo3(signature = (filter, asynchronous=false))]
    fn delete(&self, py: Python<'_>, filter: String, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move { table.delete(&filter).await })
    }

    /// `assignments` are SQL: `"price = price * 1.1"`.
    #[pyo3(signature = (assignments, filter=None, asynchronous=false))]
    fn update(
        &self,
        py: Python<'_>,
        assignments: Vec<String>,
        filter: Option<String>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.update(&assignments, filter.as_deref()).await
        })
    }

    /// Upserts `data` by the key columns and clauses of `options` (see [`MergeOptions`]).
    #[pyo3(signature = (data, options, asynchronous=false))]
    fn merge_insert(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        options: MergeOptions,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let merge = options.build(&self.0);
        let data = table_data(data)?;
        run(py, asynchronous, async move {
            Ok(MergeStats::from(merge.execute(data).await?))
        })
    }

    /// Adds columns computed by SQL: `(name, expression)` pairs.
    #[pyo3(signature = (columns, asynchronous=false))]
    fn add_columns(
        &self,
        py: Python<'_>,
        columns: Vec<(String, String)>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.add_columns(&columns).await
        })
    }

    /// Adds all-null columns, one per field of `schema` (with `__arrow_c_schema__`).
    #[pyo3(signature = (schema, asynchronous=false))]
    fn add_null_columns(
        &self,
        py: Python<'_>,
        schema: PySchema,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let fields = schema.into_inner().fields().to_vec();
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.add_null_columns(fields).await
        })
    }

    #[pyo3(signature = (alterations, asynchronous=false))]
    fn alter_columns(
        &self,
        py: Python<'_>,
        alterations: Vec<Alteration>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let alterations = alterations.into_iter().map(Into::into).collect();
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.alter_columns(alterations).await
        })
    }

    #[pyo3(signature = (columns, asynchronous=false))]
    fn drop_columns(
        &self,
        py: Python<'_>,
        columns: Vec<String>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.drop_columns(&columns).await
        })
    }

    #[pyo3(signature = (asynchronous=false))]
    fn restore(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move { table.restore().await })
    }

    #[pyo3(signature = (asynchronous=false))]
    fn versions(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            let versions = table.versions().await?;
            Ok(versions
                .into_iter()
                .map(VersionInfo::from)
                .collect::<Vec<_>>())
        })
    }

    #[pyo3(signature = (version, asynchronous=false))]
    fn checkout(
        &self,
        py: Python<'_>,
        version: Version,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let version = match version {
            Version::Number(number) => VersionRef::Number(number),
            Version::Tag(tag) => VersionRef::Tag(tag),
        };
        let table = self.0.clone();
        run(
            py,
            asynchronous,
            async move { table.checkout(version).await },
        )
    }

    #[pyo3(signature = (asynchronous=false))]
    fn checkout_latest(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(
            py,
            asynchronous,
            async move { table.checkout_latest().await },
        )
    }

    #[pyo3(signature = (asynchronous=false))]
    fn tags(&self, py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            let tags = table.tags().await?;
            Ok(tags.into_iter().map(Tag::from).collect::<Vec<_>>())
        })
    }

    #[pyo3(signature = (name, version, asynchronous=false))]
    fn create_tag(
        &self,
        py: Python<'_>,
        name: String,
        version: u64,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            Ok(Tag::from(table.create_tag(&name, version).await?))
        })
    }

    #[pyo3(signature = (name, asynchronous=false))]
    fn delete_tag(&self, py: Python<'_>, name: String, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            Ok(Tag::from(table.delete_tag(&name).await?))
        })
    }

    /// Builds an IVF-PQ index of `column`.
    #[pyo3(signature = (
        column, metric="l2", name=None, num_partitions=None, num_sub_vectors=None,
        iterations=None, asynchronous=false,
    ))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    fn create_index(
        &self,
        py: Python<'_>,
        column: String,
        metric: &str,
        name: Option<String>,
        num_partitions: Option<usize>,
        num_sub_vectors: Option<usize>,
        iterations: Option<usize>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let params = IndexParams {
            name,
            partitions: num_partitions,
            sub_vectors: num_sub_vectors,
            iterations,
            ..IndexParams::new(parse_metric(py, metric)?)
        };
        let table = self.0.clone();
        run(py, asynchronous, async move {
            table.create_index(&column, params, None).await
        })
    }

    fn list_indices(&self) -> Vec<IndexInfo> {
        self.0.list_indices().into_iter().map(Into::into).collect()
    }

    /// Compacts (when `compact`), brings indices up to date (when `optimize_indices`) and
    /// removes versions older than `cleanup_older_than` seconds (none when `None`).
    #[pyo3(signature = (compact=true, optimize_indices=true, cleanup_older_than=None, asynchronous=false))]
    fn optimize(
        &self,
        py: Python<'_>,
        compact: bool,
        optimize_indices: bool,
        cleanup_older_than: Option<f64>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let cleanup_older_than = cleanup_older_than
            .map(Duration::try_from_secs_f64)
            .transpose()
            .map_err(|e| to_py(py, invalid(format!("cleanup_older_than: {e}"))))?;
        let options = OptimizeOptions {
            compaction: compact.then(CompactOptions::default),
            optimize_indices,
            cleanup_older_than,
        };
        let table = self.0.clone();
        run(py, asynchronous, async move {
            Ok(OptimizeStats::from(table.optimize(options).await?))
        })
    }

    fn stats(&self) -> TableStats {
        self.0.stats().into()
    }

    /// This version's fragments in scan order, as `(id, live rows)` pairs.
    fn fragments(&self) -> Vec<(u64, u64)> {
        self.0.fragments().iter().map(|f| (f.id, f.rows)).collect()
    }

    /// Rows by offset in this version, as an object with `__arrow_c_array__`.
    #[pyo3(signature = (offsets, columns=None, asynchronous=false))]
    fn take_offsets(
        &self,
        py: Python<'_>,
        offsets: Vec<u64>,
        columns: Option<Vec<String>>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            let columns: Option<Vec<&str>> = columns
                .as_ref()
                .map(|c| c.iter().map(String::as_str).collect());
            let batch = table.take_offsets(&offsets, columns.as_deref()).await?;
            Ok(PyRecordBatch::new(batch))
        })
    }

    /// Rows by row address (a query's `_rowaddr`), as an object with `__arrow_c_array__`.
    #[pyo3(signature = (addresses, columns=None, asynchronous=false))]
    fn take_row_addresses(
        &self,
        py: Python<'_>,
        addresses: Vec<u64>,
        columns: Option<Vec<String>>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let table = self.0.clone();
        run(py, asynchronous, async move {
            let columns: Option<Vec<&str>> = columns
                .as_ref()
                .map(|c| c.iter().map(String::as_str).collect());
            let batch = table
                .take_row_addresses(&addresses, columns.as_deref())
                .await?;
            Ok(PyRecordBatch::new(batch))
        })
    }

    /// A query of this version; `options` says what to read and, with a vector, what to
    /// search for.
    fn query(&self, py: Python<'_>, options: QueryOptions) -> PyResult<Query> {
        options.build(py, self.0.query())
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// `"l2"`, `"cosine"` or `"dot"`, any case.
pub fn parse_metric(py: Python<'_>, metric: &str) -> PyResult<Metric> {
    metric
        .parse()
        .map_err(|e| to_py(py, invalid(format!("{e}"))))
}
