//! Column names to column indices, with an error that lists what exists.

use arrow_schema::Schema;

use crate::error::{Error, Result};

/// Indices of the columns `names` of `schema` (all columns when `None`); `uri` names the
/// dataset or file in the error.
pub(crate) fn column_indices<S: AsRef<str>>(
    schema: &Schema,
    names: Option<&[S]>,
    uri: &str,
) -> Result<Vec<usize>> {
    let Some(names) = names else {
        return Ok((0..schema.fields().len()).collect());
    };
    names
        .iter()
        .map(|name| {
            schema
                .index_of(name.as_ref())
                .map_err(|_| Error::ColumnNotFound {
                    uri: uri.to_string(),
                    name: name.as_ref().to_string(),
                    available: schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        })
        .collect()
}
