//! The query runtime: a multi-threaded tokio runtime, sized like the CPU pool, for compute
//! written as async streams (DataFusion's joins, aggregates and sorts), so that it never
//! occupies the I/O runtime's workers. Like the other runtimes, it is rebuilt in a forked
//! child.

use tokio::runtime::{Builder, Handle, Runtime};

use crate::config::config;
use crate::error::RuntimeError;
use crate::fork_safe::ForkSafe;
use crate::priority::Priority;

static QUERIES: ForkSafe<Runtime> = ForkSafe::new();

/// A handle to the query runtime, started on first use.
pub fn query_runtime() -> Result<Handle, RuntimeError> {
    let runtime = QUERIES.get_or_try_init(|| {
        Builder::new_multi_thread()
            .worker_threads(config().cpu_threads)
            .thread_name("shoal-query")
            .on_thread_start(|| Priority::Own.apply())
            .enable_all()
            .build()
            .map_err(|e| RuntimeError::Start {
                what: "the query runtime".into(),
                reason: e.to_string(),
            })
    })?;
    Ok(runtime.handle().clone())
}
