//! `SqlFilter` on record batches: what it selects, which columns it reads, SQL's float
//! semantics, nested columns, and the errors it gives before any data is read.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, StructArray,
};
use arrow_schema::{DataType, Field, Fields, Schema};
use shoal_dataset::{Error, RowFilter};
use shoal_sql::SqlFilter;

fn table() -> RecordBatch {
    let meta = StructArray::new(
        Fields::from(vec![Field::new("source", DataType::Utf8, true)]),
        vec![Arc::new(StringArray::from(vec!["web", "book", "web", "news"])) as ArrayRef],
        None,
    );
    let mut tags = ListBuilder::new(StringBuilder::new());
    for row in [vec!["a", "b"], vec![], vec!["b"], vec!["c", "a"]] {
        for tag in row {
            tags.values().append_value(tag);
        }
        tags.append(true);
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3, 4]))),
        (
            "x",
            Arc::new(Float64Array::from(vec![
                Some(-0.0),
                Some(f64::NAN),
                None,
                Some(2.0),
            ])),
        ),
        ("meta", Arc::new(meta)),
        ("tags", Arc::new(tags.finish())),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

/// The rows `text` selects from `batch`, reading only the filter's columns.
fn select(text: &str) -> Vec<bool> {
    let batch = table();
    let filter = SqlFilter::new(text, &batch.schema(), "t").unwrap();
    let input = batch.project(filter.columns()).unwrap();
    let mask: BooleanArray = filter.evaluate(&input).unwrap();
    mask.iter().map(|v| v.unwrap()).collect()
}

#[test]
fn a_filter_reads_only_its_columns() {
    let batch = table();
    let filter = SqlFilter::new("x > 0 AND id < 4", &batch.schema(), "t").unwrap();
    assert_eq!(filter.columns(), &[0, 1]);
    let constant = SqlFilter::new("1 = 1", &batch.schema(), "t").unwrap();
    assert_eq!(constant.columns(), &[0]);
}

#[test]
fn floats_compare_as_in_sql() {
    assert_eq!(select("x = 0"), [true, false, false, false]);
    assert_eq!(select("x = -0.0"), [true, false, false, false]);
    assert_eq!(
        select("x = CAST('NaN' AS DOUBLE)"),
        [false, true, false, false]
    );
    assert_eq!(select("x > 1"), [false, true, false, true]);
    assert_eq!(select("x IN (0, 5)"), [true, false, false, false]);
    assert_eq!(select("x BETWEEN -1 AND 0"), [true, false, false, false]);
    assert_eq!(select("x IS NULL"), [false, false, true, false]);
}

#[test]
fn struct_fields_and_list_functions_work() {
    assert_eq!(select("meta.source = 'web'"), [true, false, true, false]);
    assert_eq!(select("array_has(tags, 'a')"), [true, false, false, true]);
    assert_eq!(
        select("id IN (1, 4) OR meta.source LIKE 'n%'"),
        [true, false, false, true]
    );
}

#[test]
fn bad_filters_are_refused_before_any_data_is_read() {
    let schema = table().schema();
    let err = |text: &str| SqlFilter::new(text, &schema, "t").unwrap_err();
    assert!(matches!(err("nope = 1"), Error::ColumnNotFound { .. }));
    for text in [
        "id = ",
        "id + 1",
        "id = 'seven'",
        "",
        "id IN (1",
        "frob(id)",
    ] {
        let e = err(text);
        assert!(matches!(e, Error::InvalidFilter { .. }), "{text}: {e}");
        assert!(!e.to_string().contains('\n'), "{text}: {e}");
    }
    assert!(err("id + 1").to_string().contains("true or false"));
}

#[test]
fn a_filter_evaluates_batches_of_its_columns_by_position() {
    // The dataset hands over its own field metadata; names and types are what count.
    let schema = Schema::new(vec![Field::new("id", DataType::Int64, false)]);
    let filter = SqlFilter::new("id % 2 = 0", &schema, "t").unwrap();
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef],
    )
    .unwrap();
    let mask = filter.evaluate(&batch).unwrap();
    assert_eq!(mask, BooleanArray::from(vec![false, true, false, true]));
}
