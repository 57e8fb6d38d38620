//! What Python hands to the changes that take more than a value or two: a merge-insert's
//! clauses ([`MergeOptions`]) and a column's alteration ([`Alteration`]), each a dict the
//! Python layer builds, turned into the Rust API's builder and type here.

use pyo3::prelude::*;
use pyo3_arrow::PyDataType;
use shoal::ColumnAlteration;

/// A merge-insert's clauses: a dict with every key.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct MergeOptions {
    on: Vec<String>,
    when_matched_update_all: bool,
    when_not_matched_insert_all: bool,
    /// Whether to delete the table's rows that no new row matches...
    when_not_matched_by_source_delete: bool,
    /// ... only those matching this where-clause, when given.
    delete_filter: Option<String>,
}

impl MergeOptions {
    /// The Rust builder for `table` with these clauses.
    pub fn build(self, table: &shoal::Table) -> shoal::MergeInsert {
        let mut merge = table.merge_insert(&self.on);
        if self.when_matched_update_all {
            merge = merge.when_matched_update_all();
        }
        if self.when_not_matched_insert_all {
            merge = merge.when_not_matched_insert_all();
        }
        if self.when_not_matched_by_source_delete {
            merge = merge.when_not_matched_by_source_delete(self.delete_filter.as_deref());
        }
        merge
    }
}

/// One column's alteration: a dict with `column` and any of `rename`, `nullable` and
/// `data_type` (an object with `__arrow_c_schema__`, such as a `pyarrow.DataType`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Alteration {
    column: String,
    rename: Option<String>,
    nullable: Option<bool>,
    data_type: Option<PyDataType>,
}

impl From<Alteration> for ColumnAlteration {
    fn from(a: Alteration) -> Self {
        ColumnAlteration {
            column: a.column,
            rename: a.rename,
            nullable: a.nullable,
            data_type: a.data_type.map(PyDataType::into_inner),
        }
    }
}
