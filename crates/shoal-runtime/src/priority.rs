//! The OS scheduling priority of a thread: named pools run user code (a model, a blocking
//! client) a step below everything else, so that when they compete for a core it goes to
//! Shoal's own threads and the application's (an event loop, a scan) first.
#![allow(unsafe_code)] // setpriority(2) on the calling thread

/// The nice value of named pools' threads (normal threads have 0; 19 is the lowest
/// priority). At 10 a thread gets about a tenth of a core that a normal thread also wants.
pub const BACKGROUND_NICE: i32 = 10;

/// Gives the calling thread at least the nice value `nice` (a thread already nicer, as in
/// a process started with `nice -n 19`, stays so). Linux only, where the nice value is per
/// thread (elsewhere it is the whole process's, so nothing is done); best effort: a failure
/// leaves the thread as it was. Threads the thread starts later inherit it.
pub(crate) fn set_current_thread_nice(nice: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid, getpriority and setpriority take no pointers; they read and change
    // only this thread's scheduling.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid);
        if current < nice {
            libc::setpriority(libc::PRIO_PROCESS, tid, nice);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
