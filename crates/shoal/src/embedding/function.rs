//! [`EmbeddingFunction`]: what a function that turns texts into vectors tells Shoal (its
//! name and output dimension) and how one call runs ([`EmbedCall`]: a blocking job for the
//! function's own pool, or a future). [`EmbedError`] says whether a failure is worth a retry.

use futures::future::BoxFuture;

/// Vectors of one call, one per text, in order.
pub type Vectors = Vec<Vec<f32>>;

/// A function from texts to vectors of a fixed dimension (`f32` values), named for the
/// registry and for error messages.
///
/// Shoal never calls [`embed`](EmbeddingFunction::embed)'s work on a runtime thread: a
/// [`EmbedCall::Blocking`] job runs on the function's own bounded pool, an
/// [`EmbedCall::Async`] future under its concurrency limit, and either is retried (by calling
/// `embed` again) after a transient error.
pub trait EmbeddingFunction: Send + Sync + 'static {
    /// The name errors and pools are called by (the registry's name, as a rule).
    fn name(&self) -> &str;

    /// The length of every vector it returns.
    fn dim(&self) -> usize;

    /// One call for `texts` (never empty, never null: null texts get null vectors without
    /// a call). Cheap: the work happens when the returned job runs or future is polled.
    fn embed(&self, texts: Vec<String>) -> EmbedCall;
}

/// How one call of an [`EmbeddingFunction`] runs.
pub enum EmbedCall {
    /// Code that may block (a local model, a synchronous client): run on the function's
    /// dedicated pool.
    Blocking(Box<dyn FnOnce() -> Result<Vectors, EmbedError> + Send>),
    /// A future (an async HTTP client): polled on the I/O runtime under the function's
    /// concurrency limit. It must not block.
    Async(BoxFuture<'static, Result<Vectors, EmbedError>>),
}

/// Why a call of an embedding function failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedError {
    message: String,
    transient: bool,
}

impl EmbedError {
    /// A failure that may pass (a timeout, a rate limit, a server error, a reset
    /// connection): retried with backoff.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            transient: true,
        }
    }

    /// A failure that will not pass (bad credentials, a malformed answer, a wrong
    /// dimension): reported at once.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            transient: false,
        }
    }

    /// Whether a retry may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EmbedError {}
