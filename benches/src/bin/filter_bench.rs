//! `filter_bench`: Shoal's side of the filters-and-SQL benchmarks, on the anchors' data, so
//! that the figures sit beside Lance's, LanceDB's and DuckDB's in one table.
//! `benches/filter_bench.py` drives it; each call is one case in a fresh process:
//!
//! ```text
//! filter_bench build-w6 --vectors w1/vectors.npy --category w6/category.npy --out DIR
//!              [--rows-per-file 500]
//! filter_bench knn --dataset DIR --queries w1/queries.npy --gt w6/gt_cat7.npy
//!              --where "category = 7" [--postfilter] [--columns id]
//! filter_bench scan --dataset DIR --where "id BETWEEN {x} AND {y}" --span 10000
//!              [--id-range] [--expect-rows N]
//! ```
//!
//! `knn` answers queries one at a time, flat (no index), with the filter compiled for each
//! query (as Lance parses its filter string on each call); `scan` reads every column of the
//! matching rows into memory (as `to_table(filter=...)` and DuckDB's `SELECT *` do). Both
//! print one JSON object: median / min / max, the first call in the process, the checks, and
//! the statistics of the last call.
//!
//! `knn` and `scan` go through the public API (`Table::open`, `table.search(..)`,
//! `table.query().filter(..)`): the filter is given as text and parsed by the query on each
//! call. `sql` uses `SqlSession` (the API has no SQL entry point) over the table's dataset;
//! `build-w6` (untimed) writes with the dataset writer; the page layout the report prints
//! beside the pruning figures is read from the data files' footers (untimed).

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{
    ArrayRef, FixedSizeListArray, Float32Array, Int32Array, Int64Array, RecordBatch,
};
use arrow_schema::{DataType, Field, Schema};
use clap::{Parser, Subcommand};
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value};
use shoal::advanced::{
    Dataset, DatasetWriter, FileReader, RowFilter, SqlFilter, SqlSession, WriteMode,
};
use shoal::ScanStats;
use shoal::{ConnectOptions, QueryStats, QueryStream, Table, WriteParams};
use shoal_benches::measure::{Summary, Usage};

#[derive(Parser)]
#[command(about = "Shoal's filter benchmark cases")]
struct Cli {
    #[command(subcommand)]
    case: Case,
}

#[derive(Subcommand)]
enum Case {
    /// Write the anchors' W6 table (id, vector, category) as a dataset (untimed set-up).
    BuildW6 {
        #[arg(long)]
        vectors: PathBuf,
        /// int32 .npy, one category per row.
        #[arg(long)]
        category: PathBuf,
        #[arg(long)]
        out: String,
        #[arg(long, default_value_t = WriteParams::default().max_rows_per_file)]
        rows_per_file: u64,
    },
    /// Filtered flat k-NN, one query at a time (timed).
    Knn {
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        queries: PathBuf,
        /// Ground-truth ids (int64, queries x k) of the filtered search, for recall.
        #[arg(long)]
        gt: Option<PathBuf>,
        #[arg(long = "where")]
        filter: String,
        /// Filter the k nearest rows after the search instead of before it.
        #[arg(long)]
        postfilter: bool,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 50)]
        iters: usize,
        #[arg(long, default_value_t = 5)]
        warmup: usize,
        /// Columns returned (default: every column, as the anchors' W6 cases).
        #[arg(long, value_delimiter = ',')]
        columns: Option<Vec<String>>,
    },
    /// Filtered scan of every column into memory (timed). `{x}` and `{y}` in the filter
    /// become call `i`'s range, `x = range_start(i)`, `y = x + span - 1`.
    Scan {
        #[arg(long)]
        dataset: String,
        #[arg(long = "where")]
        filter: String,
        #[arg(long, default_value_t = 10_000)]
        span: u64,
        /// Check that the `id`s returned are exactly x..=y, in order.
        #[arg(long)]
        id_range: bool,
        /// Check the number of rows returned.
        #[arg(long)]
        expect_rows: Option<u64>,
        /// Check that every row's `category` is this value.
        #[arg(long)]
        expect_category: Option<i32>,
        #[arg(long, default_value_t = 20)]
        iters: usize,
        #[arg(long, default_value_t = 2)]
        warmup: usize,
    },
    /// A SQL query over the dataset registered as table `t`, in this process: a new
    /// `SqlSession` per call (timed: plan, execute, every batch collected), then one
    /// `EXPLAIN ANALYZE` of it (untimed) for where the time goes.
    Sql {
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        query: String,
        #[arg(long, default_value_t = 10)]
        iters: usize,
        #[arg(long, default_value_t = 1)]
        warmup: usize,
    },
}

