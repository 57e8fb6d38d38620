//! Which Arrow types the format stores, and how a type breaks down into the nodes and buffers
//! of a page.
//!
//! A column's type is a tree; its pre-order walk gives the *nodes* of the column. Each node
//! stores an optional validity bitmap (present only in pages where the node has nulls) and
//! the buffers of its [`NodeKind`]. Nodes are those of the column's storage type
//! (`storage.rs`): a dictionary is laid out as its values, a view as its large form. The
//! footer encoding of types is `type_codec.rs`.

use arrow_schema::{DataType, Field, Schema, TimeUnit};

use crate::error::{FormatError, Result};
use crate::names::check_unique_names;
use crate::storage::{dictionary_values_supported, storage_type};
use crate::type_codec::is_map_entries;

/// Nested types deeper than this are refused, so that a crafted footer cannot overflow the
/// stack of the recursive decoders.
pub const MAX_NESTING: usize = 32;

/// The physical shape of one node of a column's type tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Bit-packed booleans: one values bitmap.
    Boolean,
    /// Fixed-width values of `width` bytes each: one values buffer.
    Fixed { width: usize },
    /// Variable-length bytes (utf8, binary): offsets of `offset_width` bytes, then the data.
    Bytes { offset_width: usize },
    /// A list of exactly `size` child values per row; the child node follows.
    FixedSizeList { size: usize },
    /// A variable-length list (or map): offsets of `offset_width` bytes; the child follows.
    List { offset_width: usize },
    /// A struct; its `children` nodes follow in field order.
    Struct { children: usize },
    /// Values that are all null: no buffers at all, not even a validity bitmap.
    Null,
}

impl NodeKind {
    /// Number of buffers the node stores besides its validity bitmap.
    pub fn data_buffers(self) -> usize {
        match self {
            NodeKind::Boolean | NodeKind::Fixed { .. } | NodeKind::List { .. } => 1,
            NodeKind::Bytes { .. } => 2,
            NodeKind::FixedSizeList { .. } | NodeKind::Struct { .. } | NodeKind::Null => 0,
        }
    }

    /// Whether a node of this kind with `null_count` nulls stores a validity bitmap.
    pub fn has_validity(self, null_count: u64) -> bool {
        null_count > 0 && self != NodeKind::Null
    }
}

/// Width in bytes of the fixed-width types the format stores.
pub(crate) fn fixed_width(dt: &DataType) -> Option<usize> {
    match dt {
        DataType::FixedSizeBinary(width) => usize::try_from(*width).ok(),
        DataType::Boolean | DataType::Null => None,
        other => other.primitive_width(),
    }
}

/// The pre-order list of nodes of a (supported) storage type.
pub fn nodes_of(dt: &DataType) -> Vec<NodeKind> {
    let mut out = Vec::new();
    push_nodes(dt, &mut out);
    out
}

fn push_nodes(dt: &DataType, out: &mut Vec<NodeKind>) {
    out.push(node_kind(dt));
    match dt {
        DataType::FixedSizeList(child, _)
        | DataType::List(child)
        | DataType::LargeList(child)
        | DataType::Map(child, _) => push_nodes(child.data_type(), out),
        DataType::Struct(fields) => fields.iter().for_each(|f| push_nodes(f.data_type(), out)),
        _ => {}
    }
}

/// The kind of the root node of a (supported) storage type.
pub fn node_kind(dt: &DataType) -> NodeKind {
    match dt {
        DataType::Boolean => NodeKind::Boolean,
        DataType::Null => NodeKind::Null,
        DataType::Utf8 | DataType::Binary => NodeKind::Bytes { offset_width: 4 },
        DataType::LargeUtf8 | DataType::LargeBinary => NodeKind::Bytes { offset_width: 8 },
        DataType::FixedSizeList(_, size) => NodeKind::FixedSizeList {
            size: usize::try_from(*size).unwrap_or(0),
        },
        DataType::List(_) | DataType::Map(..) => NodeKind::List { offset_width: 4 },
        DataType::LargeList(_) => NodeKind::List { offset_width: 8 },
        DataType::Struct(fields) => NodeKind::Struct {
            children: fields.len(),
        },
        other => NodeKind::Fixed {
            width: fixed_width(other).unwrap_or(0),
        },
    }
}

