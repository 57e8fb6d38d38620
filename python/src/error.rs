//! `shoal::Error` as a Python exception. The exception classes are plain Python
//! (`shoal/_errors.py`), so that each can subclass both `shoal.ShoalError` and the builtin a
//! user would catch (`FileNotFoundError`, `ValueError`, ...); this module finds the one
//! for an error's kind.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use shoal::{Error, ErrorKind};

/// The module that defines the exception classes.
const ERRORS_MODULE: &str = "shoal._errors";

/// The exception raised for `error`: the class of its kind, with its message.
pub fn to_py(py: Python<'_>, error: Error) -> PyErr {
    let message = error.to_string();
    match exception_class(py, error.kind()) {
        Ok(class) => PyErr::from_type(class, message),
        // The package is broken (its Python half is missing): say so, with the message.
        Err(missing) => PyException::new_err(format!("{message} (and {missing})")),
    }
}

fn exception_class(py: Python<'_>, kind: ErrorKind) -> PyResult<Bound<'_, PyType>> {
    let class = py.import(ERRORS_MODULE)?.getattr(class_name(kind))?;
    Ok(class.cast_into::<PyType>()?)
}

/// The name in `shoal._errors` of the class raised for `kind`.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::AlreadyExists => "AlreadyExistsError",
        ErrorKind::InvalidInput => "InvalidInputError",
        ErrorKind::Conflict => "ConflictError",
        ErrorKind::Corrupt => "CorruptError",
        ErrorKind::Storage => "StorageError",
        ErrorKind::Execution => "ExecutionError",
        ErrorKind::Cancelled => "CancelledError",
        // `ErrorKind` may grow: a new kind is at least a ShoalError.
        ErrorKind::Runtime | _ => "InternalError",
    }
}

/// An `InvalidInput` error, for arguments the binding itself refuses.
pub fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}
