//! Timing and resource accounting for one benchmark case in one process.

use std::time::Instant;

use nix::sys::resource::{getrusage, UsageWho};
use serde_json::{json, Map, Value};

/// Resource usage of this process so far (`getrusage(RUSAGE_SELF)`).
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub user_s: f64,
    pub sys_s: f64,
    /// Peak resident set size in KiB (`ru_maxrss`; Linux reports KiB).
    pub max_rss_kib: i64,
    pub minor_faults: i64,
    pub major_faults: i64,
}

impl Usage {
    /// Reads the current usage; zeros if the call fails (it cannot for `RUSAGE_SELF`).
    pub fn now() -> Self {
        match getrusage(UsageWho::RUSAGE_SELF) {
            Ok(u) => {
                let secs =
                    |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
                Self {
                    user_s: secs(u.user_time()),
                    sys_s: secs(u.system_time()),
                    max_rss_kib: u.max_rss(),
                    minor_faults: u.minor_page_faults(),
                    major_faults: u.major_page_faults(),
                }
            }
            Err(_) => Self {
                user_s: 0.0,
                sys_s: 0.0,
                max_rss_kib: 0,
                minor_faults: 0,
                major_faults: 0,
            },
        }
    }

    /// Adds `<prefix>user_s`, `<prefix>sys_s`, `<prefix>minor_faults` and
    /// `<prefix>major_faults` for the usage since `start` to `out`.
    pub fn record_since(&self, start: &Usage, prefix: &str, out: &mut Map<String, Value>) {
        out.insert(format!("{prefix}user_s"), json!(self.user_s - start.user_s));
        out.insert(format!("{prefix}sys_s"), json!(self.sys_s - start.sys_s));
        out.insert(
            format!("{prefix}minor_faults"),
            json!(self.minor_faults - start.minor_faults),
        );
        out.insert(
            format!("{prefix}major_faults"),
            json!(self.major_faults - start.major_faults),
        );
    }
}

/// Median / min / max of timed calls, as `anchors.py summarize` reports them.
#[derive(Debug, Clone)]
pub struct Summary {
    pub times: Vec<f64>,
}

impl Summary {
    pub fn new(times: Vec<f64>) -> Self {
        assert!(!times.is_empty(), "a summary needs at least one sample");
        Self { times }
    }

    /// The median; the mean of the two middle samples for an even count (like Python's
    /// `statistics.median`).
    pub fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        let n = t.len();
        if n % 2 == 1 {
            t[n / 2]
        } else {
            (t[n / 2 - 1] + t[n / 2]) / 2.0
        }
    }

    pub fn min(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.times.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// `n`, `median_s`, `min_s`, `max_s` and `all_s` (rounded to µs), with `prefix`.
    pub fn record(&self, prefix: &str, out: &mut Map<String, Value>) {
        out.insert(format!("{prefix}n"), json!(self.times.len()));
        out.insert(format!("{prefix}median_s"), json!(self.median()));
        out.insert(format!("{prefix}min_s"), json!(self.min()));
        out.insert(format!("{prefix}max_s"), json!(self.max()));
        let all: Vec<f64> = self.times.iter().map(|t| (t * 1e6).round() / 1e6).collect();
        out.insert(format!("{prefix}all_s"), json!(all));
    }
}

/// How many calls a case makes, as in `anchors.py bench`: `warmup` untimed calls numbered
/// `0..warmup`, then up to `iters` timed calls numbered from `warmup` on, stopping early once
/// at least `min_iters` were timed and `budget_s` seconds have passed.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub warmup: usize,
    pub iters: usize,
    pub budget_s: Option<f64>,
    pub min_iters: usize,
}

impl Schedule {
    /// Whether timed call number `done` (0-based count of calls timed so far) should run.
    pub fn keep_going(&self, done: usize, started: Instant) -> bool {
        if done >= self.iters {
            return false;
        }
        match self.budget_s {
            Some(b) => done < self.min_iters || started.elapsed().as_secs_f64() <= b,
            None => true,
        }
    }
}
