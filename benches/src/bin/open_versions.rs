//! `open_versions`: the time and requests it takes to open the latest version of a dataset
//! with many versions, through a simulated object store with a fixed latency per request.
//!
//! The dataset is built untimed in the in-memory store through the public API: `--versions`
//! commits (appends of one small fragment each, with a compaction every
//! `--compact-every` versions so that manifests stay the size a maintained dataset has).
//! Then `Dataset::open_at` runs `--iters` times through a [`SimulatedStore`] wrapping the same
//! store at `--latency-ms` per request, with its request counters reset before each open.
//! Printed: wall time per open, requests by kind, and the round trips they cost (wall /
//! latency). The same is measured with the `_latest` hint removed (a writer that died
//! between its commit and the hint, or a hint lost), where opening falls back to a listing.
//!
//! ```text
//! cargo run --release -p shoal-benches --bin open_versions -- --versions 10000 --latency-ms 20
//! ```

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use clap::Parser;
use shoal::advanced::{resolve, Dataset, DatasetWriter, WriteMode};
use shoal::{CompactOptions, ConnectOptions, StorageOptions, Table, WriteParams};
use shoal::{SimConfig, Simulation};

#[derive(Parser)]
#[command(about = "Time and requests to open the latest of many versions on a slow store")]
struct Cli {
    /// Versions to create.
    #[arg(long, default_value_t = 10_000)]
    versions: u64,
    /// Compact every this many versions (keeps manifests small, as a maintained dataset's).
    #[arg(long, default_value_t = 100)]
    compact_every: u64,
    /// Simulated latency per request, in milliseconds.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Opens timed per case.
    #[arg(long, default_value_t = 5)]
    iters: usize,
}

const URI: &str = "memory://open-versions/ds";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(&cli))
}

async fn run(cli: &Cli) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    build(cli.versions, cli.compact_every).await?;
    eprintln!(
        "built {} versions in {:.1} s (untimed)",
        cli.versions,
        started.elapsed().as_secs_f64()
    );

    let latency = Duration::from_millis(cli.latency_ms);
    let simulation = Simulation::new(SimConfig {
        latency,
        ..SimConfig::default()
    });
    let options = StorageOptions::default().with_simulation(simulation.clone());
    println!(
        "open latest of {} versions, simulated store at {} ms per request",
        cli.versions, cli.latency_ms
    );
    measure("with the _latest hint", cli, &simulation, &options).await?;
    delete_hint().await?;
    measure(
        "hint missing (falls back to listing)",
        cli,
        &simulation,
        &options,
    )
    .await?;
    Ok(())
}

/// Creates the dataset: appends of one 100-row fragment, compacted every `compact_every`.
async fn build(versions: u64, compact_every: u64) -> Result<(), Box<dyn std::error::Error>> {
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let params = WriteParams::default();
    for v in 1..=versions {
        let dataset = if v > 1 && v % compact_every == 0 {
            Dataset::open(URI)
                .await?
                .compact(&CompactOptions::default())
                .await?
        } else {
            let mode = if v == 1 {
                WriteMode::Create
            } else {
                WriteMode::Append
            };
            let first = (v * 100) as i64;
            let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(first..first + 100));
            let batch = RecordBatch::try_new(schema.clone(), vec![ids])?;
            let mut writer = DatasetWriter::new(URI, schema.clone(), mode, params.clone()).await?;
            writer.write(&batch).await?;
            writer.commit().await?
        };
        assert_eq!(dataset.version(), v, "one version per change");
    }
    Ok(())
}

async fn delete_hint() -> Result<(), Box<dyn std::error::Error>> {
    let hint = resolve(URI)?.child("_latest");
    shoal_io::delete(&hint).await?;
    Ok(())
}

async fn measure(
    case: &str,
    cli: &Cli,
    simulation: &Simulation,
    options: &StorageOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut times = Vec::new();
    let mut requests = String::new();
    for _ in 0..cli.iters {
        simulation.reset_counters();
        let connect = ConnectOptions {
            storage: options.clone(),
            ..ConnectOptions::default()
        };
        let started = Instant::now();
        let table = Table::open(URI, connect).await?;
        times.push(started.elapsed());
        assert_eq!(table.version(), cli.versions);
        requests = simulation.counters().to_string();
    }
    times.sort();
    let median = times[times.len() / 2];
    let latency = Duration::from_millis(cli.latency_ms);
    println!(
        "  {case}: median {:.1} ms (min {:.1}, max {:.1}) over {} opens = {:.2} round trips; \
         {requests}",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        times.len(),
        median.as_secs_f64() / latency.as_secs_f64(),
    );
    Ok(())
}
