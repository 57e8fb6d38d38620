//! [`Connection`]: `shoal::Connection` for Python, and [`connect`].

use std::collections::HashMap;

use pyo3::prelude::*;
use shoal::embedding::EmbeddingDefinition;
use shoal::{ConnectOptions, CreateMode, CreateTableOptions, StorageOptions, TableNamesOptions};

use crate::call::run;
use crate::error::{invalid, to_py};
use crate::reader::table_data;
use crate::table::Table;

/// Connects to the tables under `uri` (blocking or, with `asynchronous`, an awaitable).
#[pyfunction]
#[pyo3(signature = (uri, storage_options=None, asynchronous=false))]
pub fn connect(
    py: Python<'_>,
    uri: String,
    storage_options: Option<HashMap<String, String>>,
    asynchronous: bool,
) -> PyResult<Py<PyAny>> {
    let storage = StorageOptions::from_pairs(storage_options.unwrap_or_default())
        .map_err(|e| to_py(py, e.into()))?;
    let options = ConnectOptions {
        storage,
        ..Default::default()
    };
    run(py, asynchronous, async move {
        Ok(Connection(shoal::connect(&uri, options).await?))
    })
}

/// A namespace of tables under one directory or object-store prefix.
#[pyclass(module = "shoal._native", frozen)]
pub struct Connection(shoal::Connection);

#[pymethods]
impl Connection {
    #[getter]
    fn uri(&self) -> &str {
        self.0.uri()
    }

    #[pyo3(signature = (start_after=None, limit=None, asynchronous=false))]
    fn table_names(
        &self,
        py: Python<'_>,
        start_after: Option<String>,
        limit: Option<usize>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let connection = self.0.clone();
        let page = TableNamesOptions { start_after, limit };
        run(py, asynchronous, async move {
            connection.table_names(page).await
        })
    }

    /// `data` is anything with `__arrow_c_stream__`, `__arrow_c_array__` or
    /// `__arrow_c_schema__` (an empty table); `embeddings` a JSON list of embedding
    /// definitions (`shoal::embedding::EmbeddingDefinition`).
    #[pyo3(signature = (name, data, mode="create", embeddings=None, asynchronous=false))]
    fn create_table(
        &self,
        py: Python<'_>,
        name: String,
        data: &Bound<'_, PyAny>,
        mode: &str,
        embeddings: Option<&str>,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let mode = match mode {
            "create" => CreateMode::Create,
            "overwrite" => CreateMode::Overwrite,
            "exist_ok" => CreateMode::ExistOk,
            other => {
                let message = format!(
                    "unknown mode {other:?}; expected \"create\", \"overwrite\" or \"exist_ok\""
                );
                return Err(to_py(py, invalid(message)));
            }
        };
        let embeddings: Vec<EmbeddingDefinition> = match embeddings {
            None => Vec::new(),
            Some(json) => serde_json::from_str(json).map_err(|e| {
                to_py(
                    py,
                    invalid(format!("not a list of embedding definitions: {e}")),
                )
            })?,
        };
        let data = table_data(data)?;
        let connection = self.0.clone();
        let options = CreateTableOptions { mode, embeddings };
        run(py, asynchronous, async move {
            Ok(Table::from(
                connection.create_table_with(&name, data, options).await?,
            ))
        })
    }

    #[pyo3(signature = (name, asynchronous=false))]
    fn open_table(&self, py: Python<'_>, name: String, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let connection = self.0.clone();
        run(py, asynchronous, async move {
            Ok(Table::from(connection.open_table(&name).await?))
        })
    }

    #[pyo3(signature = (name, asynchronous=false))]
    fn drop_table(&self, py: Python<'_>, name: String, asynchronous: bool) -> PyResult<Py<PyAny>> {
        let connection = self.0.clone();
        run(py, asynchronous, async move {
            connection.drop_table(&name).await
        })
    }

    #[pyo3(signature = (old, new, asynchronous=false))]
    fn rename_table(
        &self,
        py: Python<'_>,
        old: String,
        new: String,
        asynchronous: bool,
    ) -> PyResult<Py<PyAny>> {
        let connection = self.0.clone();
        run(py, asynchronous, async move {
            connection.rename_table(&old, &new).await
        })
    }

    fn __repr__(&self) -> String {
        format!("Connection({:?})", self.0.uri())
    }
}
