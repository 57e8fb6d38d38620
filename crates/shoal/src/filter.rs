//! SQL where-clauses and assignments of the public API, compiled against a version's schema
//! before any I/O, so a bad one fails at once with the column or token it trips on.

use std::sync::Arc;

use shoal_dataset::{Dataset, RowFilter, RowUpdate};
use shoal_sql::{SqlFilter, SqlUpdate};

use crate::error::Result;

/// `text` as a filter over `dataset`'s rows, or `None` for no filter.
pub(crate) fn parse(dataset: &Dataset, text: Option<&str>) -> Result<Option<Arc<dyn RowFilter>>> {
    let Some(text) = text else {
        return Ok(None);
    };
    let filter = SqlFilter::new(text, &dataset.schema(), dataset.uri())?;
    Ok(Some(Arc::new(filter)))
}

/// `assignments` (`"column = expression"` each) as an update of `dataset`'s rows.
pub(crate) fn assignments<S: AsRef<str>>(
    dataset: &Dataset,
    assignments: &[S],
) -> Result<Arc<dyn RowUpdate>> {
    let update = SqlUpdate::new(assignments, &dataset.schema(), dataset.uri())?;
    Ok(Arc::new(update))
}
