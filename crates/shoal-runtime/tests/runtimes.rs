//! The runtimes as callers meet them: CPU work runs off the I/O runtime, panics come back as
//! errors, named pools bound their concurrency and run at a lower priority, the sync bridge refuses to block inside an
//! async context, and a forked child gets working runtimes of its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shoal_runtime::testing::in_forked_child;
use shoal_runtime::{block_on, fork_generation, io, spawn_cpu, BlockingPool, RuntimeError};

#[test]
fn cpu_work_runs_on_the_cpu_pool_and_panics_are_errors() {
    let name = block_on(spawn_cpu(|| {
        std::thread::current().name().map(str::to_string)
    }))
    .unwrap()
    .unwrap();
    assert!(name.unwrap().starts_with("shoal-cpu"));
    let err = block_on(spawn_cpu(|| -> u32 { panic!("boom") }))
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, RuntimeError::Panicked { message, .. } if message == "boom"),
        "{err}"
    );
}

#[test]
fn named_pools_bound_their_concurrency() {
    let pool = BlockingPool::named("test-embedder", 2).unwrap();
    assert_eq!(
        BlockingPool::named("test-embedder", 9).unwrap().threads(),
        2
    );
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let tasks = (0..8).map(|_| {
        let (running, peak, pool) = (running.clone(), peak.clone(), pool.clone());
        async move {
            pool.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            })
            .await
        }
    });
    let results = block_on(async { spawn_all(tasks).await }).unwrap();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

/// Runs each future as a task on the I/O runtime and collects their outputs in order.
async fn spawn_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(|f| io().spawn(f)).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// The nice value of the calling thread.
#[cfg(target_os = "linux")]
fn current_nice() -> i32 {
    nice_in("/proc/thread-self/stat")
}

/// The nice value of the process's main thread.
#[cfg(target_os = "linux")]
fn main_thread_nice() -> i32 {
    nice_in("/proc/self/stat")
}

/// The nice value in a `stat` file of /proc (its field 19).
#[cfg(target_os = "linux")]
fn nice_in(stat: &str) -> i32 {
    let stat = std::fs::read_to_string(stat).unwrap();
    // The command name (field 2) may hold spaces; the fields after its ')' are plain.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    after_name.split(' ').nth(16).unwrap().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn named_pools_run_below_shoal_s_own_threads_and_so_do_threads_they_start() {
    let pool = BlockingPool::named("test-niceness", 1).unwrap();
    let (pool_nice, child_nice) = block_on(async move {
        pool.run(|| {
            let child = std::thread::spawn(current_nice).join().unwrap();
            (current_nice(), child)
        })
        .await
    })
    .unwrap()
    .unwrap();
    let steps = shoal_runtime::config().nice_steps + shoal_runtime::BACKGROUND_STEPS;
    let expected = (main_thread_nice() + steps).min(19).max(current_nice());
    assert_eq!(pool_nice, expected);
    assert_eq!(child_nice, expected);
}

#[cfg(target_os = "linux")]
#[test]
fn shoal_s_own_threads_run_a_few_steps_below_the_main_thread() {
    let steps = shoal_runtime::config().nice_steps;
    let below_main = (main_thread_nice() + steps).min(19);
    // However each is started: the CPU pool from an I/O thread, which is already lowered.
    let (io_nice, cpu_nice) = block_on(async {
        shoal_runtime::io()
            .spawn(async {
                let cpu = spawn_cpu(current_nice).await.unwrap();
                (current_nice(), cpu)
            })
            .await
            .unwrap()
    })
    .unwrap();
    assert_eq!(io_nice, below_main.max(current_nice()));
    assert_eq!(cpu_nice, below_main.max(current_nice()));
    let query_nice = shoal_runtime::query_runtime()
        .unwrap()
        .spawn(async { current_nice() });
    let query_nice = block_on(query_nice).unwrap().unwrap();
    assert_eq!(query_nice, below_main.max(current_nice()));
}

#[tokio::test]
async fn the_sync_bridge_refuses_to_block_inside_async_code() {
    let err = block_on(async { 1 }).unwrap_err();
    assert!(matches!(err, RuntimeError::InsideAsyncContext));
    assert!(err.to_string().contains("inside an async context"));
}

#[test]
fn a_forked_child_rebuilds_the_runtimes() {
    // The parent uses every runtime first, so the child inherits them in use.
    assert_eq!(block_on(spawn_cpu(|| 2 + 2)).unwrap().unwrap(), 4);
    let handle = io();
    let _busy = handle.spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let parent_generation = fork_generation();
    let status = in_forked_child(Duration::from_secs(30), move || {
        fork_generation() == parent_generation + 1
            && block_on(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                spawn_cpu(|| 6 * 7).await.unwrap()
            })
            .unwrap()
                == 42
            && BlockingPool::named("child-pool", 1).is_ok()
    });
    assert_eq!(status, 0, "the child's runtimes did not work");
    assert_eq!(
        fork_generation(),
        parent_generation,
        "the parent is unaffected"
    );
}

#[test]
fn the_io_runtime_runs_blocking_calls_on_a_bounded_set_of_threads() {
    let limit = shoal_runtime::config().io_blocking_threads;
    let calls: Vec<_> = (0..limit * 4)
        .map(|_| {
            io().spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(5));
                std::thread::current().id()
            })
        })
        .collect();
    // Every call is spawned before any is awaited, so they all compete for threads at once.
    let threads: std::collections::HashSet<_> = block_on(async {
        let mut threads = Vec::new();
        for call in calls {
            threads.push(call.await.unwrap());
        }
        threads
    })
    .unwrap()
    .into_iter()
    .collect();
    assert!(
        threads.len() <= limit,
        "{} threads ran the calls",
        threads.len()
    );
}
