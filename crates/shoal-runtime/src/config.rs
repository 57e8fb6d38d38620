//! How many threads each runtime and pool gets.

use std::sync::OnceLock;

use crate::error::RuntimeError;

/// Thread counts of the process-wide runtimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Worker threads of the I/O runtime. I/O threads mostly wait, so a few suffice.
    pub io_threads: usize,
    /// Threads of the CPU pool (decoding, distance math): one per core.
    pub cpu_threads: usize,
}

impl RuntimeConfig {
    /// Defaults from the core count, overridden by `SHOAL_IO_THREADS` and
    /// `SHOAL_CPU_THREADS` when they hold positive integers.
    pub fn from_env() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| *n > 0)
        };
        RuntimeConfig {
            io_threads: env("SHOAL_IO_THREADS").unwrap_or(cores.clamp(2, 8)),
            cpu_threads: env("SHOAL_CPU_THREADS").unwrap_or(cores),
        }
    }
}

static CONFIG: OnceLock<RuntimeConfig> = OnceLock::new();

/// Sets the thread counts. Call it before the first use of any runtime or pool; afterwards
/// (or with a zero count) it fails and changes nothing.
pub fn configure(config: RuntimeConfig) -> Result<(), RuntimeError> {
    if config.io_threads == 0 || config.cpu_threads == 0 {
        return Err(RuntimeError::Config(
            "runtime thread counts must be at least 1".into(),
        ));
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
