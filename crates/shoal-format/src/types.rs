//! Which Arrow types the format stores, how a type is encoded in the footer, and how a type
//! breaks down into the nodes and buffers of a page.
//!
//! A column's type is a tree; its pre-order walk gives the *nodes* of the column. Each node
//! stores an optional validity bitmap (present only in pages where the node has nulls) and
//! the buffers of its [`NodeKind`]. See `docs/format.md` for the tag values.

use std::sync::Arc;

use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, TimeUnit};

use crate::error::{FormatError, Result};
use crate::names::check_unique_names;
use crate::wire::{WireReader, WireWriter};

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
    /// A variable-length list: offsets of `offset_width` bytes; the child node follows.
    List { offset_width: usize },
    /// A struct; its `children` nodes follow in field order.
    Struct { children: usize },
}

impl NodeKind {
    /// Number of buffers the node stores besides its validity bitmap.
    pub fn data_buffers(self) -> usize {
        match self {
            NodeKind::Boolean | NodeKind::Fixed { .. } | NodeKind::List { .. } => 1,
            NodeKind::Bytes { .. } => 2,
            NodeKind::FixedSizeList { .. } | NodeKind::Struct { .. } => 0,
        }
    }
}

/// Fixed-width primitive types the format stores, with their width in bytes.
fn fixed_width(dt: &DataType) -> Option<usize> {
    use DataType::*;
    Some(match dt {
        Int8 | UInt8 => 1,
        Int16 | UInt16 | Float16 => 2,
        Int32 | UInt32 | Float32 | Date32 => 4,
        Int64 | UInt64 | Float64 | Timestamp(_, _) => 8,
        _ => return None,
    })
}

/// The pre-order list of nodes of a (supported) type.
pub fn nodes_of(dt: &DataType) -> Vec<NodeKind> {
    let mut out = Vec::new();
    push_nodes(dt, &mut out);
    out
}

fn push_nodes(dt: &DataType, out: &mut Vec<NodeKind>) {
    out.push(node_kind(dt));
    match dt {
        DataType::FixedSizeList(child, _) | DataType::List(child) | DataType::LargeList(child) => {
            push_nodes(child.data_type(), out)
        }
        DataType::Struct(fields) => fields.iter().for_each(|f| push_nodes(f.data_type(), out)),
        _ => {}
    }
}