/// The start of call `i`'s 1% range over `0..1,000,000`: spread over the table, not aligned
/// to pages, identical in the Python cases (`filter_bench.py range_start`).
fn range_start(i: usize, rows: u64, span: u64) -> u64 {
    (i as u64 * 104_729 + 12_345) % (rows - span + 1)
}

fn main() {
    let usage = Usage::now();
    let out = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run(Cli::parse().case)));
    match out {
        Ok(mut out) => {
            Usage::now().record_since(&usage, "", &mut out);
            out.insert(
                "peak_rss_mib".into(),
                json!(Usage::now().max_rss_kib as f64 / 1024.0),
            );
            out.insert("ok".into(), json!(true));
            println!("{}", Value::Object(out));
        }
        Err(e) => {
            println!("{}", json!({"ok": false, "error": e}));
            std::process::exit(1);
        }
    }
}

fn err<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A .npy array (float32 matrix, int32 or int64 vector or matrix): its values and columns.
fn read_npy<T: npyz::Deserialize>(path: &Path) -> Result<(Vec<T>, usize), String> {
    let file = std::fs::File::open(path).map_err(err("open .npy"))?;
    let npy = npyz::NpyFile::new(std::io::BufReader::new(file)).map_err(err("read .npy"))?;
    let cols = npy.shape().get(1).copied().unwrap_or(1) as usize;
    Ok((npy.into_vec::<T>().map_err(err("decode .npy"))?, cols))
}

async fn run(case: Case) -> Result<Map<String, Value>, String> {
    match case {
        Case::BuildW6 {
            vectors,
            category,
            out,
            rows_per_file,
        } => build_w6(&vectors, &category, &out, rows_per_file).await,
        Case::Knn {
            dataset,
            queries,
            gt,
            filter,
            postfilter,
            k,
            iters,
            warmup,
            columns,
        } => {
            knn(
                &dataset,
                &queries,
                gt.as_deref(),
                &filter,
                postfilter,
                k,
                iters,
                warmup,
                columns,
            )
            .await
        }
        Case::Scan {
            dataset,
            filter,
            span,
            id_range,
            expect_rows,
            expect_category,
            iters,
            warmup,
        } => {
            let checks = Checks {
                id_range,
                expect_rows,
                expect_category,
            };
            scan(&dataset, &filter, span, &checks, iters, warmup).await
        }
        Case::Sql {
            dataset,
            query,
            iters,
            warmup,
        } => sql(&dataset, &query, iters, warmup).await,
    }
}

/// One value of a result column as JSON (the types a GROUP BY of this bench returns).
fn cell(c: &dyn arrow_array::Array, r: usize) -> Value {
    use arrow_array::types::{Float64Type, UInt64Type};
    if c.is_null(r) {
        return Value::Null;
    }
    match c.data_type() {
        DataType::Int32 => json!(c.as_primitive::<Int32Type>().value(r)),
        DataType::Int64 => json!(c.as_primitive::<Int64Type>().value(r)),
        DataType::UInt64 => json!(c.as_primitive::<UInt64Type>().value(r)),
        DataType::Float64 => json!(c.as_primitive::<Float64Type>().value(r)),
        other => json!(format!("<{other}>")),
    }
}

async fn run_sql(ds: &Dataset, query: &str) -> Result<Vec<RecordBatch>, String> {
    let mut session = SqlSession::new();
    session.register("t", ds.clone()).map_err(err("register"))?;
    let mut stream = session.sql(query).await.map_err(err("plan"))?;
    let mut batches = Vec::new();
    while let Some(b) = stream.next().await {
        batches.push(b.map_err(err("query"))?);
    }
    Ok(batches)
}

