//! Awaitables for asyncio. A call's work runs as a task on Shoal's I/O runtime. Its outcome
//! is queued in its event loop's [`Inbox`], and a byte written to a socket that the loop
//! watches (`loop.add_reader`) wakes the loop. The loop's own thread, which holds the GIL
//! anyway, then sets the asyncio future's result.
//!
//! So no Shoal thread ever waits for the GIL: a busy loop, or a Python thread running a
//! model, cannot hold up Shoal's I/O threads or the local reads that other calls wait for.
//! And a result reaches the loop with one thread wake-up. Cancelling the future (a
//! `CancelledError`, `asyncio.timeout`) aborts the task, which stops Shoal's work at its next
//! await.

use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::IntoPyDict;
use pyo3::IntoPyObjectExt;
use tokio::task::AbortHandle;

/// Each running event loop's inbox, held weakly by loop. A forked child forgets them all: its
/// sockets would be shared with the parent's loops.
static INBOXES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Makes the inboxes' registry, and forgets it in forked children.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let registry = inboxes(py)?;
    let os = py.import("os")?;
    let kwargs = [("after_in_child", registry.getattr("clear")?)].into_py_dict(py)?;
    os.call_method("register_at_fork", (), Some(&kwargs))?;
    Ok(())
}

fn inboxes(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    INBOXES
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("weakref")?
                    .getattr("WeakKeyDictionary")?
                    .call0()?
                    .unbind(),
            )
        })
        .map(|registry| registry.bind(py))
}

/// An asyncio future, of the running loop, that `work` completes from the I/O runtime.
pub fn awaitable<T, F>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = T> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let inbox = Inbox::of(&event_loop)?;
    let future = event_loop.call_method0("create_future")?;
    let delivery = future.clone().unbind();
    let task = shoal_runtime::io().spawn(async move {
        let value = work.await;
        inbox.deliver(Delivery {
            future: delivery,
            outcome: Box::new(move |py| value.into_py_any(py)),
        });
    });
    let abort = AbortOnCancel(task.abort_handle());
    if let Err(error) = future.call_method1("add_done_callback", (abort,)) {
        task.abort();
        return Err(error);
    }
    Ok(future)
}

/// Turns a call's outcome into its Python value (or exception), with the GIL.
type ToPython = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// A finished call, waiting for its loop.
struct Delivery {
    future: Py<PyAny>,
    outcome: ToPython,
}

/// Finished calls of one event loop, and the socket pair that wakes it.
struct Shared {
    deliveries: Mutex<Vec<Delivery>>,
    signal: UnixStream,
    wakeup: UnixStream,
}

impl Shared {
    /// Queues a finished call; the first since the loop last drained wakes the loop.
    fn deliver(&self, delivery: Delivery) {
        let mut deliveries = self
            .deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let first = deliveries.is_empty();
        deliveries.push(delivery);
        drop(deliveries);
        if first {
            // Non-blocking: a full socket already holds a wake-up the loop has not read.
            let _ = (&self.signal).write_all(&[1]);
        }
    }
}

/// The finished calls of one event loop, drained on the loop's thread.
#[pyclass(module = "shoal._native", frozen)]
pub struct Inbox(Arc<Shared>);

impl Inbox {
    /// `event_loop`'s inbox, made and watched by the loop on first use.
    fn of(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Shared>> {
        let py = event_loop.py();
        let registry = inboxes(py)?;
        if let Some(inbox) = registry
            .call_method1("get", (event_loop,))?
            .extract::<Option<Py<Inbox>>>()?
        {
            return Ok(inbox.get().0.clone());
        }
        let (signal, wakeup) = UnixStream::pair().map_err(socket_error)?;
        signal.set_nonblocking(true).map_err(socket_error)?;
        wakeup.set_nonblocking(true).map_err(socket_error)?;
        let fd = wakeup.as_raw_fd();
        let shared = Arc::new(Shared {
            deliveries: Mutex::new(Vec::new()),
            signal,
            wakeup,
        });
        let inbox = Bound::new(py, Inbox(shared.clone()))?;
        event_loop.call_method1("add_reader", (fd, inbox.getattr("drain")?))?;
        registry.set_item(event_loop, inbox)?;
        Ok(shared)
    }
}

#[pymethods]
impl Inbox {
    /// Sets the result (or exception) of every finished call; the loop calls it when the
    /// wake-up socket is readable.
    fn drain(&self, py: Python<'_>) {
        let mut bytes = [0u8; 64];
        while matches!((&self.0.wakeup).read(&mut bytes), Ok(n) if n > 0) {}
        let deliveries = std::mem::take(
            &mut *self
                .0
                .deliveries
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for Delivery { future, outcome } in deliveries {
            let future = future.bind(py);
            if let Err(error) = complete(future, outcome) {
                error.write_unraisable(py, Some(future));
            }
        }
    }
}

/// Sets `future`'s result or exception, unless it was cancelled meanwhile.
fn complete(future: &Bound<'_, PyAny>, outcome: ToPython) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    let py = future.py();
    match outcome(py) {
        Ok(value) => future.call_method1("set_result", (value,))?,
        Err(error) => future.call_method1("set_exception", (error.into_value(py),))?,
    };
    Ok(())
}

fn socket_error(error: std::io::Error) -> PyErr {
    PyOSError::new_err(format!(
        "cannot make the event loop's wake-up socket: {error}"
    ))
}

/// A done callback that aborts a call's task when its future is cancelled.
#[pyclass(module = "shoal._native", frozen)]
struct AbortOnCancel(AbortHandle);

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.0.abort();
        }
        Ok(())
    }
}
