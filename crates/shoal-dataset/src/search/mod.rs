//! Vector search: the k nearest rows of a `fixed_size_list<float32>` column to one or more
//! query vectors, by L2, cosine or dot distance ([`shoal_vector::Metric`]).
//!
//! Without an index the search is flat and exact (`flat`): the scan pipeline reads only the
//! vector column, batches are scored on the CPU pool as they arrive, per-batch top-k lists
//! are merged, and only the winners' other columns are fetched, by take, unless they are
//! narrow enough to read with the vectors (`carried`). With an IVF-PQ
//! index on the column (`ivf`, `index_file`; built by `Dataset::create_index`), the
//! fragments it covers are searched through it and the rest (appended since) flat, and the
//! two merged, so no row is missed; deleted rows never appear. A filter applies before the
//! search (the matching rows found first, every other row skipped) or after it
//! (`postfilter`).
//!
//! Indices: `index_build` trains, encodes and commits them ([`Dataset::create_index`],
//! [`Dataset::optimize_index`]); `index_coverage` says what an index still covers of a
//! version after deletes and compactions ([`Manifest::index_coverage`]).
//!
//! [`Dataset::create_index`]: crate::Dataset::create_index
//! [`Dataset::optimize_index`]: crate::Dataset::optimize_index
//! [`Manifest::index_coverage`]: crate::Manifest::index_coverage

mod carried;
mod flat;
pub(crate) mod index_build;
pub(crate) mod index_coverage;
mod index_file;
mod ivf;
mod postfilter;
mod query;
mod vector_search;

pub(crate) use index_file::IvfPqIndex;
pub(crate) use query::{batches_in_flight, vectors_of, VectorColumn};
pub use vector_search::{
    SearchResults, SearchStats, VectorSearch, DEFAULT_NPROBES, DEFAULT_REFINE_FACTOR,
    DISTANCE_COLUMN,
};
