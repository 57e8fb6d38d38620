//! How late a runtime or pool gets to work it was given, for `poll_watchdog`.
//!
//! tokio reports how long each poll takes only under `tokio_unstable`, so this measures from
//! outside, with what stable tokio offers:
//!
//! - [`spawn_ticker`]: a task that sleeps until a deadline every `period` and records how
//!   late it woke ([`Lateness`]). A poll that holds a worker thread for `t` makes a ticker
//!   queued behind it late by up to `t`; so does the OS not running the thread (a busy
//!   machine), which a ticker on an idle runtime shows for comparison. Timer wheel rounding
//!   adds up to a millisecond to every tick.
//! - [`probe_pool`]: the same for a pool of threads without a timer (the CPU pool): a
//!   closure submitted every `period`, and how long it waited to start.
//! - [`watch_parks`]: an upper bound from the runtime's stable metrics. A worker's
//!   park/unpark count is odd while it is parked; a worker that stays unparked for `t` ran
//!   polls back to back for `t` without ever running out of work, so no single poll in that
//!   stretch took longer than `t`. On a busy machine part of `t` is the thread waiting for a
//!   CPU, so each stretch also says how much CPU and run-queue time the runtime's threads had
//!   in it (Linux `schedstat`): no poll in a stretch used more CPU than that.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// Lateness samples of one ticker or probe, with the thread each tick ran on.
#[derive(Debug, Default)]
pub struct Lateness {
    pub samples: Vec<(Duration, ThreadId)>,
}

impl Lateness {
    /// Merges several tickers' samples.
    pub fn merge(all: impl IntoIterator<Item = Lateness>) -> Self {
        Self {
            samples: all.into_iter().flat_map(|l| l.samples).collect(),
        }
    }

    /// The `q` quantile (0..=1) of the lateness, nearest rank; zero without samples.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut late: Vec<Duration> = self.samples.iter().map(|(d, _)| *d).collect();
        late.sort_unstable();
        match late.len() {
            0 => Duration::ZERO,
            n => late[((q * n as f64).ceil() as usize).clamp(1, n) - 1],
        }
    }

    /// The latest tick and the thread it ran on.
    pub fn max(&self) -> Option<(Duration, ThreadId)> {
        self.samples.iter().copied().max_by_key(|(d, _)| *d)
    }

    /// Ticks later than `limit`.
    pub fn over(&self, limit: Duration) -> usize {
        self.samples.iter().filter(|(d, _)| *d > limit).count()
    }

    /// One line: ticks, p50, p99, p99.9, max (in ms) and ticks over `limit`.
    pub fn line(&self, limit: Duration) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        format!(
            "{:>6} ticks  p50 {:>6.2}  p99 {:>6.2}  p99.9 {:>7.2}  max {:>7.2} ms  ({} over {} ms)",
            self.samples.len(),
            ms(self.quantile(0.5)),
            ms(self.quantile(0.99)),
            ms(self.quantile(0.999)),
            ms(self.max().map_or(Duration::ZERO, |(d, _)| d)),
            self.over(limit),
            limit.as_millis(),
        )
    }
}

/// Spawns a ticker on `runtime` that records its lateness every `period` until `stop`.
pub fn spawn_ticker(
    runtime: &Handle,
    period: Duration,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Lateness> {
    runtime.spawn(async move {
        let mut lateness = Lateness::default();
        while !stop.load(Ordering::Relaxed) {
            let deadline = Instant::now() + period;
            tokio::time::sleep_until(deadline.into()).await;
            let late = Instant::now().saturating_duration_since(deadline);
            lateness.samples.push((late, std::thread::current().id()));
        }
        lateness
    })
}

/// Every `period` until `stop`, runs `submit` with a trivial closure and records how long
/// the closure waited to start. `submit` hands the closure to the pool and awaits it.
pub async fn probe_pool<S, F>(period: Duration, stop: Arc<AtomicBool>, submit: S) -> Lateness
where
    S: Fn(Box<dyn FnOnce() -> (Duration, ThreadId) + Send>) -> F,
    F: Future<Output = (Duration, ThreadId)>,
{
    let mut lateness = Lateness::default();
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(period).await;
        let submitted = Instant::now();
        let sample = submit(Box::new(move || {
            (submitted.elapsed(), std::thread::current().id())
        }))
        .await;
        lateness.samples.push(sample);
    }
    lateness
}

