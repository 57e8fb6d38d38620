//! Noticing `fork()`: a `pthread_atfork` child handler increments a generation counter, and
//! whatever was built in an older generation is rebuilt before use.
#![allow(unsafe_code)] // registering a libc fork handler

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

extern "C" fn child_after_fork() {
    // Async-signal-safe: one atomic add, nothing else.
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// How many forks this process is removed from the one that first used Shoal's runtimes
/// (0 in that process, 1 in its children, ...). Also makes sure the fork handler is
/// registered.
pub fn fork_generation() -> u64 {
    REGISTER.call_once(|| {
        // SAFETY: `child_after_fork` is an `extern "C" fn()` that only touches an atomic,
        // which is async-signal-safe as a fork child handler must be. The other two
        // handlers are null, which pthread_atfork allows.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(child_after_fork)) };
        // A failure (ENOMEM) leaves the process without fork detection; it is reported and
        // the process goes on, as it would have before the handler existed.
        if rc != 0 {
            eprintln!(
                "shoal: pthread_atfork failed ({rc}); Shoal is not fork-safe in this process"
            );
        }
    });
    GENERATION.load(Ordering::SeqCst)
}
