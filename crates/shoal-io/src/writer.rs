//! Streams a new object out in parts; it becomes visible only when finished. Memory is one
//! part being filled plus the store's `parts_in_flight` being uploaded, whatever the store's
//! speed.

use bytes::Bytes;
use object_store::buffered::BufWriter;
use tokio::io::AsyncWriteExt;

use crate::error::{IoError, Result};
use crate::location::ObjectLocation;

/// Bytes per uploaded part (and buffered before the first): the smallest part S3 accepts, so
/// that a writer holds as little as the protocol allows. An object smaller than this is
/// written in one request.
pub const UPLOAD_PART_SIZE: usize = 5 << 20;

/// Writes one object. Nothing is visible at its path until [`ObjectWriter::finish`]
/// succeeds; [`ObjectWriter::abort`] cleans up what was uploaded.
pub struct ObjectWriter {
    inner: BufWriter,
    uri: String,
}

impl ObjectWriter {
    pub fn new(location: ObjectLocation) -> Self {
        Self {
            inner: BufWriter::with_capacity(location.store(), location.path, UPLOAD_PART_SIZE)
                .with_max_concurrency(location.store_ref.scheduler().config().parts_in_flight),
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
