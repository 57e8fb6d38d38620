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

    /// A background task failed (a panic in decoding is reported here, not propagated).
    #[error("background task failed: {0}")]
    Task(String),
}

impl Error {
    pub(crate) fn format(uri: &str) -> impl FnOnce(FormatError) -> Error + '_ {
        move |error| Error::Format {
            uri: uri.to_string(),
            error,
        }
    }
}
