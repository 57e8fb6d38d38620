//! The session: what a dataset handle (and every version opened from it) shares: the cache
//! of opened fragments, so that a second scan of a version does no metadata I/O, and the
//! vector indices loaded so far (a few, each loaded once: searches after the first do no
//! index I/O).
//!
//! The cache is bounded in bytes (the footers and small whole files it keeps, and the
//! deletion vectors) and evicts the least recently used fragments first. A fragment is
//! keyed by its data file and deletion file paths: both are immutable, so an entry is never
//! stale, and a fragment with new deletions is a new entry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::fragment::OpenFragment;
use crate::manifest::Fragment;
use crate::search::IvfPqIndex;

/// Vector indices a session keeps loaded; more are loaded as needed, evicting the oldest.
const LOADED_INDICES: usize = 4;

/// Default bytes of fragment metadata a session keeps: the footers of thousands of
/// fragments (a 1M-row file's footer is about 25 KiB) with room for small whole files.
pub const DEFAULT_METADATA_CACHE_BYTES: u64 = 128 << 20;

/// State shared by the versions opened from one dataset handle.
#[derive(Debug)]
pub(crate) struct Session {
    capacity: u64,
    cache: Mutex<Cache>,
    /// Loaded indices by file path (immutable, so never stale), oldest first.
    indices: Mutex<Vec<(String, Arc<IvfPqIndex>)>>,
}

#[derive(Debug, Default)]
struct Cache {
    entries: HashMap<String, Entry>,
    bytes: u64,
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    fragment: Arc<OpenFragment>,
    bytes: u64,
    used: u64,
}

impl Session {
    pub(crate) fn new(capacity: u64) -> Arc<Self> {
        Arc::new(Self {
            capacity,
            cache: Mutex::new(Cache::default()),
            indices: Mutex::new(Vec::new()),
        })
    }

    /// The loaded index stored at `path`, if this session has it.
    pub(crate) fn index(&self, path: &str) -> Option<Arc<IvfPqIndex>> {
        let indices = self.indices.lock().unwrap_or_else(|p| p.into_inner());
        indices
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, i)| i.clone())
    }

    /// Keeps a loaded index, dropping the oldest beyond [`LOADED_INDICES`].
    pub(crate) fn insert_index(&self, path: &str, index: Arc<IvfPqIndex>) {
        let mut indices = self.indices.lock().unwrap_or_else(|p| p.into_inner());
        indices.retain(|(p, _)| p != path);
        indices.push((path.to_string(), index));
        if indices.len() > LOADED_INDICES {
            indices.remove(0);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn key(fragment: &Fragment) -> String {
        let deletion = fragment.deletion.as_ref().map_or("", |d| d.path.as_str());
        format!("{}|{deletion}", fragment.data.path)
    }

    /// The cached open fragment, if any.
    pub(crate) fn get(&self, fragment: &Fragment) -> Option<Arc<OpenFragment>> {
        let mut cache = self.lock();
        cache.clock += 1;
        let now = cache.clock;
        let entry = cache.entries.get_mut(&Self::key(fragment))?;
        entry.used = now;
        Some(entry.fragment.clone())
    }

    /// Keeps `open` for later scans, evicting the least recently used entries beyond the
    /// capacity (an entry larger than the whole capacity is not kept).
    pub(crate) fn insert(&self, open: Arc<OpenFragment>) {
        let bytes = open.memory_size();
        if bytes > self.capacity {
            return;
        }
        let mut cache = self.lock();
        cache.clock += 1;
        let used = cache.clock;
        let key = Self::key(&open.fragment);
        if let Some(old) = cache.entries.insert(
            key,
            Entry {
                fragment: open,
                bytes,
                used,
            },
        ) {
            cache.bytes -= old.bytes;
        }
        cache.bytes += bytes;
        while cache.bytes > self.capacity {
            let Some(oldest) = cache
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(evicted) = cache.entries.remove(&oldest) {
                cache.bytes -= evicted.bytes;
            }
        }
    }
}
