//! The OS scheduling priority of Shoal's threads. Shoal is a guest in its host's process:
//! its own threads (the I/O runtime, the CPU pool, the query runtime) run a few nice steps
//! below the process's main thread ([`RuntimeConfig::nice_steps`](crate::RuntimeConfig)), so
//! that when the host's threads (an asyncio event loop, a training step) want a core they get
//! it first; named pools run user code (a model, a blocking client) lower still, so that
//! Shoal's own work comes before them. On an otherwise idle machine priorities change
//! nothing: they only decide who waits when threads compete for a core.
#![allow(unsafe_code)] // setpriority(2) on the calling thread

use crate::config::config;

/// How many nice steps below Shoal's own threads the named pools' threads run. Ten steps
/// down, a thread gets about a tenth of a core that the other also wants.
pub const BACKGROUND_STEPS: i32 = 10;

/// The priority a pool or runtime gives each of its threads as it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Shoal's own threads: the configured steps below the main thread.
    Own,
    /// Named pools of user code: [`BACKGROUND_STEPS`] below Shoal's own threads.
    Background,
}

impl Priority {
    /// Nice steps below the main thread.
    fn steps(self) -> i32 {
        match self {
            Priority::Own => config().nice_steps,
            Priority::Background => config().nice_steps + BACKGROUND_STEPS,
        }
    }

    /// Gives the calling thread this priority, measured from the process's main thread
    /// (whichever thread starts the pool, so that a pool started by another pool's thread
    /// does not drift lower); never above the priority it has (a process started with
    /// `nice -n 19` stays there). Linux only, where the nice value is per thread (elsewhere
    /// it is the whole process's, so nothing is done); best effort: a failure leaves the
    /// thread as it was. Threads the thread starts later inherit it.
    pub(crate) fn apply(self) {
        let steps = self.steps();
        #[cfg(target_os = "linux")]
        // SAFETY: gettid, getpid, getpriority and setpriority take no pointers; they read
        // scheduling and change only this thread's.
        unsafe {
            let tid = libc::gettid() as libc::id_t;
            let current = libc::getpriority(libc::PRIO_PROCESS, tid);
            // The main thread's id is the process's.
            let main = libc::getpriority(libc::PRIO_PROCESS, libc::getpid() as libc::id_t);
            let wanted = main.saturating_add(steps).min(19);
            if wanted > current {
                libc::setpriority(libc::PRIO_PROCESS, tid, wanted);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = steps;
    }
}
