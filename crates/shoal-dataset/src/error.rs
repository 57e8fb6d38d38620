//! The error type of the pipelines: format and storage errors with the file they are about.

use shoal_format::FormatError;
use shoal_io::IoError;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong reading or writing Shoal files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file's bytes are not valid, or a batch does not fit the file.
    #[error("'{uri}': {error}")]
    Format { uri: String, error: FormatError },

    /// Storage failed.
    #[error(transparent)]
    Io(#[from] IoError),

    /// A column name that the file does not have.
    #[error("'{uri}' has no column '{name}' (columns: {available})")]
    ColumnNotFound {
        uri: String,
        name: String,
        available: String,
    },

    /// The file changed between two reads of its metadata.
    #[error("'{uri}' changed while it was being opened (size {before}, then {after})")]
    ChangedWhileOpening {
        uri: String,
        before: u64,
        after: u64,
    },

    /// No dataset exists at the URI.
    #[error("no dataset at '{uri}'")]
    DatasetNotFound { uri: String },

    /// A dataset already exists where one was to be created.
    #[error(
        "a dataset already exists at '{uri}' (version {version}); append to it or overwrite it"
    )]
    DatasetExists { uri: String, version: u64 },

    /// The requested version does not exist.
    #[error("'{uri}' has no version {version} (latest is {latest})")]
    VersionNotFound {
        uri: String,
        version: u64,
        latest: u64,
    },

    /// Another writer committed a change this one cannot be combined with.
    #[error("'{uri}': {mine} conflicts with {theirs}, committed concurrently as version {version}; reload and retry")]
    Conflict {
        uri: String,
        mine: String,
        theirs: String,
        version: u64,
    },

    /// Writers kept committing in between: the retries ran out.
    #[error(
        "'{uri}': gave up committing {mine} after {attempts} attempts lost to concurrent writers"
    )]
    TooManyRetries {
        uri: String,
        mine: String,
        attempts: usize,
    },

    /// Batches whose schema differs from the dataset's.
    #[error("'{uri}': schema does not match the dataset: {differences}")]
    SchemaMismatch { uri: String, differences: String },

    /// A `--where` predicate that cannot be parsed or applied.
    #[error("invalid predicate \"{predicate}\": {reason}")]
    InvalidPredicate { predicate: String, reason: String },

    /// A row address or offset that does not name a live row of the version.
    #[error("'{uri}' version {version}: {reason}")]
    RowNotFound {
        uri: String,
        version: u64,
        reason: String,
    },

    /// No tag of that name.
    #[error("'{uri}' has no tag '{name}' (tags: {available})")]
    TagNotFound {
        uri: String,
        name: String,
        available: String,
    },

    /// A tag of that name already exists.
    #[error("'{uri}' already has a tag '{name}' (version {version}); delete it first")]
    TagExists {
        uri: String,
        name: String,
        version: u64,
    },

    /// A tag name that cannot be used.
    #[error("invalid tag name '{name}': {reason}")]
    InvalidTagName { name: String, reason: String },

    /// An argument out of its range (a zero batch size, a target of zero rows).
    #[error("{0}")]
    InvalidArgument(String),

    /// Arrow failed to assemble a result.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),

    /// Work handed to the runtimes failed (a panic in decoding is reported here, not
    /// propagated), or a blocking call was made from async code.
    #[error(transparent)]
    Runtime(#[from] shoal_runtime::RuntimeError),
}

impl Error {
    pub(crate) fn format(uri: &str) -> impl FnOnce(FormatError) -> Error + '_ {
        move |error| Error::Format {
            uri: uri.to_string(),
            error,
        }
    }
}
