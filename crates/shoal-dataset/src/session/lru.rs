//! A map bounded in bytes that evicts its least recently used entries: the shape of the
//! session's caches. Keys name immutable files, so an entry is never stale; it only ages out.

use std::collections::HashMap;

/// Entries of a known size in bytes, at most `capacity` bytes in all.
#[derive(Debug)]
pub(crate) struct ByteLru<V> {
    capacity: u64,
    entries: HashMap<String, Slot<V>>,
    bytes: u64,
    clock: u64,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    bytes: u64,
    used: u64,
}

impl<V: Clone> ByteLru<V> {
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            capacity,
            entries: HashMap::new(),
            bytes: 0,
            clock: 0,
        }
    }

    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes held now.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The entry under `key`, now the most recently used.
    pub(crate) fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let now = self.clock;
        let slot = self.entries.get_mut(key)?;
        slot.used = now;
        Some(slot.value.clone())
    }

    /// Keeps `value` under `key`, evicting the least recently used entries beyond the
    /// capacity. A value larger than the whole capacity is not kept.
    pub(crate) fn insert(&mut self, key: String, value: V, bytes: u64) {
        if bytes > self.capacity {
            return;
        }
        self.clock += 1;
        let used = self.clock;
        if let Some(old) = self.entries.insert(key, Slot { value, bytes, used }) {
            self.bytes -= old.bytes;
        }
        self.bytes += bytes;
        self.evict();
    }

    /// A new capacity, evicting what no longer fits.
    pub(crate) fn set_capacity(&mut self, capacity: u64) {
        self.capacity = capacity;
        self.evict();
    }

    fn evict(&mut self) {
        while self.bytes > self.capacity {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, slot)| slot.used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some(evicted) = self.entries.remove(&oldest) {
                self.bytes -= evicted.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used_beyond_the_capacity() {
        let mut lru = ByteLru::new(10);
        lru.insert("a".into(), 1, 4);
        lru.insert("b".into(), 2, 4);
        assert_eq!(lru.get("a"), Some(1));
        lru.insert("c".into(), 3, 4);
        assert_eq!(lru.get("b"), None, "b was used least recently");
        assert_eq!((lru.get("a"), lru.get("c")), (Some(1), Some(3)));
        assert_eq!(lru.bytes(), 8);
        lru.insert("huge".into(), 4, 11);
        assert_eq!(lru.get("huge"), None, "larger than the capacity: not kept");
        lru.set_capacity(4);
        assert_eq!(lru.bytes(), 4);
        lru.set_capacity(0);
        assert_eq!((lru.bytes(), lru.get("a"), lru.get("c")), (0, None, None));
    }

    #[test]
    fn replacing_an_entry_counts_its_bytes_once() {
        let mut lru = ByteLru::new(10);
        lru.insert("a".into(), 1, 6);
        lru.insert("a".into(), 2, 6);
        assert_eq!((lru.bytes(), lru.get("a")), (6, Some(2)));
    }
}
