//! [`Embedder`]: a table's embedding function ready to run, with where its calls go — a
//! dedicated, named, bounded [`BlockingPool`] for blocking calls, a semaphore for async
//! ones — and the checks on what it returns. Embedders are made once per process (per fork)
//! for each function, parameters and options, and shared by every table that names them.
//!
//! Nothing here runs user code on a runtime thread: the factory (which may load a model)
//! and blocking calls run on the pool, and the caller's task only awaits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow_array::{cast::AsArray, Array, ArrayRef, FixedSizeListArray, Float32Array};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field};
use futures::{StreamExt, TryStreamExt};
use shoal_runtime::{BlockingPool, ForkSafe};
use tokio::sync::{OnceCell, Semaphore};

use super::definition::{EmbeddingDefinition, EmbeddingOptions};
use super::function::{EmbedCall, EmbedError, EmbeddingFunction, Vectors};
use super::registry;
use super::retry::{timed_out, with_retries};
use crate::error::Result;

/// A function, its options, and where its calls run.
pub(crate) struct Embedder {
    function: Arc<dyn EmbeddingFunction>,
    /// The registry's name (errors name it).
    name: String,
    options: EmbeddingOptions,
    pool: Arc<BlockingPool>,
    async_calls: Semaphore,
}

type Cache = Mutex<HashMap<String, Arc<OnceCell<Arc<Embedder>>>>>;
static EMBEDDERS: ForkSafe<Cache> = ForkSafe::new();

impl Embedder {
    /// The embedder of `definition`, made on first use (its factory runs on its pool).
    pub(crate) async fn of(definition: &EmbeddingDefinition) -> Result<Arc<Embedder>> {
        let key = serde_json::to_string(&(
            &definition.function,
            &definition.params,
            &definition.options,
        ))
        .expect("a definition serializes to JSON");
        let cell = {
            let cache = EMBEDDERS.get_or_init(Cache::default);
            let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.entry(key).or_default().clone()
        };
        cell.get_or_try_init(|| Self::make(definition))
            .await
            .cloned()
    }

    /// Forgets every embedder made, so that the next use of each definition makes it again
    /// (after [`register`](super::register) replaced a factory). Calls under way keep theirs.
    pub(super) fn forget_all() {
        let cache = EMBEDDERS.get_or_init(Cache::default);
        cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    async fn make(definition: &EmbeddingDefinition) -> Result<Arc<Embedder>> {
        let name = definition.function.clone();
        let options = definition.options.clone();
        let factory = registry::factory(&name)?;
        let pool_name = format!("shoal-embed-{name}-{}", options.threads.max(1));
        let pool = BlockingPool::named(&pool_name, options.threads)?;
        let params = definition.params.clone();
        let function = pool.run(move || factory(&params)).await??;
        Ok(Arc::new(Embedder {
            function,
            name,
            async_calls: Semaphore::new(options.concurrency.max(1)),
            options,
            pool,
        }))
    }

    /// The length of the vectors it makes.
    pub(crate) fn dim(&self) -> usize {
        self.function.dim()
    }

    /// The registry's name of its function.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The vector column's field for these vectors.
    pub(crate) fn field(&self, column: &str) -> Field {
        let item = Arc::new(Field::new_list_field(DataType::Float32, true));
        Field::new(
            column,
            DataType::FixedSizeList(item, self.dim() as i32),
            true,
        )
    }

    /// One vector per text of `texts` (a string column), null for a null text; the texts go
    /// in calls of `batch_size`, as many at once as the pool has threads (or the async
    /// limit allows). Calls take texts of similar length: a model pads a call's texts to its
    /// longest, so texts in row order would make it compute mostly padding.
    pub(crate) async fn embed_column(&self, texts: &ArrayRef, column: &str) -> Result<ArrayRef> {
        let texts = arrow_cast::cast(texts, &DataType::Utf8)?;
        let texts = texts.as_string::<i32>();
        let mut present: Vec<usize> = (0..texts.len()).filter(|&i| texts.is_valid(i)).collect();
        present.sort_by_key(|&i| texts.value_length(i));
        let batch = self.options.batch_size.max(1);
        let parallel = match self.options.threads.max(self.options.concurrency) {
            0 => 1,
            n => n,
        };
        let calls: Vec<Vec<String>> = present
            .chunks(batch)
            .map(|rows| rows.iter().map(|&i| texts.value(i).to_string()).collect())
            .collect();
        let results: Vec<Vectors> = futures::stream::iter(calls)
            .map(|call| self.embed(call))
            .buffered(parallel)
            .try_collect()
            .await?;
        let dim = self.dim();
        let mut values = vec![0f32; texts.len() * dim];
        for (&row, vector) in present.iter().zip(results.iter().flatten()) {
            values[row * dim..(row + 1) * dim].copy_from_slice(vector);
        }
        let nulls = NullBuffer::from_iter((0..texts.len()).map(|i| texts.is_valid(i)));
        let DataType::FixedSizeList(item, _) = self.field(column).data_type().clone() else {
            unreachable!("the field is a fixed-size list")
        };
        let array = FixedSizeListArray::try_new(
            item,
            dim as i32,
            Arc::new(Float32Array::from(values)),
            (texts.null_count() > 0).then_some(nulls),
        )?;
        Ok(Arc::new(array))
    }

    /// The vector of one query text.
    pub(crate) async fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        let mut vectors = self.embed(vec![text.to_string()]).await?;
        Ok(vectors.pop().expect("checked: one vector per text"))
    }