async fn sql(
    uri: &str,
    query: &str,
    iters: usize,
    warmup: usize,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let t = Instant::now();
    let ds = open_table(uri).await?.dataset();
    out.insert("open_s".into(), json!(t.elapsed().as_secs_f64()));
    let mut times = Vec::new();
    let mut last = Vec::new();
    for call in 0..1 + warmup + iters {
        let started = Instant::now();
        last = run_sql(&ds, query).await?;
        let elapsed = started.elapsed().as_secs_f64();
        match call {
            0 => {
                out.insert("first_s".into(), json!(elapsed));
            }
            c if c > warmup => times.push(elapsed),
            _ => {}
        }
    }
    Summary::new(times).record("", &mut out);
    out.insert(
        "result_rows".into(),
        json!(last.iter().map(|b| b.num_rows()).sum::<usize>()),
    );
    // The result as JSON rows (arrays, in column order), for comparing with DuckDB's.
    let mut rows = Vec::new();
    for b in &last {
        for r in 0..b.num_rows() {
            rows.push(Value::Array(
                b.columns().iter().map(|c| cell(c.as_ref(), r)).collect(),
            ));
        }
        out.insert(
            "result_columns".into(),
            json!(b
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>()),
        );
    }
    out.insert("result".into(), Value::Array(rows));
    let explain = run_sql(&ds, &format!("EXPLAIN ANALYZE {query}")).await?;
    let mut plan = String::new();
    for b in &explain {
        if let Some(col) = b.column_by_name("plan") {
            for v in col.as_string::<i32>().iter().flatten() {
                plan.push_str(v);
                plan.push('\n');
            }
        }
    }
    out.insert("explain_analyze".into(), json!(plan));
    Ok(out)
}

async fn build_w6(
    vectors: &Path,
    category: &Path,
    uri: &str,
    rows_per_file: u64,
) -> Result<Map<String, Value>, String> {
    let (values, dim) = read_npy::<f32>(vectors)?;
    let (cats, _) = read_npy::<i32>(category)?;
    let rows = values.len() / dim;
    if cats.len() != rows {
        return Err(format!("{} categories for {rows} vectors", cats.len()));
    }
    // The same columns, in the same order and types, as the anchors' W6 Lance table.
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new(
            "vector",
            DataType::FixedSizeList(item.clone(), dim as i32),
            true,
        ),
        Field::new("category", DataType::Int32, true),
    ]));
    let params = WriteParams {
        max_rows_per_file: rows_per_file,
        ..WriteParams::default()
    };
    let started = Instant::now();
    let mut w = DatasetWriter::new(uri, schema.clone(), WriteMode::Overwrite, params)
        .await
        .map_err(err("create"))?;
    for start in (0..rows).step_by(100_000) {
        let end = (start + 100_000).min(rows);
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(start as i64..end as i64));
        let list = FixedSizeListArray::try_new(
            item.clone(),
            dim as i32,
            Arc::new(Float32Array::from(values[start * dim..end * dim].to_vec())),
            None,
        )
        .map_err(err("vectors"))?;
        let cat: ArrayRef = Arc::new(Int32Array::from(cats[start..end].to_vec()));
        let batch = RecordBatch::try_new(schema.clone(), vec![ids, Arc::new(list), cat])
            .map_err(err("batch"))?;
        w.write(&batch).await.map_err(err("write"))?;
    }
    let ds = w.commit().await.map_err(err("commit"))?;
    let mut out = Map::new();
    out.insert("write_s".into(), json!(started.elapsed().as_secs_f64()));
    out.insert("rows".into(), json!(ds.num_rows()));
    out.insert("fragments".into(), json!(ds.fragments().len()));
    Ok(out)
}

/// Opens the table at `uri` through the public API.
async fn open_table(uri: &str) -> Result<Table, String> {
    Table::open(uri, ConnectOptions::default())
        .await
        .map_err(err("open"))
}

/// Every batch of a query, and the stream (for its statistics, complete once it ended).
async fn collect(mut stream: QueryStream) -> Result<(Vec<RecordBatch>, QueryStream), String> {
    let mut batches = Vec::new();
    while let Some(b) = stream.try_next().await.map_err(err("query"))? {
        batches.push(b);
    }
    Ok((batches, stream))
}

/// Compiles a where-clause against the dataset's schema (timed with the call, as the other
/// systems parse theirs on every call).
fn compile(ds: &Dataset, text: &str) -> Result<Arc<dyn RowFilter>, String> {
    let schema = ds.schema();
    Ok(Arc::new(
        SqlFilter::new(text, &schema, ds.uri()).map_err(err("filter"))?,
    ))
}

