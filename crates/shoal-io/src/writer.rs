//! Streams a new object out in parts; it becomes visible only when finished.

use bytes::Bytes;
use object_store::buffered::BufWriter;
use tokio::io::AsyncWriteExt;

use crate::error::{IoError, Result};
use crate::location::ObjectLocation;

/// Writes one object. Nothing is visible at its path until [`ObjectWriter::finish`]
/// succeeds; [`ObjectWriter::abort`] cleans up what was uploaded.
pub struct ObjectWriter {
    inner: BufWriter,
    uri: String,
}

impl ObjectWriter {
    pub fn new(location: ObjectLocation) -> Self {
        Self {
            inner: BufWriter::new(location.store(), location.path),
            uri: location.uri,
        }
    }

    /// Appends bytes to the object.
    pub async fn put(&mut self, bytes: Bytes) -> Result<()> {
        self.inner
            .put(bytes)
            .await
            .map_err(|e| IoError::from_store(&self.uri, e))
    }

    /// Completes the object, making it visible.
    pub async fn finish(mut self) -> Result<()> {
        self.inner.shutdown().await.map_err(|e| IoError::Store {
            uri: self.uri.clone(),
            error: object_store::Error::Generic {
                store: "writer",
                source: Box::new(e),
            },
        })
    }

    /// Abandons the object, removing any uploaded parts.
    pub async fn abort(mut self) -> Result<()> {
        self.inner
            .abort()
            .await
            .map_err(|e| IoError::from_store(&self.uri, e))
    }
}
