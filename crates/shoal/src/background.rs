//! Where the public API's work runs: every call runs on Shoal's I/O runtime (rule 5 of the
//! design), whichever runtime or thread awaits it. A caller on another runtime only waits for
//! a task spawned there; a caller already on the I/O runtime (the blocking API, whose thread
//! is blocked in the I/O runtime's `block_on`, or a task of that runtime such as a Python
//! awaitable) runs the work in place and saves two thread wake-ups. Either way the I/O
//! runtime owns the storage clients and their connections, and compute inside the work goes
//! on to the CPU pool as the layers below send it.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use shoal_runtime::{AbortOnDrop, RuntimeError};

use crate::error::{Error, ErrorKind, Result};

/// Runs `work` on the I/O runtime and returns its result; a panic in it becomes an error.
/// Dropping the returned future (a cancelled caller, a timeout) stops the work at its next
/// await point.
pub(crate) async fn on_io<T, F>(work: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    if shoal_runtime::on_io_runtime() {
        return match AssertUnwindSafe(work).catch_unwind().await {
            Ok(result) => result,
            Err(payload) => Err(RuntimeError::panicked("shoal", payload).into()),
        };
    }
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
