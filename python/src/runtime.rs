//! [`ShoalIo`]: pyo3-async-runtimes' runtime seam, filled with Shoal's own I/O runtime, so
//! that awaitables are polled where the async API already runs its work and are rebuilt
//! after `fork()` like the rest of Shoal's runtimes (pyo3-async-runtimes' own tokio runtime
//! would be a second set of threads, dead in a forked child).

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;

use pyo3_async_runtimes::generic::{ContextExt, Runtime};
use pyo3_async_runtimes::TaskLocals;
use tokio::task::{JoinError, JoinHandle};

/// Spawns on `shoal_runtime::io()`.
pub struct ShoalIo;

tokio::task_local! {
    /// The asyncio loop (and context) of the awaitable a task serves.
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl Runtime for ShoalIo {
    type JoinError = JoinError;
    type JoinHandle = JoinHandle<()>;

    fn spawn<F>(fut: F) -> JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        shoal_runtime::io().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> JoinHandle<()>
    where
        F: FnOnce() + Send + 'static,
    {
        shoal_runtime::io().spawn_blocking(f)
    }
}

impl ContextExt for ShoalIo {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(OnceCell::from(locals), fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}
