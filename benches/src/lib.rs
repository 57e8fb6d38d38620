//! Shared pieces of Shoal's benchmark binaries: timing summaries, per-process resource usage,
//! the anchors' metadata file and the take index sets the Python driver writes.
//!
//! The binaries follow the conventions of the anchor harness
//! (`shared/bench/anchors/anchors.py`) so that their numbers can be put beside it: every case
//! runs in a fresh process, reports median / min / max of its timed calls and the first call
//! in that process, and its own peak RSS and user / sys CPU. `ticks` measures how late
//! runtimes and pools get to their work (`poll_watchdog`), and `host` how much CPU time the
//! host of a virtual machine took from it meanwhile.

pub mod anchors;
pub mod host;
pub mod measure;
pub mod ticks;
