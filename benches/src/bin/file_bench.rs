//! `file_bench`: Shoal's single-file benchmark on the anchors' W2 table (1,000,000 rows of
//! `id` int64, `vector` float32 x 128, `text` ~100 bytes), for workloads W2 (take), W3 (full
//! scan) and W4 (write).
//!
//! One case per process, like the anchor harness: the case name and its parameters come from
//! the command line, and one JSON line with the result goes to stdout (median / min / max of
//! the timed calls, the first call in this fresh process, throughput, peak RSS and user / sys
//! CPU). `benches/file_bench.py` drives it and puts the numbers beside Parquet and Lance.
//!
//! ```text
//! file_bench convert --out /tmp/shoal-anchors-data/w2/t.shoal     # untimed, for scan/take
//! file_bench write --iters 3
//! file_bench scan --file .../t.shoal [--columns id] [--batch-rows 65536 --readahead 4]
//! file_bench take --file .../t.shoal --indices .../take-n1000-unsorted.idx
//! file_bench phases --file .../t.shoal --indices ...   # diagnostic: time per phase
//! ```
//!
//! The single-file cases measure the format layer on purpose (`FileReader` / `FileWriter` on
//! one `.shoal` file), as does `phases`; the `--dataset` cases (issue 4's read pipeline on a
//! one-fragment dataset) go through the public API: `Table::open` + `table.query()` for the
//! scan, `Table::take_offsets` for the take.

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "file_bench/phases.rs"]
mod phases;

use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow_array::{Array, Int64Array, RecordBatch};
use clap::{Args, Parser, Subcommand};
use futures::StreamExt;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Map, Value};
use shoal::advanced::{DatasetWriter, FileReader, FileWriter, WriteMode};
use shoal::{ConnectOptions, QueryStats, Table, WriteParams};
use shoal::{ScanStats, WriteOptions, DEFAULT_PAGE_SIZE};
use shoal_benches::anchors::{IndexSets, W2Meta, DEFAULT_DATA};
use shoal_benches::measure::{Schedule, Summary, Usage};

type Out = Map<String, Value>;
type CaseResult = Result<Out, String>;

#[derive(Parser)]
#[command(
    about = "Shoal file-format benchmark cases (W2 take, W3 scan, W4 write); one JSON line out"
)]
struct Cli {
    #[command(subcommand)]
    case: Case,
}

#[derive(Args, Clone)]
struct Common {
    /// The anchors' data directory (holds meta.json and w2/).
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Stop early once at least 3 calls were timed and this many seconds have passed.
    #[arg(long, default_value_t = 60.0)]
    budget: f64,
}

#[derive(Subcommand)]
enum Case {
    /// Write the W2 table as a .shoal file once (untimed setup for `scan` and `take`).
    Convert {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        out: PathBuf,
        /// Page size in bytes (default: the format's default).
        #[arg(long, default_value_t = DEFAULT_PAGE_SIZE)]
        page_size: usize,
        /// Write a dataset (one fragment, like the anchors' Lance table) instead of a file.
        #[arg(long)]
        dataset: bool,
    },
    /// W4: time writing the in-memory W2 table (read from Parquet first, untimed).
    Write {
        #[command(flatten)]
        common: Common,
        /// Directory for the output files (default: <data>/tmp_shoal_w4, removed after).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        iters: usize,
        #[arg(long, default_value_t = 0)]
        warmup: usize,
        #[arg(long, default_value_t = DEFAULT_PAGE_SIZE)]
        page_size: usize,
    },
    /// W3: time open + streaming every row of the file (batches counted and dropped).
    Scan {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        file: PathBuf,
        /// Columns to read (repeatable); all columns when absent.
        #[arg(long = "columns")]
        columns: Vec<String>,
        #[arg(long, default_value_t = 32768)]
        batch_rows: usize,
        #[arg(long, default_value_t = 2)]
        readahead: usize,
        #[arg(long, default_value_t = 5)]
        iters: usize,
        #[arg(long, default_value_t = 1)]
        warmup: usize,
        /// `--file` is a dataset: scan it through the public API (`Table::open` and
        /// `table.query()` per call; pipeline defaults but `--batch-rows`).
        #[arg(long)]
        dataset: bool,
    },
    /// W2: time taking rows (all columns); call `i` takes index set `i` of `--indices`.
    Take {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        file: PathBuf,
        /// Index-set file written by file_bench.py (set i = anchors `_take_indices(.., i, ..)`).
        #[arg(long)]
        indices: PathBuf,
        #[arg(long, default_value_t = 20)]
        iters: usize,
        #[arg(long, default_value_t = 2)]
        warmup: usize,
        /// `--file` is a dataset: take through the public API, `Table::take_offsets`.
        #[arg(long)]
        dataset: bool,
        /// With `--dataset`: through the blocking API (`shoal::blocking::Table`) from a thread
        /// outside any runtime, as the CLI and Python's sync calls take rows, instead of the
        /// async API awaited on this program's own tokio runtime.
        #[arg(long, requires = "dataset")]
        blocking: bool,
    },
    /// Diagnostic: time the phases (plan, fetch rounds, decode with and without checksums)
    /// of takes and of a sequential scan, one at a time.
    Phases {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        indices: PathBuf,
        /// Takes to time (index sets 0..sets).
        #[arg(long, default_value_t = 20)]
        sets: usize,
        #[arg(long, default_value_t = 32768)]
        batch_rows: u64,
        /// Sequential scans to time.
        #[arg(long, default_value_t = 3)]
        scans: usize,
    },
}

