//! [`ScanFailures`]: the first error of a query's scans, kept whole. DataFusion hands an
//! error that one partition met to every partition it reaches, shared behind an `Arc`, so
//! the Shoal error inside (an I/O failure naming its file) cannot come back out by value;
//! a query registers this slot in its task context and takes the error from it at the end.

use std::sync::Mutex;

use datafusion::error::DataFusionError;
use shoal_dataset::Error;

/// The first Shoal error of one query's scans (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct ScanFailures(Mutex<Option<Error>>);

impl ScanFailures {
    /// `error` as DataFusion carries it: whole when no query slot is registered, else kept
    /// in the slot (if it is the first) with its text carried on.
    pub(crate) fn report(slot: Option<&Self>, error: Error) -> DataFusionError {
        let Some(slot) = slot else {
            return DataFusionError::External(Box::new(error));
        };
        let text = error.to_string();
        slot.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get_or_insert(error);
        DataFusionError::External(text.into())
    }

    /// The first error reported, if any.
    pub(crate) fn take(&self) -> Option<Error> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}
