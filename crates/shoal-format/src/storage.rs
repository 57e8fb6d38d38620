//! Logical types that pages hold in the layout of another type, their *storage type*:
//! a dictionary is stored as its values, `Utf8View`/`BinaryView` as `LargeUtf8`/`LargeBinary`
//! (8-byte offsets, so that no page of views can overflow its offsets), and
//! `ListView`/`LargeListView` as `List`/`LargeList`; types nested in others are mapped in
//! place. The footer records the logical type; the writer casts each batch to the storage
//! type before cutting pages, and readers cast decoded columns back, with Arrow's cast kernels.

use arrow_array::ArrayRef;
use arrow_cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType, Field, FieldRef};
use std::sync::Arc;

use crate::error::Result;

/// The type whose layout the pages of a column of type `dt` hold.
pub fn storage_type(dt: &DataType) -> DataType {
    use DataType::*;
    let field = |f: &FieldRef| -> FieldRef {
        Arc::new(Field::clone(f).with_data_type(storage_type(f.data_type())))
    };
    match dt {
        Dictionary(_, value) => storage_type(value),
        Utf8View => LargeUtf8,
        BinaryView => LargeBinary,
        List(f) | ListView(f) => List(field(f)),
        LargeList(f) | LargeListView(f) => LargeList(field(f)),
        FixedSizeList(f, size) => FixedSizeList(field(f), *size),
        Map(f, sorted) => Map(field(f), *sorted),
        Struct(fields) => Struct(fields.iter().map(field).collect()),
        other => other.clone(),
    }
}

/// Whether a dictionary of `values` can be rebuilt from its values by Arrow's cast kernels.
pub(crate) fn dictionary_values_supported(values: &DataType) -> bool {
    use DataType::*;
    matches!(
        values,
        Int8 | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float16
            | Float32
            | Float64
            | Decimal32(..)
            | Decimal64(..)
            | Decimal128(..)
            | Decimal256(..)
            | Date32
            | Date64
            | Time32(_)
            | Time64(_)
            | Timestamp(..)
            | Utf8
            | LargeUtf8
            | Utf8View
            | Binary
            | LargeBinary
            | BinaryView
    )
}

/// Casts without turning values that do not fit into nulls: a failure is an error.
const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow_cast::display::FormatOptions::new(),
};

/// `array` in its storage type (itself when the two agree).
pub(crate) fn to_storage(array: &ArrayRef) -> Result<ArrayRef> {
    let storage = storage_type(array.data_type());
    if storage == *array.data_type() {
        return Ok(array.clone());
    }
    Ok(cast_with_options(array, &storage, &STRICT)?)
}

/// `array`, decoded in the storage type of `dt`, as `dt`.
pub(crate) fn from_storage(array: ArrayRef, dt: &DataType) -> Result<ArrayRef> {
    if array.data_type() == dt {
        return Ok(array);
    }
    Ok(cast_with_options(&array, dt, &STRICT)?)
}
