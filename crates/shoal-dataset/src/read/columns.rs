//! A version's columns in one data file: the single place where the dataset's schema meets a
//! file's columns. Fields are matched by id (see [`crate::Manifest::field_ids`] and
//! [`crate::DataFile::field_ids`]), never by name or position, so a file written before a
//! rename, a drop or an added column reads right under any later schema: every reader (scans,
//! filtered and pruned ones included, takes, and through them searches, deletes, updates,
//! compaction and index builds) plans the file's columns with [`FileColumns::file_projection`]
//! and gives what it decoded the dataset's fields with [`FileColumns::conform`]. A field the
//! file lacks reads as nulls of its type; the dataset's name and nullability win.

use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{ArrowError, SchemaRef};

use crate::error::Result;

/// Where each column of a version's schema is among one data file's columns.
#[derive(Debug)]
pub(crate) struct FileColumns {
    /// The version's schema and its field ids.
    schema: SchemaRef,
    field_ids: Vec<u32>,
    /// Per column of `schema`: its index in the file, or `None` when the file lacks it.
    in_file: Vec<Option<usize>>,
}

impl FileColumns {
    /// The columns of a version (`schema`, its `field_ids`) in a file whose columns have
    /// the ids `file_field_ids`, in file order.
    pub(crate) fn new(schema: SchemaRef, field_ids: &[u32], file_field_ids: &[u32]) -> Self {
        let in_file = field_ids
            .iter()
            .map(|id| file_field_ids.iter().position(|f| f == id))
            .collect();
        Self {
            schema,
            field_ids: field_ids.to_vec(),
            in_file,
        }
    }

    /// Whether these are the columns of a version of `schema` with `field_ids`.
    pub(crate) fn is_for(&self, schema: &SchemaRef, field_ids: &[u32]) -> bool {
        Arc::ptr_eq(&self.schema, schema) && self.field_ids == field_ids
    }

    /// The version's schema.
    pub(crate) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The file's column holding dataset column `column`, if it has one.
    pub(crate) fn in_file(&self, column: usize) -> Option<usize> {
        self.in_file[column]
    }

    /// The file's columns to read for the dataset columns `projection`: those the file
    /// has, in projection order.
    pub(crate) fn file_projection(&self, projection: &[usize]) -> Vec<usize> {
        projection.iter().filter_map(|&c| self.in_file[c]).collect()
    }

    /// `batch`, decoded from [`FileColumns::file_projection`] of `projection`, as the dataset
    /// columns `projection`: the dataset's fields, nulls where the file lacks a column.
    pub(crate) fn conform(&self, projection: &[usize], batch: RecordBatch) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let mut decoded = batch.columns().iter();
        let columns: Vec<ArrayRef> = projection
            .iter()
            .map(|&c| match self.in_file[c] {
                Some(_) => decoded.next().cloned(),
                None => Some(new_null_array(self.schema.field(c).data_type(), rows)),
            })
            .collect::<Option<_>>()
            .ok_or_else(|| {
                ArrowError::InvalidArgumentError(format!(
                    "a batch of {} columns decoded where {} were planned",
                    batch.num_columns(),
                    self.file_projection(projection).len()
                ))
            })?;
        let schema = Arc::new(self.schema.project(projection)?);
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(RecordBatch::try_new_with_options(
            schema, columns, &options,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Int32Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    #[test]
    fn files_are_read_by_field_id_with_the_version_s_fields() {
        // The file: id 0 "a" (int32), id 1 "b" (dropped since), id 2 "c" (utf8).
        let file = RecordBatch::try_from_iter([
            ("a", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
            ("c", Arc::new(StringArray::from(vec!["x", "y"])) as ArrayRef),
        ])
        .unwrap();
        // The version: "c" renamed "see", "a" kept, "new" (id 5) added.
        let schema = Arc::new(Schema::new(vec![
            Field::new("see", DataType::Utf8, true),
            Field::new("new", DataType::Int64, true),
            Field::new("a", DataType::Int32, true),
        ]));
        let columns = FileColumns::new(schema, &[2, 5, 0], &[0, 1, 2]);
        let projection = [2, 1, 0];
        assert_eq!(columns.file_projection(&projection), vec![0, 2]);
        let batch = columns.conform(&projection, file).unwrap();
        assert_eq!(batch.schema().field(0).name(), "a");
        assert_eq!(batch.schema().field(2).name(), "see");
        assert_eq!(batch.column(1).null_count(), 2);
        assert_eq!(batch.column(1).data_type(), &DataType::Int64);
    }
}
