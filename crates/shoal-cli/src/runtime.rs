//! How the CLI drives Shoal's async API: through the sync bridge of `shoal-runtime`, so that
//! I/O runs on the process-wide I/O runtime and decoding on the CPU pool, while commands run
//! on the main thread (reading a source file or encoding a batch never occupies a runtime
//! worker).

/// Runs a future to completion on the I/O runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    // The CLI calls this from its main thread only, never from async code, so the bridge's
    // one error cannot happen; if it ever did, say so rather than panic.
    shoal_runtime::block_on(f).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    })
}
