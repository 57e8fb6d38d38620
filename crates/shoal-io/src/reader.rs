//! Reads of one object: its suffix (with its size) and byte ranges.

use std::ops::Range;

use bytes::Bytes;
use object_store::{GetOptions, GetRange};

use crate::error::{IoError, Result};
use crate::uri::ObjectLocation;

/// Reads byte ranges of one object.
#[derive(Debug, Clone)]
pub struct ObjectReader {
    location: ObjectLocation,
}

impl ObjectReader {
    pub fn new(location: ObjectLocation) -> Self {
        Self { location }
    }

    /// The URI the object was opened with.
    pub fn uri(&self) -> &str {
        &self.location.uri
    }

    /// Reads the last `n` bytes of the object (all of it when it is smaller) and its size,
    /// in one request.
    pub async fn read_suffix(&self, n: u64) -> Result<(Bytes, u64)> {
        let options = GetOptions {
            range: Some(GetRange::Suffix(n)),
            ..GetOptions::default()
        };
        let err = |e| IoError::from_store(&self.location.uri, e);
        let result = self
            .location
            .store
            .get_opts(&self.location.path, options)
            .await
            .map_err(err)?;
        let size = result.meta.size;
        let bytes = result.bytes().await.map_err(err)?;
        Ok((bytes, size))
    }

    /// Reads the given byte ranges, in order.
    pub async fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        self.location
            .store
            .get_ranges(&self.location.path, ranges)
            .await
            .map_err(|e| IoError::from_store(&self.location.uri, e))
    }
}
