//! [`Dataset`]: one version of a dataset, opened for reading.
//!
//! A dataset is a directory (or object-store prefix) of Shoal files, one per fragment, and a
//! manifest per version. Opening the latest version costs a constant number of requests;
//! any older version opens by number or by tag. Rows have two names, both stable within a
//! version: an offset (the row's position among the version's live rows, fragments in
//! manifest order) and an address (`fragment id << 32 | position in the fragment's data
//! file`), which also stays the same across versions until a compaction rewrites the
//! fragment. Deleted rows are skipped by scans and refused by takes. A version opens by tag
//! through `tags.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use arrow_schema::SchemaRef;
use futures::stream::{self, StreamExt, TryStreamExt};
use shoal_io::{resolve, ObjectLocation, ReadCost};

use crate::error::{Error, Result};
use crate::file::projection::column_indices;
use crate::read::fragment::OpenFragment;
use crate::read::scan::stats::Collector;
use crate::session::{Session, DEFAULT_METADATA_CACHE_BYTES, DEFAULT_VECTOR_CACHE_BYTES};
use crate::version::manifest::{Fragment, Manifest};
use crate::version::{site, versions};

/// An opened fragment, and what opening it cost (`None`: from the session's cache).
type Opened = (Arc<OpenFragment>, Option<ReadCost>);

/// The address of row `row` of the fragment with id `fragment_id`.
pub fn row_address(fragment_id: u64, row: u64) -> u64 {
    (fragment_id << 32) | row
}

/// The name of the row-address column a scan adds on request.
pub const ROW_ADDRESS_COLUMN: &str = "_rowaddr";

/// One version of a dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: ObjectLocation,
    manifest: Arc<Manifest>,
    session: Arc<Session>,
}

impl Dataset {
    /// Opens the latest version of the dataset at `uri`.
    pub async fn open(uri: &str) -> Result<Self> {
        Self::open_at(resolve(uri)?).await
    }

    /// Opens the latest version of the dataset at a resolved location (one made with
    /// storage options, or behind a simulated store).
    pub async fn open_at(root: ObjectLocation) -> Result<Self> {
        let manifest = site::latest(&root)
            .await?
            .ok_or_else(|| Error::DatasetNotFound {
                uri: root.uri.clone(),
            })?;
        Ok(Self::from_parts(root, manifest))
    }

    /// Opens version `version` of the dataset at `uri`.
    pub async fn open_version(uri: &str, version: u64) -> Result<Self> {
        Self::open_version_at(resolve(uri)?, version).await
    }

    /// Opens version `version` of the dataset at a resolved location.
    pub async fn open_version_at(root: ObjectLocation, version: u64) -> Result<Self> {
        match versions::load(&root, version).await {
            Ok(Some(manifest)) => Ok(Self::from_parts(root, manifest)),
            Err(error @ Error::Io(_)) => Err(site::explain(&root, error).await),
            Err(error) => Err(error),
            Ok(None) => {
                let latest = Self::open_at(root).await?;
                Err(Error::VersionNotFound {
                    uri: latest.root.uri,
                    version,
                    latest: latest.manifest.version,
                })
            }
        }
    }

    /// Another version of the same dataset (sharing this handle's metadata cache).
    pub async fn checkout(&self, version: u64) -> Result<Self> {
        let other = Self::open_version_at(self.root.clone(), version).await?;
        Ok(self.with_manifest(other.manifest))
    }

    /// The latest version of the same dataset, which may be newer than this one.
    pub async fn latest(&self) -> Result<Self> {
        let latest = Self::open_at(self.root.clone()).await?;
        Ok(self.with_manifest(latest.manifest))
    }

    /// A handle on a new dataset session (its own metadata cache).
    pub(crate) fn from_parts(root: ObjectLocation, manifest: Arc<Manifest>) -> Self {
        Self {
            root,
            manifest,
            session: Session::new(DEFAULT_METADATA_CACHE_BYTES, DEFAULT_VECTOR_CACHE_BYTES),
        }
    }

    /// Another version in the same session.
    pub(crate) fn with_manifest(&self, manifest: Arc<Manifest>) -> Self {
        Self {
            root: self.root.clone(),
            manifest,
            session: self.session.clone(),
        }
    }

    /// Sets how many bytes of decoded vectors this handle's session keeps for flat search
    /// (default [`DEFAULT_VECTOR_CACHE_BYTES`]; 0 keeps none), evicting what no longer fits.
    /// The cache fills as flat searches read whole fragments; a search whose fragments do not
    /// all fit reads them through the scan pipeline each time, within its byte budget.
    pub fn set_vector_cache_bytes(&self, bytes: u64) {
        self.session.set_vector_cache_capacity(bytes);
    }