/// The kind of the root node of a (supported) type.
pub fn node_kind(dt: &DataType) -> NodeKind {
    match dt {
        DataType::Boolean => NodeKind::Boolean,
        DataType::Utf8 | DataType::Binary => NodeKind::Bytes { offset_width: 4 },
        DataType::LargeUtf8 | DataType::LargeBinary => NodeKind::Bytes { offset_width: 8 },
        DataType::FixedSizeList(_, size) => NodeKind::FixedSizeList {
            size: usize::try_from(*size).unwrap_or(0),
        },
        DataType::List(_) => NodeKind::List { offset_width: 4 },
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
    match dt {
        DataType::Boolean
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Binary
        | DataType::LargeBinary => Ok(()),
        DataType::FixedSizeList(child, size) if *size >= 0 => check_type(
            &format!("{path}.{}", child.name()),
            child.data_type(),
            depth + 1,
        ),
        DataType::List(child) | DataType::LargeList(child) => check_type(
            &format!("{path}.{}", child.name()),
            child.data_type(),
            depth + 1,
        ),
        DataType::Struct(fields) => fields.iter().try_for_each(|f| {
            check_type(&format!("{path}.{}", f.name()), f.data_type(), depth + 1)
        }),
        other if fixed_width(other).is_some() => Ok(()),
        _ => Err(unsupported()),
    }
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

// Type tags in the footer. Never renumber: they are part of the on-disk format.
const TAG_BOOL: u8 = 1;
const TAG_INT8: u8 = 2;
const TAG_INT16: u8 = 3;
const TAG_INT32: u8 = 4;
const TAG_INT64: u8 = 5;
const TAG_UINT8: u8 = 6;
const TAG_UINT16: u8 = 7;
const TAG_UINT32: u8 = 8;
const TAG_UINT64: u8 = 9;
const TAG_FLOAT16: u8 = 10;
const TAG_FLOAT32: u8 = 11;
const TAG_FLOAT64: u8 = 12;
const TAG_UTF8: u8 = 13;
const TAG_LARGE_UTF8: u8 = 14;
const TAG_BINARY: u8 = 15;
const TAG_LARGE_BINARY: u8 = 16;
const TAG_DATE32: u8 = 17;
const TAG_TIMESTAMP: u8 = 18;
const TAG_FIXED_SIZE_LIST: u8 = 19;
const TAG_LIST: u8 = 20;
const TAG_LARGE_LIST: u8 = 21;
const TAG_STRUCT: u8 = 22;

/// Encodes a schema: fields, then schema-level metadata.
pub fn encode_schema(w: &mut WireWriter, schema: &Schema) {
    w.len(schema.fields().len());
    for f in schema.fields() {
        encode_field(w, f);
    }
    encode_metadata(w, schema.metadata());
}

/// Decodes a schema written by [`encode_schema`].
pub fn decode_schema(r: &mut WireReader) -> Result<Schema> {
    let fields = decode_fields(r, 0)?;
    let metadata = decode_metadata(r)?;
    Ok(Schema::new_with_metadata(fields, metadata))
}

fn encode_metadata(w: &mut WireWriter, md: &std::collections::HashMap<String, String>) {
    let mut entries: Vec<_> = md.iter().collect();
    entries.sort();
    w.len(entries.len());
    for (k, v) in entries {
        w.str(k);
        w.str(v);
    }
}

fn decode_metadata(r: &mut WireReader) -> Result<std::collections::HashMap<String, String>> {
    let n = r.count("metadata entry count")?;
    let mut md = std::collections::HashMap::new();
    for _ in 0..n {
        let k = r.str("metadata key")?.to_string();
        let v = r.str("metadata value")?.to_string();
        md.insert(k, v);
    }
    Ok(md)
}

fn encode_field(w: &mut WireWriter, f: &Field) {
    w.str(f.name());
    encode_type(w, f.data_type());
    w.u8(u8::from(f.is_nullable()));
    encode_metadata(w, f.metadata());
}

fn decode_field(r: &mut WireReader, depth: usize) -> Result<FieldRef> {
    let name = r.str("field name")?.to_string();
    let dt = decode_type(r, depth)?;
    let nullable = match r.u8("field nullability")? {
        0 => false,
        1 => true,
        v => {
            return Err(FormatError::corrupt(format!(
                "field '{name}': nullability byte {v}"
            )))
        }
    };
    let md = decode_metadata(r)?;
    Ok(Arc::new(Field::new(name, dt, nullable).with_metadata(md)))
}

fn decode_fields(r: &mut WireReader, depth: usize) -> Result<Fields> {
    let n = r.count("field count")?;
    let mut fields = Vec::new();
    for _ in 0..n {
        fields.push(decode_field(r, depth)?);
    }
    Ok(Fields::from(fields))
}

fn encode_type(w: &mut WireWriter, dt: &DataType) {
    use DataType::*;
    let simple = match dt {
        Boolean => Some(TAG_BOOL),
        Int8 => Some(TAG_INT8),
        Int16 => Some(TAG_INT16),
        Int32 => Some(TAG_INT32),
        Int64 => Some(TAG_INT64),
        UInt8 => Some(TAG_UINT8),
        UInt16 => Some(TAG_UINT16),
        UInt32 => Some(TAG_UINT32),
        UInt64 => Some(TAG_UINT64),
        Float16 => Some(TAG_FLOAT16),
        Float32 => Some(TAG_FLOAT32),
        Float64 => Some(TAG_FLOAT64),
        Utf8 => Some(TAG_UTF8),
        LargeUtf8 => Some(TAG_LARGE_UTF8),
        Binary => Some(TAG_BINARY),
        LargeBinary => Some(TAG_LARGE_BINARY),
        Date32 => Some(TAG_DATE32),
        _ => None,
    };
    if let Some(tag) = simple {
        w.u8(tag);
        return;
    }
    match dt {
        Timestamp(unit, tz) => {
            w.u8(TAG_TIMESTAMP);
            w.u8(match unit {
                TimeUnit::Second => 0,
                TimeUnit::Millisecond => 1,
                TimeUnit::Microsecond => 2,
                TimeUnit::Nanosecond => 3,
            });
            match tz {
                Some(tz) => {
                    w.u8(1);
                    w.str(tz);
                }
                None => w.u8(0),
            }
        }
        FixedSizeList(child, size) => {
            w.u8(TAG_FIXED_SIZE_LIST);
            w.varint(u64::try_from(*size).unwrap_or(0));
            encode_field(w, child);
        }
        List(child) => {
            w.u8(TAG_LIST);
            encode_field(w, child);
        }
        LargeList(child) => {
            w.u8(TAG_LARGE_LIST);
            encode_field(w, child);
        }
        Struct(fields) => {
            w.u8(TAG_STRUCT);
            w.len(fields.len());
            for f in fields {
                encode_field(w, f);
            }
        }
        // check_schema refuses every other type before anything is encoded.
        other => unreachable!("type {other} passed check_schema but has no encoding"),
    }
}

fn decode_type(r: &mut WireReader, depth: usize) -> Result<DataType> {
    use DataType::*;
    if depth >= MAX_NESTING {
        return Err(FormatError::corrupt(format!(
            "type nesting deeper than {MAX_NESTING}"
        )));
    }
    let tag = r.u8("type tag")?;
    Ok(match tag {
        TAG_BOOL => Boolean,
        TAG_INT8 => Int8,
        TAG_INT16 => Int16,
        TAG_INT32 => Int32,
        TAG_INT64 => Int64,
        TAG_UINT8 => UInt8,
        TAG_UINT16 => UInt16,
        TAG_UINT32 => UInt32,
        TAG_UINT64 => UInt64,
        TAG_FLOAT16 => Float16,
        TAG_FLOAT32 => Float32,
        TAG_FLOAT64 => Float64,
        TAG_UTF8 => Utf8,
        TAG_LARGE_UTF8 => LargeUtf8,
        TAG_BINARY => Binary,
        TAG_LARGE_BINARY => LargeBinary,
        TAG_DATE32 => Date32,
        TAG_TIMESTAMP => {
            let unit = match r.u8("timestamp unit")? {
                0 => TimeUnit::Second,
                1 => TimeUnit::Millisecond,
                2 => TimeUnit::Microsecond,
                3 => TimeUnit::Nanosecond,
                v => return Err(FormatError::corrupt(format!("timestamp unit {v}"))),
            };
            let tz = match r.u8("timestamp zone flag")? {
                0 => None,
                1 => Some(Arc::from(r.str("time zone")?)),
                v => return Err(FormatError::corrupt(format!("timestamp zone flag {v}"))),
            };
            Timestamp(unit, tz)
        }
        TAG_FIXED_SIZE_LIST => {
            let size = r.bounded(i32::MAX as u64, "fixed size list size")?;
            FixedSizeList(decode_field(r, depth + 1)?, size as i32)
        }
        TAG_LIST => List(decode_field(r, depth + 1)?),
        TAG_LARGE_LIST => LargeList(decode_field(r, depth + 1)?),
        TAG_STRUCT => Struct(decode_fields(r, depth + 1)?),
        other => return Err(FormatError::corrupt(format!("unknown type tag {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_types_schema() -> Schema {
        let vec = DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), 8);
        let nested = DataType::Struct(Fields::from(vec![
            Field::new("a", DataType::Int32, true),
            Field::new(
                "l",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            ),
        ]));
        Schema::new_with_metadata(
            vec![
                Field::new("b", DataType::Boolean, true),
                Field::new("u16", DataType::UInt16, false),
                Field::new("h", DataType::Float16, true),
                Field::new(
                    "ts",
                    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                    true,
                ),
                Field::new("ts2", DataType::Timestamp(TimeUnit::Second, None), true),
                Field::new("v", vec, true)
                    .with_metadata([("k".to_string(), "v".to_string())].into()),
                Field::new("s", nested, true),
                Field::new(
                    "ll",
                    DataType::LargeList(Arc::new(Field::new("x", DataType::LargeBinary, false))),
                    true,
                ),
            ],
            [("origin".to_string(), "test".to_string())].into(),
        )
    }

    #[test]
    fn schema_round_trips_with_metadata() {
        let schema = all_types_schema();
        check_schema(&schema).unwrap();
        let mut w = WireWriter::new();
        encode_schema(&mut w, &schema);
        let bytes = w.into_inner();
        let mut r = WireReader::new(&bytes);
        assert_eq!(decode_schema(&mut r).unwrap(), schema);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn unsupported_type_names_the_column_path() {
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let schema = Schema::new(vec![Field::new(
            "outer",
            DataType::Struct(Fields::from(vec![Field::new("inner", dict, true)])),
            true,
        )]);
        let err = check_schema(&schema).unwrap_err().to_string();
        assert!(
            err.contains("outer.inner") && err.contains("Dictionary"),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_in_a_footer_is_an_error_not_a_stack_overflow() {
        let mut bytes = vec![TAG_LIST; 0];
        for _ in 0..10_000 {
            bytes.extend_from_slice(&[TAG_LIST, 1, b'x']);
        }
        let mut r = WireReader::new(&bytes);
        assert!(decode_type(&mut r, 0).is_err());
    }
}
