//! The registry of embedding functions by name: a factory per name makes a function from
//! its JSON parameters. The built-ins (`hash`, `openai`, `sentence-transformers`) are always
//! there; [`register`] adds others (before any table that names them is used).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use super::function::EmbeddingFunction;
use crate::error::{Error, Result};

/// Makes an embedding function from its parameters (a definition's `params`). It may block
/// (a model loads): it runs on the function's own pool.
pub type EmbeddingFactory =
    Arc<dyn Fn(&serde_json::Value) -> Result<Arc<dyn EmbeddingFunction>> + Send + Sync>;

fn factories() -> &'static RwLock<HashMap<String, EmbeddingFactory>> {
    static FACTORIES: OnceLock<RwLock<HashMap<String, EmbeddingFactory>>> = OnceLock::new();
    FACTORIES.get_or_init(|| {
        let mut builtins: HashMap<String, EmbeddingFactory> = HashMap::new();
        builtins.insert(super::hash::NAME.into(), Arc::new(super::hash::create));
        builtins.insert(super::openai::NAME.into(), Arc::new(super::openai::create));
        builtins.insert(
            super::sentence_transformers::NAME.into(),
            Arc::new(super::sentence_transformers::create),
        );
        RwLock::new(builtins)
    })
}

/// Registers `factory` under `name`, replacing any earlier one (a built-in included).
/// Tables whose definitions name `name` use it from their next call on.
pub fn register(
    name: &str,
    factory: impl Fn(&serde_json::Value) -> Result<Arc<dyn EmbeddingFunction>> + Send + Sync + 'static,
) {
    let mut map = factories().write().unwrap_or_else(|e| e.into_inner());
    map.insert(name.to_string(), Arc::new(factory));
    super::embedder::Embedder::forget_all();
}

/// The factory registered under `name`.
pub(super) fn factory(name: &str) -> Result<EmbeddingFactory> {
    let map = factories().read().unwrap_or_else(|e| e.into_inner());
    map.get(name).cloned().ok_or_else(|| {
        let mut known: Vec<&str> = map.keys().map(String::as_str).collect();
        known.sort_unstable();
        Error::invalid(format!(
            "no embedding function named '{name}' (registered: {})",
            known.join(", ")
        ))
    })
}
