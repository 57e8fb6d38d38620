//! [`ForkSafe`]: a lazily built, process-wide value that is rebuilt after `fork()`.
//!
//! After a fork only the forking thread exists in the child; a runtime, thread pool or
//! connection pool built in the parent refers to threads and sockets that are gone or
//! shared; a lock a parent thread held at fork time stays locked in the child for ever.
//! [`ForkSafe::get_or_init`] compares the value's fork generation with the current one and
//! builds a fresh value when they differ. The old value is leaked on purpose: dropping it
//! would join threads that no longer exist, or take a lock no one will release. No lock is
//! taken, so a lock held by a parent thread at fork time cannot deadlock the child. A cell
//! that is not `static` (a session's caches) frees its value when dropped in the process
//! generation that built it.
#![allow(unsafe_code)] // an atomic pointer to leaked, never-freed entries

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

use crate::fork::fork_generation;

struct Entry<T> {
    generation: u64,
    value: Arc<T>,
}

/// A value built on first use in each process generation (see the module docs).
pub struct ForkSafe<T> {
    slot: AtomicPtr<Entry<T>>,
}

impl<T> Drop for ForkSafe<T> {
    fn drop(&mut self) {
        let current = *self.slot.get_mut();
        // SAFETY: a non-null slot holds a pointer from `Box::into_raw` that nothing freed;
        // `&mut self` means no other thread can read it any more.
        if let Some(entry) = unsafe { current.as_ref() } {
            if entry.generation == fork_generation() {
                // SAFETY: as above; built in this generation, so dropping it joins or
                // unlocks nothing that a fork left behind.
                drop(unsafe { Box::from_raw(current) });
            }
        }
    }
}

impl<T> std::fmt::Debug for ForkSafe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForkSafe").finish_non_exhaustive()
    }
}

impl<T> Default for ForkSafe<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> ForkSafe<T> {
    /// An empty cell; usable in a `static`.
    pub const fn new() -> Self {
        Self {
            slot: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// The value of the current generation, built with `build` if there is none yet. When
    /// two threads race to build, one value wins and the other is leaked unused.
    pub fn get_or_try_init<E>(&self, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let generation = fork_generation();
        let mut build = Some(build);
        let mut fresh: *mut Entry<T> = std::ptr::null_mut();
        loop {
            let current = self.slot.load(Ordering::Acquire);
            // SAFETY: entries are only ever created by `Box::into_raw` below and never
            // freed, so a non-null pointer read from the slot points to a live `Entry`.
            if let Some(entry) = unsafe { current.as_ref() } {
                if entry.generation == generation {
                    // If we built one too, it stays leaked and unused: dropping a runtime
                    // here could block.
                    return Ok(entry.value.clone());
                }
            }
            if fresh.is_null() {
                let value = match build.take() {
                    Some(build) => build()?,
                    None => unreachable!("built at most once per call"),
                };
                fresh = Box::into_raw(Box::new(Entry {
                    generation,
                    value: Arc::new(value),
                }));
            }
            if self
                .slot
                .compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                // The previous entry, if any, is leaked: never freed, never dropped.
                // SAFETY: `fresh` came from `Box::into_raw` above and is never freed.
                return Ok(unsafe { &*fresh }.value.clone());
            }
        }
    }

    /// Like [`ForkSafe::get_or_try_init`] for a build that cannot fail.
    pub fn get_or_init(&self, build: impl FnOnce() -> T) -> Arc<T> {
        match self.get_or_try_init(|| Ok::<T, std::convert::Infallible>(build())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_per_generation() {
        static CELL: ForkSafe<u32> = ForkSafe::new();
        let a = CELL.get_or_init(|| 7);
        let b = CELL.get_or_init(|| unreachable!("built already"));
        assert!(Arc::ptr_eq(&a, &b));
        let threads: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(|| *CELL.get_or_init(|| 9)))
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), 7);
        }
    }
}
