//! Where the public API's work runs: every call becomes a task on Shoal's I/O runtime
//! (rule 5 of the design), whichever runtime or thread awaits it. The caller's runtime only
//! waits; the I/O runtime owns the storage clients and their connections, and compute inside
//! the task goes on to the CPU pool as the layers below send it.

use std::future::Future;

use shoal_runtime::{AbortOnDrop, RuntimeError};

use crate::error::{Error, ErrorKind, Result};

/// Runs `work` as a task on the I/O runtime and returns its result. Dropping the returned
/// future (a cancelled caller, a timeout) aborts the task at its next await point.
pub(crate) async fn on_io<T, F>(work: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let mut task = AbortOnDrop(shoal_runtime::io().spawn(work));
    match (&mut task.0).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => {
            Err(RuntimeError::panicked("shoal", error.into_panic()).into())
        }
        Err(_) => Err(Error::new(
            ErrorKind::Cancelled,
            "the call was cancelled before it finished (its runtime is shutting down)",
        )),
    }
}
