//! # shoal-sql
//!
//! Shoal's SQL, on DataFusion: where-clauses parsed, type-checked and compiled once against a
//! dataset's schema ([`SqlFilter`], a [`shoal_dataset::RowFilter`]), then evaluated on the
//! batches the dataset reads. Comparisons follow SQL's float semantics as PostgreSQL and
//! DuckDB have them (-0.0 = 0.0; NaN = NaN, above every number).
//!
//! Everything DataFusion's SQL expressions offer works in a filter: boolean logic,
//! comparisons, `IN`, `BETWEEN`, `IS [NOT] NULL`, `LIKE`/`ILIKE`, regular expressions, casts,
//! date and timestamp literals and arithmetic, string and math functions, struct fields
//! (`meta.source = 'x'`) and list functions (`array_has(tags, 'x')`).

mod errors;
mod filter;
mod floats;
mod rewrite;

pub use filter::SqlFilter;
