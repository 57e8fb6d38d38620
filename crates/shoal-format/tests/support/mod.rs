//! Shared helpers for the property tests: random Arrow types and arrays of every type the
//! format stores (format 1.0 and 1.1 types, nested in lists, list views, fixed-size lists,
//! structs and maps), and an in-memory "file" that executes read plans.

#![allow(dead_code)]

use std::sync::Arc;

use arrow_array::builder::BooleanBufferBuilder;
use arrow_array::{make_array, new_null_array, Array, ArrayRef, RecordBatch};
use arrow_buffer::{Buffer, MutableBuffer, NullBuffer, OffsetBuffer};
use arrow_data::ArrayDataBuilder;
use arrow_schema::{DataType, Field, Fields, IntervalUnit, Schema, TimeUnit};
use bytes::Bytes;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shoal_format::{
    parse_footer, Compression, Fetched, FileEncoder, FileMetadata, FooterRead, ReadPlan,
    WriteOptions, DEFAULT_TAIL_READ,
};

/// Every leaf type the format stores.
pub fn leaf_types() -> Vec<DataType> {
    use DataType::*;
    vec![
        Boolean,
        Int8,
        Int16,
        Int32,
        Int64,
        UInt8,
        UInt16,
        UInt32,
        UInt64,
        Float16,
        Float32,
        Float64,
        Utf8,
        LargeUtf8,
        Binary,
        LargeBinary,
        Date32,
        Timestamp(TimeUnit::Second, None),
        Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        Timestamp(TimeUnit::Microsecond, Some("+05:30".into())),
        Timestamp(TimeUnit::Nanosecond, None),
        FixedSizeList(Arc::new(Field::new("item", Float32, true)), 8),
        // Format 1.1.
        Decimal32(9, 2),
        Decimal64(18, 0),
        Decimal128(38, 10),
        Decimal256(76, -5),
        FixedSizeBinary(16),
        FixedSizeBinary(3),
        Null,
        Date64,
        Time32(TimeUnit::Second),
        Time32(TimeUnit::Millisecond),
        Time64(TimeUnit::Microsecond),
        Time64(TimeUnit::Nanosecond),
        Duration(TimeUnit::Second),
        Duration(TimeUnit::Nanosecond),
        Interval(IntervalUnit::YearMonth),
        Interval(IntervalUnit::DayTime),
        Interval(IntervalUnit::MonthDayNano),
        Dictionary(Box::new(Int32), Box::new(Utf8)),
        Dictionary(Box::new(UInt8), Box::new(Decimal128(10, 2))),
        Dictionary(Box::new(Int16), Box::new(BinaryView)),
        Utf8View,
        BinaryView,
    ]
}

/// The entries field of a map from non-null strings to `value`.
pub fn map_entries(value: DataType) -> Arc<Field> {
    let fields = Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", value, true),
    ]);
    Arc::new(Field::new("entries", DataType::Struct(fields), false))
}

/// A strategy for any supported type, nested up to `depth` levels.
pub fn data_type(depth: u32) -> impl Strategy<Value = DataType> {
    let leaf = proptest::sample::select(leaf_types());
    leaf.prop_recursive(depth, 16, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|t| DataType::List(Arc::new(Field::new("item", t, true)))),
            inner
                .clone()
                .prop_map(|t| DataType::LargeList(Arc::new(Field::new("item", t, true)))),
            (inner.clone(), any::<bool>())
                .prop_map(|(t, sorted)| DataType::Map(map_entries(t), sorted)),
            inner
                .clone()
                .prop_map(|t| DataType::ListView(Arc::new(Field::new("item", t, true)))),
            inner
                .clone()
                .prop_map(|t| DataType::LargeListView(Arc::new(Field::new("item", t, true)))),
            (inner.clone(), 1i32..4).prop_map(|(t, n)| DataType::FixedSizeList(
                Arc::new(Field::new("item", t, true)),
                n
            )),
            proptest::collection::vec(inner, 1..4).prop_map(|ts| {
                DataType::Struct(Fields::from(
                    ts.into_iter()
                        .enumerate()
                        .map(|(i, t)| Field::new(format!("f{i}"), t, true))
                        .collect::<Vec<_>>(),
                ))
            }),
        ]
    })
}

/// A schema of 1-4 nullable columns of random types.
pub fn schema() -> impl Strategy<Value = Arc<Schema>> {
    proptest::collection::vec(data_type(2), 1..5).prop_map(|types| {
        Arc::new(Schema::new(
            types
                .into_iter()
                .enumerate()
                .map(|(i, t)| Field::new(format!("c{i}"), t, true))
                .collect::<Vec<_>>(),
        ))
    })
}

