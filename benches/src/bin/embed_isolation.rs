//! `embed_isolation`: does a slow embedding model starve unrelated I/O? (issue 13, rule 4)
//!
//! A loop of small unrelated scans (the first `--scan-rows` rows of a 100,000-row table on
//! local disk) runs on one connection for `--seconds`, and its latency percentiles are
//! recorded in each case:
//!
//! - `baseline`: nothing else runs;
//! - `search pool=N`: 16 tasks on the same runtime loop `search_text` on a second table whose
//!   embedding function blocks 500 ms per call (`thread::sleep`), its pool sized N (1, 16);
//! - `add pool=N`: one `add` of 100,000 rows through the same slow function (texts in calls
//!   of `--add-batch`) runs instead; it is cancelled (nothing committed) if still running
//!   when the window ends.
//!
//! Printed: one JSON line per case with p50 / p99 / max scan latency (ms), scans done, and
//! embedding calls finished; p99 as a ratio of the baseline's.
//!
//! ```text
//! cargo run --release -p shoal-benches --bin embed_isolation -- --seconds 10
//! ```

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{Int64Array, RecordBatch, StringArray};
use clap::Parser;
use futures::TryStreamExt;
use serde_json::json;
use shoal::embedding::{
    register, EmbedCall, EmbeddingDefinition, EmbeddingFunction, EmbeddingOptions,
};
use shoal::{AddMode, Connection, CreateTableOptions, Table};

#[derive(Parser)]
#[command(about = "Scan latency while slow embedding calls wait on their pool")]
struct Cli {
    /// Length of each case's window of scans, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Rows each scan reads.
    #[arg(long, default_value_t = 1000)]
    scan_rows: u64,
    /// Milliseconds each embedding call blocks.
    #[arg(long, default_value_t = 500)]
    call_ms: u64,
    /// Concurrent text searches.
    #[arg(long, default_value_t = 16)]
    searches: usize,
    /// Rows of the add case.
    #[arg(long, default_value_t = 100_000)]
    add_rows: usize,
    /// Texts per embedding call in the add case.
    #[arg(long, default_value_t = 64)]
    add_batch: usize,
}

/// Calls finished by the slow function, over all cases.
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Blocks its pool thread `ms` per call, like a model on a slow CPU; vectors of 8 values.
struct Slow {
    ms: u64,
}

impl EmbeddingFunction for Slow {
    fn name(&self) -> &str {
        "slow"
    }

    fn dim(&self) -> usize {
        8
    }

    fn embed(&self, texts: Vec<String>) -> EmbedCall {
        let ms = self.ms;
        EmbedCall::Blocking(Box::new(move || {
            std::thread::sleep(Duration::from_millis(ms));
            CALLS.fetch_add(1, Ordering::Relaxed);
            Ok(texts.iter().map(|t| vec![t.len() as f32; 8]).collect())
        }))
    }
}

fn texts(rows: usize) -> RecordBatch {
    let texts = (0..rows).map(|i| format!("document number {i}"));
    RecordBatch::try_from_iter_with_nullable([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..rows as i64)) as _,
            false,
        ),
        (
            "text",
            Arc::new(StringArray::from_iter_values(texts)) as _,
            true,
        ),
    ])
    .unwrap()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(&cli))
}

async fn run(cli: &Cli) -> Result<(), Box<dyn std::error::Error>> {
    let ms = cli.call_ms;
    register("slow", move |_| {
        Ok(Arc::new(Slow { ms }) as Arc<dyn EmbeddingFunction>)
    });
    let dir = tempfile::tempdir()?;
    let db = shoal::connect(dir.path().to_str().unwrap(), Default::default()).await?;
    let scanned = db
        .create_table("scanned", texts(100_000), Default::default())
        .await?;
    let baseline = window(cli, &scanned, "baseline", None).await?;
    report("baseline", &baseline, &baseline);
    for threads in [1, 16] {
        let table = slow_table(&db, threads, cli.add_batch).await?;
        let load = searches(&table, cli.searches);
        let case = format!("search pool={threads}");
        report(
            &case,
            &window(cli, &scanned, &case, Some(load)).await?,
            &baseline,
        );
        let add = {
            let table = table.clone();
            let rows = texts(cli.add_rows);
            tokio::spawn(async move { table.add(rows, AddMode::Append).await })
        };
        let case = format!("add pool={threads}");
        let add_abort = add.abort_handle();
        report(&case, &window(cli, &scanned, &case, None).await?, &baseline);
        println!(
            "{}",
            json!({"case": case, "add_finished_in_window": add.is_finished()})
        );
        add_abort.abort();
    }
    Ok(())
}

/// A table whose vectors the slow function makes, on a pool of `threads`.
async fn slow_table(db: &Connection, threads: usize, batch: usize) -> shoal::Result<Table> {
    let options = EmbeddingOptions {
        threads,
        batch_size: batch,
        ..Default::default()
    };
    let slow = EmbeddingDefinition::new("text", "vector", "slow", Default::default())
        .with_options(options);
    let options = CreateTableOptions {
        embeddings: vec![slow],
        ..Default::default()
    };
    db.create_table_with(&format!("slow{threads}"), texts(10), options)
        .await
}

/// `n` tasks looping text searches on `table` until dropped.
fn searches(table: &Table, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|i| {
            let table = table.clone();
            tokio::spawn(async move {
                loop {
                    let query = format!("document number {i}");
                    let stream = table.search_text(&query).limit(3).execute().await;
                    let _: Vec<RecordBatch> = stream.unwrap().try_collect().await.unwrap();
                }
            })
        })
        .collect()
}

/// Scan latencies (ms, sorted) over the window, while `load` runs (aborted at its end).
async fn window(
    cli: &Cli,
    table: &Table,
    case: &str,
    load: Option<Vec<tokio::task::JoinHandle<()>>>,
) -> shoal::Result<Vec<f64>> {
    let calls = CALLS.load(Ordering::Relaxed);
    let end = Instant::now() + Duration::from_secs(cli.seconds);
    let mut latencies = Vec::new();
    while Instant::now() < end {
        let started = Instant::now();
        let rows: Vec<RecordBatch> = table
            .query()
            .limit(cli.scan_rows)
            .execute()
            .await?
            .try_collect()
            .await?;
        assert_eq!(
            rows.iter().map(|b| b.num_rows() as u64).sum::<u64>(),
            cli.scan_rows
        );
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
    }
    for task in load.into_iter().flatten() {
        task.abort();
    }
    latencies.sort_by(f64::total_cmp);
    eprintln!(
        "{case}: {} scans, {} embedding calls finished",
        latencies.len(),
        CALLS.load(Ordering::Relaxed) - calls
    );
    Ok(latencies)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(case: &str, latencies: &[f64], baseline: &[f64]) {
    let p99 = percentile(latencies, 0.99);
    println!(
        "{}",
        json!({
            "case": case,
            "scans": latencies.len(),
            "p50_ms": percentile(latencies, 0.5),
            "p99_ms": p99,
            "max_ms": latencies[latencies.len() - 1],
            "baseline_p99_ms": percentile(baseline, 0.99),
            "p99_vs_baseline": p99 / percentile(baseline, 0.99),
        })
    );
}
