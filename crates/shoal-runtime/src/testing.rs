//! Helpers for tests of fork safety, here and in the crates above.
#![allow(unsafe_code)] // fork(), waitpid() and kill() of our own children

use std::time::{Duration, Instant};

/// Runs `child` in a forked child process and returns its exit status; the child is killed
/// and the test fails if it does not finish within `limit` (a hang is a failure, not a
/// stalled CI run).
pub fn in_forked_child(limit: Duration, child: impl Fn() -> bool) -> i32 {
    in_forked_children(1, limit, |_| child())[0]
}

/// Forks `count` children at once, each running `child(its index)` concurrently with the
/// others, and returns their exit statuses in index order (0: `child` returned true). Any
/// child still running after `limit` is killed and the test fails.
pub fn in_forked_children(
    count: usize,
    limit: Duration,
    child: impl Fn(usize) -> bool,
) -> Vec<i32> {
    let pids: Vec<libc::pid_t> = (0..count)
        .map(|index| {
            // SAFETY: fork() in a test process; the child only runs `child` and `_exit`s,
            // never returning into the test harness.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| child(index)))
                    .unwrap_or(false);
                // SAFETY: _exit ends the child without running the parent's atexit handlers.
                unsafe { libc::_exit(if ok { 0 } else { 1 }) };
            }
            pid
        })
        .collect();
    let started = Instant::now();
    let mut statuses: Vec<Option<i32>> = vec![None; count];
    while statuses.iter().any(Option::is_none) {
        for (pid, status) in pids.iter().zip(statuses.iter_mut()) {
            if status.is_some() {
                continue;
            }
            let mut raw = 0;
            // SAFETY: waiting on our own child with a valid status pointer.
            if unsafe { libc::waitpid(*pid, &mut raw, libc::WNOHANG) } == *pid {
                *status = Some(if libc::WIFEXITED(raw) {
                    libc::WEXITSTATUS(raw)
                } else {
                    -1
                });
            }
        }
        if started.elapsed() > limit {
            for (pid, status) in pids.iter().zip(&statuses) {
                if status.is_none() {
                    // SAFETY: killing our own child.
                    unsafe { libc::kill(*pid, libc::SIGKILL) };
                    // SAFETY: reaping it, so that no zombie outlives the test.
                    unsafe { libc::waitpid(*pid, std::ptr::null_mut(), 0) };
                }
            }
            panic!("a forked child hung for {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    statuses.into_iter().flatten().collect()
}
