//! The I/O scheduler of a store: at most `concurrency` requests in flight, nearby ranges
//! coalesced into one request, and waiting requests served by priority (the batch the
//! consumer needs soonest first).
//!
//! Each store gets one scheduler, built with it (see [`StoreRef`](crate::StoreRef)), with
//! settings for its kind: local disk is served by many small reads and gains little from
//! merging; an object store pays a round trip per request, so gaps of up to a megabyte are
//! cheaper read than asked for separately, and many requests in flight hide the latency.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{FuturesOrdered, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore};

use crate::coalesce::coalesce;
use crate::error::{IoError, Result};
use crate::slots::PrioritySlots;

/// How a scheduler treats its store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Ranges this close (in bytes) are read as one request.
    pub coalesce_gap: u64,
    /// A coalesced request grows to at most this many bytes.
    pub max_request: u64,
    /// Hand all the requests of one read to the store in a single call (one slot): right
    /// for local files, which the store then opens once and reads range by range on one
    /// blocking thread, and for memory; wrong for remote stores, whose requests should run
    /// in parallel.
    pub one_call: bool,
    /// Parts of [`UPLOAD_PART_SIZE`](crate::UPLOAD_PART_SIZE) bytes uploaded at once while
    /// an object is written: what a writer holds in memory beyond its buffer, whatever the
    /// store's speed.
    pub parts_in_flight: usize,
}

impl SchedulerConfig {
    /// Local disk: a read is a system call costing a few microseconds, so only gaps under a
    /// 4 KiB page are worth reading through; the ranges of one read go in one call (one file
    /// open, one blocking thread), and a few dozen reads at once keep an NVMe queue busy. A
    /// disk writes one part after another, so two parts in flight keep it busy; more would
    /// only pile up in memory when the disk is slow.
    pub fn local() -> Self {
        Self {
            concurrency: 32,
            coalesce_gap: 4 * 1024,
            max_request: 16 << 20,
            one_call: true,
            parts_in_flight: 2,
        }
    }

    /// Memory: a read is a slice of a buffer, nothing to merge or to wait for.
    pub fn memory() -> Self {
        Self {
            concurrency: 64,
            coalesce_gap: 0,
            max_request: u64::MAX,
            one_call: true,
            parts_in_flight: 2,
        }
    }

    /// An object store (S3 and the like): each request costs a round trip of tens of
    /// milliseconds, so reading a gap of up to 1 MiB is cheaper than a second request, and 64
    /// requests in flight hide the latency; requests stay within 8 MiB so that large reads
    /// still spread over connections. Eight parts uploaded at once (40 MiB) hide a write's
    /// round trips.
    pub fn object_store() -> Self {
        Self {
            concurrency: 64,
            coalesce_gap: 1 << 20,
            max_request: 8 << 20,
            one_call: false,
            parts_in_flight: 8,
        }
    }
}

/// What one read cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCost {
    /// Requests issued (after coalescing).
    pub requests: u64,
    /// Bytes read, gaps included.
    pub bytes: u64,
}

impl std::ops::AddAssign for ReadCost {
    fn add_assign(&mut self, other: Self) {
        self.requests += other.requests;
        self.bytes += other.bytes;
    }
}

/// The scheduler of one store.
#[derive(Debug)]
pub struct IoScheduler {
    config: SchedulerConfig,
    slots: Arc<PrioritySlots>,
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl IoScheduler {
    pub fn new(config: SchedulerConfig) -> Self {
        Self {
            slots: PrioritySlots::new(config.concurrency),
            config,
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Requests and bytes this scheduler has read so far.
    pub fn total(&self) -> ReadCost {
        ReadCost {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// The most requests it ever had in flight at once.
    pub fn peak_in_flight(&self) -> usize {
        self.slots.peak_in_use()
    }

    /// Reads `ranges` of the object at `path` in `store` (any order; empty ranges read as
    /// empty), coalescing nearby ones; each request waits for a slot by `priority` (lower
    /// first). `uri` names the object in errors. Returns the bytes of each range, in the order
    /// asked, and what the read cost.
    pub async fn read(
        &self,
        store: &dyn ObjectStore,
        path: &Path,
        uri: &str,
        ranges: &[Range<u64>],
        priority: u64,
    ) -> Result<(Vec<Bytes>, ReadCost)> {
        let requests = coalesce(ranges, self.config.coalesce_gap, self.config.max_request);
        let bodies: Vec<Bytes> = if self.config.one_call {
            if requests.is_empty() {
                Vec::new()
            } else {
                let wanted: Vec<Range<u64>> = requests.iter().map(|r| r.range.clone()).collect();
                let _slot = self.slots.acquire(priority).await;
                store
                    .get_ranges(path, &wanted)
                    .await
                    .map_err(|e| IoError::from_store(uri, e))?
            }
        } else {
            let fetches: FuturesOrdered<_> = requests
                .iter()
                .map(|request| async move {
                    let _slot = self.slots.acquire(priority).await;
                    let options = GetOptions {
                        range: Some(GetRange::Bounded(request.range.clone())),
                        ..GetOptions::default()
                    };
                    let result = store
                        .get_opts(path, options)
                        .await
                        .map_err(|e| IoError::from_store(uri, e))?;
                    result
                        .bytes()
                        .await
                        .map_err(|e| IoError::from_store(uri, e))
                })
                .collect();
            fetches.try_collect().await?
        };
        let mut out = vec![Bytes::new(); ranges.len()];
        let mut cost = ReadCost::default();
        for (request, body) in requests.iter().zip(bodies) {
            cost.requests += 1;
            cost.bytes += body.len() as u64;
            for &i in &request.serves {
                let start = (ranges[i].start - request.range.start) as usize;
                let end = (ranges[i].end - request.range.start) as usize;
                if end > body.len() {
                    return Err(IoError::ShortRead {
                        uri: uri.to_string(),
                        range: ranges[i].clone(),
                        got: body.len() as u64,
                    });
                }
                out[i] = body.slice(start..end);
            }
        }
        self.requests.fetch_add(cost.requests, Ordering::Relaxed);
        self.bytes.fetch_add(cost.bytes, Ordering::Relaxed);
        Ok((out, cost))
    }
}
