//! Scans: the read pipeline of the design, phase by phase.
//!
//! 1. **Open** ([`Scanner::plan`]): every selected fragment's metadata and deletion vector,
//!    read concurrently (up to the fragment readahead at once) at that await, so errors
//!    surface there; fragments already opened in this session come from its cache.
//! 2. **Plan** ([`ScanPlan::tasks`]): read tasks of up to `batch_rows` rows each, with
//!    their byte ranges and decoded-size estimates. CPU only.
//! 3. **Fetch** ([`ReadTask::fetch`]): the task's bytes reserved from the byte budget, then
//!    read through the store's I/O scheduler. I/O only.
//! 4. **Decode** ([`FetchedTask::decode`]): the batch, without deleted rows. CPU only.
//!
//! [`ScanPlan::stream`] composes them: tasks run as I/O-runtime tasks (so their I/O goes on
//! while the consumer is busy), up to the readahead at once, with decoding on the CPU pool
//! and batches in order (or as they finish); tiny scans run inline instead. Each batch
//! holds its bytes of the budget until the consumer drops it. [`ScanStats`] says where the
//! time went.
//!
//! A filtered scan ([`Scanner::filter`]) prunes at phase 2 the row ranges whose page
//! statistics rule out a match (`prune.rs`), and its tasks read late (`filtered.rs`): the
//! filter's columns first, the rest only for matching rows.

mod filtered;
mod plan;
mod prune;
pub(crate) mod stats;
mod stream;
mod task;

pub use plan::{ScanPlan, Scanner, DEFAULT_SCAN_BUDGET_BYTES};
pub use stats::{PhaseStats, ScanStats};
pub use stream::ScanStream;
pub use task::{FetchedTask, ReadTask, ScanBatch};
