//! How a native call runs its work: every call builds one future of the public async API
//! (which runs its work as a task on Shoal's I/O runtime), and [`run`] either
//!
//! - blocks on it with the GIL released, on Shoal's background runtime, the way
//!   `shoal::blocking` does (a Python thread is never inside a tokio runtime, so this works
//!   from inside a running asyncio loop too: only that loop's thread waits), or
//! - returns an asyncio future for it ([`awaitable`]): the work runs on the I/O runtime and
//!   the loop's own thread sets the result; cancelling the future aborts Shoal's task at its
//!   next await.
//!
//! A panic anywhere in the work becomes a `shoal.InternalError`, never a
//! `pyo3_runtime.PanicException`.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use shoal::{Error, ErrorKind};

use crate::awaitable::awaitable;
use crate::error::to_py;

/// Runs `work`: to completion with the GIL released when `asynchronous` is false (its
/// result is returned), or as an awaitable when it is true (the awaitable is returned).
pub fn run<T, F>(py: Python<'_>, asynchronous: bool, work: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = shoal::Result<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    if asynchronous {
        let future = awaitable(py, async move { Outcome(guarded(work).await) })?;
        return Ok(future.unbind());
    }
    wait(py, work)?.into_py_any(py)
}

/// Blocks on `work` with the GIL released; its error as the matching exception.
pub fn wait<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: Future<Output = shoal::Result<T>> + Send,
    T: Send,
{
    py.detach(|| {
        let on_runtime =
            std::panic::catch_unwind(AssertUnwindSafe(|| shoal_runtime::block_on(guarded(work))));
        match on_runtime {
            Ok(Ok(result)) => result,
            Ok(Err(refused)) => Err(refused.into()),
            Err(payload) => Err(panicked(payload)),
        }
    })
    .map_err(|error| to_py(py, error))
}

/// `work`, with a panic while it is polled caught and turned into an error.
async fn guarded<T>(work: impl Future<Output = shoal::Result<T>>) -> shoal::Result<T> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => Err(panicked(payload)),
    }
}

fn panicked(payload: Box<dyn std::any::Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    Error::new(
        ErrorKind::Runtime,
        format!("Shoal panicked (a bug; please report it): {what}"),
    )
}

/// The result of an awaited call. Its error is made a Python exception only when the
/// awaitable's result is set, with the GIL held: never on an I/O runtime thread.
struct Outcome<T>(shoal::Result<T>);

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Outcome<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(value) => value.into_bound_py_any(py),
            Err(error) => Err(to_py(py, error)),
        }
    }
}
