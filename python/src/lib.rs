//! `shoal._native`: the native half of Shoal's Python package. Plain Python in `shoal/` is
//! the public surface; this module gives it the public Rust API (`shoal`) one call at a time.
//!
//! - [`call`] runs each call's work: blocking with the GIL released, or as an awaitable on
//!   Shoal's I/O runtime, with Rust panics turned into exceptions either way.
//! - [`awaitable`] hands awaited calls' results to their event loop, on the loop's thread.
//! - [`error`] turns a `shoal::Error` into the matching exception of `shoal._errors`.
//! - [`connection`], [`table`] and [`query`] mirror the Rust types of the same names;
//!   [`info`] holds the plain records they return (versions, indices, stats).
//! - [`changes`] reads a merge-insert's clauses and column alterations from Python.
//! - [`embedding`] runs Python embedding functions on their own pools.
//! - [`reader`] hands query results to Python as Arrow C streams.

mod awaitable;
mod call;
mod changes;
mod connection;
mod embedding;
mod error;
mod info;
mod query;
mod reader;
mod table;

use pyo3::prelude::*;

/// Like Shoal's binaries, the extension allocates with mimalloc: the scan's byte budget only
/// holds in RSS with an allocator that returns freed buffers to the OS (DESIGN.md, Memory).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Panics on purpose, blocking or (`asynchronous`) in an awaitable, so that tests can check
/// that no Rust panic crosses into Python as anything but a `shoal.InternalError`.
#[pyfunction]
#[pyo3(signature = (asynchronous=false))]
fn _panic_for_tests(py: Python<'_>, asynchronous: bool) -> PyResult<Py<PyAny>> {
    call::run(py, asynchronous, async {
        panic!("a panic provoked by shoal._native._panic_for_tests()");
        #[allow(unreachable_code)]
        Ok(())
    })
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(connection::connect, module)?)?;
    module.add_function(wrap_pyfunction!(_panic_for_tests, module)?)?;
    module.add_function(wrap_pyfunction!(embedding::register_embedding, module)?)?;
    module.add_class::<connection::Connection>()?;
    module.add_class::<table::Table>()?;
    module.add_class::<query::Query>()?;
    module.add_class::<query::AsyncBatches>()?;
    info::register(module)?;
    awaitable::register(module)?;
    Ok(())
}
