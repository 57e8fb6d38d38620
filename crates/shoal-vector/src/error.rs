//! The error type of this crate.

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// An argument is out of range or inconsistent with the others (sizes, counts, values).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Serialized model bytes do not describe a valid model.
    #[error("corrupt index model: {0}")]
    Corrupt(String),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, VectorError>;

/// Shorthand for an [`VectorError::InvalidArgument`] error.
pub(crate) fn invalid(message: impl Into<String>) -> VectorError {
    VectorError::InvalidArgument(message.into())
}
