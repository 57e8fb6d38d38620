//! The `sentence-transformers` embedding function: a local BERT-family model (MiniLM, BGE,
//! E5, ...) saved by the `sentence-transformers` library, run in-process on the CPU with
//! candle and tokenized with `tokenizers`. Parameters: `{"model": "/path/to/dir"}`, a
//! directory holding the model as sentence-transformers saves it — `modules.json` (a
//! `Transformer`, then a `Pooling` and optionally a `Normalize` module), `config.json`,
//! `tokenizer.json`, `model.safetensors`, `sentence_bert_config.json` (the maximum sequence
//! length) and the pooling module's `config.json`. Nothing is downloaded.
//!
//! The model loads in the factory and runs in the blocking job, both on the function's own
//! pool (candle's matrix products spread over that pool's threads, never a runtime's).
//! Texts are tokenized, truncated to the maximum sequence length, sorted by length and run in
//! sub-batches padded to their longest text; the token vectors are pooled over the attention
//! mask as the pooling configuration says (CLS token, max, mean, mean / √length, concatenated
//! in that order, as sentence-transformers does) and L2-normalized if a `Normalize` module
//! follows.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use super::function::{EmbedCall, EmbedError, EmbeddingFunction, Vectors};
use crate::error::{Error, Result};

/// The registry's name.
pub const NAME: &str = "sentence-transformers";

/// Texts run through the model at once: sorted by length, so that little is padding.
const SUB_BATCH: usize = 32;

/// Makes the function from `{"model": "/path/to/dir"}`, loading the model (this blocks: the
/// factory runs on the function's pool).
pub(super) fn create(params: &serde_json::Value) -> Result<Arc<dyn EmbeddingFunction>> {
    let dir = params
        .get("model")
        .and_then(|m| m.as_str())
        .ok_or_else(|| {
            Error::invalid(format!(
                "'{NAME}' needs 'model', the path of a model directory, not {params}"
            ))
        })?;
    let model = Model::load(Path::new(dir))
        .map_err(|e| Error::invalid(format!("'{NAME}' cannot load the model in {dir}: {e}")))?;
    Ok(Arc::new(SentenceTransformer {
        model: Arc::new(model),
    }))
}

struct SentenceTransformer {
    model: Arc<Model>,
}

impl EmbeddingFunction for SentenceTransformer {
    fn name(&self) -> &str {
        NAME
    }

    fn dim(&self) -> usize {
        self.model.dim()
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let model = self.model.clone();
        EmbedCall::Blocking(Box::new(move || {
            model
                .embed(texts)
                .map_err(|e| EmbedError::permanent(format!("{NAME}: {e}")))
        }))
    }
}

/// One entry of `modules.json`.
#[derive(Deserialize)]
struct Module {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    path: String,
}

/// A pooling module's `config.json`: which poolings are concatenated.
#[derive(Deserialize, Default)]
struct Pooling {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

impl Pooling {
    fn modes(&self) -> usize {
        [
            self.pooling_mode_cls_token,
            self.pooling_mode_max_tokens,
            self.pooling_mode_mean_tokens,
            self.pooling_mode_mean_sqrt_len_tokens,
        ]
        .iter()
        .filter(|&&m| m)
        .count()
    }

    /// The pooled vector of one text's token vectors (its padding left out).
    fn pool(&self, tokens: &[Vec<f32>]) -> Vec<f32> {
        let hidden = tokens[0].len();
        let mut out = Vec::with_capacity(hidden * self.modes());
        if self.pooling_mode_cls_token {
            out.extend_from_slice(&tokens[0]);
        }
        if self.pooling_mode_max_tokens {
            out.extend((0..hidden).map(|i| tokens.iter().map(|t| t[i]).fold(f32::MIN, f32::max)));
        }
        if self.pooling_mode_mean_tokens || self.pooling_mode_mean_sqrt_len_tokens {
            let sum: Vec<f32> = (0..hidden)
                .map(|i| tokens.iter().map(|t| t[i]).sum())
                .collect();
            let len = tokens.len() as f32;
            if self.pooling_mode_mean_tokens {
                out.extend(sum.iter().map(|s| s / len));
            }
            if self.pooling_mode_mean_sqrt_len_tokens {
                out.extend(sum.iter().map(|s| s / len.sqrt()));
            }
        }
        out
    }
}

/// `sentence_bert_config.json`.
#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

/// A loaded model: the transformer, its tokenizer, and what follows it.
struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    hidden: usize,
    pooling: Pooling,
    normalize: bool,
}

type LoadResult<T> = std::result::Result<T, String>;

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> LoadResult<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

