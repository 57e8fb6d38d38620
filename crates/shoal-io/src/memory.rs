//! In-memory stores by name: within a process, `memory://NAME/...` always reaches the same
//! store, so a dataset written through one URI can be reopened through another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use object_store::memory::InMemory;
use object_store::ObjectStore;

/// The in-memory store called `name`, created empty on first use. It lives until the
/// process ends.
pub(crate) fn named_store(name: &str) -> Arc<dyn ObjectStore> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<InMemory>>>> = OnceLock::new();
    let mut stores = STORES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    stores
        .entry(name.to_string())
        .or_insert_with(|| Arc::new(InMemory::new()))
        .clone()
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
