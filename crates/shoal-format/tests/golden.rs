//! Golden files: the bytes of files written by each format version, checked in.
//!
//! `golden/int32-nulls-v1.0.shoal` is the worked example of `docs/format.md` (one nullable
//! Int32 column `x` = [1, null, 3]). `golden/new-types-v1.1.shoal` holds one column of every
//! type format 1.1 added (three rows, a null in each). The current writer must still produce
//! them byte for byte (so the spec's annotated dump stays true), and the current reader must
//! decode them. When the format changes, add the new version's files beside the old ones;
//! never edit them.

use std::sync::Arc;

use arrow_array::builder::{MapBuilder, StringBuilder};
use arrow_array::types::*;
use arrow_array::*;
use arrow_buffer::{i256, IntervalDayTime, IntervalMonthDayNano};
use arrow_schema::{DataType, Field, IntervalUnit, Schema, TimeUnit};
use shoal_format::{Compression, FileEncoder, ReadPlan, WriteOptions};

mod support;

const V1_0: &[u8] = include_bytes!("golden/int32-nulls-v1.0.shoal");
const V1_1: &[u8] = include_bytes!("golden/new-types-v1.1.shoal");

fn example_batch() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int32, true)]));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(Int32Array::from(vec![Some(1), None, Some(3)]))],
    )
    .unwrap()
}

