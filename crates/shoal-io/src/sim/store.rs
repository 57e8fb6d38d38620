//! The [`ObjectStore`] wrapper that puts every request through a [`Simulation`].

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
    UploadPart,
};

use super::config::SimConfig;
use super::counters::{RequestKind, SimCounters};
use super::simulation::{InFlight, Simulation};

/// Entries per page of a simulated list, as S3 returns them.
const LIST_PAGE: usize = 1000;

/// A store that behaves like a remote one: each request to the wrapped store waits for a
/// concurrency slot, costs a round trip and a transfer, may fail on purpose, and is counted
/// (see [`SimConfig`] and [`Simulation`]).
///
/// Requests map to what an S3-like store would see: a head, a get, a ranged get (one per
/// coalesced range of a multi-range read), a put (each step of a multipart upload too), one
/// list request per 1,000 entries, one delete per object, a copy.
#[derive(Debug)]
pub struct SimulatedStore {
    inner: Arc<dyn ObjectStore>,
    simulation: Simulation,
}

impl SimulatedStore {
    /// Wraps `inner` in a new simulation of its own.
    pub fn new(inner: Arc<dyn ObjectStore>, config: SimConfig) -> Self {
        Self::with_simulation(inner, Simulation::new(config))
    }

    /// Wraps `inner` in `simulation`, shared with every other store made with it.
    pub fn with_simulation(inner: Arc<dyn ObjectStore>, simulation: Simulation) -> Self {
        SimulatedStore { inner, simulation }
    }

    /// The wrapped store's answer to a get, a local file's range read in one piece.
    async fn answer(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let result = self.inner.get_opts(location, options).await?;
        match result.payload {
            GetResultPayload::File(..) => in_one_chunk(result).await,
            GetResultPayload::Stream(_) => Ok(result),
        }
    }

    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// The simulation's counters now.
    pub fn counters(&self) -> SimCounters {
        self.simulation.counters()
    }
}

impl fmt::Display for SimulatedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SimulatedStore({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for SimulatedStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let size = payload.content_length() as u64;
        let _hold = self
            .simulation
            .start(RequestKind::Put, location, size)
            .await?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let _hold = self.simulation.start(RequestKind::Put, location, 0).await?;
        let upload = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(SimulatedUpload {
            upload,
            simulation: self.simulation.clone(),
            path: location.clone(),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let kind = if options.head {
            RequestKind::Head
        } else if options.range.is_some() {
            RequestKind::GetRange
        } else {
            RequestKind::Get
        };
        let hold = self.simulation.enter().await;
        // The wrapped store answers while the round trip elapses: a remote store's own read
        // is part of its latency, so a local file's read adds no time of its own.
        let (trip, answer) = tokio::join!(
            self.simulation.round_trip(kind, location),
            self.answer(location, options)
        );
        trip?;
        Ok(simulate_body(answer?, self.simulation.clone(), hold))
    }

    // `get_ranges` is left to the trait's default: it coalesces nearby ranges and fetches
    // each through `get_opts` above, up to 10 at once, as a remote store would.

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let inner = self.inner.clone();
        let simulation = self.simulation.clone();
        locations
            .map(move |location| {
                let inner = inner.clone();
                let simulation = simulation.clone();
                async move {
                    let location = location?;
                    let _hold = simulation.start(RequestKind::Delete, &location, 0).await?;
                    let mut deleted = inner.delete_stream(stream::iter([Ok(location)]).boxed());
                    match deleted.next().await {
                        Some(result) => result,
                        None => Err(object_store::Error::Generic {
                            store: super::STORE_NAME,
                            source: "the wrapped store answered a delete with nothing".into(),
                        }),
                    }
                }
            })
            .buffered(10)
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let entries = self.inner.list(prefix);
        simulate_list(entries, self.simulation.clone(), prefix.cloned())
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let entries = self.inner.list_with_offset(prefix, offset);
        simulate_list(entries, self.simulation.clone(), prefix.cloned())
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let root = Path::default();
        let path = prefix.unwrap_or(&root);
        let _hold = self.simulation.start(RequestKind::List, path, 0).await?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        let _hold = self.simulation.start(RequestKind::Copy, to, 0).await?;
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        let _hold = self.simulation.start(RequestKind::Copy, to, 0).await?;
        self.inner.rename_opts(from, to, options).await
    }
}

/// A local file's range as a body of one chunk, read in one blocking call. Streamed, a
/// local file is read 8 KiB at a time, each chunk a trip to a blocking thread: hundreds of
/// hand-offs for a read a remote store would send in a few large chunks, which made the
/// simulation of a remote store over local files several times slower than its bound.
async fn in_one_chunk(result: GetResult) -> Result<GetResult> {
    let (meta, range, attributes) = (
        result.meta.clone(),
        result.range.clone(),
        result.attributes.clone(),
    );
    let bytes = result.bytes().await?;
    Ok(GetResult {
        payload: GetResultPayload::Stream(stream::once(async move { Ok(bytes) }).boxed()),
        meta,
        range,
        attributes,
    })
}

/// The body of a get, delivered at the simulated bandwidth, holding the request's slot
/// until it is consumed or dropped.
fn simulate_body(result: GetResult, simulation: Simulation, hold: InFlight) -> GetResult {
    let meta = result.meta.clone();
    let range = result.range.clone();
    let attributes = result.attributes.clone();
    let body = result
        .into_stream()
        .then(move |chunk| {
            let _holding = &hold;
            let simulation = simulation.clone();
            async move {
                if let Ok(bytes) = &chunk {
                    simulation.deliver(bytes.len() as u64).await;
                }
                chunk
            }
        })
        .boxed();
    GetResult {
        payload: GetResultPayload::Stream(body),
        meta,
        range,
        attributes,
    }
}

/// A list, one simulated request per page of entries, holding a slot until it ends.
fn simulate_list(
    entries: BoxStream<'static, Result<ObjectMeta>>,
    simulation: Simulation,
    prefix: Option<Path>,
) -> BoxStream<'static, Result<ObjectMeta>> {
    let path = prefix.unwrap_or_default();
    stream::once(async move {
        let hold = match simulation.start(RequestKind::List, &path, 0).await {
            Ok(hold) => hold,
            Err(e) => return stream::iter([Err(e)]).boxed(),
        };
        let mut seen = 0usize;
        entries
            .then(move |entry| {
                let _holding = &hold;
                seen += 1;
                let next_page = seen > LIST_PAGE && seen % LIST_PAGE == 1;
                let simulation = simulation.clone();
                let path = path.clone();
                async move {
                    if next_page {
                        simulation.round_trip(RequestKind::List, &path).await?;
                    }
                    entry
                }
            })
            .boxed()
    })
    .flatten()
    .boxed()
}

/// A multipart upload whose every step is a simulated put (an abort, a delete).
#[derive(Debug)]
struct SimulatedUpload {
    upload: Box<dyn MultipartUpload>,
    simulation: Simulation,
    path: Path,
}

#[async_trait]
impl MultipartUpload for SimulatedUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let size = data.content_length() as u64;
        let part = self.upload.put_part(data);
        let simulation = self.simulation.clone();
        let path = self.path.clone();
        Box::pin(async move {
            let _hold = simulation.start(RequestKind::Put, &path, size).await?;
            part.await
        })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let _hold = self
            .simulation
            .start(RequestKind::Put, &self.path, 0)
            .await?;
        self.upload.complete().await
    }

    async fn abort(&mut self) -> Result<()> {
        let _hold = self
            .simulation
            .start(RequestKind::Delete, &self.path, 0)
            .await?;
        self.upload.abort().await
    }
}
