//! A simulated store: wraps any store to behave like a remote one (latency, bandwidth,
//! jitter, a concurrency cap, injected failures) and counts what goes through it, so tests
//! and benchmarks can emulate S3 on one machine and see how many requests a path costs.
//!
//! [`SimConfig`] holds the settings (parsable from `latency=20ms,bandwidth=100MB/s,...`),
//! [`Simulation`] the shared state (slots, failures, counters), [`SimulatedStore`] the
//! `ObjectStore` wrapper. All waiting is on tokio's clock, so tests with a paused clock run
//! instantly and measure exactly.

mod config;
mod counters;
mod failure;
mod simulation;
mod store;

pub use config::SimConfig;
pub use counters::{RequestKind, SimCounters};
pub use failure::SimulatedFailure;
pub use simulation::Simulation;
pub use store::SimulatedStore;

/// The store name in errors a simulation makes.
const STORE_NAME: &str = "SimulatedStore";
