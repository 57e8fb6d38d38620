//! Property tests: every batch the format accepts reads back equal, by row range and by take.
//!
//! Batches are random over every supported type (nested lists, structs and fixed-size lists
//! included), with no nulls, some nulls or only nulls, sliced or not, with the occasional
//! very long string, written with small random page sizes so that values straddle many
//! pages, with and without compression. Takes are checked against Arrow's own `take` kernel.

mod support;

use arrow_array::{Array, RecordBatch, UInt64Array};
use arrow_select::concat::concat_batches;
use arrow_select::take::take_record_batch;
use proptest::prelude::*;
use rand::Rng;
use shoal_format::{Compression, ReadPlan};
use support::*;

fn compression() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::None),
        Just(Compression::Lz4),
        Just(Compression::Zstd(1))
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn batches_round_trip_and_takes_match_arrow(
        schema in schema(),
        seed in any::<u64>(),
        batch_rows in proptest::collection::vec(0usize..300, 0..4),
        page_size in prop_oneof![Just(64usize), Just(1000), Just(1 << 20)],
        codec in compression(),
    ) {
        let mut rng = rng(seed);
        let batches: Vec<RecordBatch> = batch_rows.iter().map(|n| random_batch(&mut rng, &schema, *n)).collect();
        let expected = concat_batches(&schema, &batches).unwrap();
        let file = write_file(&schema, &batches, page_size, codec);
        let meta = open(&file).unwrap();
        prop_assert_eq!(meta.schema.as_ref(), schema.as_ref());
        prop_assert_eq!(meta.num_rows as usize, expected.num_rows());

        // Whole file.
        let all = ReadPlan::rows(&meta, &all_columns(&meta), 0..meta.num_rows).unwrap();
        let (got, rounds) = execute(&file, &all).unwrap();
        prop_assert_eq!(&got, &expected);
        prop_assert!(rounds <= 1);

        let n = expected.num_rows() as u64;
        if n > 0 {
            // A row range and a projection of one column.
            let start = rng.gen_range(0..n);
            let end = rng.gen_range(start..=n);
            let col = rng.gen_range(0..schema.fields().len());
            let plan = ReadPlan::rows(&meta, &[col], start..end).unwrap();
            let (got, _) = execute(&file, &plan).unwrap();
            let want = expected.column(col).slice(start as usize, (end - start) as usize);
            prop_assert_eq!(got.column(0).as_ref(), want.as_ref());

            // Random takes: sparse and sorted, then dense, unsorted, with repeats.
            for count in [3usize, 40] {
                let mut rows: Vec<u64> = (0..count).map(|_| rng.gen_range(0..n)).collect();
                if count == 3 { rows.sort_unstable(); rows.dedup(); }
                let plan = ReadPlan::take(&meta, &all_columns(&meta), &rows).unwrap();
                let (got, rounds) = execute(&file, &plan).unwrap();
                let want = take_record_batch(&expected, &UInt64Array::from(rows.clone())).unwrap();
                prop_assert_eq!(&got, &want);
                prop_assert!(rounds <= 2);
            }
        }
    }
}

#[test]
fn empty_file_has_schema_and_no_rows() {
    let schema = proptest::strategy::ValueTree::current(
        &schema()
            .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
            .unwrap(),
    );
    let file = write_file(&schema, &[], 1024, Compression::None);
    let meta = open(&file).unwrap();
    assert_eq!(meta.num_rows, 0);
    let (batch, _) = execute(
        &file,
        &ReadPlan::rows(&meta, &all_columns(&meta), 0..0).unwrap(),
    )
    .unwrap();
    assert_eq!(batch.num_rows(), 0);
    assert_eq!(batch.schema(), schema);
}

#[test]
fn take_of_one_vector_reads_exactly_its_bytes() {
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let dt = DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), 128);
    let schema = Arc::new(Schema::new(vec![Field::new("vector", dt.clone(), false)]));
    let mut rng = rng(7);
    let vectors = random_array(&mut rng, &dt, 10_000, Nulls::None, false);
    let batch = RecordBatch::try_new(schema.clone(), vec![vectors]).unwrap();
    let file = write_file(
        &schema,
        std::slice::from_ref(&batch),
        shoal_format::DEFAULT_PAGE_SIZE,
        Compression::None,
    );
    let meta = open(&file).unwrap();
    let plan = ReadPlan::take(&meta, &[0], &[4321]).unwrap();
    let ranges = plan.missing_ranges(&shoal_format::Fetched::new()).unwrap();
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    assert_eq!(ranges[0].end - ranges[0].start, 128 * 4);
    let (got, rounds) = execute(&file, &plan).unwrap();
    assert_eq!(rounds, 1);
    assert_eq!(
        got.column(0).as_ref(),
        batch.column(0).slice(4321, 1).as_ref()
    );
}

