//! Min/max statistics of a page, for columns whose values have a natural order.
//!
//! Stored as raw little-endian bytes of the column's native type (one byte for booleans, the
//! bytes themselves for strings and binary). String and binary statistics are kept only when
//! both bounds are at most [`MAX_STAT_BYTES`] long, so that one long value cannot bloat the
//! footer. Floating-point bounds follow Arrow's aggregate kernels (NaN sorts last). Statistics
//! are those of the column's storage type: a dictionary's are its values', a view's its large
//! form's; [`bound_as_array`] turns them back into the column's own type.

use arrow_arith::aggregate;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{make_array, Array, ArrayRef, ArrowPrimitiveType};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_data::ArrayDataBuilder;
use arrow_schema::{DataType, TimeUnit};
use bytes::Bytes;

use crate::error::{FormatError, Result};
use crate::storage::{from_storage, storage_type};
use crate::types::fixed_width;

/// Longest string or binary bound that is stored.
pub const MAX_STAT_BYTES: usize = 64;

/// The smallest and largest non-null value of a page, as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStats {
    pub min: Bytes,
    pub max: Bytes,
}

fn primitive<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<PageStats> {
    let a = array.as_primitive::<T>();
    let bytes = |v: T::Native| Bytes::copy_from_slice(Buffer::from_vec(vec![v]).as_slice());
    Some(PageStats {
        min: bytes(aggregate::min(a)?),
        max: bytes(aggregate::max(a)?),
    })
}

fn bounded(min: Option<&[u8]>, max: Option<&[u8]>) -> Option<PageStats> {
    let (min, max) = (min?, max?);
    (min.len() <= MAX_STAT_BYTES && max.len() <= MAX_STAT_BYTES).then(|| PageStats {
        min: Bytes::copy_from_slice(min),
        max: Bytes::copy_from_slice(max),
    })
}

/// Computes statistics for a page of a top-level column, or `None` when the type has none or
/// the page has no non-null value.
pub(crate) fn compute(array: &dyn Array) -> Option<PageStats> {
    use DataType::*;
    match array.data_type() {
        Boolean => {
            let a = array.as_boolean();
            Some(PageStats {
                min: Bytes::from(vec![u8::from(aggregate::min_boolean(a)?)]),
                max: Bytes::from(vec![u8::from(aggregate::max_boolean(a)?)]),
            })
        }
        Int8 => primitive::<Int8Type>(array),
        Int16 => primitive::<Int16Type>(array),
        Int32 => primitive::<Int32Type>(array),
        Int64 => primitive::<Int64Type>(array),
        UInt8 => primitive::<UInt8Type>(array),
        UInt16 => primitive::<UInt16Type>(array),
        UInt32 => primitive::<UInt32Type>(array),
        UInt64 => primitive::<UInt64Type>(array),
        Float16 => primitive::<Float16Type>(array),
        Float32 => primitive::<Float32Type>(array),
        Float64 => primitive::<Float64Type>(array),
        Date32 => primitive::<Date32Type>(array),
        Timestamp(TimeUnit::Second, _) => primitive::<TimestampSecondType>(array),
        Timestamp(TimeUnit::Millisecond, _) => primitive::<TimestampMillisecondType>(array),
        Timestamp(TimeUnit::Microsecond, _) => primitive::<TimestampMicrosecondType>(array),
        Timestamp(TimeUnit::Nanosecond, _) => primitive::<TimestampNanosecondType>(array),
        Date64 => primitive::<Date64Type>(array),
        Time32(TimeUnit::Second) => primitive::<Time32SecondType>(array),
        Time32(TimeUnit::Millisecond) => primitive::<Time32MillisecondType>(array),
        Time64(TimeUnit::Microsecond) => primitive::<Time64MicrosecondType>(array),
        Time64(TimeUnit::Nanosecond) => primitive::<Time64NanosecondType>(array),
        Duration(TimeUnit::Second) => primitive::<DurationSecondType>(array),
        Duration(TimeUnit::Millisecond) => primitive::<DurationMillisecondType>(array),
        Duration(TimeUnit::Microsecond) => primitive::<DurationMicrosecondType>(array),
        Duration(TimeUnit::Nanosecond) => primitive::<DurationNanosecondType>(array),
        Decimal32(..) => primitive::<Decimal32Type>(array),
        Decimal64(..) => primitive::<Decimal64Type>(array),
        Decimal128(..) => primitive::<Decimal128Type>(array),
        Decimal256(..) => primitive::<Decimal256Type>(array),
        FixedSizeBinary(_) => {
            let a = array.as_fixed_size_binary();
            bounded(
                aggregate::min_fixed_size_binary(a),
                aggregate::max_fixed_size_binary(a),
            )
        }
        Utf8 => {
            let a = array.as_string::<i32>();
            bounded(
                aggregate::min_string(a).map(str::as_bytes),
                aggregate::max_string(a).map(str::as_bytes),
            )
        }
        LargeUtf8 => {
            let a = array.as_string::<i64>();
            bounded(
                aggregate::min_string(a).map(str::as_bytes),
                aggregate::max_string(a).map(str::as_bytes),
            )
        }
        Binary => {
            let a = array.as_binary::<i32>();
            bounded(aggregate::min_binary(a), aggregate::max_binary(a))
        }
        LargeBinary => {
            let a = array.as_binary::<i64>();
            bounded(aggregate::min_binary(a), aggregate::max_binary(a))
        }
        _ => None,
    }
}

/// Turns a stored bound back into a one-element array of the column's type `dt`, for display
/// and comparison. Fails on bounds whose size does not fit the type.
pub fn bound_as_array(dt: &DataType, bound: &Bytes) -> Result<ArrayRef> {
    from_storage(storage_bound(&storage_type(dt), bound)?, dt)
}

/// A stored bound as a one-element array of the storage type `dt`.
pub(crate) fn storage_bound(dt: &DataType, bound: &Bytes) -> Result<ArrayRef> {
    let builder = ArrayDataBuilder::new(dt.clone()).len(1).align_buffers(true);
    let data = match dt {
        DataType::Utf8 | DataType::Binary => builder.buffers(vec![
            OffsetBuffer::<i32>::from_lengths([bound.len()])
                .into_inner()
                .into_inner(),
            Buffer::from(bound.clone()),
        ]),
        DataType::LargeUtf8 | DataType::LargeBinary => builder.buffers(vec![
            OffsetBuffer::<i64>::from_lengths([bound.len()])
                .into_inner()
                .into_inner(),
            Buffer::from(bound.clone()),
        ]),
        DataType::Boolean => {
            let bit = bound.first().copied().unwrap_or(0) & 1;
            builder.buffers(vec![ScalarBuffer::from(vec![bit]).into_inner()])
        }
        other if fixed_width(other) == Some(bound.len()) => {
            builder.buffers(vec![Buffer::from(bound.clone())])
        }
        other => {
            return Err(FormatError::corrupt(format!(
                "statistics of {} bytes do not fit type {other}",
                bound.len()
            )))
        }
    };
    Ok(make_array(data.build()?))
}
