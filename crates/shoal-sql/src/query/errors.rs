//! DataFusion's errors about a query as Shoal's, one line each: what the query says wrong
//! as [`Error::InvalidQuery`], what failed while it ran as [`Error::QueryFailed`], and a
//! scan's own error (storage, a damaged file) as itself.

use datafusion::error::DataFusionError;
use shoal_dataset::Error;

use crate::table::ScanFailures;

/// An error met while parsing or planning a query.
pub(crate) fn invalid(error: &DataFusionError) -> Error {
    Error::InvalidQuery {
        reason: reason(error),
    }
}

/// An error met while running a query: the first error of its scans if they had one (the
/// cause of the others), else DataFusion's own.
pub(crate) fn failed(error: &DataFusionError, failures: &ScanFailures) -> Error {
    failures.take().unwrap_or_else(|| Error::QueryFailed {
        reason: reason(error),
    })
}

/// What went wrong, on one line, without DataFusion's wrapping.
fn reason(error: &DataFusionError) -> String {
    let text = match error.find_root() {
        DataFusionError::SQL(e, _) => e.to_string(),
        root => root.message().replace("?.", "?"),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
