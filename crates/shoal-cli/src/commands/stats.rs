//! Printing a scan's or take's statistics: a table for people, one JSON object for scripts.

use std::time::Duration;

use crate::output::outln;
use serde_json::{json, Value};
use shoal::{PhaseStats, ScanStats, SimCounters};

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn phase(p: &PhaseStats) -> Value {
    json!({"ms": ms(p.time), "requests": p.requests, "bytes": p.bytes})
}

/// A scan's or take's statistics (and the simulated store's counters, if any) as JSON.
pub fn read_json(stats: &ScanStats, store: Option<&SimCounters>) -> Value {
    json!({
        "wall_ms": ms(stats.wall),
        "rows": stats.rows,
        "batches": stats.batches,
        "tasks": stats.tasks,
        "open": {
            "ms": ms(stats.open.time),
            "requests": stats.open.requests,
            "bytes": stats.open.bytes,
            "cached_fragments": stats.open_cached,
        },
        "plan": {"ms": ms(stats.plan.time)},
        "fetch": phase(&stats.fetch),
        "decode": {"ms": ms(stats.decode.time)},
        "budget_wait_ms": ms(stats.budget_wait),
        "peak_bytes_in_flight": stats.peak_bytes_in_flight,
        "pages_pruned": stats.pages_pruned,
        "fragments_pruned": stats.fragments_pruned,
        "store": store.map(store_json),
    })
}

/// A simulated store's counters as JSON.
fn store_json(c: &SimCounters) -> Value {
    json!({
        "requests": c.total_requests(),
        "bytes_read": c.bytes_read,
        "peak_in_flight": c.peak_in_flight,
    })
}

/// A read's statistics as lines of text; `what` names it ("scan" or "take"; takes have no
/// byte budget).
pub fn print_read(
    what: &str,
    stats: &ScanStats,
    store: Option<&SimCounters>,
) -> anyhow::Result<()> {
    outln!(
        "{what}: {} rows in {} batches ({} tasks), wall {:.1} ms",
        stats.rows,
        stats.batches,
        stats.tasks,
        ms(stats.wall)
    )?;
    outln!(
        "  open    {:>10.1} ms  {:>6} requests  {:>12} bytes  ({} fragments from cache)",
        ms(stats.open.time),
        stats.open.requests,
        stats.open.bytes,
        stats.open_cached
    )?;
    outln!("  plan    {:>10.1} ms", ms(stats.plan.time))?;
    outln!(
        "  fetch   {:>10.1} ms  {:>6} requests  {:>12} bytes  (summed over tasks)",
        ms(stats.fetch.time),
        stats.fetch.requests,
        stats.fetch.bytes
    )?;
    outln!(
        "  decode  {:>10.1} ms  (summed over tasks)",
        ms(stats.decode.time)
    )?;
    if what == "scan" {
        outln!(
            "  budget  {:>10.1} ms waited, peak {} bytes in flight",
            ms(stats.budget_wait),
            stats.peak_bytes_in_flight
        )?;
    }
    if stats.pages_pruned > 0 || stats.fragments_pruned > 0 {
        outln!(
            "  pruned  {} pages, {} fragments (statistics rule out a match)",
            stats.pages_pruned,
            stats.fragments_pruned
        )?;
    }
    if let Some(c) = store {
        outln!("  store   {c}")?;
    }
    Ok(())
}
