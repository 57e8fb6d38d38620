//! The query vectors of `shoal search`: from a `.npy` file (one vector, or a matrix of one
//! query per row, in C or Fortran order), from a stored row, or from a text.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Float32Type};
use npyz::Order;
use shoal::blocking::Table;

use crate::runtime::block_on;

/// Query vectors, row-major, `dim` values each.
pub struct Queries {
    pub values: Vec<f32>,
    pub dim: usize,
}

impl Queries {
    /// The queries one by one.
    pub fn iter(&self) -> impl Iterator<Item = &[f32]> {
        self.values.chunks(self.dim)
    }
}

/// The vector column and the query vector the dataset's embedding function makes of `text`.
pub fn from_text(table: &Table, column: Option<&str>, text: &str) -> Result<(String, Queries)> {
    let schema = table.schema();
    let (column, values) = block_on(shoal::embedding::embed_text(&schema, column, text))?;
    let dim = values.len();
    Ok((column, Queries { values, dim }))
}

/// The vector of column `column` at row offset `row`, as one query.
pub fn from_row(table: &Table, column: &str, row: u64) -> Result<Queries> {
    let batch = table.take_offsets(&[row], Some(&[column]))?;
    let DataType::FixedSizeList(_, dim) = batch.column(0).data_type() else {
        bail!(
            "column '{column}' is not a vector column: it is {}",
            batch.column(0).data_type()
        );
    };
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let list = arrow::compute::cast(batch.column(0), &DataType::FixedSizeList(item, *dim))?;
    let list = list.as_fixed_size_list();
    if list.is_null(0) {
        bail!("row {row} has no vector (its '{column}' is null)");
    }
    let values = list.value(0);
    Ok(Queries {
        values: values.as_primitive::<Float32Type>().values().to_vec(),
        dim: *dim as usize,
    })
}

/// Queries from a .npy file of float32 (or float64) values: a vector (exactly one query), or
/// a matrix with one query per row.
pub fn from_npy(path: &Path) -> Result<Queries> {
    if path.is_dir() {
        bail!("'{}' is a directory, not a .npy file", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read '{}'", path.display()))?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .with_context(|| format!("'{}' is not a .npy file", path.display()))?;
    let shape = npy.shape().to_vec();
    let (rows, dim) = match shape.as_slice() {
        [d] if *d > 0 => (1, *d as usize),
        [n, d] if *d > 0 => (*n as usize, *d as usize),
        _ => bail!(
            "'{}' has shape {shape:?}; queries are a vector or a matrix (one per row)",
            path.display()
        ),
    };
    let order = npy.order();
    let descr = npy.dtype().descr();
    let code = descr.trim_matches('\'');
    let truncated = || format!("'{}' is not a readable .npy file", path.display());
    let values: Vec<f32> = match code.trim_start_matches(['<', '>', '|', '=']) {
        "f4" => npy.into_vec::<f32>().with_context(truncated)?,
        "f8" => npy
            .into_vec::<f64>()
            .with_context(truncated)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        other => bail!(
            "'{}' holds {} values (numpy dtype '{code}'); queries must be float32 (or float64)",
            path.display(),
            numpy_type_name(other)
        ),
    };
    if values.is_empty() {
        bail!("'{}' holds no queries", path.display());
    }
    let values = match order {
        Order::C => values,
        Order::Fortran => transpose(&values, rows, dim),
    };
    Ok(Queries { values, dim })
}

/// Row-major values of a `rows` x `dim` matrix stored column by column.
fn transpose(column_major: &[f32], rows: usize, dim: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(column_major.len());
    for r in 0..rows {
        out.extend((0..dim).map(|c| column_major[c * rows + r]));
    }
    out
}

/// numpy's name for a type code without its byte order ("i8" is int64, not int8).
fn numpy_type_name(code: &str) -> String {
    let (kind, size) = code.split_at(code.len().min(1));
    let bits = size.parse::<u32>().map(|bytes| bytes * 8);
    match (kind, bits) {
        ("b", Ok(8)) => "bool".to_string(),
        ("i", Ok(b)) => format!("int{b}"),
        ("u", Ok(b)) => format!("uint{b}"),
        ("f", Ok(b)) => format!("float{b}"),
        ("c", Ok(b)) => format!("complex{b}"),
        ("U", _) => "unicode string".to_string(),
        ("S", _) | ("a", _) => "byte string".to_string(),
        ("O", _) => "Python object".to_string(),
        ("M", _) => "datetime64".to_string(),
        ("m", _) => "timedelta64".to_string(),
        _ => format!("'{code}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_codes_are_named_as_numpy_names_them() {
        assert_eq!(numpy_type_name("i8"), "int64");
        assert_eq!(numpy_type_name("i1"), "int8");
        assert_eq!(numpy_type_name("u2"), "uint16");
        assert_eq!(numpy_type_name("f2"), "float16");
        assert_eq!(numpy_type_name("c16"), "complex128");
        assert_eq!(numpy_type_name("b1"), "bool");
    }

    #[test]
    fn fortran_order_is_transposed_to_rows() {
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        let stored = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        assert_eq!(transpose(&stored, 2, 3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }
}
