//! SQL's float semantics for comparisons, as PostgreSQL and DuckDB have them: -0.0 equals
//! 0.0, and NaN equals NaN and sorts above every number.
//!
//! Arrow's comparison kernels order floats by IEEE total order, which tells -0.0 from 0.0
//! and NaNs apart by sign and payload (a negative NaN sorts below every number). Comparing
//! canonical values instead (0.0 for either zero, one positive NaN for every NaN) makes
//! total order agree with SQL, so every comparison Shoal makes goes through [`canonical`].

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float16Type, Float32Type, Float64Type};
use arrow_array::ArrayRef;
use arrow_schema::DataType;
use half::f16;

/// `array` with its float values made canonical; other types are returned as they are.
pub(crate) fn canonical(array: &ArrayRef) -> ArrayRef {
    match array.data_type() {
        DataType::Float16 => Arc::new(array.as_primitive::<Float16Type>().unary::<_, Float16Type>(
            |v| {
                if v.is_nan() {
                    f16::NAN
                } else if v == f16::ZERO {
                    f16::ZERO
                } else {
                    v
                }
            },
        )),
        DataType::Float32 => Arc::new(
            array
                .as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|v| canonical_f64(v as f64) as f32),
        ),
        DataType::Float64 => Arc::new(
            array
                .as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(canonical_f64),
        ),
        _ => array.clone(),
    }
}

fn canonical_f64(v: f64) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Float32Array, Float64Array};
    use arrow_ord::cmp;

    #[test]
    fn negative_zero_equals_zero_and_nan_equals_nan_above_every_number() {
        let nan_neg = f64::from_bits(f64::NAN.to_bits() | (1 << 63));
        let values: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(-0.0),
            Some(nan_neg),
            Some(f64::INFINITY),
            None,
        ]));
        let values = canonical(&values);
        let zero = Float64Array::new_scalar(0.0);
        let eq = cmp::eq(&values, &zero).unwrap();
        assert!(eq.value(0) && !eq.value(1) && !eq.value(2) && eq.is_null(3));
        let nan = Float64Array::new_scalar(f64::NAN);
        assert!(cmp::eq(&values, &nan).unwrap().value(1));
        assert!(cmp::gt(&values, &Float64Array::new_scalar(f64::INFINITY))
            .unwrap()
            .value(1));
        let f32s: ArrayRef = Arc::new(Float32Array::from(vec![-0.0f32]));
        let f32s = canonical(&f32s);
        assert!(cmp::eq(&f32s, &Float32Array::new_scalar(0.0))
            .unwrap()
            .value(0));
    }
}
