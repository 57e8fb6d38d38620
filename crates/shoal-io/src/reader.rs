//! Reads of one object: its suffix (with its size) and byte ranges.

use std::ops::Range;

use bytes::Bytes;
use object_store::{GetOptions, GetRange};

use crate::error::{IoError, Result};
use crate::location::ObjectLocation;

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
    /// The object read.
    pub fn location(&self) -> &ObjectLocation {
        &self.location
    }

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
            .store()
            .get_opts(&self.location.path, options)
            .await
            .map_err(err)?;
        let size = result.meta.size;
        let bytes = result.bytes().await.map_err(err)?;
        Ok((bytes, size))
    }

    /// Reads the given byte ranges, in order. Empty ranges read as empty bytes without a
    /// request (some stores refuse them).
    pub async fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let wanted: Vec<Range<u64>> = ranges
            .iter()
            .filter(|r| r.start != r.end)
            .cloned()
            .collect();
        if wanted.is_empty() {
            return Ok(vec![Bytes::new(); ranges.len()]);
        }
        let mut fetched = self
            .location
            .store()
            .get_ranges(&self.location.path, &wanted)
            .await
            .map_err(|e| IoError::from_store(&self.location.uri, e))?
            .into_iter();
        Ok(ranges
            .iter()
            .map(|r| match r.start == r.end {
                true => Bytes::new(),
                false => fetched.next().unwrap_or_default(),
            })
            .collect())
    }
}
