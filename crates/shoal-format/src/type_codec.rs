//! How a schema is written in the footer: fields (name, type, nullability, metadata) and each
//! type as a tag byte followed by the tag's parameters (`docs/format.md`, section 6).
//!
//! Tags 1 to 22 are format 1.0; tags 23 and up arrived with 1.1, and a file is written at
//! version 1.1 only when its schema uses one of them ([`minor_version_for`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::types::{
    validate_decimal_precision_and_scale, Decimal128Type, Decimal256Type, Decimal32Type,
    Decimal64Type, DecimalType,
};
use arrow_schema::{DataType, Field, FieldRef, Fields, IntervalUnit, Schema, TimeUnit};

use crate::error::{FormatError, Result};
use crate::types::MAX_NESTING;
use crate::wire::{WireReader, WireWriter};

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
// Format 1.1.
const TAG_DECIMAL32: u8 = 23;
const TAG_DECIMAL64: u8 = 24;
const TAG_DECIMAL128: u8 = 25;
const TAG_DECIMAL256: u8 = 26;
const TAG_FIXED_SIZE_BINARY: u8 = 27;
const TAG_NULL: u8 = 28;
const TAG_DATE64: u8 = 29;
const TAG_TIME32: u8 = 30;
const TAG_TIME64: u8 = 31;
const TAG_DURATION: u8 = 32;
const TAG_INTERVAL: u8 = 33;
const TAG_MAP: u8 = 34;
const TAG_DICTIONARY: u8 = 35;
const TAG_UTF8_VIEW: u8 = 36;
const TAG_BINARY_VIEW: u8 = 37;
const TAG_LIST_VIEW: u8 = 38;
const TAG_LARGE_LIST_VIEW: u8 = 39;

/// The types whose tag is a single byte with no parameters.
const SIMPLE: [(u8, DataType); 21] = [
    (TAG_BOOL, DataType::Boolean),
    (TAG_INT8, DataType::Int8),
    (TAG_INT16, DataType::Int16),
    (TAG_INT32, DataType::Int32),
    (TAG_INT64, DataType::Int64),
    (TAG_UINT8, DataType::UInt8),
    (TAG_UINT16, DataType::UInt16),
    (TAG_UINT32, DataType::UInt32),
    (TAG_UINT64, DataType::UInt64),
    (TAG_FLOAT16, DataType::Float16),
    (TAG_FLOAT32, DataType::Float32),
    (TAG_FLOAT64, DataType::Float64),
    (TAG_UTF8, DataType::Utf8),
    (TAG_LARGE_UTF8, DataType::LargeUtf8),
    (TAG_BINARY, DataType::Binary),
    (TAG_LARGE_BINARY, DataType::LargeBinary),
    (TAG_DATE32, DataType::Date32),
    (TAG_NULL, DataType::Null),
    (TAG_DATE64, DataType::Date64),
    (TAG_UTF8_VIEW, DataType::Utf8View),
    (TAG_BINARY_VIEW, DataType::BinaryView),
];

/// The oldest minor version of format 1 that can hold every type of `schema`.
pub fn minor_version_for(schema: &Schema) -> u16 {
    let is_1_0 = schema.fields().iter().all(|f| is_1_0_type(f.data_type()));
    u16::from(!is_1_0)
}

fn is_1_0_type(dt: &DataType) -> bool {
    use DataType::*;
    match dt {
        FixedSizeList(child, _) | List(child) | LargeList(child) => is_1_0_type(child.data_type()),
        Struct(fields) => fields.iter().all(|f| is_1_0_type(f.data_type())),
        Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16
        | Float32 | Float64 | Utf8 | LargeUtf8 | Binary | LargeBinary | Date32 | Timestamp(..) => {
            true
        }
        _ => false,
    }
}

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

fn encode_metadata(w: &mut WireWriter, md: &HashMap<String, String>) {
    let mut entries: Vec<_> = md.iter().collect();
    entries.sort();
    w.len(entries.len());
    for (k, v) in entries {
        w.str(k);
        w.str(v);
    }
}

