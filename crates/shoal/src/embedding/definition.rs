//! [`EmbeddingDefinition`]: how a table makes one vector column from one text column, and
//! [`EmbeddingOptions`], how the calls run. Both live as JSON in the table's Arrow schema
//! metadata under [`EMBEDDINGS_METADATA_KEY`], so any process that opens the table (the CLI,
//! the Python package) rebuilds the same function. Secrets are never written there: a
//! function's parameters name the environment variable that holds them.

use std::collections::HashMap;
use std::time::Duration;

use arrow_schema::Schema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The schema metadata key holding a table's embedding definitions (a JSON array).
pub const EMBEDDINGS_METADATA_KEY: &str = "shoal:embeddings";

/// One vector column computed from one text column by a registered function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingDefinition {
    /// The text column (`utf8` or `large_utf8`) embedded.
    pub source_column: String,
    /// The vector column made (a fixed-size list of `float32`, nullable).
    pub vector_column: String,
    /// The function's name in the registry (`hash`, `openai`, `sentence-transformers`, or
    /// one registered with [`register`](super::register)).
    pub function: String,
    /// The function's parameters, as its factory reads them (never a secret).
    #[serde(default)]
    pub params: serde_json::Value,
    /// How calls run: batch size, pool, retries.
    #[serde(default)]
    pub options: EmbeddingOptions,
}

impl EmbeddingDefinition {
    /// `function` with `params`, from `source_column` into `vector_column`, default options.
    pub fn new(
        source_column: &str,
        vector_column: &str,
        function: &str,
        params: serde_json::Value,
    ) -> Self {
        Self {
            source_column: source_column.to_string(),
            vector_column: vector_column.to_string(),
            function: function.to_string(),
            params,
            options: EmbeddingOptions::default(),
        }
    }

    /// The same definition with `options`.
    pub fn with_options(mut self, options: EmbeddingOptions) -> Self {
        self.options = options;
        self
    }
}

/// How an embedding function's calls run. Every field has a default, so a definition may
/// give only some of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingOptions {
    /// Texts per call (default 64).
    pub batch_size: usize,
    /// Threads of the function's dedicated pool, for blocking functions (default 1: a
    /// local model parallelizes inside a call; raise it for a synchronous network client).
    /// Calls beyond it wait their turn; the pool is named `shoal-embed-<function>-<threads>`.
    /// On Linux its threads (and threads they start, a model's own) run ten nice steps
    /// below Shoal's own threads, so that a model competing for a core yields it to queries.
    pub threads: usize,
    /// Calls in flight at once, for async functions (default 4).
    pub concurrency: usize,
    /// Tries per call, the first included (default 5).
    pub max_attempts: u32,
    /// Longest wait for one try, in milliseconds (default 60,000).
    pub timeout_ms: u64,
    /// The first backoff, in milliseconds, doubled after each transient failure up to 10 s,
    /// with full jitter (default 200).
    pub backoff_ms: u64,
}

impl Default for EmbeddingOptions {
    fn default() -> Self {
        Self {
            batch_size: 64,
            threads: 1,
            concurrency: 4,
            max_attempts: 5,
            timeout_ms: 60_000,
            backoff_ms: 200,
        }
    }
}

impl EmbeddingOptions {
    /// The per-try timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// The embedding definitions a schema's metadata holds (none when it has no such key).
pub fn definitions_of(schema: &Schema) -> Result<Vec<EmbeddingDefinition>> {
    match schema.metadata().get(EMBEDDINGS_METADATA_KEY) {
        None => Ok(Vec::new()),
        Some(json) => serde_json::from_str(json).map_err(|e| {
            Error::invalid(format!(
                "the schema's '{EMBEDDINGS_METADATA_KEY}' metadata is not a list of embedding \
                 definitions: {e}"
            ))
        }),
    }
}

/// `metadata` with `definitions` written under [`EMBEDDINGS_METADATA_KEY`].
pub(crate) fn with_definitions(
    mut metadata: HashMap<String, String>,
    definitions: &[EmbeddingDefinition],
) -> HashMap<String, String> {
    let json = serde_json::to_string(definitions).expect("definitions serialize to JSON");
    metadata.insert(EMBEDDINGS_METADATA_KEY.to_string(), json);
    metadata
}
