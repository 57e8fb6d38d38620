//! Embedding functions: how a table makes a vector column from a text column, on `add` and
//! for a query text, without a model ever running on a runtime thread (rule 4 of the design).
//!
//! - [`EmbeddingFunction`] is a function (a name, a dimension, one call returning an
//!   [`EmbedCall`]: a blocking job or a future); [`register`] makes one available by name.
//!   Built in: `hash` (no model), `openai` (OpenAI-compatible HTTP endpoints),
//!   `sentence-transformers` (a local BERT-family model run on the CPU with candle).
//! - [`EmbeddingDefinition`] ties a function and its JSON parameters to a text column and a
//!   vector column; a table keeps its definitions in its schema metadata
//!   ([`EMBEDDINGS_METADATA_KEY`]), so reopening it rebuilds the function.
//!   [`EmbeddingOptions`] say how calls run: batch size, pool size, retries, timeout.
//! - `embedder.rs` runs calls (blocking ones on a dedicated named pool per function, async
//!   ones under a semaphore), `retry.rs` retries transient failures, `columns.rs` computes
//!   the vector columns of rows being written, [`embed_text`] the vector of a query text.

mod columns;
mod definition;
mod embedder;
mod function;
mod hash;
mod openai;
mod query;
mod registry;
mod retry;
mod sentence_transformers;

pub(crate) use columns::Embeddings;
pub use columns::RowEmbedder;
pub use definition::{
    definitions_of, EmbeddingDefinition, EmbeddingOptions, EMBEDDINGS_METADATA_KEY,
};
pub use function::{EmbedCall, EmbedError, EmbeddingFunction, Vectors};
pub use query::embed_text;
pub use registry::{register, EmbeddingFactory};
