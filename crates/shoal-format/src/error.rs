//! The one error type of the format crate.
//!
//! Every failure is a [`FormatError`] variant carrying the context it is about (column, page,
//! byte offset). Corrupt input of any kind maps to [`FormatError::Corrupt`] or
//! [`FormatError::Checksum`]; nothing in this crate panics on bytes read from disk. Each
//! message includes the text of any underlying error, which is therefore not exposed again as
//! `source()` (a chain printer would repeat it).

use arrow_schema::{ArrowError, DataType};

/// Result alias used throughout the crate.
pub type Result<T, E = FormatError> = std::result::Result<T, E>;

/// What went wrong while encoding, parsing, planning or decoding a Shoal file.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The bytes are not a valid Shoal file (truncated, bit-flipped, or not Shoal at all).
    #[error("corrupt Shoal file: {0}")]
    Corrupt(String),

    /// A stored checksum does not match the bytes read.
    #[error("checksum mismatch in {what}: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        what: String,
        stored: u32,
        computed: u32,
    },

    /// The file was written by a format version this build cannot read.
    #[error("unsupported Shoal format version {major}.{minor}: this build reads up to {max_major}.{max_minor}")]
    UnsupportedVersion {
        major: u16,
        minor: u16,
        max_major: u16,
        max_minor: u16,
    },

    /// A column's Arrow type cannot be stored in the format.
    #[error("column '{column}': type {data_type} is not supported by the Shoal format")]
    UnsupportedType { column: String, data_type: DataType },

    /// Two columns, or two fields of one struct, have the same name: the second could never
    /// be reached by name.
    #[error("duplicate column names: {names} (every column, and every field of a struct, needs a unique name)")]
    DuplicateNames {
        /// The duplicated names, quoted, nested ones as paths (`s.x`).
        names: String,
    },

    /// A batch does not match the schema the writer was created with.
    #[error("schema mismatch: {0}")]
    SchemaMismatch(String),

    /// A requested row is past the end of the file.
    #[error("row {row} is out of bounds: the file has {num_rows} rows")]
    RowOutOfBounds { row: u64, num_rows: u64 },

    /// A requested column index does not exist.
    #[error("column index {index} is out of bounds: the file has {num_columns} columns")]
    ColumnOutOfBounds { index: usize, num_columns: usize },

    /// A plan was decoded without the byte range it needs having been fetched.
    #[error("byte range {start}..{end} was needed but not fetched")]
    MissingRange { start: u64, end: u64 },

    /// An error from Arrow while building or validating arrays.
    #[error("arrow: {0}")]
    Arrow(ArrowError),
}

impl From<ArrowError> for FormatError {
    fn from(error: ArrowError) -> Self {
        FormatError::Arrow(error)
    }
}

impl FormatError {
    /// Shorthand for a [`FormatError::Corrupt`] with a formatted message.
    pub(crate) fn corrupt(msg: impl Into<String>) -> Self {
        FormatError::Corrupt(msg.into())
    }
}
