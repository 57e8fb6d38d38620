//! [`Error`]: the one error of the public API, with a [`kind`](Error::kind) a caller can
//! match on and the message of what went wrong underneath.
//!
//! The layers below write complete messages (the URI, the column, the version, the store's
//! own words), so this error shows that message as it is and exposes the lower layers'
//! causes, if any, through [`std::error::Error::source`].

use std::fmt;

/// Result alias of the public API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is, for callers that react differently to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A table, dataset, version, tag or row that does not exist.
    NotFound,
    /// A table, dataset or tag that already exists where one was to be created.
    AlreadyExists,
    /// An argument the call cannot use: a bad name, filter, expression, schema, type or
    /// option. Nothing was changed.
    InvalidInput,
    /// Another writer committed a change this one cannot be combined with; reload and retry.
    Conflict,
    /// Bytes read from storage are not what Shoal wrote: a damaged or foreign file.
    Corrupt,
    /// The store failed a request (network, permissions, credentials, a missing object).
    Storage,
    /// A query failed while it ran (a division by zero, a value that does not cast).
    Execution,
    /// The call was abandoned before it finished (its runtime shut down or it was aborted).
    Cancelled,
    /// A call the threading model forbids (a blocking call inside async code), or work that
    /// panicked and was caught.
    Runtime,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Storage => "storage",
            ErrorKind::Execution => "execution",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Runtime => "runtime",
        };
        f.write_str(name)
    }
}

/// An error of the public API: a [`kind`](Error::kind) and a message that names what it is
/// about.
pub struct Error {
    kind: ErrorKind,
    inner: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let message: String = message.into();
        Self {
            kind,
            inner: message.into(),
        }
    }

    /// An [`ErrorKind::InvalidInput`] error.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    fn wrap(kind: ErrorKind, inner: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            kind,
            inner: Box::new(inner),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}: {})", self.kind, self.inner)
    }
}

impl std::error::Error for Error {
    /// The cause underneath this error's message, if the layer below kept one apart.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl From<shoal_dataset::Error> for Error {
    fn from(error: shoal_dataset::Error) -> Self {
        use shoal_dataset::Error as E;
        let kind = match &error {
            E::DatasetNotFound { .. }
            | E::VersionNotFound { .. }
            | E::TagNotFound { .. }
            | E::RowNotFound { .. } => ErrorKind::NotFound,
            E::DatasetExists { .. } | E::TagExists { .. } | E::LocationNotEmpty { .. } => {
                ErrorKind::AlreadyExists
            }
            E::ColumnNotFound { .. }
            | E::NotADatasetDirectory { .. }
            | E::SchemaMismatch { .. }
            | E::InvalidFilter { .. }
            | E::InvalidUpdate { .. }
            | E::InvalidQuery { .. }
            | E::InvalidTagName { .. }
            | E::InvalidArgument(_)
            | E::InvalidParameter { .. }
            | E::NonFiniteVector { .. }
            | E::InvalidSchemaChange { .. }
            | E::UnsafeCast { .. }
            | E::NullsInColumn { .. }
            | E::InvalidNewColumns { .. }
            | E::DuplicateKey { .. } => ErrorKind::InvalidInput,
            E::Conflict { .. } | E::TooManyRetries { .. } => ErrorKind::Conflict,
            E::Format { .. } | E::LatestManifestMissing { .. } => ErrorKind::Corrupt,
            E::ChangedWhileOpening { .. } => ErrorKind::Storage,
            E::QueryFailed { .. } | E::Arrow(_) => ErrorKind::Execution,
            E::Io(io) => io_kind(io),
            E::Runtime(_) => ErrorKind::Runtime,
        };
        Self::wrap(kind, error)
    }
}

fn io_kind(error: &shoal_io::IoError) -> ErrorKind {
    use shoal_io::IoError as E;
    match error {
        E::UnsupportedScheme { .. } | E::InvalidUri { .. } | E::InvalidOption { .. } => {
            ErrorKind::InvalidInput
        }
        E::ShortRead { .. } => ErrorKind::Corrupt,
        _ => ErrorKind::Storage,
    }
}

impl From<shoal_io::IoError> for Error {
    fn from(error: shoal_io::IoError) -> Self {
        Self::wrap(io_kind(&error), error)
    }
}

impl From<shoal_runtime::RuntimeError> for Error {
    fn from(error: shoal_runtime::RuntimeError) -> Self {
        Self::wrap(ErrorKind::Runtime, error)
    }
}

impl From<arrow_schema::ArrowError> for Error {
    /// Arrow's own errors are invalid input; an error a caller's reader passed through Arrow
    /// (`ArrowError::ExternalError`) comes out as it went in: a Shoal error keeps its kind,
    /// any other keeps its message and causes, without Arrow's prefix.
    fn from(error: arrow_schema::ArrowError) -> Self {
        match error {
            arrow_schema::ArrowError::ExternalError(inner) => match inner.downcast::<Error>() {
                Ok(error) => *error,
                Err(inner) => Self {
                    kind: ErrorKind::InvalidInput,
                    inner,
                },
            },
            error => Self::wrap(ErrorKind::InvalidInput, error),
        }
    }
}
