//! # shoal-io
//!
//! Shoal's storage layer. Every file Shoal reads or writes goes through the `object_store`
//! crate, addressed by a URI ([`resolve`], [`resolve_with`]): a plain path or `file://` URI
//! (the embedded default), `memory://NAME/prefix`, or `s3://bucket/prefix`. An
//! [`ObjectLocation`] names one object, or a prefix (a dataset directory) whose objects are
//! its [children](ObjectLocation::child). The whole-object operations a dataset needs take a
//! location: [`put_if_not_exists`] (atomic create), [`put`] (overwrite), [`get`],
//! [`ObjectLocation::size`], [`list`] (or [`list_stream`], to stop early) and [`delete`].
//! [`ObjectReader`] reads a file's suffix (size included, in one request) and byte ranges;
//! [`ObjectWriter`] streams a new file out in parts, so memory stays bounded however large
//! the file. [`SimulatedStore`] wraps any store with latency, bandwidth, a concurrency cap,
//! injected failures and request counters.
//!
//! This crate knows nothing of the file format; `shoal-dataset` composes the two. The
//! `testing` feature (off by default; tests turn it on through their dev-dependencies) adds
//! `testing`, which finds the S3 test server.

mod budget;
mod coalesce;
mod error;
mod location;
mod memory;
mod on_io;
mod ops;
mod options;
mod reader;
mod s3;
mod scheduler;
mod sim;
mod slots;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod uri;
mod writer;

pub use budget::{ByteBudget, Reservation, Ticket};
pub use error::{IoError, Result};
pub use location::ObjectLocation;
pub use ops::{
    copy, delete, get, list, list_children, list_stream, put, put_if_not_exists, ObjectInfo,
};
pub use options::StorageOptions;
pub use reader::ObjectReader;
pub use scheduler::{IoScheduler, ReadCost, SchedulerConfig};
pub use sim::{RequestKind, SimConfig, SimCounters, SimulatedFailure, SimulatedStore, Simulation};
pub use store::StoreRef;
pub use uri::{resolve, resolve_with};
pub use writer::{ObjectWriter, UPLOAD_PART_SIZE};
