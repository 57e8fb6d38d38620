//! The `hash` embedding function: a deterministic feature-hashing embedder for tests and
//! examples that need no model. Each lower-cased word adds ±1 to the value its FNV-1a hash
//! picks; the vector is then L2-normalized (a text without words gets zeros). Texts sharing
//! words are near; it knows nothing of meaning. Parameters: `{"dim": 64}` (the default).

use std::sync::Arc;

use super::function::{EmbedCall, EmbeddingFunction, Vectors};
use crate::error::{Error, Result};

/// The registry's name.
pub const NAME: &str = "hash";

/// The dimension when the parameters give none.
const DEFAULT_DIM: usize = 64;

#[derive(Debug)]
struct HashEmbedding {
    dim: usize,
}

/// Makes the function from `{"dim": N}` (or `null`/`{}` for the default 64).
pub(super) fn create(params: &serde_json::Value) -> Result<Arc<dyn EmbeddingFunction>> {
    let dim =
        match params.get("dim") {
            None => DEFAULT_DIM,
            Some(dim) => dim.as_u64().filter(|&d| d > 0).ok_or_else(|| {
                Error::invalid(format!("'hash' needs a positive 'dim', not {dim}"))
            })? as usize,
        };
    Ok(Arc::new(HashEmbedding { dim }))
}

impl EmbeddingFunction for HashEmbedding {
    fn name(&self) -> &str {
        NAME
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let dim = self.dim;
        EmbedCall::Blocking(Box::new(move || {
            Ok(texts.iter().map(|t| embed_one(t, dim)).collect::<Vectors>())
        }))
    }
}

fn embed_one(text: &str, dim: usize) -> Vec<f32> {
    let mut vector = vec![0f32; dim];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let hash = fnv1a(word.to_lowercase().as_bytes());
        let sign = if hash >> 63 == 0 { 1.0 } else { -1.0 };
        vector[(hash % dim as u64) as usize] += sign;
    }
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
    vector
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_words_same_vector_whatever_the_case() {
        assert_eq!(embed_one("Red fox", 16), embed_one("red FOX!", 16));
        assert_ne!(embed_one("red fox", 16), embed_one("blue whale", 16));
        assert_eq!(embed_one("", 4), vec![0.0; 4]);
    }
}
