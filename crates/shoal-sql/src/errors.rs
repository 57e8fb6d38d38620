//! DataFusion's errors as the dataset layer's: a missing column as
//! [`Error::ColumnNotFound`], anything else about the text as [`Error::InvalidFilter`], one
//! line each.

use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use shoal_dataset::Error;

/// `error`, raised while compiling or evaluating `filter` on the dataset at `uri`.
pub(crate) fn filter_error(uri: &str, filter: &str, error: DataFusionError) -> Error {
    match error.find_root() {
        DataFusionError::SchemaError(e, _) => {
            if let SchemaError::FieldNotFound {
                field,
                valid_fields,
            } = e.as_ref()
            {
                return Error::ColumnNotFound {
                    uri: uri.to_string(),
                    name: field.name().to_string(),
                    available: valid_fields
                        .iter()
                        .map(|c| c.name().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                };
            }
            invalid(filter, e.to_string())
        }
        DataFusionError::SQL(e, _) => invalid(filter, syntax(e)),
        root => invalid(filter, root.message().to_string()),
    }
}

/// A syntax error in words: what was expected, and where ("at the end", or the line and
/// column in the text).
fn syntax(error: &ParserError) -> String {
    let text = match error {
        ParserError::ParserError(text) | ParserError::TokenizerError(text) => text.clone(),
        other => other.to_string(),
    };
    let text = text.replace("found: EOF", "found the end of the text");
    format!(
        "syntax error: {}",
        text.replace(" at Line: 1, Column: ", " at column ")
    )
}

/// An [`Error::InvalidFilter`] for `filter`, with `reason` on one line.
pub(crate) fn invalid(filter: &str, reason: String) -> Error {
    Error::InvalidFilter {
        filter: filter.to_string(),
        reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}
