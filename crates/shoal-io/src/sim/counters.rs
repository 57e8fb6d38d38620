//! What a simulated store counts: requests by kind, bytes each way, injected failures, and
//! the most requests ever in flight at once.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The kind of a request, as an S3-like store would bill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A GET of a whole object.
    Get,
    /// A GET of a byte range (suffix reads included). A multi-range read is one of these per
    /// coalesced range.
    GetRange,
    /// A HEAD: size and metadata only.
    Head,
    /// A PUT, or one step of a multipart upload (create, each part, complete).
    Put,
    /// One page (up to 1,000 entries) of a LIST.
    List,
    /// A DELETE of one object (and the abort of a multipart upload).
    Delete,
    /// A server-side copy or rename.
    Copy,
}

impl RequestKind {
    pub const ALL: [RequestKind; 7] = [
        RequestKind::Get,
        RequestKind::GetRange,
        RequestKind::Head,
        RequestKind::Put,
        RequestKind::List,
        RequestKind::Delete,
        RequestKind::Copy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Get => "get",
            RequestKind::GetRange => "get_range",
            RequestKind::Head => "head",
            RequestKind::Put => "put",
            RequestKind::List => "list",
            RequestKind::Delete => "delete",
            RequestKind::Copy => "copy",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A snapshot of a simulation's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimCounters {
    requests: [u64; RequestKind::ALL.len()],
    /// Body bytes delivered to readers.
    pub bytes_read: u64,
    /// Payload bytes sent by writers.
    pub bytes_written: u64,
    /// Requests failed on purpose (transient and permanent).
    pub injected_failures: u64,
    /// The most requests in flight at once since the last reset.
    pub peak_in_flight: usize,
}

impl SimCounters {
    /// Requests of one kind.
    pub fn requests(&self, kind: RequestKind) -> u64 {
        self.requests[kind.index()]
    }

    /// Requests of every kind.
    pub fn total_requests(&self) -> u64 {
        self.requests.iter().sum()
    }
}

impl fmt::Display for SimCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} requests (", self.total_requests())?;
        let mut first = true;
        for kind in RequestKind::ALL {
            let n = self.requests(kind);
            if n > 0 {
                write!(f, "{}{kind} {n}", if first { "" } else { ", " })?;
                first = false;
            }
        }
        write!(
            f,
            "), {} bytes read, {} bytes written, {} injected failures, peak {} in flight",
            self.bytes_read, self.bytes_written, self.injected_failures, self.peak_in_flight
        )
    }
}

/// The live counters, updated by concurrent requests.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: [AtomicU64; RequestKind::ALL.len()],
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
    injected_failures: AtomicU64,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

impl Counters {
    pub(crate) fn request(&self, kind: RequestKind) {
        self.requests[kind.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn read(&self, bytes: u64) {
        self.bytes_read.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn written(&self, bytes: u64) {
        self.bytes_written.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn injected_failure(&self) {
        self.injected_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn enter(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    }

    pub(crate) fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn snapshot(&self) -> SimCounters {
        SimCounters {
            requests: std::array::from_fn(|i| self.requests[i].load(Ordering::Relaxed)),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_written: self.bytes_written.load(Ordering::Relaxed),
            injected_failures: self.injected_failures.load(Ordering::Relaxed),
            peak_in_flight: self.peak_in_flight.load(Ordering::SeqCst),
        }
    }

    /// Zeroes everything but the requests now in flight (the peak restarts from them).
    pub(crate) fn reset(&self) {
        for n in &self.requests {
            n.store(0, Ordering::Relaxed);
        }
        self.bytes_read.store(0, Ordering::Relaxed);
        self.bytes_written.store(0, Ordering::Relaxed);
        self.injected_failures.store(0, Ordering::Relaxed);
        self.peak_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}