fn main() {
    let cli = Cli::parse();
    let usage0 = Usage::now();
    let t0 = Instant::now();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            println!("{}", json!({"ok": false, "error": format!("runtime: {e}")}));
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.case {
            Case::Convert {
                common,
                out,
                page_size,
                dataset,
            } => match dataset {
                true => convert_dataset(&common, &out, page_size).await,
                false => convert(&common, &out, page_size).await,
            },
            Case::Write {
                common,
                dir,
                iters,
                warmup,
                page_size,
            } => write(&common, dir, iters, warmup, page_size).await,
            Case::Scan {
                common,
                file,
                columns,
                batch_rows,
                readahead,
                iters,
                warmup,
                dataset,
            } => {
                let columns = (!columns.is_empty()).then_some(columns);
                let schedule = schedule(&common, warmup, iters);
                let scan_case = ScanCase {
                    columns,
                    batch_rows,
                    readahead,
                    dataset,
                };
                scan(&common, &file, &scan_case, schedule).await
            }
            Case::Take {
                common,
                file,
                indices,
                iters,
                warmup,
                dataset,
                blocking,
            } => {
                let schedule = schedule(&common, warmup, iters);
                let source = match (dataset, blocking) {
                    (false, _) => Source::File,
                    (true, false) => Source::Table,
                    (true, true) => Source::BlockingTable,
                };
                match blocking {
                    // The blocking API refuses to run inside an async context: drive the
                    // case from a thread of its own, outside this program's runtime.
                    true => std::thread::scope(|s| {
                        s.spawn(|| {
                            futures::executor::block_on(take(&file, &indices, schedule, source))
                        })
                        .join()
                        .unwrap_or_else(|_| Err("the take thread panicked".into()))
                    }),
                    false => take(&file, &indices, schedule, source).await,
                }
            }
            Case::Phases {
                common: _,
                file,
                indices,
                sets,
                batch_rows,
                scans,
            } => {
                let uri = file.to_str().ok_or("non-UTF-8 path");
                match (uri, IndexSets::read(&indices)) {
                    (Ok(uri), Ok(idx)) => phases::phases(uri, &idx, sets, batch_rows, scans).await,
                    (Err(e), _) => Err(e.to_string()),
                    (_, Err(e)) => Err(e),
                }
            }
        }
    });
    let (mut out, ok) = match result {
        Ok(out) => (out, true),
        Err(e) => (Map::from_iter([("error".to_string(), json!(e))]), false),
    };
    out.insert("ok".into(), json!(ok));
    let usage = Usage::now();
    out.insert("case_wall_s".into(), json!(t0.elapsed().as_secs_f64()));
    out.insert(
        "case_cpu_s".into(),
        json!(usage.user_s + usage.sys_s - usage0.user_s - usage0.sys_s),
    );
    usage.record_since(&usage0, "case_", &mut out);
    out.insert(
        "peak_rss_mib".into(),
        json!(usage.max_rss_kib as f64 / 1024.0),
    );
    println!("{}", Value::Object(out));
    if !ok {
        std::process::exit(1);
    }
}

