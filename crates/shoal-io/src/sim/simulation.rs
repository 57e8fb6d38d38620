//! The shared state of a simulation: its settings, concurrency slots, failure plan and
//! counters, and the cost of each request (slot, round trip, failure, transfer).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use object_store::path::Path;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::config::SimConfig;
use super::counters::{Counters, RequestKind, SimCounters};
use super::failure::FailurePlan;

/// A handle on one simulation, cheap to clone. Every [`SimulatedStore`](crate::SimulatedStore)
/// made with it shares its concurrency cap, failures and counters, so a test or benchmark
/// can keep a handle and read the counters of the stores it made.
#[derive(Debug, Clone)]
pub struct Simulation(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    config: SimConfig,
    slots: Option<Arc<Semaphore>>,
    counters: Counters,
    failures: Mutex<FailurePlan>,
    rng: Mutex<StdRng>,
}

/// One request's hold on the simulation: its concurrency slot and its place in the
/// in-flight count, both released on drop.
#[derive(Debug)]
pub(crate) struct InFlight {
    shared: Arc<Shared>,
    _slot: Option<OwnedSemaphorePermit>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.counters.leave();
    }
}

impl Simulation {
    pub fn new(config: SimConfig) -> Self {
        let slots = config
            .concurrency
            .map(|n| Arc::new(Semaphore::new(n.max(1))));
        let failures = FailurePlan {
            next: 0,
            rate: config.failure_rate,
            prefixes: config.fail_prefixes.clone(),
        };
        let rng = StdRng::seed_from_u64(config.seed);
        Simulation(Arc::new(Shared {
            config,
            slots,
            counters: Counters::default(),
            failures: Mutex::new(failures),
            rng: Mutex::new(rng),
        }))
    }

    /// The settings this simulation was made with (failures may have changed since).
    pub fn config(&self) -> &SimConfig {
        &self.0.config
    }

    /// The counters now.
    pub fn counters(&self) -> SimCounters {
        self.0.counters.snapshot()
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        self.0.counters.reset()
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.0.counters.in_flight()
    }

    /// Makes the next `n` requests (of any kind, on any path) fail with a transient error,
    /// in addition to any already planned.
    pub fn fail_next(&self, n: u64) {
        self.failures().next += n;
    }

    /// Sets the probability that a request fails with a transient error.
    pub fn set_failure_rate(&self, rate: f64) {
        self.failures().rate = rate.clamp(0.0, 1.0);
    }

    /// Makes every request for a path starting with `prefix` (a store path, e.g.
    /// `location.child("data").path.to_string()`) fail with a permanent error.
    pub fn fail_prefix(&self, prefix: impl Into<String>) {
        self.failures().prefixes.push(prefix.into());
    }

    /// Cancels every planned failure: pending `fail_next`, the rate and the prefixes.
    pub fn clear_failures(&self) {
        *self.failures() = FailurePlan::default();
    }

    fn failures(&self) -> MutexGuard<'_, FailurePlan> {
        self.0
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn random(&self) -> MutexGuard<'_, StdRng> {
        self.0
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts one request: waits for a concurrency slot, counts the request, waits out the
    /// round trip, fails it if the plan says so, then waits out the transfer of `upload`
    /// payload bytes. The returned hold keeps the slot until dropped.
    pub(crate) async fn start(
        &self,
        kind: RequestKind,
        path: &Path,
        upload: u64,
    ) -> object_store::Result<InFlight> {
        let hold = self.enter().await;
        self.round_trip(kind, path).await?;
        if upload > 0 {
            self.0.counters.written(upload);
            self.transfer(upload).await;
        }
        Ok(hold)
    }

    /// Waits for a concurrency slot and counts one request in flight, for a caller that
    /// waits out its round trip itself. The returned hold keeps the slot until dropped.
    pub(crate) async fn enter(&self) -> InFlight {
        let slot = match &self.0.slots {
            // The semaphore is never closed, so acquiring only fails in theory.
            Some(slots) => slots.clone().acquire_owned().await.ok(),
            None => None,
        };
        self.0.counters.enter();
        InFlight {
            shared: self.0.clone(),
            _slot: slot,
        }
    }

    /// One more round trip within a request already started (the next page of a list):
    /// counted, delayed and subject to failure like a new request.
    pub(crate) async fn round_trip(
        &self,
        kind: RequestKind,
        path: &Path,
    ) -> object_store::Result<()> {
        self.0.counters.request(kind);
        let delay = self.0.config.latency + self.jitter();
        sleep(delay).await;
        let failure = {
            let mut plan = self.failures();
            plan.decide(kind, path.as_ref(), || self.random().gen::<f64>())
        };
        match failure {
            Some(failure) => {
                self.0.counters.injected_failure();
                Err(failure.into_store_error())
            }
            None => Ok(()),
        }
    }

    /// Counts `bytes` of a body delivered to a reader and waits out their transfer.
    pub(crate) async fn deliver(&self, bytes: u64) {
        self.0.counters.read(bytes);
        self.transfer(bytes).await;
    }

    async fn transfer(&self, bytes: u64) {
        if let Some(bandwidth) = self.0.config.bandwidth {
            sleep(Duration::from_secs_f64(bytes as f64 / bandwidth as f64)).await;
        }
    }

    fn jitter(&self) -> Duration {
        let max = self.0.config.jitter;
        if max.is_zero() {
            return Duration::ZERO;
        }
        let fraction: f64 = self.random().gen_range(0.0..=1.0);
        max.mul_f64(fraction)
    }
}

/// Sleeps on the runtime's clock (never blocking a thread), skipping zero waits.
async fn sleep(duration: Duration) {
    if !duration.is_zero() {
        tokio::time::sleep(duration).await;
    }
}
