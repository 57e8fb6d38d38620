//! The `openai` embedding function: a client of OpenAI-compatible `POST {base_url}/embeddings`
//! endpoints (OpenAI, and the many servers that copy its API), async, over `reqwest`.
//!
//! Parameters: `model` (required), `dim` (required unless the model is one of OpenAI's
//! `text-embedding-3-small` 1536, `text-embedding-3-large` 3072, `text-embedding-ada-002`
//! 1536), `base_url` (default `https://api.openai.com/v1`), `api_key_env` (the name of the
//! environment variable holding the key, default `OPENAI_API_KEY`; read at each call, never
//! stored). HTTP 408, 429 and 5xx, timeouts and connection failures are transient; any other
//! status, and an answer that is not the expected JSON, are permanent.

use std::sync::Arc;

use serde::Deserialize;

use super::function::{EmbedCall, EmbedError, EmbeddingFunction, Vectors};
use crate::error::{Error, Result};

/// The registry's name.
pub const NAME: &str = "openai";

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_KEY_ENV: &str = "OPENAI_API_KEY";

struct OpenAiEmbedding {
    client: reqwest::Client,
    url: String,
    model: String,
    key_env: String,
    dim: usize,
}

/// Makes the client from its parameters.
pub(super) fn create(params: &serde_json::Value) -> Result<Arc<dyn EmbeddingFunction>> {
    let text = |key: &str| params.get(key).and_then(|v| v.as_str());
    let model = text("model")
        .ok_or_else(|| Error::invalid("'openai' needs a 'model' parameter"))?
        .to_string();
    let dim = match params.get("dim").and_then(|d| d.as_u64()) {
        Some(dim) if dim > 0 => dim as usize,
        _ => known_dim(&model).ok_or_else(|| {
            Error::invalid(format!(
                "'openai' needs a positive 'dim' parameter for model '{model}'"
            ))
        })?,
    };
    let base = text("base_url").unwrap_or(DEFAULT_BASE_URL);
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| Error::invalid(format!("'openai' cannot make an HTTP client: {e}")))?;
    Ok(Arc::new(OpenAiEmbedding {
        client,
        url: format!("{}/embeddings", base.trim_end_matches('/')),
        model,
        key_env: text("api_key_env").unwrap_or(DEFAULT_KEY_ENV).to_string(),
        dim,
    }))
}

fn known_dim(model: &str) -> Option<usize> {
    match model {
        "text-embedding-3-small" | "text-embedding-ada-002" => Some(1536),
        "text-embedding-3-large" => Some(3072),
        _ => None,
    }
}

impl EmbeddingFunction for OpenAiEmbedding {
    fn name(&self) -> &str {
        NAME
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let body = serde_json::json!({
            "model": self.model,
            "input": texts,
            "encoding_format": "float",
        });
        let key = std::env::var(&self.key_env);
        let (key_env, count) = (self.key_env.clone(), texts.len());
        let request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string());
        EmbedCall::Async(Box::pin(async move {
            let key = key.map_err(|_| {
                EmbedError::permanent(format!("the API key variable {key_env} is not set"))
            })?;
            let response = request
                .bearer_auth(key)
                .send()
                .await
                .map_err(|e| EmbedError::transient(format!("request failed: {e}")))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| EmbedError::transient(format!("reading the answer failed: {e}")))?;
            if !status.is_success() {
                let detail = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                let message = format!("HTTP {status}: {detail}");
                let transient = status.as_u16() == 408 || status.as_u16() == 429;
                return Err(if transient || status.is_server_error() {
                    EmbedError::transient(message)
                } else {
                    EmbedError::permanent(message)
                });
            }
            parse(&body, count)
        }))
    }
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

/// The vectors of an answer, in the order of the texts (the answer's `index` says which).
fn parse(body: &[u8], count: usize) -> Result<Vectors, EmbedError> {
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|e| EmbedError::permanent(format!("malformed answer: {e}")))?;
    let mut vectors = vec![Vec::new(); count];
    for item in answer.data {
        let slot = vectors.get_mut(item.index).ok_or_else(|| {
            EmbedError::permanent(format!("answer has index {} for {count} texts", item.index))
        })?;
        *slot = item.embedding;
    }
    Ok(vectors)
}