fn schedule(common: &Common, warmup: usize, iters: usize) -> Schedule {
    Schedule {
        warmup,
        iters,
        budget_s: Some(common.budget),
        min_iters: 3,
    }
}

fn err<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// What a take case reads from: one file (the format layer), or a table through the public
/// API's `Table::take_offsets`, async or blocking.
enum TakeSource {
    File(FileReader),
    Table(Table),
    BlockingTable(shoal::blocking::Table),
}

/// Which [`TakeSource`] a take case opens.
#[derive(Clone, Copy)]
enum Source {
    File,
    Table,
    BlockingTable,
}

impl TakeSource {
    fn schema(&self) -> arrow_schema::SchemaRef {
        match self {
            TakeSource::File(f) => f.schema(),
            TakeSource::Table(t) => t.schema(),
            TakeSource::BlockingTable(t) => t.schema(),
        }
    }

    async fn take(&self, projection: &[usize], rows: &[u64]) -> Result<RecordBatch, String> {
        match self {
            TakeSource::File(f) => f.take(projection, rows).await.map_err(err("take")),
            // Every column (the cases take all of them).
            TakeSource::Table(t) => t.take_offsets(rows, None).await.map_err(err("take")),
            TakeSource::BlockingTable(t) => t.take_offsets(rows, None).map_err(err("take")),
        }
    }
}

/// Writes the W2 table as a dataset of one fragment at `out` (replacing any there).
async fn convert_dataset(common: &Common, out: &Path, page_size: usize) -> CaseResult {
    let meta = W2Meta::load(&common.data)?;
    let batches = load_w2(&meta)?;
    let uri = out.to_str().ok_or("non-UTF-8 path")?;
    let _ = std::fs::remove_dir_all(out);
    let params = WriteParams {
        max_rows_per_file: meta.rows.max(1),
        file: WriteOptions {
            page_size,
            ..WriteOptions::default()
        },
    };
    let t0 = Instant::now();
    let mut writer = DatasetWriter::new(uri, batches[0].schema(), WriteMode::Create, params)
        .await
        .map_err(err("create"))?;
    for batch in &batches {
        writer.write(batch).await.map_err(err("write"))?;
    }
    let ds = writer.commit().await.map_err(err("commit"))?;
    let mut o = Out::new();
    o.insert("path".into(), json!(out));
    o.insert("rows".into(), json!(ds.num_rows()));
    o.insert("fragments".into(), json!(ds.fragments().len()));
    o.insert("write_s".into(), json!(t0.elapsed().as_secs_f64()));
    Ok(o)
}

/// Reads the W2 table from the default Parquet file into memory, in batches of 8192 rows.
fn load_w2(meta: &W2Meta) -> Result<Vec<RecordBatch>, String> {
    let file = std::fs::File::open(&meta.parquet_default).map_err(err("open parquet"))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(err("parquet metadata"))?
        .with_batch_size(8192)
        .build()
        .map_err(err("parquet reader"))?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("parquet read"))?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if rows as u64 != meta.rows {
        return Err(format!(
            "parquet has {rows} rows, meta.json says {}",
            meta.rows
        ));
    }
    Ok(batches)
}

/// Writes `batches` to a new Shoal file at `path`; returns the bytes written.
async fn write_file(path: &Path, batches: &[RecordBatch], page_size: usize) -> Result<u64, String> {
    let uri = path.to_str().ok_or("non-UTF-8 path")?;
    let options = WriteOptions {
        page_size,
        ..WriteOptions::default()
    };
    let mut writer =
        FileWriter::create(uri, batches[0].schema(), options).map_err(err("create"))?;
    for batch in batches {
        writer.write(batch).await.map_err(err("write"))?;
    }
    let written = writer.finish().await.map_err(err("finish"))?;
    Ok(written.bytes)
}

