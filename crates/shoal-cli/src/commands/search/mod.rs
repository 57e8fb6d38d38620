//! `shoal search DATASET --column C --query-file Q.npy` (or `--text "words"`, embedded by the
//! dataset's embedding function): the rows nearest each query, as a
//! table or JSON lines in which each row names its query (`_query`, from 0); with several
//! queries they are answered one after another in this process (as a server would), and
//! `--stats` reports per-query latency.

mod queries;

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema};
use serde_json::json;
use shoal::blocking::{Query, Table};
use shoal::{QueryStats, SearchStats};

use queries::Queries;

use crate::args::SearchArgs;
use crate::commands::{metric, open_table, simulation, stats};
use crate::output::{buffered_stdout, outln};
use crate::table::render;

/// The column naming the query a result row answers.
const QUERY_COLUMN: &str = "_query";

pub fn run(args: &SearchArgs) -> Result<()> {
    let table = open_table(&args.dataset, &args.version)?;
    if let Some(mib) = args.vector_cache_mib {
        table.set_vector_cache_bytes(mib << 20);
    }
    let started = Instant::now();
    let (column, queries) = match (&args.text, &args.column) {
        (Some(text), column) => queries::from_text(&table, column.as_deref(), text)?,
        (None, Some(column)) => (column.clone(), vector_queries(args, &table, column)?),
        (None, None) => bail!("give --column"),
    };
    let embedding = args.text.is_some().then(|| started.elapsed());
    check_dimension(&table, &column, &queries)?;
    if let Some(sim) = simulation() {
        sim.reset_counters();
    }
    let mut latencies = Vec::new();
    let mut last_stats = None;
    let mut results = Vec::new();
    let mut json_out = arrow::json::LineDelimitedWriter::new(buffered_stdout());
    for (q, query) in queries.iter().enumerate() {
        let found = search(&table, args, &column, query).execute()?;
        let stats = match found.stats() {
            QueryStats::Search(stats) => stats,
            QueryStats::Scan(_) => bail!("expected the statistics of a vector search"),
        };
        latencies.push(stats.wall);
        for batch in found {
            let batch = with_query_number(&batch?, q)?;
            match (args.output.stats, args.output.json) {
                (true, _) => {}
                (false, true) => json_out.write(&batch)?,
                (false, false) => results.push(batch),
            }
        }
        last_stats = Some(stats);
    }
    json_out.finish()?;
    json_out.into_inner().flush()?;
    if args.output.stats {
        let stats = last_stats.expect("at least one query");
        print_stats(&latencies, embedding, &stats, args.output.json)?;
    } else if !args.output.json {
        outln!("{}", render(&results, args.output.max_width)?)?;
    }
    Ok(())
}

/// The search of one query vector, as the command line asks.
fn search(table: &Table, args: &SearchArgs, column: &str, query: &[f32]) -> Query {
    let mut search = table
        .search(query.to_vec())
        .column(column)
        .limit(args.k as u64)
        .nprobes(args.nprobes)
        .refine_factor((args.refine > 0).then_some(args.refine));
    if args.with_row_address {
        search = search.with_row_address();
    }
    if args.no_index {
        search = search.bypass_vector_index();
    }
    if let Some(m) = args.metric {
        search = search.distance_type(metric(m));
    }
    if let Some(columns) = &args.columns {
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        search = search.select(&columns);
    }
    if let Some(filter) = &args.filter {
        search = search.filter(filter);
        if args.postfilter {
            search = search.postfilter();
        }
    }
    search
}

/// The queries of --query-file or --query-row.
fn vector_queries(args: &SearchArgs, table: &Table, column: &str) -> Result<Queries> {
    match (&args.query_file, args.query_row) {
        (Some(path), _) => queries::from_npy(path),
        (None, Some(row)) => queries::from_row(table, column, row),
        (None, None) => bail!("give --text, --query-file or --query-row"),
    }
}

/// Refuses queries whose length is not the column's dimension (a vector of twice the
/// dimension is not two queries).
fn check_dimension(table: &Table, column: &str, queries: &Queries) -> Result<()> {
    let schema = table.schema();
    if let Ok(field) = schema.field_with_name(column) {
        if let DataType::FixedSizeList(_, dim) = field.data_type() {
            if *dim as usize != queries.dim {
                bail!(
                    "the query has {} values but column '{column}' holds vectors of {dim} values",
                    queries.dim
                );
            }
        }
    }
    Ok(())
}

/// `batch` with a first column `_query`: the number of the query (from 0) it answers.
fn with_query_number(batch: &RecordBatch, query: usize) -> Result<RecordBatch> {
    let numbers: ArrayRef = Arc::new(UInt32Array::from(vec![query as u32; batch.num_rows()]));
    let mut fields = vec![Arc::new(Field::new(QUERY_COLUMN, DataType::UInt32, false))];
    fields.extend(batch.schema().fields().iter().cloned());
    let mut columns = vec![numbers];
    columns.extend(batch.columns().iter().cloned());
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Median and p95 latency over the queries, the time taken to embed a `--text` query (its
/// model loaded included), and what the last query did.
fn print_stats(
    latencies: &[Duration],
    embedding: Option<Duration>,
    last: &SearchStats,
    json_out: bool,
) -> Result<()> {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let (median, p95) = (pick(0.5), pick(0.95));
    let store = simulation().map(|s| s.counters());
    let value = json!({
        "queries": latencies.len(),
        "median_ms": ms(median),
        "p95_ms": ms(p95),
        "min_ms": ms(sorted[0]),
        "max_ms": ms(sorted[sorted.len() - 1]),
        "query_embedding_ms": embedding.map(ms),
        "last_query": {
            "wall_ms": ms(last.wall),
            "metric": last.metric.map(|m| m.to_string()),
            "index": last.index,
            "partitions_probed": last.partitions_probed,
            "codes_scored": last.codes_scored,
            "refined_rows": last.refined_rows,
            "flat_fragments": last.flat_fragments,
            "cached_fragments": last.cached_fragments,
            "flat_read": stats::read_json(&last.flat, None),
            "compute_ms": ms(last.compute),
            "materialize_ms": ms(last.materialize),
            "taken_rows": last.taken_rows,
        },
        "store": store.map(|c| json!({
            "requests": c.total_requests(),
            "bytes_read": c.bytes_read,
            "peak_in_flight": c.peak_in_flight,
        })),
    });
    if json_out {
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    outln!(
        "search: {} queries, median {:.2} ms, p95 {:.2} ms (min {:.2}, max {:.2})",
        latencies.len(),
        ms(median),
        ms(p95),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1])
    )?;
    if let Some(embedding) = embedding {
        outln!(
            "  query text embedded in {:.2} ms (loading the model included)",
            ms(embedding)
        )?;
    }
    let l = &value["last_query"];
    outln!(
        "  last query: index {}, {} partitions, {} codes, {} refined; flat {} fragments ({} \
         cached), {} rows read; compute {} ms, materialize {} ms ({} rows taken)",
        l["index"].as_str().unwrap_or("none"),
        l["partitions_probed"],
        l["codes_scored"],
        l["refined_rows"],
        l["flat_fragments"],
        l["cached_fragments"],
        last.flat.rows,
        l["compute_ms"],
        l["materialize_ms"],
        l["taken_rows"]
    )?;
    if last.flat.rows > 0 {
        stats::print_read("  flat read", &last.flat, None)?;
    }
    if let Some(c) = simulation().map(|s| s.counters()) {
        outln!("  store   {c}")?;
    }
    Ok(())
}
