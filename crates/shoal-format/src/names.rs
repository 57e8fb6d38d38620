//! Column names: every column of a schema, and every field of each struct in it, must have
//! a name of its own, or all but the first of the same name could never be asked for.

use std::collections::HashSet;

use arrow_schema::{DataType, Fields};

use crate::error::{FormatError, Result};

/// Fails naming every duplicated name (nested ones as paths, `s.x`), if there are any.
pub(crate) fn check_unique_names(fields: &Fields) -> Result<()> {
    let mut duplicates = Vec::new();
    collect_duplicates("", fields, &mut duplicates);
    if duplicates.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = duplicates.iter().map(|n| format!("'{n}'")).collect();
    Err(FormatError::DuplicateNames {
        names: names.join(", "),
    })
}

/// Adds the duplicated names among `fields` (under `prefix`) and inside their types.
fn collect_duplicates(prefix: &str, fields: &Fields, out: &mut Vec<String>) {
    let mut seen = HashSet::new();
    let mut reported = HashSet::new();
    for field in fields {
        let path = format!("{prefix}{}", field.name());
        if !seen.insert(field.name()) && reported.insert(field.name()) {
            out.push(path.clone());
        }
        collect_in_type(&path, field.data_type(), out);
    }
}

fn collect_in_type(path: &str, data_type: &DataType, out: &mut Vec<String>) {
    match data_type {
        DataType::Struct(fields) => collect_duplicates(&format!("{path}."), fields, out),
        DataType::List(child) | DataType::LargeList(child) | DataType::FixedSizeList(child, _) => {
            collect_in_type(&format!("{path}.{}", child.name()), child.data_type(), out)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{Field, Schema};

    fn int(name: &str) -> Field {
        Field::new(name, DataType::Int32, true)
    }

    #[test]
    fn duplicate_columns_and_struct_fields_are_named_once_each() {
        let point = DataType::Struct(vec![int("x"), int("x"), int("y")].into());
        let schema = Schema::new(vec![
            int("a"),
            int("a"),
            int("a"),
            int("b"),
            Field::new("p", point.clone(), true),
            Field::new("ps", DataType::new_list(point, true), true),
        ]);
        let err = check_unique_names(schema.fields()).unwrap_err().to_string();
        assert!(
            err.contains("'a', 'p.x', 'ps.item.x'") && !err.contains("'b'"),
            "{err}"
        );
    }

    #[test]
    fn the_same_name_in_different_structs_is_fine() {
        let point = DataType::Struct(vec![int("x"), int("y")].into());
        let schema = Schema::new(vec![
            int("x"),
            Field::new("p", point.clone(), true),
            Field::new("q", point, true),
        ]);
        check_unique_names(schema.fields()).unwrap();
    }
}
