//! What the machine itself took from a measurement: on a virtual machine, the time the host
//! kept the guest's CPUs from running it ("steal", Linux `/proc/stat`). While the host holds
//! a vCPU, every thread on it stops, whatever its priority, and a ticker on it wakes late: a
//! figure of lateness means little without this one beside it.

use std::time::Duration;

/// The kernel's clock ticks per second for `/proc/stat` (`USER_HZ`, 100 on every Linux
/// architecture that matters here).
const USER_HZ: u64 = 100;

/// The CPU time stolen from this machine since boot, summed over its CPUs; `None` where
/// `/proc/stat` does not say (not Linux, or a kernel without steal accounting).
pub fn stolen() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().find(|line| line.starts_with("cpu "))?;
    // cpu user nice system idle iowait irq softirq steal ...
    let ticks: u64 = cpu.split_whitespace().nth(8)?.parse().ok()?;
    Some(Duration::from_millis(ticks * 1000 / USER_HZ))
}

/// The steal between two readings of [`stolen`], as text for a report line.
pub fn stolen_between(before: Option<Duration>, after: Option<Duration>) -> String {
    match (before, after) {
        (Some(b), Some(a)) => format!("{} ms", a.saturating_sub(b).as_millis()),
        _ => "unknown".into(),
    }
}
