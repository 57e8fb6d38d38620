//! `SqlColumns` on record batches: the fields it makes, the columns it reads, its values,
//! and the errors it gives before any data is read.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use shoal_dataset::{ColumnMaker, Error};
use shoal_sql::SqlColumns;

fn table() -> RecordBatch {
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3]))),
        (
            "x",
            Arc::new(Float64Array::from(vec![Some(0.5), None, Some(2.0)])),
        ),
        ("name", Arc::new(StringArray::from(vec!["a", "b", "c"]))),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

#[test]
fn columns_read_only_their_inputs_and_compute_each_row() {
    let batch = table();
    let columns = SqlColumns::new(
        &[("total", "x * id"), ("tag", "upper(name)"), ("one", "1")],
        &batch.schema(),
        "t",
    )
    .unwrap();
    assert_eq!(columns.inputs(), &[0, 1, 2]);
    let fields: Vec<(&str, &DataType, bool)> = columns
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type(), f.is_nullable()))
        .collect();
    assert_eq!(
        fields,
        [
            ("total", &DataType::Float64, true),
            ("tag", &DataType::Utf8, true),
            ("one", &DataType::Int64, true)
        ]
    );
    let made = columns
        .make(&batch.project(columns.inputs()).unwrap())
        .unwrap();
    let total = made[0].as_primitive::<Float64Type>();
    assert_eq!(
        total.iter().collect::<Vec<_>>(),
        [Some(0.5), None, Some(6.0)]
    );
    assert_eq!(made[1].as_string::<i32>().value(2), "C");
    assert_eq!(made[2].as_primitive::<Int64Type>().values(), &[1, 1, 1]);

    let narrow = SqlColumns::new(&[("next", "id + 1")], &batch.schema(), "t").unwrap();
    assert_eq!(narrow.inputs(), &[0]);
    let made = narrow.make(&batch.project(&[0]).unwrap()).unwrap();
    assert_eq!(made[0].as_primitive::<Int64Type>().values(), &[2, 3, 4]);
    assert_eq!(narrow.text(), "next = id + 1");
}

#[test]
fn bad_expressions_are_refused_naming_the_problem() {
    let schema = table().schema();
    let err = SqlColumns::new(&[("y", "nope + 1")], &schema, "t").unwrap_err();
    assert!(
        matches!(&err, Error::ColumnNotFound { name, .. } if name == "nope"),
        "{err}"
    );
    for (expr, says) in [
        ("id +", "syntax error"),
        ("name - 1", "y = name - 1"),
        ("", "has no expression"),
    ] {
        let err = SqlColumns::new(&[("y", expr)], &schema, "t").unwrap_err();
        assert!(
            matches!(err, Error::InvalidNewColumns { .. }),
            "{expr}: {err}"
        );
        assert!(err.to_string().contains(says), "{expr}: {err}");
    }
    let none: [(&str, &str); 0] = [];
    let err = SqlColumns::new(&none, &schema, "t").unwrap_err();
    assert!(err.to_string().contains("no column"), "{err}");
}
