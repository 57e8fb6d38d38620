//! `scan_memory`: peak memory of a scan whose consumer is slower than storage, with and
//! without the byte budget.
//!
//! A dataset whose pages decode to `--gib` GiB (an int64 `id` and a float32 x 128 `vector`
//! of low-entropy values, stored LZ4-compressed so that every decoded page is a new
//! allocation, as reads from real storage are) is built untimed in the in-memory store. It is
//! then scanned into a consumer that sleeps `--sleep-ms` per batch, with `--budget-mib` of
//! budget (0: no budget, every task may run ahead). A sampler reads this process's resident
//! set (`VmRSS`) every 5 ms; printed: RSS before the scan, the peak during it, and the
//! difference, beside the budget. The scan goes through the public API
//! (`Table::open`, `table.query().batch_size(..).budget_bytes(..)`), so it runs at the read
//! pipeline's default readahead (64 tasks; the API has no readahead setting; before the
//! API this benchmark used 256). Run each setting in its own process:
//!
//! ```text
//! cargo run --release -p shoal-benches --bin scan_memory -- --budget-mib 256
//! cargo run --release -p shoal-benches --bin scan_memory -- --budget-mib 0
//! ```

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, FixedSizeListArray, Float32Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use clap::Parser;
use futures::TryStreamExt;
use shoal::advanced::{DatasetWriter, WriteMode};
use shoal::{Compression, WriteOptions};
use shoal::{ConnectOptions, QueryStats, Table, WriteParams};

#[derive(Parser)]
#[command(about = "Peak RSS of a scan into a slow consumer, with and without the byte budget")]
struct Cli {
    /// Decoded size of the dataset, in GiB.
    #[arg(long, default_value_t = 4.0)]
    gib: f64,
    /// Byte budget in MiB; 0 runs without one.
    #[arg(long, default_value_t = 256)]
    budget_mib: u64,
    /// Consumer sleep per batch, in milliseconds.
    #[arg(long, default_value_t = 2)]
    sleep_ms: u64,
}

const URI: &str = "memory://scan-memory/ds";
const DIM: i32 = 128;
const BATCH_ROWS: usize = 8192;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(&cli))
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

async fn run(cli: &Cli) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let rows = build(cli.gib).await?;
    eprintln!(
        "built {rows} rows ({:.1} GiB decoded) in {:.1} s (untimed)",
        cli.gib,
        started.elapsed().as_secs_f64()
    );
    let table = Table::open(URI, ConnectOptions::default()).await?;
    let before = rss_bytes();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let budget = match cli.budget_mib {
        0 => u64::MAX,
        mib => mib << 20,
    };
    let started = Instant::now();
    let mut stream = table
        .query()
        .batch_size(BATCH_ROWS)
        .budget_bytes(budget)
        .execute()
        .await?;
    let mut scanned = 0u64;
    while let Some(batch) = stream.try_next().await? {
        scanned += batch.num_rows() as u64;
        tokio::time::sleep(Duration::from_millis(cli.sleep_ms)).await;
    }
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    assert_eq!(scanned, rows);
    let QueryStats::Scan(stats) = stream.stats() else {
        return Err("a scan returned search statistics".into());
    };
    let peak = peak.load(Ordering::Relaxed);
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    println!(
        "budget {}: scanned {rows} rows in {:.1} s; RSS before {:.0} MiB, peak {:.0} MiB, \
         growth {:.0} MiB; budget peak reserved {:.0} MiB",
        match cli.budget_mib {
            0 => "none".to_string(),
            m => format!("{m} MiB"),
        },
        wall.as_secs_f64(),
        mib(before),
        mib(peak),
        mib(peak.saturating_sub(before)),
        mib(stats.peak_bytes_in_flight),
    );
    if cli.budget_mib > 0 {
        let allowed = (cli.budget_mib + 150) << 20;
        let growth = peak.saturating_sub(before);
        println!(
            "target: growth at most budget + 150 MiB = {:.0} MiB: {}",
            mib(allowed),
            if growth <= allowed { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// Rows of (id, vector) decoding to about `gib` GiB, LZ4-compressed; returns the rows.
async fn build(gib: f64) -> Result<u64, Box<dyn std::error::Error>> {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("vector", DataType::FixedSizeList(item.clone(), DIM), false),
    ]));
    let row_bytes = 8 + 4 * DIM as u64;
    let rows = ((gib * (1u64 << 30) as f64) / row_bytes as f64) as u64;
    let params = WriteParams {
        max_rows_per_file: 1 << 20,
        file: WriteOptions {
            compression: Compression::Lz4,
            ..WriteOptions::default()
        },
    };
    let mut writer = DatasetWriter::new(URI, schema.clone(), WriteMode::Overwrite, params).await?;
    for start in (0..rows).step_by(BATCH_ROWS) {
        let n = (BATCH_ROWS as u64).min(rows - start);
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(
            (start as i64)..(start + n) as i64,
        ));
        // Few distinct values: compressible, so stored compressed and decoded into new
        // buffers on every read.
        let values = Float32Array::from_iter_values(
            (0..n * DIM as u64).map(|i| ((start + i / DIM as u64) % 7) as f32),
        );
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
    Ok(rows)
}