async fn convert(common: &Common, out: &Path, page_size: usize) -> CaseResult {
    let meta = W2Meta::load(&common.data)?;
    let batches = load_w2(&meta)?;
    let t0 = Instant::now();
    let bytes = write_file(out, &batches, page_size).await?;
    let write_s = t0.elapsed().as_secs_f64();
    let reader = FileReader::open(out.to_str().ok_or("non-UTF-8 path")?)
        .await
        .map_err(err("reopen"))?;
    if reader.num_rows() != meta.rows {
        return Err(format!(
            "wrote {} rows, expected {}",
            reader.num_rows(),
            meta.rows
        ));
    }
    let mut o = Out::new();
    o.insert("path".into(), json!(out));
    o.insert("rows".into(), json!(reader.num_rows()));
    o.insert("bytes".into(), json!(bytes));
    o.insert("page_size".into(), json!(page_size));
    o.insert(
        "pages".into(),
        json!(reader
            .metadata()
            .columns
            .iter()
            .map(|c| c.pages.len())
            .collect::<Vec<_>>()),
    );
    o.insert("write_s".into(), json!(write_s));
    Ok(o)
}

async fn write(
    common: &Common,
    dir: Option<PathBuf>,
    iters: usize,
    warmup: usize,
    page_size: usize,
) -> CaseResult {
    let meta = W2Meta::load(&common.data)?;
    let nbytes = meta.nbytes_of(None)?;
    let t0 = Instant::now();
    let batches = load_w2(&meta)?;
    let load_s = t0.elapsed().as_secs_f64();
    let dir = dir.unwrap_or_else(|| common.data.join("tmp_shoal_w4"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(err("create output dir"))?;
    // One call, like anchors' W4 `fn`: write, stat the size, delete. `write_only` stops the
    // clock at `finish`.
    let mut sizes = Vec::new();
    let mut call = async |i: usize| -> Result<(f64, f64), String> {
        let path = dir.join(format!("out{i}.shoal"));
        let t = Instant::now();
        let bytes = write_file(&path, &batches, page_size).await?;
        let write_only = t.elapsed().as_secs_f64();
        let on_disk = std::fs::metadata(&path).map_err(err("stat"))?.len();
        std::fs::remove_file(&path).map_err(err("remove"))?;
        let total = t.elapsed().as_secs_f64();
        if on_disk != bytes {
            return Err(format!("{} bytes on disk, writer says {bytes}", on_disk));
        }
        sizes.push(on_disk);
        Ok((total, write_only))
    };
    for i in 0..warmup {
        call(i).await?;
    }
    let (mut total, mut write_only) = (Vec::new(), Vec::new());
    let (mut iter_user, mut iter_sys, mut iter_faults) = (Vec::new(), Vec::new(), Vec::new());
    let u0 = Usage::now();
    for i in warmup..warmup + iters {
        let before = Usage::now();
        let (t, w) = call(i).await?;
        let after = Usage::now();
        total.push(t);
        write_only.push(w);
        iter_user.push(after.user_s - before.user_s);
        iter_sys.push(after.sys_s - before.sys_s);
        iter_faults.push(after.minor_faults - before.minor_faults);
    }
    let u1 = Usage::now();
    let _ = std::fs::remove_dir_all(&dir);
    let total = Summary::new(total);
    let write_only = Summary::new(write_only);
    let mut o = Out::new();
    total.record("", &mut o);
    write_only.record("write_only_", &mut o);
    u1.record_since(&u0, "timed_", &mut o);
    // The first call in this fresh process (no warmup: like anchors' W4 it is also one of
    // the timed calls), and per-call CPU, to show what the first call pays extra.
    o.insert("first_s".into(), json!(total.times[0]));
    o.insert("iter_user_s".into(), json!(iter_user));
    o.insert("iter_sys_s".into(), json!(iter_sys));
    o.insert("iter_minor_faults".into(), json!(iter_faults));
    o.insert("load_s".into(), json!(load_s));
    o.insert("input_batches".into(), json!(batches.len()));
    o.insert("page_size".into(), json!(page_size));
    o.insert("bytes_on_disk".into(), json!(sizes.last()));
    o.insert("uncompressed_bytes".into(), json!(nbytes));
    o.insert(
        "rows_per_s".into(),
        json!(meta.rows as f64 / total.median()),
    );
    o.insert("MBps".into(), json!(nbytes as f64 / total.median() / 1e6));
    o.insert(
        "write_only_MBps".into(),
        json!(nbytes as f64 / write_only.median() / 1e6),
    );
    Ok(o)
}

/// What a W3 case streams: columns, batch size, and whether `--file` is a dataset read
/// through its pipeline (fresh handle per call; pipeline defaults but the batch size) rather
/// than one file streamed with `readahead`.
struct ScanCase {
    columns: Option<Vec<String>>,
    batch_rows: usize,
    readahead: usize,
    dataset: bool,
}

/// One W3 call: open, then stream every row of the projected columns; count and drop.
/// Returns the rows, the columns per batch and, for a dataset, the scan's statistics.
/// A dataset is opened and scanned through the public API (`Table::open`, `table.query()`).
async fn scan_once(uri: &str, case: &ScanCase) -> Result<(u64, usize, Option<ScanStats>), String> {
    let columns = case.columns.as_deref();
    if case.dataset {
        let table = Table::open(uri, ConnectOptions::default())
            .await
            .map_err(err("open"))?;
        let mut query = table.query().batch_size(case.batch_rows);
        if let Some(columns) = columns {
            query = query.select(columns);
        }
        let mut stream = query.execute().await.map_err(err("plan"))?;
        let (rows, width) = drain(&mut stream).await?;
        let stats = match stream.stats() {
            QueryStats::Scan(s) => Some(s),
            QueryStats::Search(_) => None,
        };
        Ok((rows, width, stats))
    } else {
        let reader = FileReader::open(uri).await.map_err(err("open"))?;
        let projection = reader.projection(columns).map_err(err("projection"))?;
        let rows = 0..reader.num_rows();
        let mut stream = reader.stream(projection, rows, case.batch_rows, case.readahead);
        let (rows, width) = drain(&mut stream).await?;
        Ok((rows, width, None))
    }
}

/// Counts and drops every batch of `stream`; returns the rows and the columns per batch.
async fn drain<S, E>(stream: &mut S) -> Result<(u64, usize), String>
where
    S: futures::Stream<Item = Result<RecordBatch, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut rows = 0u64;
    let mut width = None;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(err("read"))?;
        if *width.get_or_insert(batch.num_columns()) != batch.num_columns() {
            return Err(format!(
                "{} columns, expected {width:?}",
                batch.num_columns()
            ));
        }
        rows += batch.num_rows() as u64;
    }
    Ok((rows, width.unwrap_or(0)))
}

