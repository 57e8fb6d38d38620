//! The async runtime the CLI drives Shoal's I/O with.
//!
//! Commands run on the main thread and hand only async I/O to the runtime with `block_on`,
//! so reading a source file or encoding a batch never occupies a runtime worker.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

/// The process's runtime, built on first use.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("shoal-io")
            .enable_all()
            .build()
            .unwrap_or_else(|e| {
                eprintln!("error: cannot start the I/O runtime: {e}");
                std::process::exit(1)
            })
    })
}

/// Runs a future to completion on the runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(f)
}