#[allow(clippy::too_many_arguments)]
async fn knn(
    uri: &str,
    queries: &Path,
    gt: Option<&Path>,
    filter: &str,
    postfilter: bool,
    k: usize,
    iters: usize,
    warmup: usize,
    columns: Option<Vec<String>>,
) -> Result<Map<String, Value>, String> {
    let (queries, dim) = read_npy::<f32>(queries)?;
    let gt = gt.map(read_npy::<i64>).transpose()?;
    let mut out = Map::new();
    let t = Instant::now();
    let table = open_table(uri).await?;
    out.insert("open_s".into(), json!(t.elapsed().as_secs_f64()));
    let n = queries.len() / dim;
    let (mut recalls, mut returned, mut times) = (Vec::new(), Vec::new(), Vec::new());
    let mut filter_ok = true;
    // Call 0 is the first (process-cold) query; then `warmup` untimed and `iters` timed
    // calls, query `i % n` for call `i`, as the anchors number them.
    for call in 0..1 + warmup + iters {
        let i = call.saturating_sub(1);
        let q = i % n;
        let started = Instant::now();
        let mut search = table
            .search(&queries[q * dim..(q + 1) * dim])
            .column("vector")
            .limit(k as u64)
            .bypass_vector_index()
            .filter(filter);
        if postfilter {
            search = search.postfilter();
        }
        if let Some(cols) = &columns {
            search = search.select(cols.as_slice());
        }
        let (batches, stream) = collect(search.execute().await.map_err(err("search"))?).await?;
        let elapsed = started.elapsed().as_secs_f64();
        match call {
            0 => {
                out.insert("first_s".into(), json!(elapsed));
            }
            c if c > warmup => times.push(elapsed),
            _ => {}
        }
        let batch = batches.first().ok_or("a search returned no batch")?;
        returned.push(batch.num_rows());
        if let Some(cat) = batch.column_by_name("category") {
            filter_ok &= cat
                .as_primitive::<Int32Type>()
                .values()
                .iter()
                .all(|c| *c == 7)
                || !filter.contains("category = 7");
        }
        if let Some((gt, gk)) = &gt {
            let ids = batch
                .column_by_name("id")
                .ok_or("the result has no id column")?
                .as_primitive::<Int64Type>()
                .values()
                .to_vec();
            let truth = &gt[q * gk..q * gk + k.min(*gk)];
            let hits = ids.iter().filter(|id| truth.contains(id)).count();
            recalls.push(hits as f64 / truth.len() as f64);
        }
        if call == warmup + iters {
            let QueryStats::Search(s) = stream.stats() else {
                return Err("a vector query returned scan statistics".into());
            };
            out.insert("last_stats".into(), json!(format!("{s:?}")));
            out.insert("last_compute_s".into(), json!(s.compute.as_secs_f64()));
            out.insert(
                "last_materialize_s".into(),
                json!(s.materialize.as_secs_f64()),
            );
            out.insert("last_wall_s".into(), json!(s.wall.as_secs_f64()));
            out.insert("last_cached_fragments".into(), json!(s.cached_fragments));
            out.insert("last_flat_fragments".into(), json!(s.flat_fragments));
            out.insert("last_flat".into(), scan_stats_json(&s.flat));
            out.insert(
                "result_columns".into(),
                json!(batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect::<Vec<_>>()),
            );
        }
    }
    Summary::new(times).record("", &mut out);
    if !recalls.is_empty() {
        let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
        out.insert("recall_mean".into(), json!(mean));
        out.insert(
            "recall_min".into(),
            json!(recalls.iter().copied().fold(1.0, f64::min)),
        );
    }
    out.insert("rows_returned_min".into(), json!(returned.iter().min()));
    out.insert("filter_ok".into(), json!(filter_ok));
    out.insert("fragments".into(), json!(table.stats().fragments));
    Ok(out)
}

/// What a scan case checks on every call.
struct Checks {
    id_range: bool,
    expect_rows: Option<u64>,
    expect_category: Option<i32>,
}

impl Checks {
    fn check(&self, batches: &[RecordBatch], x: u64, span: u64) -> Result<(), String> {
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        if let Some(want) = self.expect_rows {
            if rows != want {
                return Err(format!("{rows} rows returned, expected {want}"));
            }
        }
        if self.id_range {
            if rows != span {
                return Err(format!("{rows} rows returned for a range of {span}"));
            }
            let mut next = x as i64;
            for b in batches {
                let ids = b.column_by_name("id").ok_or("no id column")?;
                for id in ids.as_primitive::<Int64Type>().values() {
                    if *id != next {
                        return Err(format!("id {id} where {next} was expected"));
                    }
                    next += 1;
                }
            }
        }
        if let Some(want) = self.expect_category {
            for b in batches {
                let cat = b.column_by_name("category").ok_or("no category column")?;
                if let Some(c) = cat
                    .as_primitive::<Int32Type>()
                    .values()
                    .iter()
                    .find(|c| **c != want)
                {
                    return Err(format!("category {c} returned, filter wants {want}"));
                }
            }
        }
        Ok(())
    }
}

