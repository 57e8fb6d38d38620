//! Which type changes are safe: those whose cast cannot fail or lose information on any
//! value (so that altering a column's type never refuses a row half-way, and never changes
//! a value but for its type).

use arrow_schema::{DataType, Field};

/// Whether every value of type `from` casts to `to` exactly (`from != to`).
pub(crate) fn is_safe_cast(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    match (from, to) {
        (Int8, Int16 | Int32 | Int64 | Float32 | Float64)
        | (Int16, Int32 | Int64 | Float32 | Float64)
        | (Int32, Int64 | Float64)
        | (UInt8, UInt16 | UInt32 | UInt64 | Int16 | Int32 | Int64 | Float32 | Float64)
        | (UInt16, UInt32 | UInt64 | Int32 | Int64 | Float32 | Float64)
        | (UInt32, UInt64 | Int64 | Float64)
        | (Float16, Float32 | Float64)
        | (Float32, Float64)
        | (Date32, Date64)
        | (Utf8, LargeUtf8)
        | (Binary, LargeBinary) => true,
        (List(a) | LargeList(a), LargeList(b)) | (List(a), List(b)) => same_or_safe(a, b),
        (FixedSizeList(a, n), FixedSizeList(b, m)) => n == m && same_or_safe(a, b),
        _ => false,
    }
}

/// Whether a list's items of field `a` may become items of field `b`: same name, no
/// nullability taken away, and the same type or a safe cast.
fn same_or_safe(a: &Field, b: &Field) -> bool {
    a.name() == b.name()
        && (b.is_nullable() || !a.is_nullable())
        && a.metadata() == b.metadata()
        && (a.data_type() == b.data_type() || is_safe_cast(a.data_type(), b.data_type()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn widening_is_safe_and_narrowing_is_not() {
        use DataType::*;
        assert!(is_safe_cast(&Int32, &Int64));
        assert!(is_safe_cast(&UInt32, &Int64));
        assert!(is_safe_cast(&Int16, &Float32));
        assert!(is_safe_cast(&Float32, &Float64));
        assert!(is_safe_cast(&Utf8, &LargeUtf8));
        assert!(!is_safe_cast(&Int64, &Int32));
        assert!(!is_safe_cast(&Int64, &Float64), "2^53 + 1 is not a float64");
        assert!(!is_safe_cast(&Int32, &Float32), "2^24 + 1 is not a float32");
        assert!(!is_safe_cast(&Int32, &UInt64), "negative values");
        assert!(!is_safe_cast(&Float64, &Float32));
        assert!(!is_safe_cast(&Utf8, &Int64));
        assert!(!is_safe_cast(&LargeUtf8, &Utf8));
        let item = |t: DataType, nullable: bool| Arc::new(Field::new("item", t, nullable));
        assert!(is_safe_cast(
            &List(item(Int32, true)),
            &LargeList(item(Int64, true))
        ));
        assert!(!is_safe_cast(
            &List(item(Int32, true)),
            &List(item(Int32, false))
        ));
        assert!(is_safe_cast(
            &FixedSizeList(item(Float32, true), 4),
            &FixedSizeList(item(Float64, true), 4)
        ));
        assert!(!is_safe_cast(
            &FixedSizeList(item(Float32, true), 4),
            &FixedSizeList(item(Float32, true), 8)
        ));
    }
}