    /// Bytes of decoded vectors this handle's session may keep, and keeps now.
    pub fn vector_cache_bytes(&self) -> (u64, u64) {
        self.session.vector_cache()
    }

    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    /// Where the dataset lives.
    pub fn root(&self) -> &ObjectLocation {
        &self.root
    }

    /// The URI the dataset was opened with.
    pub fn uri(&self) -> &str {
        &self.root.uri
    }

    /// This version's manifest.
    pub fn manifest(&self) -> &Arc<Manifest> {
        &self.manifest
    }

    /// This version's number.
    pub fn version(&self) -> u64 {
        self.manifest.version
    }

    pub fn schema(&self) -> SchemaRef {
        self.manifest.schema.clone()
    }

    /// Rows in this version, deleted rows excluded.
    pub fn num_rows(&self) -> u64 {
        self.manifest.num_rows()
    }

    pub fn fragments(&self) -> &[Fragment] {
        &self.manifest.fragments
    }

    /// The manifests of every committed version still present, oldest first.
    pub async fn versions(&self) -> Result<Vec<Arc<Manifest>>> {
        let numbers = versions::list(&self.root).await?;
        let loaded: Vec<_> = stream::iter(numbers)
            .map(|v| versions::load(&self.root, v))
            .buffered(16)
            .try_collect()
            .await?;
        Ok(loaded.into_iter().flatten().collect())
    }

    /// Column indices for the given names, or all columns when `names` is `None`.
    pub fn projection<S: AsRef<str>>(&self, names: Option<&[S]>) -> Result<Vec<usize>> {
        column_indices(&self.manifest.schema, names, self.uri())
    }

    /// Opens fragment `index` (in manifest order): its data file and deletion vector.
    pub(crate) async fn open_fragment(&self, index: usize) -> Result<Arc<OpenFragment>> {
        Ok(self.open_fragment_with_cost(index).await?.0)
    }

    /// [`Dataset::open_fragment`], from the session's cache when it is there (cost `None`),
    /// else with what opening cost. Its reads name this version's columns.
    pub(crate) async fn open_fragment_with_cost(&self, index: usize) -> Result<Opened> {
        let fragment = &self.manifest.fragments[index];
        if let Some(open) = self.session.get(fragment) {
            return Ok((open.for_version(&self.manifest), None));
        }
        let (open, cost) = OpenFragment::open(&self.root, &self.manifest, fragment).await?;
        let open = Arc::new(open);
        self.session.insert(open.clone());
        Ok((open, Some(cost)))
    }

    /// Opens fragments `indices` concurrently (`at_once` at a time, results in the order
    /// given), recording the time and the I/O of phase 1 in `collector`.
    pub(crate) async fn open_fragments(
        &self,
        indices: Vec<usize>,
        at_once: usize,
        collector: &Collector,
    ) -> Result<Vec<Arc<OpenFragment>>> {
        let started = Instant::now();
        // Unordered, so that one slow open does not hold back the next ones: `at_once`
        // requests stay in flight until the last; the order is restored afterwards.
        let mut opened: Vec<(usize, Opened)> = stream::iter(indices.into_iter().enumerate())
            .map(|(position, index)| async move {
                Ok::<_, Error>((position, self.open_fragment_with_cost(index).await?))
            })
            .buffer_unordered(at_once.max(1))
            .try_collect()
            .await?;
        opened.sort_unstable_by_key(|(position, _)| *position);
        let opened: Vec<Opened> = opened.into_iter().map(|(_, open)| open).collect();
        let mut cost = ReadCost::default();
        let mut cached = 0;
        for (_, c) in &opened {
            match c {
                Some(c) => cost += *c,
                None => cached += 1,
            }
        }
        collector.opened(started.elapsed(), cost, cached);
        Ok(opened.into_iter().map(|(open, _)| open).collect())
    }

    /// (fragment index, position in its data file) of each address, checked against the
    /// manifest (deletions are checked once the fragment's deletion vector is loaded).
    pub(crate) fn locate_addresses(&self, addresses: &[u64]) -> Result<Vec<(usize, u64)>> {
        let index_of: HashMap<u64, usize> = self
            .manifest
            .fragments
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        addresses
            .iter()
            .map(|&address| {
                let (id, row) = (address >> 32, address & u64::from(u32::MAX));
                match index_of.get(&id) {
                    Some(&i) if row < self.manifest.fragments[i].data.rows => Ok((i, row)),
                    Some(&i) => Err(self.row_not_found(format!(
                        "row address {address}: fragment {id} has {} rows, not {}",
                        self.manifest.fragments[i].data.rows,
                        row + 1
                    ))),
                    None => Err(self.row_not_found(format!(
                        "row address {address}: there is no fragment {id}"
                    ))),
                }
            })
            .collect()
    }

    pub(crate) fn row_not_found(&self, reason: String) -> Error {
        Error::RowNotFound {
            uri: self.uri().to_string(),
            version: self.version(),
            reason,
        }
    }
}
