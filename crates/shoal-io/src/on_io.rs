//! [`OnIoRuntime`]: the [`ObjectStore`] wrapper that runs every request on Shoal's I/O
//! runtime, whichever runtime or thread calls. An HTTP client's connections (and the tasks
//! that drive them) belong to the runtime that opened them; were requests issued from a
//! caller's runtime, dropping that runtime would break the pool for everyone. Calls made on
//! the I/O runtime (its threads, or a thread blocked in its `block_on`) go straight through;
//! others are spawned there, and streams are driven there and forwarded.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result, UploadPart,
};
use shoal_runtime::AbortOnDrop;

/// Results a forwarded stream may run ahead of its consumer.
const STREAM_AHEAD: usize = 16;
/// The name the wrapper's own errors give as their store.
const STORE_NAME: &str = "shoal-io";

/// A store whose requests all run on the I/O runtime.
#[derive(Debug)]
pub struct OnIoRuntime {
    inner: Arc<dyn ObjectStore>,
}

impl OnIoRuntime {
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        Self { inner }
    }
}

impl fmt::Display for OnIoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// Runs `work` on the I/O runtime and waits for it.
async fn on_io<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    if shoal_runtime::on_io_runtime() {
        return work.await;
    }
    match shoal_runtime::io().spawn(work).await {
        Ok(result) => result,
        Err(e) => Err(object_store::Error::Generic {
            store: STORE_NAME,
            source: format!("a storage request on the I/O runtime failed: {e}").into(),
        }),
    }
}

/// `items`, driven on the I/O runtime and forwarded (dropping the result stops the work).
fn forwarded<T: Send + 'static>(
    items: BoxStream<'static, Result<T>>,
) -> BoxStream<'static, Result<T>> {
    if shoal_runtime::on_io_runtime() {
        return items;
    }
    let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_AHEAD);
    let task = shoal_runtime::io().spawn(async move {
        let mut items = items;
        while let Some(item) = items.next().await {
            if sender.send(item).await.is_err() {
                break; // the consumer is gone
            }
        }
    });
    tokio_stream_of(receiver, AbortOnDrop(task))
}

fn tokio_stream_of<T: Send + 'static>(
    receiver: tokio::sync::mpsc::Receiver<Result<T>>,
    abort: AbortOnDrop<()>,
) -> BoxStream<'static, Result<T>> {
    futures::stream::unfold((receiver, abort), |(mut receiver, abort)| async move {
        let item = receiver.recv().await?;
        Some((item, (receiver, abort)))
    })
    .boxed()
}

#[async_trait]
impl ObjectStore for OnIoRuntime {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let (inner, location) = (self.inner.clone(), location.clone());
        on_io(async move { inner.put_opts(&location, payload, opts).await }).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let (inner, location) = (self.inner.clone(), location.clone());
        let upload = on_io(async move { inner.put_multipart_opts(&location, opts).await }).await?;
        Ok(Box::new(UploadOnIo {
            upload: Arc::new(Mutex::new(Some(upload))),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let (inner, location) = (self.inner.clone(), location.clone());
        on_io(async move { inner.get_opts(&location, options).await }).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[std::ops::Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        let (inner, location, ranges) = (self.inner.clone(), location.clone(), ranges.to_vec());
        on_io(async move { inner.get_ranges(&location, &ranges).await }).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        forwarded(self.inner.delete_stream(locations))
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        forwarded(self.inner.list(prefix))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        forwarded(self.inner.list_with_offset(prefix, offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let (inner, prefix) = (self.inner.clone(), prefix.cloned());
        on_io(async move { inner.list_with_delimiter(prefix.as_ref()).await }).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        let (inner, from, to) = (self.inner.clone(), from.clone(), to.clone());
        on_io(async move { inner.copy_opts(&from, &to, options).await }).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        let (inner, from, to) = (self.inner.clone(), from.clone(), to.clone());
        on_io(async move { inner.rename_opts(&from, &to, options).await }).await
    }
}

/// A multipart upload whose every step runs on the I/O runtime.
#[derive(Debug)]
struct UploadOnIo {
    /// The upload; taken out while a spawned step has it.
    upload: Arc<Mutex<Option<Box<dyn MultipartUpload>>>>,
}

impl UploadOnIo {
    /// Runs `step` on the upload, on the I/O runtime.
    async fn run<T: Send + 'static>(
        &mut self,
        step: impl for<'a> FnOnce(
                &'a mut Box<dyn MultipartUpload>,
            ) -> futures::future::BoxFuture<'a, Result<T>>
            + Send
            + 'static,
    ) -> Result<T> {
        let slot = self.upload.clone();
        on_io(async move {
            let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            let Some(mut upload) = taken else {
                return Err(object_store::Error::Generic {
                    store: STORE_NAME,
                    source: "a multipart upload was used while another step ran".into(),
                });
            };
            let result = step(&mut upload).await;
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(upload);
            result
        })
        .await
    }
}

#[async_trait]
impl MultipartUpload for UploadOnIo {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let part = match self
            .upload
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            Some(upload) => upload.put_part(data),
            None => {
                return Box::pin(async {
                    Err(object_store::Error::Generic {
                        store: STORE_NAME,
                        source: "a part was put while the upload was completing".into(),
                    })
                })
            }
        };
        Box::pin(on_io(part))
    }

    async fn complete(&mut self) -> Result<PutResult> {
        self.run(|upload| upload.complete()).await
    }

    async fn abort(&mut self) -> Result<()> {
        self.run(|upload| upload.abort()).await
    }
}
