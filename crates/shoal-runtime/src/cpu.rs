//! The CPU pool: decoding and distance math, off the I/O runtime.

use crate::blocking::BlockingPool;
use crate::config::config;
use crate::error::RuntimeError;
use crate::fork_safe::ForkSafe;
use crate::priority::Priority;

static CPU: ForkSafe<BlockingPool> = ForkSafe::new();

/// Runs `work` on the CPU pool and waits (asynchronously) for its result. A panic in `work`
/// is caught and returned as [`RuntimeError::Panicked`].
pub async fn spawn_cpu<R, F>(work: F) -> Result<R, RuntimeError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let pool = CPU.get_or_try_init(|| {
        BlockingPool::build("shoal-cpu", config().cpu_threads, Priority::Own)
    })?;
    pool.run(work).await
}