impl Model {
    fn load(dir: &Path) -> LoadResult<Model> {
        // Without modules.json, sentence-transformers makes a transformer with mean pooling.
        let modules_path = dir.join("modules.json");
        let modules: Vec<Module> = if modules_path.exists() {
            read_json(&modules_path)?
        } else {
            vec![
                Module {
                    kind: "sentence_transformers.models.Transformer".into(),
                    path: String::new(),
                },
                Module {
                    kind: "sentence_transformers.models.Pooling".into(),
                    path: String::new(),
                },
            ]
        };
        let mut transformer: Option<PathBuf> = None;
        let mut pooling: Option<Pooling> = None;
        let mut normalize = false;
        for module in &modules {
            let path = dir.join(&module.path);
            match module.kind.rsplit('.').next().unwrap_or_default() {
                "Transformer" if transformer.is_none() && pooling.is_none() => {
                    transformer = Some(path)
                }
                "Pooling" if transformer.is_some() && pooling.is_none() => {
                    let config = path.join("config.json");
                    pooling = Some(if config.exists() && !module.path.is_empty() {
                        read_json(&config)?
                    } else {
                        Pooling {
                            pooling_mode_mean_tokens: true,
                            ..Pooling::default()
                        }
                    });
                }
                "Normalize" if pooling.is_some() && !normalize => normalize = true,
                _ => {
                    return Err(format!(
                        "module '{}' is not supported here (a Transformer, a Pooling and \
                         optionally a Normalize module, in that order, are)",
                        module.kind
                    ))
                }
            }
        }
        let (Some(transformer), Some(pooling)) = (transformer, pooling) else {
            return Err("modules.json names no Transformer and Pooling modules".into());
        };
        if pooling.pooling_mode_weightedmean_tokens || pooling.pooling_mode_lasttoken {
            return Err("weighted-mean and last-token poolings are not supported".into());
        }
        if pooling.modes() == 0 {
            return Err("the pooling configuration enables no pooling".into());
        }

        let config: Config = read_json(&transformer.join("config.json"))?;
        let bert_config = transformer.join("sentence_bert_config.json");
        let max_seq_length = if bert_config.exists() {
            read_json::<SentenceBertConfig>(&bert_config)?.max_seq_length
        } else {
            None
        }
        .unwrap_or(config.max_position_embeddings)
        .min(config.max_position_embeddings);

        let tokenizer_path = transformer.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| format!("cannot load {}: {e}", tokenizer_path.display()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_seq_length,
                ..TruncationParams::default()
            }))
            .map_err(|e| format!("cannot truncate to {max_seq_length} tokens: {e}"))?;

        let weights_path = transformer.join("model.safetensors");
        let weights = std::fs::read(&weights_path)
            .map_err(|e| format!("cannot read {}: {e}", weights_path.display()))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| format!("cannot read {}: {e}", weights_path.display()))?;
        let bert = BertModel::load(vb, &config)
            .map_err(|e| format!("{} is not a BERT model: {e}", weights_path.display()))?;
        Ok(Model {
            bert,
            tokenizer,
            hidden: config.hidden_size,
            pooling,
            normalize,
        })
    }

    fn dim(&self) -> usize {
        self.hidden * self.pooling.modes()
    }

    fn embed(&self, texts: Vec<String>) -> LoadResult<Vectors> {
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(|e| format!("cannot tokenize: {e}"))?;
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].get_ids().len());
        let mut vectors: Vec<Vec<f32>> = vec![Vec::new(); encodings.len()];
        for chunk in order.chunks(SUB_BATCH) {
            let longest = chunk
                .iter()
                .map(|&i| encodings[i].get_ids().len())
                .max()
                .unwrap_or(0)
                .max(1);
            let mut ids = Vec::with_capacity(chunk.len() * longest);
            let mut mask = Vec::with_capacity(chunk.len() * longest);
            for &i in chunk {
                let row = encodings[i].get_ids();
                ids.extend_from_slice(row);
                ids.resize(ids.len() + longest - row.len(), 0);
                mask.extend(std::iter::repeat_n(1u32, row.len()));
                mask.resize(mask.len() + longest - row.len(), 0);
            }
            let tokens = self
                .run(ids, mask, chunk.len(), longest)
                .map_err(|e| format!("the model failed: {e}"))?;
            for (&i, text_tokens) in chunk.iter().zip(tokens) {
                let len = encodings[i].get_ids().len().max(1);
                let mut vector = self.pooling.pool(&text_tokens[..len]);
                if self.normalize {
                    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
                    let norm = norm.max(1e-12);
                    vector.iter_mut().for_each(|v| *v /= norm);
                }
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    /// The token vectors (`[rows][longest][hidden]`) of `rows` padded token sequences.
    fn run(
        &self,
        ids: Vec<u32>,
        mask: Vec<u32>,
        rows: usize,
        longest: usize,
    ) -> candle_core::Result<Vec<Vec<Vec<f32>>>> {
        let ids = Tensor::from_vec(ids, (rows, longest), &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, (rows, longest), &Device::Cpu)?;
        let types = ids.zeros_like()?;
        self.bert.forward(&ids, &types, Some(&mask))?.to_vec3()
    }
}
