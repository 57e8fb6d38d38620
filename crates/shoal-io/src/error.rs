//! Errors of the storage layer, each naming the URI it is about.

/// Result alias of this crate.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

/// A failure to resolve a URI or to read or write an object.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The object does not exist.
    #[error("'{uri}' does not exist")]
    NotFound { uri: String },

    /// The URI names a storage scheme this build does not support.
    #[error(
        "'{uri}': unsupported storage scheme '{scheme}://' \
         (supported: plain paths, file://, memory:// and s3://)"
    )]
    UnsupportedScheme { uri: String, scheme: String },

    /// The URI cannot be turned into an object location.
    #[error("'{uri}' is not a valid location: {reason}")]
    InvalidUri { uri: String, reason: String },

    /// A storage or simulation option has an unusable value.
    #[error("invalid storage option '{option}': {reason}")]
    InvalidOption { option: String, reason: String },

    /// The store returned fewer bytes than a range asked for (the object is shorter than its
    /// metadata says).
    #[error("'{uri}': asked for bytes {range:?}, got {got} bytes")]
    ShortRead {
        uri: String,
        range: std::ops::Range<u64>,
        got: u64,
    },

    /// S3 has no credentials to sign requests with.
    #[error("'{uri}': {reason}")]
    MissingCredentials { uri: String, reason: String },

    /// The store failed the request (with what to check, where the failure says).
    #[error("'{uri}': {error}{}", crate::s3::hint(.uri, .error))]
    Store {
        uri: String,
        error: object_store::Error,
    },
}

impl IoError {
    /// Wraps a store error (its message becomes part of this one's), turning "not found" into [`IoError::NotFound`].
    pub(crate) fn from_store(uri: &str, source: object_store::Error) -> Self {
        match source {
            object_store::Error::NotFound { .. } => IoError::NotFound {
                uri: uri.to_string(),
            },
            error => IoError::Store {
                uri: uri.to_string(),
                error,
            },
        }
    }

    pub(crate) fn invalid_option(option: &str, reason: impl Into<String>) -> Self {
        IoError::InvalidOption {
            option: option.to_string(),
            reason: reason.into(),
        }
    }

    /// The store error underneath, if this is one.
    pub fn store_error(&self) -> Option<&object_store::Error> {
        match self {
            IoError::Store { error, .. } => Some(error),
            _ => None,
        }
    }
}