/// How nulls are spread over a random array.
#[derive(Debug, Clone, Copy)]
pub enum Nulls {
    None,
    Some(f64),
    All,
}

/// A random array of `dt` with `len` rows; built longer and sliced when `sliced`.
pub fn random_array(
    rng: &mut StdRng,
    dt: &DataType,
    len: usize,
    nulls: Nulls,
    sliced: bool,
) -> ArrayRef {
    if sliced {
        let pre = rng.gen_range(1..5);
        let post = rng.gen_range(0..3);
        return random_array(rng, dt, len + pre + post, nulls, false).slice(pre, len);
    }
    if matches!(nulls, Nulls::All) || *dt == DataType::Null {
        return new_null_array(dt, len);
    }
    // Views are their plain large form, cast.
    let viewed = match dt {
        DataType::Utf8View => Some(DataType::LargeUtf8),
        DataType::BinaryView => Some(DataType::LargeBinary),
        DataType::ListView(f) => Some(DataType::List(f.clone())),
        DataType::LargeListView(f) => Some(DataType::LargeList(f.clone())),
        _ => None,
    };
    if let Some(plain) = viewed {
        let array = random_array(rng, &plain, len, nulls, false);
        return arrow_cast::cast(&array, dt).expect("views cast from their plain form");
    }
    let validity = match nulls {
        Nulls::Some(p) => {
            let mut b = BooleanBufferBuilder::new(len);
            (0..len).for_each(|_| b.append(!rng.gen_bool(p)));
            Some(NullBuffer::new(b.finish()))
        }
        _ => None,
    };
    let child_nulls = if rng.gen_bool(0.5) {
        Nulls::None
    } else {
        Nulls::Some(0.2)
    };
    let builder = ArrayDataBuilder::new(dt.clone()).len(len).nulls(validity);
    let data = match dt {
        DataType::Boolean => {
            let mut b = BooleanBufferBuilder::new(len);
            (0..len).for_each(|_| b.append(rng.gen()));
            builder.add_buffer(b.finish().into_inner())
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary => {
            let large = matches!(dt, DataType::LargeUtf8 | DataType::LargeBinary);
            let lens: Vec<usize> = (0..len)
                .map(|_| {
                    if rng.gen_bool(0.01) {
                        rng.gen_range(10_000..70_000)
                    } else {
                        rng.gen_range(0..20)
                    }
                })
                .collect();
            let total: usize = lens.iter().sum();
            let text: Vec<u8> = (0..total).map(|_| rng.gen_range(b'a'..=b'z')).collect();
            let offsets = offsets_buffer(lens, large);
            builder.buffers(vec![offsets, Buffer::from_vec(text)])
        }
        DataType::FixedSizeList(child, size) => {
            let child = random_array(
                rng,
                child.data_type(),
                len * *size as usize,
                child_nulls,
                false,
            );
            builder.child_data(vec![child.to_data()])
        }
        DataType::List(child) | DataType::LargeList(child) | DataType::Map(child, _) => {
            let lens: Vec<usize> = (0..len).map(|_| rng.gen_range(0..4)).collect();
            let total: usize = lens.iter().sum();
            let offsets = offsets_buffer(lens, matches!(dt, DataType::LargeList(_)));
            let child = match dt {
                DataType::Map(..) => map_entries_array(rng, child, total, child_nulls),
                _ => random_array(rng, child.data_type(), total, child_nulls, false),
            };
            builder
                .buffers(vec![offsets])
                .child_data(vec![child.to_data()])
        }
        DataType::Dictionary(key, value) => {
            // A few distinct non-null values; nulls are in the keys.
            let distinct = rng.gen_range(1..8);
            let values = random_array(rng, value, distinct, Nulls::None, false);
            let width = key.primitive_width().expect("integer keys");
            let mut keys = MutableBuffer::new(len * width);
            for _ in 0..len {
                let k = rng.gen_range(0..values.len()) as u64;
                keys.extend_from_slice(&k.to_le_bytes()[..width]);
            }
            builder
                .add_buffer(keys.into())
                .child_data(vec![values.to_data()])
        }
        DataType::Struct(fields) => {
            let children = fields
                .iter()
                .map(|f| random_array(rng, f.data_type(), len, child_nulls, false).to_data())
                .collect();
            builder.child_data(children)
        }
        other => {
            let width = match other {
                DataType::FixedSizeBinary(w) => *w as usize,
                _ => other.primitive_width().expect("fixed width"),
            };
            let mut buf = MutableBuffer::new(len * width);
            for _ in 0..len * width {
                buf.push(rng.gen::<u8>());
            }
            // Keep floats finite so that equality is meaningful (NaN != NaN).
            if matches!(
                other,
                DataType::Float16 | DataType::Float32 | DataType::Float64
            ) {
                for chunk in buf.as_slice_mut().chunks_mut(width) {
                    let last = chunk.len() - 1;
                    chunk[last] &= 0x3f;
                }
            }
            builder.add_buffer(buf.into())
        }
    };
    make_array(data.build().expect("valid random array"))
}

/// The entries of a map: non-null keys (repeats within a map are allowed), values with `nulls`.
fn map_entries_array(rng: &mut StdRng, entries: &Field, len: usize, nulls: Nulls) -> ArrayRef {
    let DataType::Struct(fields) = entries.data_type() else {
        panic!("map entries are a struct");
    };
    let keys = random_array(rng, fields[0].data_type(), len, Nulls::None, false);
    let values = random_array(rng, fields[1].data_type(), len, nulls, false);
    Arc::new(arrow_array::StructArray::new(
        fields.clone(),
        vec![keys, values],
        None,
    ))
}

/// A random batch of `schema` with `rows` rows.
pub fn random_batch(rng: &mut StdRng, schema: &Arc<Schema>, rows: usize) -> RecordBatch {
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            let nulls = match rng.gen_range(0..4) {
                0 => Nulls::None,
                1 => Nulls::All,
                _ => Nulls::Some(rng.gen_range(0.0..0.5)),
            };
            let sliced = rng.gen_bool(0.3);
            random_array(rng, f.data_type(), rows, nulls, sliced)
        })
        .collect();
    RecordBatch::try_new(schema.clone(), columns).expect("valid batch")
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Encodes batches into the bytes of a file.
pub fn write_file(
    schema: &Arc<Schema>,
    batches: &[RecordBatch],
    page_size: usize,
    compression: Compression,
) -> Vec<u8> {
    let options = WriteOptions {
        page_size,
        compression,
        ..WriteOptions::default()
    };
    let mut enc = FileEncoder::try_new(schema.clone(), options).expect("supported schema");
    let mut out = Vec::new();
    for b in batches {
        for chunk in enc.write(b).expect("write") {
            out.extend_from_slice(&chunk);
        }
    }
    for chunk in enc.finish().expect("finish") {
        out.extend_from_slice(&chunk);
    }
    out
}

