//! Progress reports of long steps (training, encoding), delivered to a caller's callback.

use std::sync::Mutex;

/// Progress of a long step, passed to a callback.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Which step is running, e.g. `"k-means"`.
    pub stage: &'static str,
    /// Units of work finished so far.
    pub done: u64,
    /// Units of work in the whole step.
    pub total: u64,
}

/// A progress callback; it may be called from any thread.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress) + Sync);

/// A progress callback that ignores every report.
pub(crate) fn no_progress(_: Progress) {}

/// Counts finished work shared by parallel workers and reports the running total, in
/// increasing order, to a callback.
pub(crate) struct ProgressCounter<'a> {
    stage: &'static str,
    total: u64,
    done: Mutex<u64>,
    progress: ProgressFn<'a>,
}

impl<'a> ProgressCounter<'a> {
    pub(crate) fn new(stage: &'static str, total: u64, progress: ProgressFn<'a>) -> Self {
        Self {
            stage,
            total,
            done: Mutex::new(0),
            progress,
        }
    }

    /// Adds `units` finished units and reports the new total.
    pub(crate) fn add(&self, units: u64) {
        // A poisoned lock only means another report panicked; the count is still usable.
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done += units;
        (self.progress)(Progress {
            stage: self.stage,
            done: *done,
            total: self.total,
        });
    }
}