async fn scan(common: &Common, file: &Path, case: &ScanCase, schedule: Schedule) -> CaseResult {
    let meta = W2Meta::load(&common.data)?;
    let nbytes = meta.nbytes_of(case.columns.as_deref())?;
    let uri = file.to_str().ok_or("non-UTF-8 path")?;
    let mut rows_seen = Vec::new();
    let t = Instant::now();
    let (rows, width, _) = scan_once(uri, case).await?;
    let first_s = t.elapsed().as_secs_f64();
    rows_seen.push(rows);
    for _ in 0..schedule.warmup {
        rows_seen.push(scan_once(uri, case).await?.0);
    }
    let mut times = Vec::new();
    let mut last_stats = None;
    let u0 = Usage::now();
    let started = Instant::now();
    while schedule.keep_going(times.len(), started) {
        let t = Instant::now();
        let (rows, _, stats) = scan_once(uri, case).await?;
        times.push(t.elapsed().as_secs_f64());
        rows_seen.push(rows);
        last_stats = stats;
    }
    let u1 = Usage::now();
    let s = Summary::new(times);
    let mut o = Out::new();
    s.record("", &mut o);
    u1.record_since(&u0, "timed_", &mut o);
    o.insert("first_s".into(), json!(first_s));
    o.insert("columns".into(), json!(case.columns));
    o.insert("num_columns".into(), json!(width));
    o.insert("batch_rows".into(), json!(case.batch_rows));
    if !case.dataset {
        o.insert("readahead".into(), json!(case.readahead));
    }
    o.insert(
        "rows_ok".into(),
        json!(rows_seen.iter().all(|&r| r == meta.rows)),
    );
    o.insert("rows_per_s".into(), json!(meta.rows as f64 / s.median()));
    o.insert("uncompressed_bytes".into(), json!(nbytes));
    o.insert("MBps".into(), json!(nbytes as f64 / s.median() / 1e6));
    if let Some(st) = last_stats {
        o.insert(
            "stats".into(),
            json!({
                "open_ms": st.open.time.as_secs_f64() * 1e3,
                "fetch_busy_ms": st.fetch.time.as_secs_f64() * 1e3,
                "fetch_requests": st.fetch.requests,
                "decode_busy_ms": st.decode.time.as_secs_f64() * 1e3,
                "budget_wait_ms": st.budget_wait.as_secs_f64() * 1e3,
                "peak_bytes_in_flight": st.peak_bytes_in_flight,
            }),
        );
    }
    Ok(o)
}