fn phase_json(p: &shoal::PhaseStats) -> Value {
    json!({"s": p.time.as_secs_f64(), "requests": p.requests, "bytes": p.bytes})
}

/// The scan statistics the report uses, plus their `Debug` form (every field, including
/// those this bench does not know by name).
fn scan_stats_json(s: &ScanStats) -> Value {
    json!({
        "open": phase_json(&s.open),
        "open_cached": s.open_cached,
        "plan": phase_json(&s.plan),
        "fetch": phase_json(&s.fetch),
        "decode": phase_json(&s.decode),
        "pages_pruned": s.pages_pruned,
        "fragments_pruned": s.fragments_pruned,
        "tasks": s.tasks,
        "batches": s.batches,
        "rows": s.rows,
        "wall_s": s.wall.as_secs_f64(),
        "debug": format!("{s:?}"),
    })
}

/// What a filtered scan could prune at most (untimed): the pages of the filter's columns,
/// the pages of every column, the fragments and the stored bytes.
async fn layout(ds: &Dataset, filter_columns: &[usize]) -> Result<Value, String> {
    let (mut filter_pages, mut pages, mut bytes) = (0, 0, 0);
    for fragment in ds.fragments() {
        let path = format!("{}/{}", ds.uri().trim_end_matches('/'), fragment.data.path);
        let reader = FileReader::open(&path)
            .await
            .map_err(err("open data file"))?;
        let meta = reader.metadata();
        filter_pages += filter_columns
            .iter()
            .map(|c| meta.columns[*c].pages.len())
            .sum::<usize>();
        pages += meta.columns.iter().map(|c| c.pages.len()).sum::<usize>();
        bytes += fragment.data.size;
    }
    Ok(json!({
        "fragments": ds.fragments().len(),
        "filter_columns": filter_columns,
        "filter_column_pages": filter_pages,
        "pages": pages,
        "data_bytes": bytes,
    }))
}

async fn scan(
    uri: &str,
    filter: &str,
    span: u64,
    checks: &Checks,
    iters: usize,
    warmup: usize,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let t = Instant::now();
    let table = open_table(uri).await?;
    out.insert("open_s".into(), json!(t.elapsed().as_secs_f64()));
    let ds = table.dataset(); // untimed: the filter's columns and the files' page layout
    let rows = ds.num_rows();
    let columns = compile(&ds, &filter.replace("{x}", "0").replace("{y}", "0"))?
        .columns()
        .to_vec();
    out.insert("layout".into(), layout(&ds, &columns).await?);
    let mut times = Vec::new();
    let mut returned = Vec::new();
    // Call 0 is the first in the process, then `warmup` untimed and `iters` timed calls;
    // call `i` scans range `i` (the Python cases number theirs the same way).
    for call in 0..1 + warmup + iters {
        let x = range_start(call, rows, span);
        let text = filter
            .replace("{x}", &x.to_string())
            .replace("{y}", &(x + span - 1).to_string());
        let started = Instant::now();
        let query = table.query().filter(&text);
        let (batches, stream) = collect(query.execute().await.map_err(err("plan"))?).await?;
        let elapsed = started.elapsed().as_secs_f64();
        match call {
            0 => {
                out.insert("first_s".into(), json!(elapsed));
            }
            c if c > warmup => times.push(elapsed),
            _ => {}
        }
        checks
            .check(&batches, x, span)
            .map_err(|e| format!("call {call} ({text}): {e}"))?;
        returned.push(batches.iter().map(|b| b.num_rows()).sum::<usize>());
        if call == warmup + iters {
            out.insert("last_filter".into(), json!(text));
            let QueryStats::Scan(stats) = stream.stats() else {
                return Err("a scan returned search statistics".into());
            };
            out.insert("last_stats".into(), scan_stats_json(&stats));
        }
    }
    Summary::new(times).record("", &mut out);
    out.insert("rows_returned_min".into(), json!(returned.iter().min()));
    out.insert("rows_returned_max".into(), json!(returned.iter().max()));
    out.insert("checks_ok".into(), json!(true));
    out.insert("fragments".into(), json!(ds.fragments().len()));
    Ok(out)
}