/// One column of every type format 1.1 added, rows `[a, null, b]`.
fn new_types_batch() -> RecordBatch {
    let uuid = Field::new("uuid", DataType::FixedSizeBinary(16), true)
        .with_metadata([("ARROW:extension:name".to_string(), "arrow.uuid".to_string())].into());
    let mut map = MapBuilder::new(None, StringBuilder::new(), Int32Array::builder(4));
    map.keys().append_value("k");
    map.values().append_value(7);
    map.append(true).unwrap();
    map.append(false).unwrap();
    map.append(true).unwrap();
    let columns: Vec<(Field, ArrayRef)> = vec![
        (
            Field::new("dec32", DataType::Decimal32(9, 2), true),
            Arc::new(
                Decimal32Array::from(vec![Some(1050), None, Some(-3)])
                    .with_precision_and_scale(9, 2)
                    .unwrap(),
            ),
        ),
        (
            Field::new("dec64", DataType::Decimal64(18, 4), true),
            Arc::new(
                Decimal64Array::from(vec![Some(1), None, Some(2)])
                    .with_precision_and_scale(18, 4)
                    .unwrap(),
            ),
        ),
        (
            Field::new("dec128", DataType::Decimal128(38, 10), true),
            Arc::new(
                Decimal128Array::from(vec![Some(i128::MAX / 7), None, Some(-1)])
                    .with_precision_and_scale(38, 10)
                    .unwrap(),
            ),
        ),
        (
            Field::new("dec256", DataType::Decimal256(76, -2), true),
            Arc::new(
                Decimal256Array::from(vec![Some(i256::from_i128(5)), None, Some(i256::MINUS_ONE)])
                    .with_precision_and_scale(76, -2)
                    .unwrap(),
            ),
        ),
        (
            uuid,
            Arc::new(
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(
                    [Some([0xabu8; 16]), None, Some([0x01; 16])].into_iter(),
                    16,
                )
                .unwrap(),
            ),
        ),
        (
            Field::new("null", DataType::Null, true),
            Arc::new(NullArray::new(3)),
        ),
        (
            Field::new("date64", DataType::Date64, true),
            Arc::new(Date64Array::from(vec![Some(86_400_000), None, Some(0)])),
        ),
        (
            Field::new("time32", DataType::Time32(TimeUnit::Millisecond), true),
            Arc::new(Time32MillisecondArray::from(vec![
                Some(1000),
                None,
                Some(2),
            ])),
        ),
        (
            Field::new("time64", DataType::Time64(TimeUnit::Nanosecond), true),
            Arc::new(Time64NanosecondArray::from(vec![Some(5), None, Some(6)])),
        ),
        (
            Field::new("duration", DataType::Duration(TimeUnit::Microsecond), true),
            Arc::new(DurationMicrosecondArray::from(vec![
                Some(-5),
                None,
                Some(6),
            ])),
        ),
        (
            Field::new("ym", DataType::Interval(IntervalUnit::YearMonth), true),
            Arc::new(IntervalYearMonthArray::from(vec![Some(13), None, Some(-1)])),
        ),
        (
            Field::new("dt", DataType::Interval(IntervalUnit::DayTime), true),
            Arc::new(IntervalDayTimeArray::from(vec![
                Some(IntervalDayTime::new(1, 2)),
                None,
                Some(IntervalDayTime::ZERO),
            ])),
        ),
        (
            Field::new("mdn", DataType::Interval(IntervalUnit::MonthDayNano), true),
            Arc::new(IntervalMonthDayNanoArray::from(vec![
                Some(IntervalMonthDayNano::new(1, 2, 3)),
                None,
                Some(IntervalMonthDayNano::ZERO),
            ])),
        ),
        {
            let map = map.finish();
            (
                Field::new("map", map.data_type().clone(), true),
                Arc::new(map),
            )
        },
        {
            let dict: DictionaryArray<Int8Type> =
                vec![Some("x"), None, Some("x")].into_iter().collect();
            (
                Field::new("dict", dict.data_type().clone(), true),
                Arc::new(dict),
            )
        },
        (
            Field::new("utf8view", DataType::Utf8View, true),
            Arc::new(StringViewArray::from(vec![
                Some("a string longer than twelve bytes"),
                None,
                Some("b"),
            ])),
        ),
        (
            Field::new("binview", DataType::BinaryView, true),
            Arc::new(BinaryViewArray::from(vec![
                Some(b"x".as_ref()),
                None,
                Some(b"".as_ref()),
            ])),
        ),
        {
            let lists = ListArray::from_iter_primitive::<Int16Type, _, _>([
                Some(vec![Some(1), None]),
                None,
                Some(vec![]),
            ]);
            let view = arrow_cast::cast(
                &lists,
                &DataType::ListView(Arc::new(Field::new("item", DataType::Int16, true))),
            )
            .unwrap();
            (Field::new("listview", view.data_type().clone(), true), view)
        },
    ];
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

/// The bytes the writer makes of `batch` with the golden files' options.
fn golden_bytes(batch: &RecordBatch) -> Vec<u8> {
    let options = WriteOptions {
        compression: Compression::None,
        created_by: "shoal-format 0.1.0".into(),
        ..WriteOptions::default()
    };
    let mut enc = FileEncoder::try_new(batch.schema(), options).unwrap();
    let mut bytes = Vec::new();
    for chunk in enc
        .write(batch)
        .unwrap()
        .into_iter()
        .chain(enc.finish().unwrap())
    {
        bytes.extend_from_slice(&chunk);
    }
    bytes
}

#[test]
fn the_writer_still_produces_the_new_types_file() {
    let bytes = golden_bytes(&new_types_batch());
    if std::env::var_os("SHOAL_BLESS_GOLDEN").is_some() {
        std::fs::write("tests/golden/new-types-v1.1.shoal", &bytes).unwrap();
    }
    assert_eq!(
        bytes, V1_1,
        "the writer's bytes changed: update docs/format.md and add a new golden version"
    );
}

#[test]
fn version_1_1_files_still_read() {
    let meta = support::open(V1_1).unwrap();
    assert_eq!(meta.format_version, (1, 1));
    let plan = ReadPlan::rows(&meta, &support::all_columns(&meta), 0..3).unwrap();
    let (batch, _) = support::execute(V1_1, &plan).unwrap();
    assert_eq!(batch, new_types_batch());
    // Statistics where the order is defined: the decimal's bounds are 1050 and -3 (cents).
    let bounds = meta.columns[0].bounds().unwrap().unwrap();
    assert_eq!(bounds.min.as_ref(), (-3i32).to_le_bytes());
    assert_eq!(bounds.max.as_ref(), 1050i32.to_le_bytes());
    let no_stats = ["null", "ym", "dt", "mdn", "map", "listview"];
    for col in &meta.columns {
        let has = col.pages[0].stats.is_some();
        assert_eq!(
            has,
            !no_stats.contains(&col.field.name().as_str()),
            "{}",
            col.field.name()
        );
    }
}

#[test]
fn the_writer_still_produces_the_worked_example() {
    let batch = example_batch();
    let options = WriteOptions {
        compression: Compression::None,
        created_by: "shoal-format 0.1.0".into(),
        ..WriteOptions::default()
    };
    let mut enc = FileEncoder::try_new(batch.schema(), options).unwrap();
    let mut bytes = Vec::new();
    for chunk in enc
        .write(&batch)
        .unwrap()
        .into_iter()
        .chain(enc.finish().unwrap())
    {
        bytes.extend_from_slice(&chunk);
    }
    if std::env::var_os("SHOAL_BLESS_GOLDEN").is_some() {
        std::fs::write("tests/golden/int32-nulls-v1.0.shoal", &bytes).unwrap();
    }
    assert_eq!(
        bytes, V1_0,
        "the writer's bytes changed: update docs/format.md and add a new golden version"
    );
}

#[test]
fn version_1_0_files_still_read() {
    let meta = support::open(V1_0).unwrap();
    assert_eq!(meta.format_version, (1, 0));
    let plan = ReadPlan::rows(&meta, &[0], 0..3).unwrap();
    let (batch, _) = support::execute(V1_0, &plan).unwrap();
    assert_eq!(batch, example_batch());
}