    /// One call for `texts`, retried as its options say, its answer checked.
    async fn embed(&self, texts: Vec<String>) -> Result<Vectors> {
        with_retries(&self.name, &self.options, || async {
            let vectors = self.attempt(texts.clone()).await?;
            self.check(texts.len(), vectors)
        })
        .await
    }

    /// One try: a blocking job on the pool, or a future under the concurrency limit, timed
    /// from when it starts running (waiting for a thread or a permit is not counted).
    async fn attempt(&self, texts: Vec<String>) -> Result<Vectors, EmbedError> {
        let timeout = self.options.timeout();
        match self.function.embed(texts) {
            EmbedCall::Blocking(job) => {
                let (started, running) = tokio::sync::oneshot::channel();
                let run = self.pool.run(move || {
                    let _ = started.send(());
                    job()
                });
                let mut run = std::pin::pin!(run);
                tokio::select! {
                    biased;
                    done = &mut run => return self.finished(done),
                    _ = running => {}
                }
                match tokio::time::timeout(timeout, run).await {
                    Ok(done) => self.finished(done),
                    Err(_) => Err(timed_out(timeout)),
                }
            }
            EmbedCall::Async(future) => {
                let _permit = self.async_calls.acquire().await.map_err(|_| {
                    EmbedError::permanent("the function's concurrency limit was closed")
                })?;
                tokio::time::timeout(timeout, future)
                    .await
                    .unwrap_or_else(|_| Err(timed_out(timeout)))
            }
        }
    }

    fn finished(
        &self,
        done: Result<Result<Vectors, EmbedError>, shoal_runtime::RuntimeError>,
    ) -> Result<Vectors, EmbedError> {
        done.unwrap_or_else(|panic| Err(EmbedError::permanent(panic.to_string())))
    }

    /// `vectors` if there is one per text, each of the function's dimension and finite.
    fn check(&self, texts: usize, vectors: Vectors) -> Result<Vectors, EmbedError> {
        if vectors.len() != texts {
            return Err(EmbedError::permanent(format!(
                "it returned {} vectors for {texts} texts",
                vectors.len()
            )));
        }
        let dim = self.dim();
        for vector in &vectors {
            if vector.len() != dim {
                return Err(EmbedError::permanent(format!(
                    "it returned a vector of {} values where its dimension is {dim}",
                    vector.len()
                )));
            }
            if vector.iter().any(|v| !v.is_finite()) {
                return Err(EmbedError::permanent("it returned a non-finite value"));
            }
        }
        Ok(vectors)
    }
}
