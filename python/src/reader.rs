//! Arrow across the boundary, through the Arrow PyCapsule interface: what Python hands to
//! `create_table` and `add` ([`table_data`]), and query results handed back as an Arrow C
//! stream ([`result_reader`]) whose consumer may hold the GIL.

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::{PyRecordBatchReader, PySchema};
use shoal::TableData;

/// Rows from an object with `__arrow_c_stream__` or `__arrow_c_array__` (read lazily, on a
/// thread of Shoal's own while the caller waits with the GIL released), or no rows from one
/// with only `__arrow_c_schema__`.
pub fn table_data(data: &Bound<'_, PyAny>) -> PyResult<TableData> {
    if data.hasattr("__arrow_c_stream__")? || data.hasattr("__arrow_c_array__")? {
        let reader = data.extract::<AnyRecordBatch>()?.into_reader()?;
        return Ok(TableData::reader(reader));
    }
    if data.hasattr("__arrow_c_schema__")? {
        return Ok(TableData::empty(data.extract::<PySchema>()?.into_inner()));
    }
    Err(PyTypeError::new_err(format!(
        "expected Arrow data (an object with __arrow_c_stream__, __arrow_c_array__ or \
         __arrow_c_schema__), got {}",
        data.get_type().name()?
    )))
}

/// A query's rows as an Arrow `RecordBatchReader` object for Python (it implements
/// `__arrow_c_stream__`). Each batch is waited for with the GIL released, whichever thread
/// reads it and whether or not that thread holds the GIL.
pub fn result_reader(rows: shoal::blocking::QueryRows) -> PyRecordBatchReader {
    PyRecordBatchReader::new(Box::new(GilReleasing(Box::new(rows.into_reader()))))
}

/// A reader that releases the GIL, when its thread holds it, while the inner reader waits.
struct GilReleasing(Box<dyn RecordBatchReader + Send>);

impl Iterator for GilReleasing {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let inner = &mut self.0;
        if holds_gil() {
            Python::attach(|py| py.detach(|| inner.next()))
        } else {
            inner.next()
        }
    }
}

impl RecordBatchReader for GilReleasing {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }
}

/// Whether this thread holds the GIL (a Python consumer reading the stream on its own
/// thread, like pyarrow's `read_next_batch`, does).
#[allow(unsafe_code)]
fn holds_gil() -> bool {
    // SAFETY: PyGILState_Check only reads the interpreter's thread state, and may be called
    // with or without the GIL.
    unsafe { PyGILState_Check() == 1 }
}

#[allow(unsafe_code)]
extern "C" {
    /// Outside the limited API's headers (so pyo3's abi3 bindings leave it out), but
    /// exported by every CPython since 3.4, which is all this extension loads into.
    fn PyGILState_Check() -> std::os::raw::c_int;
}
