//! `poll_watchdog`: does anything hold the I/O runtime's threads? The target: no poll on the
//! I/O runtime's threads takes more than 10 ms, while a large scan, an IVF-PQ index build
//! and concurrent vector searches run together.
//!
//! Set-up (untimed), under `--dir` on local disk, deleted at the end unless `--keep`:
//! a `scan` dataset of `--scan-gib` GiB (int64 `id`, float32 x `--dim` `vector`, random
//! values, default write options) and a `search` dataset (`--search-rows` rows of float32 x
//! 128) with an IVF-PQ index. Then, from this process's own tokio runtime (the caller's, as
//! a user's program would), at once: one full scan of `scan`, a second index build on
//! `search`, and `--searches` tasks searching `search` through its index one query after
//! another until the scan and the build are both done.
//!
//! Measured (see `shoal_benches::ticks`): tickers every `--tick-ms` on the I/O runtime (one
//! per worker), on the query runtime (idle here: what the machine alone costs a ticker) and
//! on the caller's runtime; the CPU pool's dispatch delay; and, from tokio's stable
//! metrics, each I/O worker's longest stretch without parking (an upper bound on its
//! longest poll). Idle figures first (2 s, nothing running), then under load.
//!
//! ```text
//! cargo build --release --workspace --bin poll_watchdog
//! target/release/poll_watchdog --scan-gib 4
//! ```

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, FixedSizeListArray, Float32Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use clap::Parser;
use futures::StreamExt;
use shoal::advanced::{Dataset, DatasetWriter, WriteMode};
use shoal::{IndexParams, Metric, WriteParams};
use shoal_benches::host::{stolen, stolen_between};
use shoal_benches::ticks::{probe_pool, spawn_ticker, watch_parks, Lateness, Parks, Stretch};
use tokio::runtime::Handle;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(about = "Poll latency on the I/O runtime during a scan, an index build and searches")]
struct Cli {
    /// Where the datasets are made (deleted afterwards unless --keep).
    #[arg(long, default_value = "/tmp/shoal-poll-watchdog")]
    dir: PathBuf,
    /// Size of the scanned dataset, in GiB of vectors.
    #[arg(long, default_value_t = 4.0)]
    scan_gib: f64,
    /// Dimension of the scanned vectors.
    #[arg(long, default_value_t = 1024)]
    dim: usize,
    /// Rows of the searched and indexed dataset (float32 x 128).
    #[arg(long, default_value_t = 200_000)]
    search_rows: usize,
    /// IVF partitions of both index builds.
    #[arg(long, default_value_t = 256)]
    partitions: usize,
    /// k-means iterations of both index builds.
    #[arg(long, default_value_t = 10)]
    iterations: usize,
    /// Concurrent searching tasks.
    #[arg(long, default_value_t = 8)]
    searches: usize,
    /// Ticker period, in milliseconds.
    #[arg(long, default_value_t = 1)]
    tick_ms: u64,
    /// Keep the datasets (and reuse them if present) instead of deleting them.
    #[arg(long)]
    keep: bool,
}

const SEARCH_DIM: usize = 128;
const BATCH_ROWS: usize = 8192;
/// The target: no poll on the I/O runtime's threads takes longer.
const LIMIT: Duration = Duration::from_millis(10);

fn main() -> Result<(), Error> {
    let cli = Cli::parse();
    let caller = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = caller.block_on(run(&cli));
    if !cli.keep && cli.dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(&cli.dir) {
            eprintln!("could not delete {}: {e}", cli.dir.display());
        }
    }
    result
}

