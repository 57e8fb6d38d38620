//! The session: what a dataset handle (and every version opened from it) shares:
//! - the cache of opened fragments, so that a second scan of a version does no metadata I/O;
//! - the vector indices loaded so far (a few, each loaded once: searches after the first do
//!   no index I/O);
//! - the decoded vectors flat search has read, so that the queries after the first score
//!   vectors in memory instead of reading and decoding them again.
//!
//! Both caches are bounded in bytes and evict the least recently used entries first. A
//! fragment is keyed by its data file and deletion file paths: both are immutable, so an
//! entry is never stale, and a fragment with new deletions is a new entry. The caches are
//! `lru.rs`'s byte-bounded maps.
//!
//! The caches live in a [`ForkSafe`] cell: a forked child (a DataLoader worker) starts with
//! empty caches of its own instead of locks a parent thread may have held at fork time.

mod lru;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arrow_array::RecordBatch;
use shoal_runtime::ForkSafe;

use crate::read::fragment::OpenFragment;
use crate::search::IvfPqIndex;
use crate::session::lru::ByteLru;
use crate::version::manifest::Fragment;

/// Vector indices a session keeps loaded; more are loaded as needed, evicting the oldest.
const LOADED_INDICES: usize = 4;

/// Default bytes of fragment metadata a session keeps: the footers of thousands of
/// fragments (a 1M-row file's footer is about 25 KiB) with room for small whole files.
pub const DEFAULT_METADATA_CACHE_BYTES: u64 = 128 << 20;

/// Default bytes of decoded vectors a session keeps for flat search: 1 GiB, two million
/// 128-dimensional float32 vectors. [`crate::Dataset::set_vector_cache_bytes`] changes it.
pub const DEFAULT_VECTOR_CACHE_BYTES: u64 = 1 << 30;

/// The live rows of one fragment's vector column as flat search reads them: batches of the
/// vector column then the row addresses.
pub(crate) type CachedVectors = Arc<[RecordBatch]>;

/// State shared by the versions opened from one dataset handle.
#[derive(Debug)]
pub(crate) struct Session {
    caches: ForkSafe<Caches>,
    metadata_bytes: u64,
    /// The vector cache's capacity, kept here too so a forked child's fresh cache has it.
    vector_bytes: AtomicU64,
}

/// The caches of one process generation.
struct Caches {
    fragments: Mutex<ByteLru<Arc<OpenFragment>>>,
    /// Loaded indices by file path (immutable, so never stale), oldest first.
    indices: Mutex<Vec<(String, Arc<IvfPqIndex>)>>,
    vectors: Mutex<ByteLru<CachedVectors>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Session {
    pub(crate) fn new(metadata_bytes: u64, vector_bytes: u64) -> Arc<Self> {
        Arc::new(Self {
            caches: ForkSafe::new(),
            metadata_bytes,
            vector_bytes: AtomicU64::new(vector_bytes),
        })
    }

    /// This process generation's caches, created empty on first use.
    fn caches(&self) -> Arc<Caches> {
        self.caches.get_or_init(|| Caches {
            fragments: Mutex::new(ByteLru::new(self.metadata_bytes)),
            indices: Mutex::new(Vec::new()),
            vectors: Mutex::new(ByteLru::new(self.vector_bytes.load(Ordering::Relaxed))),
        })
    }

    /// The loaded index stored at `path`, if this session has it.
    pub(crate) fn index(&self, path: &str) -> Option<Arc<IvfPqIndex>> {
        let caches = self.caches();
        let indices = lock(&caches.indices);
        indices
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, i)| i.clone())
    }

    /// Keeps a loaded index, dropping the oldest beyond [`LOADED_INDICES`].
    pub(crate) fn insert_index(&self, path: &str, index: Arc<IvfPqIndex>) {
        let caches = self.caches();
        let mut indices = lock(&caches.indices);
        indices.retain(|(p, _)| p != path);
        indices.push((path.to_string(), index));
        if indices.len() > LOADED_INDICES {
            indices.remove(0);
        }
    }

    fn key(fragment: &Fragment) -> String {
        let deletion = fragment.deletion.as_ref().map_or("", |d| d.path.as_str());
        format!("{}|{deletion}", fragment.data.path)
    }

    /// The cached open fragment, if any.
    pub(crate) fn get(&self, fragment: &Fragment) -> Option<Arc<OpenFragment>> {
        lock(&self.caches().fragments).get(&Self::key(fragment))
    }

    /// Keeps `open` for later scans, evicting the least recently used entries beyond the
    /// capacity (an entry larger than the whole capacity is not kept).
    pub(crate) fn insert(&self, open: Arc<OpenFragment>) {
        let bytes = open.memory_size();
        let key = Self::key(&open.fragment);
        lock(&self.caches().fragments).insert(key, open, bytes);
    }

    fn vector_key(fragment: &Fragment, field_id: u32) -> String {
        format!("{}|{field_id}", Self::key(fragment))
    }

    /// The cached vectors of column `field_id` of `fragment`, if any.
    pub(crate) fn vectors(&self, fragment: &Fragment, field_id: u32) -> Option<CachedVectors> {
        lock(&self.caches().vectors).get(&Self::vector_key(fragment, field_id))
    }

    /// Keeps the vectors of column `field_id` of `fragment` (all its live rows).
    pub(crate) fn insert_vectors(
        &self,
        fragment: &Fragment,
        field_id: u32,
        batches: Vec<RecordBatch>,
    ) {
        let bytes = batches
            .iter()
            .map(|b| b.get_array_memory_size() as u64)
            .sum();
        lock(&self.caches().vectors).insert(
            Self::vector_key(fragment, field_id),
            batches.into(),
            bytes,
        );
    }

    /// Bytes of vectors the session may keep, and keeps now.
    pub(crate) fn vector_cache(&self) -> (u64, u64) {
        let caches = self.caches();
        let cache = lock(&caches.vectors);
        (cache.capacity(), cache.bytes())
    }

    pub(crate) fn set_vector_cache_capacity(&self, bytes: u64) {
        self.vector_bytes.store(bytes, Ordering::Relaxed);
        lock(&self.caches().vectors).set_capacity(bytes);
    }
}
