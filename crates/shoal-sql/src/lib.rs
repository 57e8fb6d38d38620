//! # shoal-sql
//!
//! Shoal's SQL, on DataFusion.
//!
//! - Filters: where-clauses parsed, type-checked and compiled once against a dataset's
//!   schema ([`SqlFilter`], a [`shoal_dataset::RowFilter`]), then evaluated on the batches
//!   the dataset reads. Comparisons follow SQL's float semantics as PostgreSQL and DuckDB
//!   have them (-0.0 = 0.0; NaN = NaN, above every number).
//! - Updates and computed columns: `SET` assignments ([`SqlUpdate`], a
//!   [`shoal_dataset::RowUpdate`]) and new columns' expressions ([`SqlColumns`], a
//!   [`shoal_dataset::ColumnMaker`]) compiled the same way.
//! - Queries: [`SqlSession`] registers datasets as tables ([`ShoalTable`], a DataFusion
//!   table provider) and runs queries over them, joins and aggregates included, as a
//!   [`SqlStream`] of batches. Scans read only the columns a query uses, skip the pages its
//!   filters rule out, stop at its limit, and run fragment groups in parallel.
//!
//! Everything DataFusion's SQL expressions offer works in a filter: boolean logic,
//! comparisons, `IN`, `BETWEEN`, `IS [NOT] NULL`, `LIKE`/`ILIKE`, regular expressions, casts,
//! date and timestamp literals and arithmetic, string and math functions, struct fields
//! (`meta.source = 'x'`) and list functions (`array_has(tags, 'x')`).

mod columns;
mod errors;
mod expr;
mod filter;
mod floats;
mod pruning;
mod query;
mod rewrite;
mod table;
mod update;

pub use columns::SqlColumns;
pub use filter::SqlFilter;
pub use query::{SqlSession, SqlStream};
pub use table::ShoalTable;
pub use update::SqlUpdate;
