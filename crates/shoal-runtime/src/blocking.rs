//! Bounded thread pools: the CPU pool, and named pools for user code that may block.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use crate::error::RuntimeError;
use crate::fork_safe::ForkSafe;
use crate::priority::Priority;

/// A fixed number of threads running closures, awaited from async code.
pub struct BlockingPool {
    name: String,
    threads: usize,
    pool: rayon::ThreadPool,
}

type Registry = Mutex<HashMap<String, Arc<BlockingPool>>>;
static NAMED: ForkSafe<Registry> = ForkSafe::new();

impl BlockingPool {
    /// A pool of `threads` threads named `name-N`, each at `priority`.
    pub(crate) fn build(
        name: &str,
        threads: usize,
        priority: Priority,
    ) -> Result<Self, RuntimeError> {
        let threads = threads.max(1);
        let prefix = name.to_string();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("{prefix}-{i}"))
            .start_handler(move |_| priority.apply())
            .build()
            .map_err(|e| RuntimeError::Start {
                what: format!("the '{name}' pool"),
                reason: e.to_string(),
            })?;
        Ok(Self {
            name: name.to_string(),
            threads,
            pool,
        })
    }

    /// The pool called `name`, created with `threads` threads on first use (later calls
    /// get the same pool whatever `threads` they pass). Each forked child gets its own.
    /// Its threads run user code, at a lower priority than Shoal's own
    /// ([`BACKGROUND_STEPS`](crate::BACKGROUND_STEPS) nice steps lower, on Linux), as do
    /// threads they start.
    pub fn named(name: &str, threads: usize) -> Result<Arc<BlockingPool>, RuntimeError> {
        // The registry is rebuilt after fork, so its lock can never be one a parent thread
        // held at fork time.
        let registry = NAMED.get_or_init(Registry::default);
        let mut pools = registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(pool) = pools.get(name) {
            return Ok(pool.clone());
        }
        let pool = Arc::new(Self::build(name, threads, Priority::Background)?);
        pools.insert(name.to_string(), pool.clone());
        Ok(pool)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `work` on one of the pool's threads and waits (asynchronously) for its result;
    /// at most [`BlockingPool::threads`] run at once, the rest wait their turn. A panic is
    /// caught and returned as [`RuntimeError::Panicked`].
    pub async fn run<R, F>(&self, work: F) -> Result<R, RuntimeError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(work));
            let _ = tx.send(result);
        });
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(payload)) => Err(RuntimeError::panicked(&self.name, payload)),
            Err(_) => Err(RuntimeError::Panicked {
                pool: self.name.clone(),
                message: "the task was dropped before it ran".into(),
            }),
        }
    }
}
