//! The sync bridge: blocking entry points run their futures on the I/O runtime.

use std::future::Future;

use crate::error::RuntimeError;
use crate::io::io;

/// Runs `future` to completion on the I/O runtime, blocking the calling thread.
///
/// Called from inside an async context (a thread running a tokio runtime), blocking could
/// deadlock that runtime, so it returns [`RuntimeError::InsideAsyncContext`] instead.
pub fn block_on<F: Future>(future: F) -> Result<F::Output, RuntimeError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(RuntimeError::InsideAsyncContext);
    }
    Ok(io().block_on(future))
}
