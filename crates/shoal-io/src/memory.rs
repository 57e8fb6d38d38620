//! In-memory stores by name: within a process, `memory://NAME/...` always reaches the same
//! store, so a dataset written through one URI can be reopened through another.
//!
//! The registry takes no lock (a copy-on-write map behind an atomic pointer), so a forked
//! child finds the stores its parent had at fork time, whatever the parent's other threads
//! were doing. The stores themselves are `object_store`'s, which lock inside: a store being
//! written by another thread at the moment of the fork may stay locked in the child.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use object_store::memory::InMemory;
use object_store::ObjectStore;

type Stores = HashMap<String, Arc<InMemory>>;

static STORES: ArcSwapOption<Stores> = ArcSwapOption::const_empty();

/// The in-memory store called `name`, created empty on first use. It lives until the
/// process ends.
pub(crate) fn named_store(name: &str) -> Arc<dyn ObjectStore> {
    if let Some(store) = STORES.load().as_ref().and_then(|s| s.get(name)) {
        return store.clone();
    }
    let fresh = Arc::new(InMemory::new());
    let mut chosen = fresh.clone();
    // Another thread may register stores meanwhile: `rcu` retries on the newer map, and the
    // name's store is whichever was registered first.
    STORES.rcu(|current| {
        let mut stores: Stores = current.as_deref().cloned().unwrap_or_default();
        chosen = stores
            .entry(name.to_string())
            .or_insert_with(|| fresh.clone())
            .clone();
        Some(Arc::new(stores))
    });
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_one_store() {
        let a = named_store("memory-rs-test-a");
        let b = named_store("memory-rs-test-a");
        let c = named_store("memory-rs-test-c");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