/// Parses a file's metadata the way a reader would: one tail read, then more if asked.
pub fn open(file: &[u8]) -> shoal_format::Result<Arc<FileMetadata>> {
    let len = file.len() as u64;
    let mut want = DEFAULT_TAIL_READ.min(len);
    for _ in 0..2 {
        match parse_footer(len, &file[(len - want) as usize..])? {
            FooterRead::Complete(meta) => return Ok(Arc::new(*meta)),
            FooterRead::NeedSuffix(n) => want = n.min(len),
        }
    }
    panic!("footer still incomplete after reading the suffix it asked for");
}

/// Executes a plan against in-memory file bytes; returns the batch and the rounds of I/O.
pub fn execute(file: &[u8], plan: &ReadPlan) -> shoal_format::Result<(RecordBatch, usize)> {
    let mut fetched = Fetched::new();
    for round in 0..4 {
        let missing = plan.missing_ranges(&fetched)?;
        if missing.is_empty() {
            return Ok((plan.decode(&fetched)?, round));
        }
        for r in missing {
            assert!(
                r.end as usize <= file.len(),
                "plan asked for {r:?} past the end of the file"
            );
            fetched.insert(
                r.start,
                Bytes::copy_from_slice(&file[r.start as usize..r.end as usize]),
            );
        }
    }
    panic!("plan still missing ranges after 4 rounds of I/O");
}

/// All columns of a file.
pub fn all_columns(meta: &FileMetadata) -> Vec<usize> {
    (0..meta.columns.len()).collect()
}

/// An offsets buffer (32- or 64-bit) for values of the given lengths.
fn offsets_buffer(lens: Vec<usize>, large: bool) -> Buffer {
    if large {
        OffsetBuffer::<i64>::from_lengths(lens)
            .into_inner()
            .into_inner()
    } else {
        OffsetBuffer::<i32>::from_lengths(lens)
            .into_inner()
            .into_inner()
    }
}
