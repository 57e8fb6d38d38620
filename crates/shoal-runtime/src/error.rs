//! What can go wrong handing work to the runtimes.

/// An error of the runtimes and pools.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// A blocking Shoal call was made from inside an async context (a tokio task, an
    /// `async fn`), where blocking the thread could deadlock the caller's runtime.
    #[error(
        "a blocking Shoal call was made from inside an async context; use the async API \
         (or call it from a thread that is not running async tasks)"
    )]
    InsideAsyncContext,

    /// The work panicked; the panic was caught and is reported here.
    #[error("{pool} task panicked: {message}")]
    Panicked { pool: String, message: String },

    /// A thread or runtime could not be started.
    #[error("cannot start {what}: {reason}")]
    Start { what: String, reason: String },

    /// The configuration was given after the runtimes had started, or is invalid.
    #[error("{0}")]
    Config(String),
}

impl RuntimeError {
    /// The message of a caught panic payload.
    pub fn panicked(pool: &str, payload: Box<dyn std::any::Any + Send>) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        RuntimeError::Panicked {
            pool: pool.to_string(),
            message,
        }
    }
}
