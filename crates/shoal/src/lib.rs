//! # shoal
//!
//! Shoal is an embedded columnar store for AI data (vectors, text, bytes, tables), on local
//! disk or any object store. This crate is its public API.
//!
//! - [`connect`] opens a [`Connection`]: the tables under a directory or object-store prefix
//!   (`/path`, `file://`, `memory://NAME/prefix`, `s3://bucket/prefix`).
//! - A [`Table`] adds, deletes and updates rows, one atomic version per change; checks out
//!   old versions and tags; builds vector indices; and is read with a [`Query`]: columns, a
//!   SQL filter, a window of rows, or the nearest neighbours of a vector.
//! - Every call is `async` and runs on Shoal's own runtimes, whatever runtime awaits it;
//!   [`blocking`] has the same calls for code that is not async.
//! - Every failure is one [`Error`] whose [`kind`](Error::kind) says what to do about it.
//! - A table may make a vector column from a text column with an [`embedding`] function,
//!   on `add` and for [`Table::search_text`]; models never run on Shoal's runtimes.
//! - [`advanced`] holds the layers underneath (the phases of a scan, single files, SQL over
//!   several tables) for callers who compose them.
//!
//! ## A tour
//!
//! ```
//! use std::sync::Arc;
//!
//! use arrow_array::{types::Float32Type, FixedSizeListArray, Int64Array, RecordBatch, StringArray};
//! use futures::TryStreamExt;
//! use shoal::{AddMode, CreateMode, OptimizeOptions};
//!
//! fn rows(ids: std::ops::Range<i64>) -> RecordBatch {
//!     let vectors = ids.clone().map(|i| Some(vec![Some(i as f32), Some(0.5), Some(-1.0)]));
//!     let vectors = FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(vectors, 3);
//!     let labels = ids.clone().map(|i| if i % 2 == 0 { "even" } else { "odd" });
//!     RecordBatch::try_from_iter([
//!         ("id", Arc::new(Int64Array::from_iter_values(ids)) as _),
//!         ("label", Arc::new(StringArray::from_iter_values(labels)) as _),
//!         ("vector", Arc::new(vectors) as _),
//!     ])
//!     .unwrap()
//! }
//!
//! # shoal_runtime::block_on(async {
//! // Connect (a directory on local disk works the same way) and create a table.
//! let db = shoal::connect("memory://tour/db", Default::default()).await?;
//! let table = db.create_table("items", rows(0..100), CreateMode::Create).await?;
//!
//! // Add rows: a new version.
//! table.add(rows(100..200), AddMode::Append).await?;
//! assert_eq!(table.count_rows(None).await?, 200);
//!
//! // The 3 nearest neighbours of a vector among the even rows.
//! let hits: Vec<RecordBatch> = table
//!     .search(vec![41.0, 0.5, -1.0])
//!     .filter("label = 'even'")
//!     .limit(3)
//!     .execute()
//!     .await?
//!     .try_collect()
//!     .await?;
//! assert_eq!(hits[0].num_rows(), 3);
//!
//! // Update with SQL expressions, then delete.
//! assert_eq!(table.update(&["label = upper(label)"], Some("id < 10")).await?, 10);
//! assert_eq!(table.delete("id >= 150").await?, 50);
//!
//! // Upsert by key: ids 190..210 replace 190..199 (deleted above, so inserted) and add 200..209.
//! let stats = table
//!     .merge_insert(&["id"])
//!     .when_matched_update_all()
//!     .when_not_matched_insert_all()
//!     .execute(rows(140..210))
//!     .await?;
//! assert_eq!((stats.updated, stats.inserted), (10, 60));
//!
//! // A column computed by SQL from the others; no other column is rewritten.
//! table.add_columns(&[("id_squared", "id * id")]).await?;
//! assert_eq!(table.count_rows(Some("id_squared > 40000")).await?, 9);
//!
//! // Time travel: version 2 still has 200 rows and no new column; restore it as the newest.
//! let latest = table.version();
//! table.checkout(2).await?;
//! assert_eq!(table.count_rows(None).await?, 200);
//! assert!(table.schema().field_with_name("id_squared").is_err());
//! table.checkout_latest().await?;
//! assert_eq!(table.version(), latest);
//!
//! // Compact, catch indices up, clean up.
//! table.optimize(OptimizeOptions::default()).await?;
//! assert_eq!(table.count_rows(Some("label = 'EVEN'")).await?, 5);
//! assert_eq!(table.count_rows(None).await?, 210);
//!
//! // Make version 2 the newest again (after the compaction's version).
//! table.checkout(2).await?;
//! table.restore().await?;
//! assert_eq!((table.count_rows(None).await?, table.version()), (200, latest + 2));
//! # Ok::<_, shoal::Error>(())
//! # }).unwrap().unwrap();
//! ```

pub mod advanced;
mod background;
pub mod blocking;
mod connection;
mod data;
pub mod embedding;
mod error;
mod filter;
mod names;
mod query;
mod table;
mod write;

pub use connection::{
    connect, ConnectOptions, Connection, CreateMode, CreateTableOptions, TableNamesOptions,
};
pub use data::TableData;
pub use error::{Error, ErrorKind, Result};
pub use query::{Query, QueryStats, QueryStream, DEFAULT_SEARCH_LIMIT};
pub use shoal_dataset::{
    CleanupStats, ColumnAlteration, CompactOptions, IndexParams, MergeInsertStats, Metric,
    PhaseStats, Progress, ProgressCallback, ScanStats, SearchStats, Tag, WriteParams,
    DEFAULT_NPROBES, DEFAULT_REFINE_FACTOR, DEFAULT_SCAN_BUDGET_BYTES, DEFAULT_VECTOR_CACHE_BYTES,
    DISTANCE_COLUMN, ROW_ADDRESS_COLUMN,
};
pub use shoal_format::{Compression, WriteOptions, DEFAULT_PAGE_SIZE};
pub use shoal_io::{SimConfig, SimCounters, Simulation, StorageOptions};
pub use table::{
    AddMode, FragmentInfo, IndexInfo, MergeInsert, OptimizeOptions, OptimizeStats, Table,
    TableStats, VersionInfo, VersionRef,
};