async fn run(cli: &Cli) -> Result<(), Error> {
    let scan_uri = path(cli, "scan")?;
    let search_uri = path(cli, "search")?;
    let started = Instant::now();
    let scan_rows = make_scan(cli, &scan_uri).await?;
    let search = make_search(cli, &search_uri).await?;
    eprintln!(
        "set-up: {scan_rows} rows x {} dims to scan, {} rows x {SEARCH_DIM} dims indexed, in {:.1} s (untimed)",
        cli.dim,
        cli.search_rows,
        started.elapsed().as_secs_f64()
    );
    let io = shoal_runtime::io();
    let period = Duration::from_millis(cli.tick_ms);
    println!(
        "I/O runtime: {} workers; tickers every {} ms; load average {}",
        io.metrics().num_workers(),
        cli.tick_ms,
        load_average()
    );

    let idle = Probes::start(&io, period)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    idle.finish().await?.print("idle (nothing running)");

    let probes = Probes::start(&io, period)?;
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let scan = tokio::spawn(scan_all(scan_uri));
    let build = tokio::spawn(build_index(
        search.clone(),
        index_params(cli, "rebuilt_idx"),
    ));
    let searchers: Vec<_> = (0..cli.searches)
        .map(|seed| tokio::spawn(search_until(search.clone(), seed as u64, done.clone())))
        .collect();
    let (scanned, scan_s) = scan.await??;
    assert_eq!(scanned, scan_rows, "the scan read every row");
    let scan_gib = (scanned * (8 + 4 * cli.dim as u64)) as f64 / (1u64 << 30) as f64;
    let build_s = build.await??;
    done.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for s in searchers {
        latencies.extend(s.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    let figures = probes.finish().await?;
    latencies.sort_by(f64::total_cmp);
    println!(
        "load ({wall:.1} s, load average {}): scan of {:.2} GiB in {scan_s:.1} s ({:.2} GiB/s); \
         index build in {build_s:.1} s; {} searches by {} tasks, median {:.1} ms, max {:.1} ms",
        load_average(),
        scan_gib,
        scan_gib / scan_s,
        latencies.len(),
        cli.searches,
        latencies[latencies.len() / 2] * 1e3,
        latencies[latencies.len() - 1] * 1e3,
    );
    figures.print("under load");
    println!("{}", figures.verdict());
    Ok(())
}

/// The tickers and probes of one measurement.
struct Probes {
    stop: Arc<AtomicBool>,
    io: Vec<tokio::task::JoinHandle<Lateness>>,
    query: tokio::task::JoinHandle<Lateness>,
    caller: tokio::task::JoinHandle<Lateness>,
    cpu: tokio::task::JoinHandle<Lateness>,
    parks: std::thread::JoinHandle<Parks>,
    /// The host's steal when the measurement started.
    stolen: Option<Duration>,
}

/// What one measurement found.
struct Figures {
    io: Lateness,
    query: Lateness,
    caller: Lateness,
    cpu: Lateness,
    parks: Parks,
    /// CPU time the VM's host took meanwhile (steal), as text.
    stolen: String,
}

impl Probes {
    fn start(io: &Handle, period: Duration) -> Result<Self, Error> {
        let stop = Arc::new(AtomicBool::new(false));
        let io_tickers = (0..io.metrics().num_workers())
            .map(|_| spawn_ticker(io, period, stop.clone()))
            .collect();
        let query = spawn_ticker(&shoal_runtime::query_runtime()?, period, stop.clone());
        let caller = spawn_ticker(&Handle::current(), period, stop.clone());
        let cpu = tokio::spawn(probe_pool(period, stop.clone(), |work| async move {
            shoal_runtime::spawn_cpu(work)
                .await
                .expect("the CPU pool runs")
        }));
        let parks = watch_parks(io, shoal_runtime::IO_THREAD_NAME, period, stop.clone());
        Ok(Self {
            stop,
            io: io_tickers,
            query,
            caller,
            cpu,
            parks,
            stolen: stolen(),
        })
    }

    async fn finish(self) -> Result<Figures, Error> {
        self.stop.store(true, Ordering::Relaxed);
        let stolen = stolen_between(self.stolen, stolen());
        let mut io = Vec::new();
        for ticker in self.io {
            io.push(ticker.await?);
        }
        Ok(Figures {
            io: Lateness::merge(io),
            query: self.query.await?,
            caller: self.caller.await?,
            cpu: self.cpu.await?,
            parks: self.parks.join().map_err(|_| "the park watcher panicked")?,
            stolen,
        })
    }
}

impl Figures {
    fn print(&self, what: &str) {
        println!("{what}: lateness of a tick");
        println!("  I/O runtime     {}", self.io.line(LIMIT));
        println!("  query runtime   {}", self.query.line(LIMIT));
        println!("  caller runtime  {}", self.caller.line(LIMIT));
        println!("  CPU pool start  {}", self.cpu.line(LIMIT));
        let show = |s: Stretch| {
            format!(
                "{:.1} ms wall (<= {:.1} on a CPU, <= {:.1} waiting for one)",
                ms(s.wall),
                ms(s.cpu),
                ms(s.waiting)
            )
        };
        for (w, u) in self.parks.workers.iter().enumerate() {
            println!(
                "  I/O worker {w} unparked: longest {}; most CPU {}",
                show(u.longest),
                show(u.busiest)
            );
        }
        println!(
            "  park sampler's longest gap: {:.1} ms",
            ms(self.parks.sampler_gap)
        );
        println!("  CPU time stolen by the VM's host: {}", self.stolen);
    }

    /// The figures against the target.
    fn verdict(&self) -> String {
        let workers = &self.parks.workers;
        let longest = workers.iter().map(|u| u.longest.wall).max();
        let bound = longest.unwrap_or_default() + self.parks.sampler_gap;
        let cpu = workers.iter().map(|u| u.busiest.cpu).max();
        let tick = self.io.max().map_or(Duration::ZERO, |(d, _)| d);
        let machine = self.query.max().map_or(Duration::ZERO, |(d, _)| d);
        let verdict = if bound <= LIMIT {
            format!(
                "met: no I/O worker stayed unparked (so no poll lasted) over {:.1} ms \
                 (longest stretch seen + the sampler's longest gap)",
                ms(bound)
            )
        } else {
            format!(
                "not shown on this machine: I/O ticks up to {:.1} ms late, stretches up to {:.1} \
                 ms + {:.1} ms of sampler gap ({:.1} ms of CPU at most in one); the idle query \
                 runtime's ticks were up to {:.1} ms late, so a CPU-starved machine accounts \
                 for lateness of that order (the VM's host stole {} of CPU meanwhile)",
                ms(tick),
                ms(longest.unwrap_or_default()),
                ms(self.parks.sampler_gap),
                ms(cpu.unwrap_or_default()),
                ms(machine),
                self.stolen
            )
        };
        format!(
            "target: no poll on the I/O runtime's threads over {} ms: {verdict}",
            LIMIT.as_millis()
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Scans every row of `uri`; returns the rows and the seconds taken.
async fn scan_all(uri: String) -> Result<(u64, f64), Error> {
    let started = Instant::now();
    let dataset = Dataset::open(&uri).await?;
    let mut stream = dataset.scan().batch_rows(BATCH_ROWS).stream().await?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        rows += batch?.num_rows() as u64;
    }
    Ok((rows, started.elapsed().as_secs_f64()))
}

/// Builds an index on `dataset`; returns the seconds taken.
async fn build_index(dataset: Dataset, params: IndexParams) -> Result<f64, Error> {
    let started = Instant::now();
    dataset.create_index("vector", &params, None).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Searches `dataset` through its index for rows near random queries, one after another,
/// until `done` (at least once); returns each search's seconds.
async fn search_until(
    dataset: Dataset,
    seed: u64,
    done: Arc<AtomicBool>,
) -> Result<Vec<f64>, Error> {
    let mut rng = Lcg(seed + 1);
    let mut latencies = Vec::new();
    while latencies.is_empty() || !done.load(Ordering::Relaxed) {
        let query: Vec<f32> = (0..SEARCH_DIM).map(|_| rng.next_f32()).collect();
        let started = Instant::now();
        let found = dataset.search("vector", &query).k(10).execute().await?;
        latencies.push(started.elapsed().as_secs_f64());
        assert!(found.stats.index.is_some(), "the search used the index");
    }
    Ok(latencies)
}

fn index_params(cli: &Cli, name: &str) -> IndexParams {
    IndexParams {
        name: Some(name.into()),
        partitions: Some(cli.partitions),
        sub_vectors: Some(16),
        iterations: Some(cli.iterations),
        ..IndexParams::new(Metric::L2)
    }
}

fn path(cli: &Cli, name: &str) -> Result<String, Error> {
    let path = cli.dir.join(name);
    Ok(path.to_str().ok_or("a UTF-8 --dir")?.to_string())
}

/// The scanned dataset, written unless `--keep` left it; returns its rows.
async fn make_scan(cli: &Cli, uri: &str) -> Result<u64, Error> {
    let rows = (cli.scan_gib * (1u64 << 30) as f64 / (4 * cli.dim) as f64) as u64;
    if cli.keep {
        if let Ok(dataset) = Dataset::open(uri).await {
            if dataset.num_rows() == rows {
                return Ok(rows);
            }
        }
    }
    let params = WriteParams {
        max_rows_per_file: 1 << 17,
        ..WriteParams::default()
    };
    write(uri, rows as usize, cli.dim, params).await?;
    Ok(rows)
}

/// The searched dataset with its index, made unless `--keep` left it.
async fn make_search(cli: &Cli, uri: &str) -> Result<Dataset, Error> {
    if cli.keep {
        if let Ok(dataset) = Dataset::open(uri).await {
            if dataset.num_rows() == cli.search_rows as u64
                && dataset.index_entry("vector_idx").is_ok()
            {
                return Ok(dataset);
            }
        }
    }
    let dataset = write(uri, cli.search_rows, SEARCH_DIM, WriteParams::default()).await?;
    Ok(dataset
        .create_index("vector", &index_params(cli, "vector_idx"), None)
        .await?)
}

/// Writes `rows` rows of (id, random float32 x `dim`) as a new dataset at `uri`.
async fn write(uri: &str, rows: usize, dim: usize, params: WriteParams) -> Result<Dataset, Error> {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(item.clone(), dim as i32),
            false,
        ),
    ]));
    let mut writer = DatasetWriter::new(uri, schema.clone(), WriteMode::Overwrite, params).await?;
    let mut rng = Lcg(dim as u64);
    for start in (0..rows).step_by(BATCH_ROWS) {
        let n = BATCH_ROWS.min(rows - start);
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(
            start as i64..(start + n) as i64,
        ));
        let values = Float32Array::from_iter_values((0..n * dim).map(|_| rng.next_f32()));
        let vectors: ArrayRef = Arc::new(FixedSizeListArray::try_new(
            item.clone(),
            dim as i32,
            Arc::new(values),
            None,
        )?);
        writer
            .write(&RecordBatch::try_new(schema.clone(), vec![ids, vectors])?)
            .await?;
    }
    Ok(writer.commit().await?)
}

/// The 1-minute load average, as `/proc/loadavg` says.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// A tiny linear congruential generator: random enough values, fast to make in bulk.
struct Lcg(u64);

impl Lcg {
    /// Uniform-ish in [-1, 1).
    fn next_f32(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}
