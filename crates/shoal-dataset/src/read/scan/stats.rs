//! What a scan spent, per phase: collected while it runs, read as a [`ScanStats`] snapshot.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use shoal_io::ReadCost;

/// Requests, bytes and time of one phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhaseStats {
    /// For the open and plan phases, their wall time; for fetch and decode, which overlap
    /// across tasks, the sum of the time each task spent in the phase.
    pub time: Duration,
    /// Requests issued (after coalescing).
    pub requests: u64,
    /// Bytes read from storage.
    pub bytes: u64,
}

/// What a scan spent, per phase (see [`PhaseStats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Phase 1: opening fragments (file metadata and deletion vectors), cache misses only.
    pub open: PhaseStats,
    /// Fragments whose metadata came from the session cache, with no I/O.
    pub open_cached: u64,
    /// Phase 2: planning read tasks (CPU only).
    pub plan: PhaseStats,
    /// Phase 3: data I/O.
    pub fetch: PhaseStats,
    /// Phase 4: decoding (and dropping deleted rows), on the CPU pool.
    pub decode: PhaseStats,
    /// Time tasks spent waiting for the byte budget before their I/O could start.
    pub budget_wait: Duration,
    /// The most bytes reserved from the budget at once.
    pub peak_bytes_in_flight: u64,
    /// Pages of a filtered scan's filter columns never read because their statistics
    /// proved that no row in them matches.
    pub pages_pruned: u64,
    /// Fragments of a filtered scan none of whose rows were read, for the same reason.
    pub fragments_pruned: u64,
    /// Read tasks planned and batches produced.
    pub tasks: u64,
    pub batches: u64,
    pub rows: u64,
    /// From the start of opening to the last batch.
    pub wall: Duration,
}

impl ScanStats {
    /// Emits these stats as one `tracing` event (target `shoal::scan`) ending the read
    /// named `what` ("scan" or "take").
    pub(crate) fn emit(&self, what: &'static str) {
        tracing::info!(
            target: "shoal::scan",
            read = what,
            rows = self.rows,
            batches = self.batches,
            wall_ms = self.wall.as_secs_f64() * 1e3,
            open_ms = self.open.time.as_secs_f64() * 1e3,
            open_requests = self.open.requests,
            open_bytes = self.open.bytes,
            fetch_ms = self.fetch.time.as_secs_f64() * 1e3,
            fetch_requests = self.fetch.requests,
            fetch_bytes = self.fetch.bytes,
            decode_ms = self.decode.time.as_secs_f64() * 1e3,
            budget_wait_ms = self.budget_wait.as_secs_f64() * 1e3,
            pages_pruned = self.pages_pruned,
            fragments_pruned = self.fragments_pruned,
            peak_bytes_in_flight = self.peak_bytes_in_flight,
            "read finished"
        );
    }
}

/// Counters that tasks add to concurrently.
#[derive(Debug)]
pub(crate) struct Collector {
    started: Instant,
    open: Counters,
    open_cached: AtomicU64,
    plan_nanos: AtomicU64,
    fetch: Counters,
    decode: Counters,
    budget_wait_nanos: AtomicU64,
    pages_pruned: AtomicU64,
    fragments_pruned: AtomicU64,
    tasks: AtomicU64,
    batches: AtomicU64,
    rows: AtomicU64,
    wall_nanos: AtomicU64,
}

#[derive(Debug, Default)]
struct Counters {
    nanos: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Counters {
    fn add(&self, time: Duration, cost: ReadCost) {
        self.nanos
            .fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
        self.requests.fetch_add(cost.requests, Ordering::Relaxed);
        self.bytes.fetch_add(cost.bytes, Ordering::Relaxed);
    }

    fn snapshot(&self) -> PhaseStats {
        PhaseStats {
            time: Duration::from_nanos(self.nanos.load(Ordering::Relaxed)),
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

impl Collector {
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            open: Counters::default(),
            open_cached: AtomicU64::new(0),
            plan_nanos: AtomicU64::new(0),
            fetch: Counters::default(),
            decode: Counters::default(),
            budget_wait_nanos: AtomicU64::new(0),
            pages_pruned: AtomicU64::new(0),
            fragments_pruned: AtomicU64::new(0),
            tasks: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            wall_nanos: AtomicU64::new(0),
        }
    }

    pub(crate) fn opened(&self, time: Duration, cost: ReadCost, cached: u64) {
        self.open.add(time, cost);
        self.open_cached.fetch_add(cached, Ordering::Relaxed);
    }

    pub(crate) fn planned(&self, time: Duration, tasks: u64) {
        self.plan_nanos
            .fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
        self.tasks.fetch_add(tasks, Ordering::Relaxed);
    }

    pub(crate) fn pruned(&self, pages: u64, fragments: u64) {
        self.pages_pruned.fetch_add(pages, Ordering::Relaxed);
        self.fragments_pruned
            .fetch_add(fragments, Ordering::Relaxed);
    }

    pub(crate) fn fetched(&self, time: Duration, cost: ReadCost, budget_wait: Duration) {
        self.fetch.add(time, cost);
        self.budget_wait_nanos
            .fetch_add(budget_wait.as_nanos() as u64, Ordering::Relaxed);
    }

    pub(crate) fn decoded(&self, time: Duration, rows: u64) {
        self.decode.add(time, ReadCost::default());
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.touch();
    }

    /// Marks now as the latest moment the scan did something.
    pub(crate) fn touch(&self) {
        self.wall_nanos
            .fetch_max(self.started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, peak_bytes_in_flight: u64) -> ScanStats {
        ScanStats {
            open: self.open.snapshot(),
            open_cached: self.open_cached.load(Ordering::Relaxed),
            plan: PhaseStats {
                time: Duration::from_nanos(self.plan_nanos.load(Ordering::Relaxed)),
                ..PhaseStats::default()
            },
            fetch: self.fetch.snapshot(),
            decode: self.decode.snapshot(),
            budget_wait: Duration::from_nanos(self.budget_wait_nanos.load(Ordering::Relaxed)),
            peak_bytes_in_flight,
            pages_pruned: self.pages_pruned.load(Ordering::Relaxed),
            fragments_pruned: self.fragments_pruned.load(Ordering::Relaxed),
            tasks: self.tasks.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            rows: self.rows.load(Ordering::Relaxed),
            wall: Duration::from_nanos(self.wall_nanos.load(Ordering::Relaxed)),
        }
    }
}