fn decode_metadata(r: &mut WireReader) -> Result<HashMap<String, String>> {
    let n = r.count("metadata entry count")?;
    let mut md = HashMap::new();
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

fn time_unit_code(unit: &TimeUnit) -> u8 {
    match unit {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    }
}

fn decode_time_unit(r: &mut WireReader, what: &str) -> Result<TimeUnit> {
    Ok(match r.u8(what)? {
        0 => TimeUnit::Second,
        1 => TimeUnit::Millisecond,
        2 => TimeUnit::Microsecond,
        3 => TimeUnit::Nanosecond,
        v => return Err(FormatError::corrupt(format!("{what} {v}"))),
    })
}

fn encode_type(w: &mut WireWriter, dt: &DataType) {
    use DataType::*;
    if let Some((tag, _)) = SIMPLE.iter().find(|(_, t)| t == dt) {
        w.u8(*tag);
        return;
    }
    match dt {
        Timestamp(unit, tz) => {
            w.u8(TAG_TIMESTAMP);
            w.u8(time_unit_code(unit));
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
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            w.u8(match dt {
                Decimal32(..) => TAG_DECIMAL32,
                Decimal64(..) => TAG_DECIMAL64,
                Decimal128(..) => TAG_DECIMAL128,
                _ => TAG_DECIMAL256,
            });
            w.u8(*p);
            w.raw(&s.to_le_bytes());
        }
        FixedSizeBinary(width) => {
            w.u8(TAG_FIXED_SIZE_BINARY);
            w.varint(u64::try_from(*width).unwrap_or(0));
        }
        Time32(unit) | Time64(unit) | Duration(unit) => {
            w.u8(match dt {
                Time32(_) => TAG_TIME32,
                Time64(_) => TAG_TIME64,
                _ => TAG_DURATION,
            });
            w.u8(time_unit_code(unit));
        }
        Interval(unit) => {
            w.u8(TAG_INTERVAL);
            w.u8(match unit {
                IntervalUnit::YearMonth => 0,
                IntervalUnit::DayTime => 1,
                IntervalUnit::MonthDayNano => 2,
            });
        }
        Map(entries, sorted) => {
            w.u8(TAG_MAP);
            w.u8(u8::from(*sorted));
            encode_field(w, entries);
        }
        Dictionary(key, value) => {
            w.u8(TAG_DICTIONARY);
            encode_type(w, key);
            encode_type(w, value);
        }
        ListView(child) => {
            w.u8(TAG_LIST_VIEW);
            encode_field(w, child);
        }
        LargeListView(child) => {
            w.u8(TAG_LARGE_LIST_VIEW);
            encode_field(w, child);
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
    if let Some((_, dt)) = SIMPLE.iter().find(|(t, _)| *t == tag) {
        return Ok(dt.clone());
    }
    Ok(match tag {
        TAG_TIMESTAMP => {
            let unit = decode_time_unit(r, "timestamp unit")?;
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
        TAG_DECIMAL32 => decode_decimal::<Decimal32Type>(r, Decimal32)?,
        TAG_DECIMAL64 => decode_decimal::<Decimal64Type>(r, Decimal64)?,
        TAG_DECIMAL128 => decode_decimal::<Decimal128Type>(r, Decimal128)?,
        TAG_DECIMAL256 => decode_decimal::<Decimal256Type>(r, Decimal256)?,
        TAG_FIXED_SIZE_BINARY => {
            FixedSizeBinary(r.bounded(i32::MAX as u64, "fixed size binary width")? as i32)
        }
        TAG_TIME32 => match decode_time_unit(r, "time unit")? {
            unit @ (TimeUnit::Second | TimeUnit::Millisecond) => Time32(unit),
            unit => return Err(FormatError::corrupt(format!("time32 in {unit:?}"))),
        },
        TAG_TIME64 => match decode_time_unit(r, "time unit")? {
            unit @ (TimeUnit::Microsecond | TimeUnit::Nanosecond) => Time64(unit),
            unit => return Err(FormatError::corrupt(format!("time64 in {unit:?}"))),
        },
        TAG_DURATION => Duration(decode_time_unit(r, "duration unit")?),
        TAG_INTERVAL => Interval(match r.u8("interval unit")? {
            0 => IntervalUnit::YearMonth,
            1 => IntervalUnit::DayTime,
            2 => IntervalUnit::MonthDayNano,
            v => return Err(FormatError::corrupt(format!("interval unit {v}"))),
        }),
        TAG_MAP => {
            let sorted = match r.u8("map sorted flag")? {
                0 => false,
                1 => true,
                v => return Err(FormatError::corrupt(format!("map sorted flag {v}"))),
            };
            let entries = decode_field(r, depth + 1)?;
            if !is_map_entries(&entries) {
                return Err(FormatError::corrupt(format!(
                    "map entries of type {} (a non-null struct of a non-null key and a value belong)",
                    entries.data_type()
                )));
            }
            Map(entries, sorted)
        }
        TAG_DICTIONARY => {
            let key = decode_type(r, depth + 1)?;
            if !key.is_dictionary_key_type() {
                return Err(FormatError::corrupt(format!("dictionary key type {key}")));
            }
            Dictionary(Box::new(key), Box::new(decode_type(r, depth + 1)?))
        }
        TAG_LIST_VIEW => ListView(decode_field(r, depth + 1)?),
        TAG_LARGE_LIST_VIEW => LargeListView(decode_field(r, depth + 1)?),
        other => return Err(FormatError::corrupt(format!("unknown type tag {other}"))),
    })
}

fn decode_decimal<T: DecimalType>(
    r: &mut WireReader,
    make: fn(u8, i8) -> DataType,
) -> Result<DataType> {
    let precision = r.u8("decimal precision")?;
    let scale = i8::from_le_bytes([r.u8("decimal scale")?]);
    validate_decimal_precision_and_scale::<T>(precision, scale)
        .map_err(|e| FormatError::corrupt(format!("decimal type: {e}")))?;
    Ok(make(precision, scale))
}

/// Whether `entries` is what Arrow requires of a map's entries: a non-null struct of a
/// non-null key and a value.
pub(crate) fn is_map_entries(entries: &Field) -> bool {
    matches!(entries.data_type(), DataType::Struct(fields)
        if fields.len() == 2 && !fields[0].is_nullable() && !entries.is_nullable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::check_schema;

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
        let entries = Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("key", DataType::Utf8View, false),
                Field::new("value", DataType::Decimal128(38, -3), true),
            ])),
            false,
        );
        let dict = DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8));
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
                Field::new("d32", DataType::Decimal32(9, 2), true),
                Field::new("d64", DataType::Decimal64(18, 0), true),
                Field::new("d256", DataType::Decimal256(76, 10), true),
                Field::new("uuid", DataType::FixedSizeBinary(16), true).with_metadata(
                    [("ARROW:extension:name".to_string(), "arrow.uuid".to_string())].into(),
                ),
                Field::new("n", DataType::Null, true),
                Field::new("d64day", DataType::Date64, true),
                Field::new("t32", DataType::Time32(TimeUnit::Millisecond), true),
                Field::new("t64", DataType::Time64(TimeUnit::Nanosecond), true),
                Field::new("dur", DataType::Duration(TimeUnit::Second), true),
                Field::new("iv", DataType::Interval(IntervalUnit::MonthDayNano), true),
                Field::new("m", DataType::Map(Arc::new(entries), true), true),
                Field::new("dict", dict, true),
                Field::new("sv", DataType::Utf8View, true),
                Field::new("bv", DataType::BinaryView, true),
                Field::new(
                    "lv",
                    DataType::LargeListView(Arc::new(Field::new("item", DataType::Int8, true))),
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
    fn schemas_of_1_0_types_are_written_as_1_0() {
        let old = Schema::new(vec![Field::new("x", DataType::Int32, true)]);
        assert_eq!(minor_version_for(&old), 0);
        assert_eq!(minor_version_for(&all_types_schema()), 1);
        let nested_new = DataType::List(Arc::new(Field::new("item", DataType::Null, true)));
        assert_eq!(
            minor_version_for(&Schema::new(vec![Field::new("l", nested_new, true)])),
            1
        );
    }

    #[test]
    fn bad_parameters_of_new_types_are_corrupt() {
        for bytes in [
            vec![TAG_DECIMAL128, 0, 0],                 // precision 0
            vec![TAG_DECIMAL32, 10, 0],                 // precision above 9
            vec![TAG_TIME32, 2],                        // time32 in microseconds
            vec![TAG_TIME64, 0],                        // time64 in seconds
            vec![TAG_INTERVAL, 3],                      // unknown interval unit
            vec![TAG_DICTIONARY, TAG_UTF8],             // string keys
            vec![TAG_MAP, 2],                           // bad sorted flag
            vec![TAG_MAP, 0, 1, b'e', TAG_INT32, 0, 0], // entries not a struct
            vec![40],                                   // unknown tag
        ] {
            let mut r = WireReader::new(&bytes);
            assert!(decode_type(&mut r, 0).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn deep_nesting_in_a_footer_is_an_error_not_a_stack_overflow() {
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&[TAG_LIST, 1, b'x']);
        }
        let mut r = WireReader::new(&bytes);
        assert!(decode_type(&mut r, 0).is_err());
        let dictionaries = vec![TAG_DICTIONARY; 10_000];
        let mut r = WireReader::new(&dictionaries);
        assert!(decode_type(&mut r, 0).is_err());
    }
}
