//! # shoal-runtime
//!
//! The threads Shoal runs on, one set per process, and what happens to them across `fork()`.
//!
//! - [`io`]: the async runtime that all storage I/O runs on. Nothing on it blocks.
//! - [`spawn_cpu`]: runs CPU work (decoding, distance math) on the CPU pool and awaits it.
//! - [`query_runtime`]: compute written as async streams (SQL operators), on threads of its
//!   own, sized like the CPU pool.
//! - [`BlockingPool`]: named, bounded pools for user code that may block (an embedding
//!   model, an HTTP call), so that a slow model never starves I/O or decoding.
//! - [`block_on`]: the sync bridge. Blocking entry points run their futures on the I/O
//!   runtime; called from inside an async context, it returns
//!   [`RuntimeError::InsideAsyncContext`] instead of deadlocking or panicking.
//! - Fork safety: a `pthread_atfork` child handler bumps the [`fork_generation`]. Everything
//!   built per process (runtimes, pools, and, in `shoal-io`, object-store clients with their
//!   connection pools) lives in a [`ForkSafe`] cell that rebuilds it on first use in the
//!   child. The parent's objects are leaked, never dropped or joined: their threads do not
//!   exist in the child.
//!
//! Sizes come from [`configure`] (before first use) or the environment
//! (`SHOAL_IO_THREADS`, `SHOAL_IO_BLOCKING_THREADS`, `SHOAL_CPU_THREADS`), with defaults from
//! the core count. Shoal's threads run [`DEFAULT_NICE_STEPS`] nice steps below the process's
//! main thread (`SHOAL_NICE_STEPS`), and named pools lower still ([`BACKGROUND_STEPS`]), so
//! that a host's own threads (an event loop) win a contended core.
//!
//! The `testing` feature (off by default; tests turn it on through their dev-dependencies)
//! adds `testing`, which runs closures in forked children under a watchdog.

mod abort;
mod blocking;
mod bridge;
mod config;
mod cpu;
mod error;
mod fork;
mod fork_safe;
mod io;
mod priority;
mod query;
#[cfg(feature = "testing")]
pub mod testing;

pub use abort::AbortOnDrop;
pub use blocking::BlockingPool;
pub use bridge::block_on;
pub use config::{
    config, configure, RuntimeConfig, DEFAULT_IO_BLOCKING_THREADS, DEFAULT_NICE_STEPS,
};
pub use cpu::spawn_cpu;
pub use error::RuntimeError;
pub use fork::fork_generation;
pub use fork_safe::ForkSafe;
pub use io::{io, on_io_runtime, IO_THREAD_NAME};
pub use priority::BACKGROUND_STEPS;
pub use query::query_runtime;
