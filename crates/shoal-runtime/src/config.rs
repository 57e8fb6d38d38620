//! How many threads each runtime and pool gets, and how far below the host their threads run.

use std::sync::OnceLock;

use crate::error::RuntimeError;

/// Thread counts and priority of the process-wide runtimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Worker threads of the I/O runtime. I/O threads mostly wait, so a few suffice.
    pub io_threads: usize,
    /// Most threads the I/O runtime starts for blocking calls (a local file's reads and
    /// writes, one call per thread; more calls wait their turn). Each thread allocates its
    /// buffers from its own heap, so a few busy threads touch far less fresh memory (which
    /// the kernel must zero first) than one thread per request in flight: a scan of 800
    /// small local fragments took a third of the time and a fifth of the memory with 8
    /// such threads instead of tokio's default of up to 512.
    pub io_blocking_threads: usize,
    /// Threads of the CPU pool (decoding, distance math): one per core.
    pub cpu_threads: usize,
    /// How many nice steps below the process's main thread Shoal's own threads run (the I/O
    /// runtime's, the CPU pool's, the query runtime's), so that the host's threads win a
    /// contended core: an event loop wakes sooner while Shoal keeps every core busy. 0 runs
    /// them level with the host. Linux only.
    pub nice_steps: i32,
}

/// The default of [`RuntimeConfig::io_blocking_threads`]: enough reads at once to keep a
/// local disk's queue busy.
pub const DEFAULT_IO_BLOCKING_THREADS: usize = 16;

/// The default of [`RuntimeConfig::nice_steps`]: a thread 5 steps down gets about a third of
/// the share of a core that a level thread gets, and waits behind one that wakes.
pub const DEFAULT_NICE_STEPS: i32 = 5;

impl RuntimeConfig {
    /// Defaults from the core count, overridden by `SHOAL_IO_THREADS`, `SHOAL_CPU_THREADS`
    /// and `SHOAL_IO_BLOCKING_THREADS` when they hold positive integers, and by
    /// `SHOAL_NICE_STEPS` (0 to 19) for [`RuntimeConfig::nice_steps`].
    pub fn from_env() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| *n > 0)
        };
        let nice_steps = std::env::var("SHOAL_NICE_STEPS")
            .ok()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .filter(|n| (0..=19).contains(n));
        RuntimeConfig {
            io_threads: env("SHOAL_IO_THREADS").unwrap_or(cores.clamp(2, 8)),
            io_blocking_threads: env("SHOAL_IO_BLOCKING_THREADS")
                .unwrap_or(DEFAULT_IO_BLOCKING_THREADS),
            cpu_threads: env("SHOAL_CPU_THREADS").unwrap_or(cores),
            nice_steps: nice_steps.unwrap_or(DEFAULT_NICE_STEPS),
        }
    }
}

static CONFIG: OnceLock<RuntimeConfig> = OnceLock::new();

/// Sets the thread counts. Call it before the first use of any runtime or pool; afterwards
/// (or with a zero count) it fails and changes nothing.
pub fn configure(config: RuntimeConfig) -> Result<(), RuntimeError> {
    if config.io_threads == 0 || config.cpu_threads == 0 || config.io_blocking_threads == 0 {
        return Err(RuntimeError::Config(
            "runtime thread counts must be at least 1".into(),
        ));
    }
    if !(0..=19).contains(&config.nice_steps) {
        return Err(RuntimeError::Config(format!(
            "nice_steps must be 0 to 19, not {}",
            config.nice_steps
        )));
    }
    let wanted = config.clone();
    CONFIG.set(config).map_err(|_| {
        RuntimeError::Config(format!(
            "the runtimes are already configured ({:?}); configure them before first use, \
             not with {wanted:?}",
            CONFIG.get()
        ))
    })
}

/// The thread counts in force (the environment's or defaults unless [`configure`]d first).
pub fn config() -> &'static RuntimeConfig {
    CONFIG.get_or_init(RuntimeConfig::from_env)
}
