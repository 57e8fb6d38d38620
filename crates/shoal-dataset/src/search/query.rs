//! What a vector search is asked: the vector column (checked to be one) and the query
//! vectors (checked against it).

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float16Type, Float32Type};
use arrow_array::{Array, FixedSizeListArray, RecordBatch};
use arrow_schema::DataType;
use half::slice::HalfFloatSliceExt;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::read::scan::ScanStream;

/// Batches of a vector pass handed to the CPU pool at once: enough to keep every CPU
/// thread busy while the next batches are read.
pub(crate) fn batches_in_flight() -> usize {
    shoal_runtime::config().cpu_threads * 2
}

/// A vector column of the dataset: `fixed_size_list<float32>[dim]` or
/// `fixed_size_list<float16>[dim]` (searched as float32).
#[derive(Debug, Clone)]
pub(crate) struct VectorColumn {
    pub name: String,
    /// Index in the dataset's schema.
    pub index: usize,
    pub field_id: u32,
    pub dim: usize,
}

impl VectorColumn {
    /// Column `name` of `dataset`, or an error saying why it cannot be searched.
    pub(crate) fn find(dataset: &Dataset, name: &str) -> Result<Self> {
        let index = dataset.projection(Some(&[name]))?[0];
        let schema = dataset.schema();
        let field = schema.field(index);
        let not_vector = |what: String| {
            Error::InvalidArgument(format!(
                "column '{name}' is not a vector column: it is {what}; vector search needs \
                 fixed_size_list<float32> or fixed_size_list<float16>"
            ))
        };
        match field.data_type() {
            DataType::FixedSizeList(item, dim)
                if matches!(item.data_type(), DataType::Float32 | DataType::Float16) =>
            {
                Ok(Self {
                    name: name.to_string(),
                    index,
                    field_id: dataset.manifest().field_ids[index],
                    dim: *dim as usize,
                })
            }
            DataType::FixedSizeList(item, _) => {
                Err(not_vector(format!("fixed_size_list<{}>", item.data_type())))
            }
            other => Err(not_vector(other.to_string())),
        }
    }

    /// The scan a vector pass reads: this column, the columns `others` (indices in the
    /// dataset's schema), then the row addresses, over fragments `ids`, batches as soon as
    /// each is ready.
    pub(crate) async fn scan(
        &self,
        dataset: &Dataset,
        ids: Vec<u64>,
        others: &[usize],
    ) -> Result<ScanStream> {
        let mut projection = vec![self.index];
        projection.extend_from_slice(others);
        dataset
            .scan()
            .projection(projection)
            .fragments(ids)
            .with_row_addresses(true)
            .ordered(false)
            .stream()
            .await
    }

    /// Checks query vectors (row-major, `dim` values each) and returns how many there are.
    pub(crate) fn check_queries(&self, queries: &[f32]) -> Result<usize> {
        let dim = self.dim;
        if queries.is_empty() || queries.len() % dim != 0 {
            return Err(Error::InvalidArgument(format!(
                "query vectors must have {dim} values each (column '{}' holds vectors of {dim} \
                 dimensions); got {} values",
                self.name,
                queries.len()
            )));
        }
        if let Some(at) = queries.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "query {} has a non-finite value ({}) at position {}",
                at / dim,
                queries[at],
                at % dim
            )));
        }
        Ok(queries.len() / dim)
    }
}

/// The vectors of column `column` of `batch`, row-major float32 (float16 vectors are
/// widened, exactly), and which rows are null.
pub(crate) fn vectors_of(
    batch: &RecordBatch,
    column: usize,
) -> (Cow<'_, [f32]>, Option<Vec<bool>>) {
    let list: &FixedSizeListArray = batch.column(column).as_fixed_size_list();
    let dim = list.value_length() as usize;
    // Slicing a fixed-size list slices its values, so they start at the first vector.
    let values = list.values();
    let vectors = match values.data_type() {
        DataType::Float16 => {
            let halves = &values.as_primitive::<Float16Type>().values()[..list.len() * dim];
            let mut widened = vec![0.0; halves.len()];
            halves.convert_to_f32_slice(&mut widened);
            Cow::Owned(widened)
        }
        _ => Cow::Borrowed(&values.as_primitive::<Float32Type>().values()[..list.len() * dim]),
    };
    let nulls = list
        .nulls()
        .filter(|n| n.null_count() > 0)
        .map(|n| (0..list.len()).map(|i| n.is_null(i)).collect());
    (vectors, nulls)
}
