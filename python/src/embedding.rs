//! Python embedding functions in Shoal's registry: [`register_embedding`] puts a Python
//! factory under a name, and each function it makes runs as a blocking call on that
//! function's own pool (`shoal::embedding`), taking the GIL for one call at a time and
//! never on an event loop's or a runtime's thread.
//!
//! The Python half (`shoal/embedding.py`) shapes what the user gave: its factory returns an
//! object with `dim` (an int) and `embed(texts) -> (bytes, rows, columns)`, the vectors as
//! packed little-endian float32 values. A Python exception in a call is a transient failure
//! (retried) when it is a `ConnectionError` or a `TimeoutError`, permanent otherwise.

use std::sync::Arc;

use pyo3::exceptions::{PyConnectionError, PyTimeoutError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use shoal::embedding::{EmbedCall, EmbedError, EmbeddingFunction, Vectors};
use shoal::{Error, ErrorKind};

/// Registers `factory` under `name`: called with the definition's parameters (a dict, as
/// keyword arguments), on the function's pool, it returns the function.
#[pyfunction]
pub fn register_embedding(name: String, factory: Py<PyAny>) {
    let registered = name.clone();
    shoal::embedding::register(&registered, move |params| {
        Python::attach(|py| make(py, &name, factory.bind(py), params))
    });
}

/// The function `factory` makes of `params`.
fn make(
    py: Python<'_>,
    name: &str,
    factory: &Bound<'_, PyAny>,
    params: &serde_json::Value,
) -> shoal::Result<Arc<dyn EmbeddingFunction>> {
    let failed = |e: PyErr| {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "the Python embedding function '{name}' could not be made: {}",
                describe(py, &e)
            ),
        )
    };
    let json = py.import("json").map_err(failed)?;
    let kwargs = json
        .call_method1("loads", (params.to_string(),))
        .map_err(failed)?;
    let function = factory.call1((kwargs,)).map_err(failed)?;
    let dim: usize = function
        .getattr("dim")
        .and_then(|d| d.extract())
        .map_err(failed)?;
    Ok(Arc::new(PyEmbedding {
        name: name.to_string(),
        dim,
        function: Arc::new(function.unbind()),
    }))
}

/// A Python embedding function.
struct PyEmbedding {
    name: String,
    dim: usize,
    function: Arc<Py<PyAny>>,
}

impl EmbeddingFunction for PyEmbedding {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let function = self.function.clone();
        EmbedCall::Blocking(Box::new(move || {
            Python::attach(|py| call(py, function.bind(py), texts))
        }))
    }
}

/// One call: `function.embed(texts)`, its packed float32 values cut into vectors.
fn call(
    py: Python<'_>,
    function: &Bound<'_, PyAny>,
    texts: Vec<String>,
) -> Result<Vectors, EmbedError> {
    let (values, rows, cols): (Bound<'_, PyBytes>, usize, usize) = function
        .call_method1("embed", (texts,))
        .and_then(|answer| answer.extract())
        .map_err(|e| failure(py, &e))?;
    let values = values.as_bytes();
    if values.len() != rows * cols * 4 {
        return Err(EmbedError::permanent(format!(
            "{} bytes are not {rows} x {cols} float32 values",
            values.len()
        )));
    }
    // A wrong count or length is the embedder's to report, with the function's name.
    Ok((0..rows)
        .map(|row| {
            values[row * cols * 4..(row + 1) * cols * 4]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect())
}

/// A Python exception as a failed call: transient if it is a `ConnectionError` or a
/// `TimeoutError`.
fn failure(py: Python<'_>, error: &PyErr) -> EmbedError {
    let message = describe(py, error);
    if error.is_instance_of::<PyConnectionError>(py) || error.is_instance_of::<PyTimeoutError>(py) {
        EmbedError::transient(message)
    } else {
        EmbedError::permanent(message)
    }
}

/// `TypeName: message` of a Python exception.
fn describe(py: Python<'_>, error: &PyErr) -> String {
    let kind = error
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".to_string());
    format!("{kind}: {}", error.value(py))
}