/// A stretch a worker stayed unparked: its wall time, and the most on-CPU and run-queue
/// time any of the runtime's threads had in it (upper bounds for the worker's own thread,
/// whose id stable tokio does not tell).
#[derive(Debug, Default, Clone, Copy)]
pub struct Stretch {
    pub wall: Duration,
    pub cpu: Duration,
    pub waiting: Duration,
}

/// Each thread's time on a CPU and waiting on a run queue so far.
type ThreadTimes = Vec<(Duration, Duration)>;

/// Per worker: its longest stretch unparked, and its stretch with the most CPU.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unparked {
    pub longest: Stretch,
    pub busiest: Stretch,
}

/// What [`watch_parks`] saw: per worker, and the longest gap between its own samples (a
/// starved sampler sees a stretch start late, or misses a stretch shorter than the gap, so
/// no stretch lasted longer than the longest seen plus this gap).
#[derive(Debug, Default, Clone)]
pub struct Parks {
    pub workers: Vec<Unparked>,
    pub sampler_gap: Duration,
}

/// Samples `runtime`'s workers' park/unpark counts, and the scheduler statistics of its
/// threads (those named `thread_name`), every `period` on a thread of its own until `stop`.
pub fn watch_parks(
    runtime: &Handle,
    thread_name: &str,
    period: Duration,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Parks> {
    let metrics = runtime.metrics();
    let threads = threads_named(thread_name);
    std::thread::spawn(move || {
        let workers = metrics.num_workers();
        let times = || -> ThreadTimes { threads.iter().map(|t| sched_times(*t)).collect() };
        let mut last: Vec<(u64, Instant, ThreadTimes)> = (0..workers)
            .map(|w| (metrics.worker_park_unpark_count(w), Instant::now(), times()))
            .collect();
        let mut found = vec![Unparked::default(); workers];
        let (mut sampled, mut sampler_gap) = (Instant::now(), Duration::ZERO);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(period);
            let (now, current_times) = (Instant::now(), times());
            sampler_gap = sampler_gap.max(now - sampled);
            sampled = now;
            for (w, (count, since, at_since)) in last.iter_mut().enumerate() {
                if *count % 2 == 0 {
                    let most = |pick: fn(&(Duration, Duration)) -> Duration| {
                        current_times
                            .iter()
                            .zip(at_since.iter())
                            .map(|(now, then)| pick(now).saturating_sub(pick(then)))
                            .max()
                            .unwrap_or_default()
                    };
                    let stretch = Stretch {
                        wall: now - *since,
                        cpu: most(|t| t.0),
                        waiting: most(|t| t.1),
                    };
                    if stretch.wall > found[w].longest.wall {
                        found[w].longest = stretch;
                    }
                    if stretch.cpu > found[w].busiest.cpu {
                        found[w].busiest = stretch;
                    }
                }
                let current = metrics.worker_park_unpark_count(w);
                if current != *count {
                    *count = current;
                    *since = now;
                    at_since.clone_from(&current_times);
                }
            }
        }
        Parks {
            workers: found,
            sampler_gap,
        }
    })
}

/// The ids of this process's threads named `name` (Linux; none elsewhere).
fn threads_named(name: &str) -> Vec<u64> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let task = task.ok()?;
            let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
            let tid = task.file_name().to_str()?.parse().ok()?;
            (comm.trim_end() == name).then_some(tid)
        })
        .collect()
}

/// A thread's time on a CPU and waiting on a run queue so far (`/proc/.../schedstat`).
fn sched_times(tid: u64) -> (Duration, Duration) {
    let stat =
        std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).unwrap_or_default();
    let mut fields = stat.split_whitespace().map(|f| f.parse().unwrap_or(0));
    let mut next = || Duration::from_nanos(fields.next().unwrap_or(0));
    (next(), next())
}