/// Checks that every column of `schema` can be stored, naming the first one that cannot, and
/// that no two columns (or fields of one struct) share a name.
pub fn check_schema(schema: &Schema) -> Result<()> {
    check_unique_names(schema.fields())?;
    for f in schema.fields() {
        check_type(f.name(), f.data_type(), 0)?;
    }
    Ok(())
}

fn check_type(path: &str, dt: &DataType, depth: usize) -> Result<()> {
    let unsupported = || FormatError::UnsupportedType {
        column: path.to_string(),
        data_type: dt.clone(),
    };
    if depth >= MAX_NESTING {
        return Err(unsupported());
    }
    let child = |f: &Field| check_type(&format!("{path}.{}", f.name()), f.data_type(), depth + 1);
    match dt {
        DataType::Boolean
        | DataType::Null
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Time32(TimeUnit::Second | TimeUnit::Millisecond)
        | DataType::Time64(TimeUnit::Microsecond | TimeUnit::Nanosecond) => Ok(()),
        DataType::FixedSizeList(c, size) if *size >= 0 => child(c),
        DataType::List(c)
        | DataType::LargeList(c)
        | DataType::ListView(c)
        | DataType::LargeListView(c) => child(c),
        DataType::Map(entries, _) if is_map_entries(entries) => child(entries),
        DataType::Struct(fields) => fields.iter().try_for_each(|f| child(f)),
        DataType::Dictionary(key, value)
            if key.is_dictionary_key_type() && dictionary_values_supported(value) =>
        {
            check_type(path, value, depth + 1)
        }
        // Arrow's take and cast kernels lose the length of zero-width binary arrays.
        DataType::Time32(_) | DataType::Time64(_) | DataType::FixedSizeBinary(0) => {
            Err(unsupported())
        }
        other if fixed_width(other).is_some() => Ok(()),
        _ => Err(unsupported()),
    }
    .and_then(|()| {
        // Casts between a type and its storage form must exist both ways.
        let storage = storage_type(dt);
        let castable = storage == *dt
            || (arrow_cast::can_cast_types(dt, &storage)
                && arrow_cast::can_cast_types(&storage, dt));
        castable.then_some(()).ok_or_else(unsupported)
    })
}

/// How `got` differs from `expected`, one phrase per difference (empty when equal).
pub fn schema_differences(expected: &Schema, got: &Schema) -> Vec<String> {
    let mut diffs = Vec::new();
    for f in expected.fields() {
        match got.field_with_name(f.name()) {
            Err(_) => diffs.push(format!("column '{}' is missing", f.name())),
            Ok(g) if g.data_type() != f.data_type() => diffs.push(format!(
                "column '{}' has type {} instead of {}",
                f.name(),
                g.data_type(),
                f.data_type()
            )),
            Ok(g) if g.is_nullable() != f.is_nullable() => {
                diffs.push(format!("column '{}' differs in nullability", f.name()))
            }
            Ok(_) => {}
        }
    }
    for g in got.fields() {
        if expected.field_with_name(g.name()).is_err() {
            diffs.push(format!("column '{}' is not in the schema", g.name()));
        }
    }
    if diffs.is_empty() && expected.fields() != got.fields() {
        diffs.push("columns are in a different order or differ in field metadata".into());
    }
    diffs
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_schema::Fields;

    use super::*;

    #[test]
    fn unsupported_type_names_the_column_path() {
        let union = DataType::Union(
            arrow_schema::UnionFields::empty(),
            arrow_schema::UnionMode::Sparse,
        );
        let schema = Schema::new(vec![Field::new(
            "outer",
            DataType::Struct(Fields::from(vec![Field::new("inner", union, true)])),
            true,
        )]);
        let err = check_schema(&schema).unwrap_err().to_string();
        assert!(
            err.contains("outer.inner") && err.contains("Union"),
            "{err}"
        );
    }

    #[test]
    fn zero_width_binary_is_refused() {
        let schema = Schema::new(vec![Field::new("z", DataType::FixedSizeBinary(0), true)]);
        assert!(check_schema(&schema).is_err());
    }

    #[test]
    fn dictionaries_of_nested_values_are_refused() {
        let list = DataType::List(Arc::new(Field::new("item", DataType::Int32, true)));
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(list));
        let schema = Schema::new(vec![Field::new("d", dict, true)]);
        let err = check_schema(&schema).unwrap_err().to_string();
        assert!(err.contains("'d'") && err.contains("Dictionary"), "{err}");
    }
}
