//! The I/O runtime: a multi-threaded tokio runtime that every storage request runs on.

use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};

use crate::config::config;
use crate::fork_safe::ForkSafe;
use crate::priority::Priority;

static IO: ForkSafe<Runtime> = ForkSafe::new();

/// The name of the I/O runtime's threads.
pub const IO_THREAD_NAME: &str = "shoal-io";

/// A handle to the I/O runtime of this process (rebuilt in a forked child on first use).
///
/// # Panics
/// If the runtime cannot be started (the OS refuses threads), which leaves no way to do I/O.
pub fn io() -> Handle {
    runtime().handle().clone()
}

/// Whether the calling thread is inside the I/O runtime's context: one of its workers, or a
/// thread blocked in [`crate::block_on`]. Work awaited there is already where it belongs and
/// needs no hand-off to another thread.
pub fn on_io_runtime() -> bool {
    Handle::try_current().is_ok_and(|current| current.id() == runtime().handle().id())
}

fn runtime() -> Arc<Runtime> {
    IO.get_or_try_init(|| {
        // Its blocking threads too: they copy local files' bytes to and from the page cache.
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config().io_threads)
            .max_blocking_threads(config().io_blocking_threads)
            .thread_name(IO_THREAD_NAME)
            .on_thread_start(|| Priority::Own.apply())
            .enable_all()
            .build()
    })
    .unwrap_or_else(|e| panic!("shoal: cannot start the I/O runtime: {e}"))
}
