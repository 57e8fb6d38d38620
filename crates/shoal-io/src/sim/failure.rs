//! Injected failures: which requests fail, and the errors they fail with.

use std::fmt;

use super::counters::RequestKind;
use crate::error::IoError;

/// Why a simulated request failed. Transient failures surface as
/// [`object_store::Error::Generic`] (the kind a store returns for a dropped connection or a
/// 5xx once its retries are spent: worth retrying), permanent ones as
/// [`object_store::Error::PermissionDenied`] (not worth retrying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedFailure {
    pub transient: bool,
    pub kind: RequestKind,
    /// The store path of the request (the prefix, for a list).
    pub path: String,
}

impl fmt::Display for SimulatedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nature = if self.transient {
            "transient"
        } else {
            "permanent"
        };
        write!(
            f,
            "simulated {nature} failure of {} '{}'",
            self.kind, self.path
        )
    }
}

impl std::error::Error for SimulatedFailure {}

impl SimulatedFailure {
    /// The object_store error this failure surfaces as.
    pub(crate) fn into_store_error(self) -> object_store::Error {
        if self.transient {
            object_store::Error::Generic {
                store: super::STORE_NAME,
                source: Box::new(self),
            }
        } else {
            object_store::Error::PermissionDenied {
                path: self.path.clone(),
                source: Box::new(self),
            }
        }
    }

    /// The injected failure behind a store error, if it is one.
    pub fn of_store_error(error: &object_store::Error) -> Option<&SimulatedFailure> {
        match error {
            object_store::Error::Generic { source, .. }
            | object_store::Error::PermissionDenied { source, .. } => source.downcast_ref(),
            _ => None,
        }
    }

    /// The injected failure behind an error of this crate, if it is one.
    pub fn of(error: &IoError) -> Option<&SimulatedFailure> {
        error.store_error().and_then(Self::of_store_error)
    }
}

/// Which requests are to fail.
#[derive(Debug, Default)]
pub(crate) struct FailurePlan {
    /// Fail this many of the next requests, transiently.
    pub(crate) next: u64,
    pub(crate) rate: f64,
    pub(crate) prefixes: Vec<String>,
}

impl FailurePlan {
    /// Decides the fate of one request; `draw` is a uniform sample in `0..1`, consulted
    /// only when the failure rate matters.
    pub(crate) fn decide(
        &mut self,
        kind: RequestKind,
        path: &str,
        draw: impl FnOnce() -> f64,
    ) -> Option<SimulatedFailure> {
        let failure = |transient| SimulatedFailure {
            transient,
            kind,
            path: path.to_string(),
        };
        if self.prefixes.iter().any(|p| path.starts_with(p.as_str())) {
            return Some(failure(false));
        }
        if self.next > 0 {
            self.next -= 1;
            return Some(failure(true));
        }
        if self.rate > 0.0 && draw() < self.rate {
            return Some(failure(true));
        }
        None
    }
}
