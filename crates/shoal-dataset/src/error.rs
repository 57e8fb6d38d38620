//! The error type of the pipelines: format and storage errors with the file they are about.
//!
//! Each message says everything, the underlying error's text included, so no variant exposes
//! that error again as its `source()`: a chain printer (anyhow's `{:#}`) would repeat it.

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

    /// The URI names a file (an object) where a dataset directory was expected.
    #[error("'{uri}' is a file, not a dataset directory")]
    NotADatasetDirectory { uri: String },

    /// A dataset was to be created where something else already is.
    #[error(
        "'{uri}' holds no dataset but is not empty (found {found}); create the dataset in a \
         new or empty location"
    )]
    LocationNotEmpty {
        uri: String,
        /// A few of the entries found, quoted, relative to the location.
        found: String,
    },

    /// The `_latest` hint records a version whose manifest is gone, and no newer one exists:
    /// serving an older version would be a silent rollback, and the next commit would reuse
    /// the number.
    #[error(
        "'{uri}': version {version} is recorded as the latest but its manifest '{manifest}' is \
         missing, so the dataset cannot be opened safely (restore the manifest)"
    )]
    LatestManifestMissing {
        uri: String,
        version: u64,
        manifest: String,
    },

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

    /// A where-clause that cannot be parsed, names no column of the schema, or is not true
    /// or false for each row.
    #[error("invalid filter \"{filter}\": {reason}")]
    InvalidFilter { filter: String, reason: String },

    /// An update's assignments that do not parse, name a missing column, or compute values
    /// the column cannot hold.
    #[error("invalid update \"{assignments}\": {reason}")]
    InvalidUpdate { assignments: String, reason: String },

    /// A schema change that cannot be made: no column named, a column named twice, every
    /// column dropped, a new name already taken, an all-null column that is not nullable.
    #[error("'{uri}': cannot {operation}: {reason}")]
    InvalidSchemaChange {
        uri: String,
        /// What was asked: `drop columns a, b`, `alter columns`, `add columns c`.
        operation: String,
        reason: String,
    },

    /// A column's type change that could fail or lose information on some value.
    #[error(
        "'{uri}': column '{column}' cannot be cast from {from} to {to}: only casts that cannot \
         fail or lose information are allowed (wider integers, integers to a float that holds \
         them exactly, wider floats, large strings, binaries and lists)"
    )]
    UnsafeCast {
        uri: String,
        column: String,
        from: String,
        to: String,
    },

    /// A column to be made non-nullable holds nulls.
    #[error(
        "'{uri}': column '{column}' cannot be made non-nullable: it holds {nulls} nulls \
         (deleted rows included)"
    )]
    NullsInColumn {
        uri: String,
        column: String,
        nulls: u64,
    },

    /// New columns whose expressions do not compile, or whose values do not fit their
    /// fields.
    #[error("invalid new columns \"{columns}\": {reason}")]
    InvalidNewColumns { columns: String, reason: String },

    /// A SQL query that cannot run: it does not parse, names a table, column or function
    /// that does not exist, mixes types that do not compare, or is not a query at all.
    #[error("invalid query: {reason}")]
    InvalidQuery { reason: String },

    /// A SQL query that failed while it ran, for a reason of its own (a division by zero, a
    /// value that does not cast, memory); storage errors keep their own variants.
    #[error("query failed: {reason}")]
    QueryFailed { reason: String },

    /// A merge-insert source with more than one row of the same key: which one should
    /// win is ambiguous.
    #[error(
        "'{uri}': the merge_insert source has more than one row with key {key} (on {on}); \
         give each key at most one row"
    )]
    DuplicateKey {
        uri: String,
        /// The key columns, comma separated.
        on: String,
        /// The key's values, as `column = value` pairs.
        key: String,
    },

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

    /// A numeric parameter out of its range.
    #[error("{parameter} must be {expected} (got {value})")]
    InvalidParameter {
        /// The parameter's name, as the API spells it (`max_rows_per_file`).
        parameter: &'static str,
        value: String,
        /// What it must be (`at least 1`, `1 to 4294967295`).
        expected: String,
    },

    /// A vector an index would be built from holds NaN or an infinity.
    #[error(
        "'{uri}': column '{column}' has a non-finite value ({value}) in the vector of the row at \
         address {address} (fragment {fragment}, row {row}); an index needs finite vectors: \
         fix or delete that row"
    )]
    NonFiniteVector {
        uri: String,
        column: String,
        /// The row's address (see [`crate::row_address`]).
        address: u64,
        fragment: u64,
        row: u64,
        value: f32,
    },

    /// Arrow failed to assemble a result.
    #[error("arrow: {0}")]
    Arrow(arrow_schema::ArrowError),

    /// Work handed to the runtimes failed (a panic in decoding is reported here, not
    /// propagated), or a blocking call was made from async code.
    #[error(transparent)]
    Runtime(#[from] shoal_runtime::RuntimeError),
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(error: arrow_schema::ArrowError) -> Self {
        Error::Arrow(error)
    }
}

impl Error {
    /// An [`Error::InvalidParameter`].
    pub(crate) fn invalid_parameter(
        parameter: &'static str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            parameter,
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// An [`Error::InvalidParameter`] unless `value` is in `range`.
    pub(crate) fn check_range<T>(
        parameter: &'static str,
        value: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<()>
    where
        T: PartialOrd + std::fmt::Display,
    {
        if range.contains(&value) {
            return Ok(());
        }
        let expected = format!("{} to {}", range.start(), range.end());
        Err(Error::invalid_parameter(parameter, value, expected))
    }

    pub(crate) fn format(uri: &str) -> impl FnOnce(FormatError) -> Error + '_ {
        move |error| Error::Format {
            uri: uri.to_string(),
            error,
        }
    }
}