async fn take(file: &Path, indices: &Path, schedule: Schedule, source: Source) -> CaseResult {
    let sets = IndexSets::read(indices)?;
    let needed = schedule.warmup + schedule.iters;
    if sets.num_sets() < needed {
        return Err(format!(
            "{} has {} index sets, the schedule needs {needed}",
            indices.display(),
            sets.num_sets()
        ));
    }
    let uri = file.to_str().ok_or("non-UTF-8 path")?;
    let t = Instant::now();
    let source = match source {
        Source::Table => TakeSource::Table(
            Table::open(uri, ConnectOptions::default())
                .await
                .map_err(err("open"))?,
        ),
        Source::BlockingTable => TakeSource::BlockingTable(
            shoal::blocking::Table::open(uri, ConnectOptions::default()).map_err(err("open"))?,
        ),
        Source::File => TakeSource::File(FileReader::open(uri).await.map_err(err("open"))?),
    };
    let open_s = t.elapsed().as_secs_f64();
    let schema = source.schema();
    let projection: Vec<usize> = (0..schema.fields().len()).collect();
    let id_col = schema.index_of("id").map_err(err("id column"))?;
    // One call: take index set `i` (all columns); returns whether the ids match, in order.
    let call = async |i: usize| -> Result<bool, String> {
        let want = sets.set(i);
        let rows: Vec<u64> = want.iter().map(|&r| r as u64).collect();
        let batch = source.take(&projection, &rows).await?;
        let ids = batch
            .column(id_col)
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or("id is not int64")?;
        Ok(ids.len() == want.len() && ids.null_count() == 0 && ids.values()[..] == want[..])
    };
    let mut checks = Vec::new();
    let t = Instant::now();
    checks.push(call(0).await?);
    let first_s = t.elapsed().as_secs_f64();
    for i in 0..schedule.warmup {
        checks.push(call(i).await?);
    }
    let mut times = Vec::new();
    let u0 = Usage::now();
    let started = Instant::now();
    while schedule.keep_going(times.len(), started) {
        let i = schedule.warmup + times.len();
        let t = Instant::now();
        let ok = call(i).await?;
        times.push(t.elapsed().as_secs_f64());
        checks.push(ok);
    }
    let u1 = Usage::now();
    let s = Summary::new(times);
    let mut o = Out::new();
    s.record("", &mut o);
    u1.record_since(&u0, "timed_", &mut o);
    o.insert("open_s".into(), json!(open_s));
    o.insert("first_s".into(), json!(first_s));
    o.insert("take_n".into(), json!(sets.per_set));
    o.insert("first_timed_set".into(), json!(schedule.warmup));
    o.insert("order_ok".into(), json!(checks.iter().all(|&c| c)));
    o.insert("rows_per_s".into(), json!(sets.per_set as f64 / s.median()));
    Ok(o)
}
