//! A dataset version as a DataFusion table: [`ShoalTable`] answers what DataFusion asks of a
//! table (schema, row count, which filters it can take), and its scan reads only what the
//! query needs, fragment groups in parallel partitions.
//!
//! `provider.rs` is the table, `pushdown.rs` decides which filters Shoal evaluates,
//! `partitions.rs` splits the fragments into groups, `exec.rs` is the scan's execution plan,
//! `stream.rs` one partition's batches, and `failures.rs` keeps a scan's own error whole
//! through DataFusion.

mod exec;
mod failures;
mod partitions;
mod provider;
mod pushdown;
mod stream;

pub(crate) use failures::ScanFailures;
pub use provider::ShoalTable;