#[test]
fn take_of_one_string_reads_offsets_then_bytes() {
    use arrow_array::StringArray;
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let schema = Arc::new(Schema::new(vec![Field::new("text", DataType::Utf8, true)]));
    let text: StringArray = (0..50_000)
        .map(|i| (i % 7 != 0).then(|| format!("row number {i}")))
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), vec![std::sync::Arc::new(text)]).unwrap();
    let file = write_file(
        &schema,
        std::slice::from_ref(&batch),
        64 * 1024,
        Compression::None,
    );
    let meta = open(&file).unwrap();
    let plan = ReadPlan::take(&meta, &[0], &[12_345]).unwrap();
    let first = plan.missing_ranges(&shoal_format::Fetched::new()).unwrap();
    assert_eq!(first.len(), 2, "validity byte and offset pair: {first:?}");
    let (got, rounds) = execute(&file, &plan).unwrap();
    assert_eq!(rounds, 2);
    assert_eq!(
        got.column(0).as_ref(),
        batch.column(0).slice(12_345, 1).as_ref()
    );
}

#[test]
fn take_of_one_fixed_size_binary_reads_exactly_its_bytes() {
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let dt = DataType::FixedSizeBinary(16);
    let uuid = Field::new("uuid", dt.clone(), true)
        .with_metadata([("ARROW:extension:name".to_string(), "arrow.uuid".to_string())].into());
    let schema = Arc::new(Schema::new(vec![uuid]));
    let mut rng = rng(11);
    let ids = random_array(&mut rng, &dt, 10_000, Nulls::None, false);
    let batch = RecordBatch::try_new(schema.clone(), vec![ids]).unwrap();
    let file = write_file(
        &schema,
        std::slice::from_ref(&batch),
        shoal_format::DEFAULT_PAGE_SIZE,
        Compression::None,
    );
    let meta = open(&file).unwrap();
    assert_eq!(meta.schema, schema, "the extension name survives");
    let plan = ReadPlan::take(&meta, &[0], &[4321]).unwrap();
    let ranges = plan.missing_ranges(&shoal_format::Fetched::new()).unwrap();
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    assert_eq!(ranges[0].end - ranges[0].start, 16);
    let (got, rounds) = execute(&file, &plan).unwrap();
    assert_eq!(rounds, 1);
    assert_eq!(
        got.column(0).as_ref(),
        batch.column(0).slice(4321, 1).as_ref()
    );
}

#[test]
fn new_types_nest_in_structs_lists_and_maps() {
    use arrow_schema::{DataType, Field, Fields, Schema};
    use std::sync::Arc;
    let leaves: Vec<DataType> = leaf_types();
    let item = |t: DataType| Arc::new(Field::new("item", t, true));
    let mut types = Vec::new();
    for t in leaves {
        types.push(DataType::Struct(Fields::from(vec![Field::new(
            "f",
            t.clone(),
            true,
        )])));
        types.push(DataType::List(item(t.clone())));
        types.push(DataType::Map(map_entries(t), false));
    }
    for (i, dt) in types.iter().enumerate() {
        let schema = Arc::new(Schema::new(vec![Field::new("c", dt.clone(), true)]));
        shoal_format::check_schema(&schema).unwrap_or_else(|e| panic!("{dt}: {e}"));
        let mut rng = rng(i as u64);
        let batch = random_batch(&mut rng, &schema, 100);
        let file = write_file(
            &schema,
            std::slice::from_ref(&batch),
            256,
            Compression::None,
        );
        let meta = open(&file).unwrap();
        let plan = ReadPlan::rows(&meta, &[0], 0..100).unwrap();
        let got = execute(&file, &plan).unwrap_or_else(|e| panic!("{dt}: {e}"));
        assert_eq!(got.0, batch, "{dt}");
        let rows = [3, 50, 51, 99];
        let plan = ReadPlan::take(&meta, &[0], &rows).unwrap();
        let want = take_record_batch(&batch, &UInt64Array::from(rows.to_vec()))
            .unwrap_or_else(|e| panic!("Arrow's take of {dt}: {e}"));
        let got = execute(&file, &plan).unwrap_or_else(|e| panic!("take of {dt}: {e}"));
        assert_eq!(got.0, want, "{dt}");
    }
}
