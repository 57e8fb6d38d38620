//! The rule for table names: one path segment a store keeps as it is.

use crate::error::{Error, Result};

/// The longest table name.
const MAX_LEN: usize = 128;

/// Refuses a name that is empty, too long, starts with `.` or `_` (a dataset's own folders
/// and hidden files), or holds anything but ASCII letters, digits, `_`, `-` and `.`.
pub(crate) fn check_table_name(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_LEN {
        Some("it is longer than 128 bytes")
    } else if name.starts_with(['.', '_']) {
        Some("it starts with '.' or '_'")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        Some("only letters, digits, '_', '-' and '.' may be used")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::invalid(format!(
            "invalid table name '{name}': {problem}"
        ))),
        None => Ok(()),
    }
}
