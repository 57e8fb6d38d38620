//! Helpers for tests of fork safety, here and in the crates above.
#![allow(unsafe_code)] // fork(), waitpid() and kill() of our own child

use std::time::{Duration, Instant};

/// Runs `child` in a forked child process and returns its exit status; the child is killed
/// and the test fails if it does not finish within `limit` (a hang is a failure, not a
/// stalled CI run).
pub fn in_forked_child(limit: Duration, child: impl FnOnce() -> bool) -> i32 {
    // SAFETY: fork() in a test process; the child only runs `child` and `_exit`s, never
    // returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(false);
        // SAFETY: _exit ends the child without running the parent's atexit handlers.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let started = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: waiting on our own child with a valid status pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -1
            };
        }
        if started.elapsed() > limit {
            // SAFETY: killing our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the forked child hung for {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
