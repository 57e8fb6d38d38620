//! The I/O runtime: a multi-threaded tokio runtime that every storage request runs on.

use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};

use crate::config::config;
use crate::fork_safe::ForkSafe;

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

fn runtime() -> Arc<Runtime> {
    IO.get_or_try_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config().io_threads)
            .thread_name(IO_THREAD_NAME)
            .enable_all()
            .build()
    })
    .unwrap_or_else(|e| panic!("shoal: cannot start the I/O runtime: {e}"))
}
