//! `scan_sim`: scanning many small fragments on slow storage, against the lower bound that
//! the store's round trips set.
//!
//! The dataset has the shape of the anchors' W1 `frag.lance`: 400,000 rows of `id` (int64)
//! and `vector` (float32 x 128) as 800 fragments of 500 rows (values are seeded random here;
//! the anchors have no slow-storage case, so the bound is the reference). It is built
//! untimed in the in-memory store, then scanned through a simulated store wrapping it:
//! `--latency-ms` per request, at most `--concurrency` requests in flight. Each case opens a
//! fresh handle (no metadata cache) and drains a full scan, or a scan of `id` only.
//!
//! Printed per case: wall time, the requests the store saw, and the lower bound
//! `ceil(requests / concurrency) x latency`: the store cannot answer them faster. Opening
//! the fragments one at a time would cost at least `fragments x latency` (16 s here).
//!
//! ```text
//! cargo run --release -p shoal-benches --bin scan_sim -- --latency-ms 20 --concurrency 64
//! ```

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, FixedSizeListArray, Float32Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use clap::Parser;
use futures::TryStreamExt;
use shoal::advanced::{DatasetWriter, WriteMode};
use shoal::{ConnectOptions, QueryStats, StorageOptions, Table, WriteParams};
use shoal::{SimConfig, Simulation};

#[derive(Parser)]
#[command(about = "Scan 800 small fragments through a simulated slow store")]
struct Cli {
    #[arg(long, default_value_t = 400_000)]
    rows: u64,
    #[arg(long, default_value_t = 500)]
    rows_per_fragment: u64,
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Requests in flight the simulated store allows.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Timed scans per case.
    #[arg(long, default_value_t = 3)]
    iters: usize,
}

const URI: &str = "memory://scan-sim/ds";
const DIM: i32 = 128;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(&cli))
}

async fn run(cli: &Cli) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    build(cli).await?;
    eprintln!(
        "built {} rows as {} fragments in {:.1} s (untimed)",
        cli.rows,
        cli.rows / cli.rows_per_fragment,
        started.elapsed().as_secs_f64()
    );
    let latency = Duration::from_millis(cli.latency_ms);
    let simulation = Simulation::new(SimConfig {
        latency,
        concurrency: Some(cli.concurrency),
        ..SimConfig::default()
    });
    let options = StorageOptions::default().with_simulation(simulation.clone());
    println!(
        "scan of {} rows in {} fragments, simulated store: {} ms per request, {} in flight",
        cli.rows,
        cli.rows / cli.rows_per_fragment,
        cli.latency_ms,
        cli.concurrency
    );
    for (case, columns) in [
        ("full scan", vec!["id", "vector"]),
        ("scan [id]", vec!["id"]),
    ] {
        let mut walls = Vec::new();
        let mut last = None;
        for _ in 0..cli.iters {
            let connect = ConnectOptions {
                storage: options.clone(),
                ..ConnectOptions::default()
            };
            let table = Table::open(URI, connect).await?;
            simulation.reset_counters();
            let started = Instant::now();
            let mut stream = table.query().select(columns.as_slice()).execute().await?;
            let mut rows = 0;
            while let Some(batch) = stream.try_next().await? {
                rows += batch.num_rows() as u64;
            }
            walls.push(started.elapsed());
            assert_eq!(rows, cli.rows);
            let QueryStats::Scan(stats) = stream.stats() else {
                return Err("a scan returned search statistics".into());
            };
            last = Some((simulation.counters(), stats));
        }
        walls.sort();
        let median = walls[walls.len() / 2];
        let (counters, stats) = last.expect("at least one iteration");
        let requests = counters.total_requests();
        let waves = requests.div_ceil(cli.concurrency as u64);
        let bound = latency * waves as u32;
        println!(
            "  {case}: median {:.0} ms (min {:.0}, max {:.0}); lower bound {:.0} ms \
             ({requests} requests / {} in flight = {waves} round trips); ratio {:.2}",
            median.as_secs_f64() * 1e3,
            walls[0].as_secs_f64() * 1e3,
            walls[walls.len() - 1].as_secs_f64() * 1e3,
            bound.as_secs_f64() * 1e3,
            cli.concurrency,
            median.as_secs_f64() / bound.as_secs_f64(),
        );
        println!(
            "    open {:.0} ms ({} requests), fetch {} requests {} bytes, store peak {} in flight",
            stats.open.time.as_secs_f64() * 1e3,
            stats.open.requests,
            stats.fetch.requests,
            stats.fetch.bytes,
            counters.peak_in_flight
        );
    }
    println!(
        "  (opening the fragments one at a time would take at least {:.1} s)",
        (latency * (cli.rows / cli.rows_per_fragment) as u32).as_secs_f64()
    );
    Ok(())
}

/// 400,000 rows of (id, vector) as fragments of `rows_per_fragment`, seeded.
async fn build(cli: &Cli) -> Result<(), Box<dyn std::error::Error>> {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("vector", DataType::FixedSizeList(item.clone(), DIM), false),
    ]));
    let params = WriteParams {
        max_rows_per_file: cli.rows_per_fragment,
        ..WriteParams::default()
    };
    let mut writer = DatasetWriter::new(URI, schema.clone(), WriteMode::Overwrite, params).await?;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64*: reproducible values without a dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32
    };
    for start in (0..cli.rows).step_by(cli.rows_per_fragment as usize) {
        let n = cli.rows_per_fragment.min(cli.rows - start);
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(
            (start as i64)..(start + n) as i64,
        ));
        let values = Float32Array::from_iter_values((0..n * DIM as u64).map(|_| next()));
        let vectors: ArrayRef = Arc::new(FixedSizeListArray::try_new(
            item.clone(),
            DIM,
            Arc::new(values),
            None,
        )?);
        writer
            .write(&RecordBatch::try_new(schema.clone(), vec![ids, vectors])?)
            .await?;
    }
    writer.commit().await?;
    Ok(())
}
