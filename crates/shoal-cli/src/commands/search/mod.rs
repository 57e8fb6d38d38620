//! `shoal search DATASET --column C --query-file Q.npy`: the rows nearest each query, as a
//! table or JSON lines; with several queries they are answered one after another in this
//! process (as a server would), and `--stats` reports per-query latency.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Float32Type};
use serde_json::json;
use shoal::{Dataset, SearchStats};

use crate::args::SearchArgs;
use crate::commands::{metric, open_dataset, simulation, stats};
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &SearchArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    if let Some(mib) = args.vector_cache_mib {
        dataset.set_vector_cache_bytes(mib << 20);
    }
    let (queries, dim) = match (&args.query_file, args.query_row) {
        (Some(path), _) => read_queries(path)?,
        (None, Some(row)) => row_vector(&dataset, &args.column, row)?,
        (None, None) => bail!("give --query-file or --query-row"),
    };
    if let Some(sim) = simulation() {
        sim.reset_counters();
    }
    let mut latencies = Vec::new();
    let mut last_stats = None;
    let mut json_out = arrow::json::LineDelimitedWriter::new(std::io::stdout().lock());
    for (q, query) in queries.chunks(dim).enumerate() {
        let mut search = dataset
            .search(&args.column, query)
            .k(args.k)
            .nprobes(args.nprobes)
            .refine_factor((args.refine > 0).then_some(args.refine))
            .with_row_addresses(args.with_row_address)
            .use_index(!args.no_index);
        if let Some(m) = args.metric {
            search = search.metric(metric(m));
        }
        if let Some(columns) = &args.columns {
            search = search.columns(columns);
        }
        let found = block_on(search.execute())?;
        latencies.push(found.stats.wall);
        match (args.output.stats, args.output.json) {
            (true, _) => {}
            (false, true) => json_out.write(&found.batches[0])?,
            (false, false) => {
                if queries.len() > dim {
                    println!("query {q}:");
                }
                println!("{}", render(&found.batches, args.output.max_width)?);
            }
        }
        last_stats = Some(found.stats);
    }
    json_out.finish()?;
    drop(json_out);
    if args.output.stats {
        let stats = last_stats.expect("at least one query");
        print_stats(&latencies, &stats, args.output.json)?;
    }
    Ok(())
}

/// The vector of column `column` at row offset `row`, as one query.
fn row_vector(dataset: &Dataset, column: &str, row: u64) -> Result<(Vec<f32>, usize)> {
    let projection = dataset.projection(Some(&[column]))?;
    let batch = block_on(dataset.take(&projection, &[row]))?;
    let DataType::FixedSizeList(_, dim) = batch.column(0).data_type() else {
        bail!(
            "column '{column}' is not a vector column: it is {}",
            batch.column(0).data_type()
        );
    };
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let list = arrow::compute::cast(batch.column(0), &DataType::FixedSizeList(item, *dim))?;
    let list = list.as_fixed_size_list();
    if list.is_null(0) {
        bail!("row {row} has no vector (its '{column}' is null)");
    }
    let values = list.value(0);
    Ok((
        values.as_primitive::<Float32Type>().values().to_vec(),
        *dim as usize,
    ))
}

/// Queries from a .npy file of float32 (or float64) values: a vector, or a matrix with one
/// query per row. Returns the values and the dimension.
fn read_queries(path: &Path) -> Result<(Vec<f32>, usize)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read '{}'", path.display()))?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .with_context(|| format!("'{}' is not a .npy file", path.display()))?;
    let shape = npy.shape().to_vec();
    let dim = match shape.as_slice() {
        [d] | [_, d] if *d > 0 => *d as usize,
        _ => bail!(
            "'{}' has shape {shape:?}; queries are a vector or a matrix (one per row)",
            path.display()
        ),
    };
    let type_str = npy.dtype().descr();
    let values: Vec<f32> = match type_str
        .trim_matches('\'')
        .trim_start_matches(['<', '|', '='])
    {
        "f4" => npy.into_vec::<f32>()?,
        "f8" => npy
            .into_vec::<f64>()?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        other => bail!(
            "'{}' holds {other} values; queries must be float32 (or float64)",
            path.display()
        ),
    };
    if values.is_empty() {
        bail!("'{}' holds no queries", path.display());
    }
    Ok((values, dim))
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Median and p95 latency over the queries, and what the last query did.
fn print_stats(latencies: &[Duration], last: &SearchStats, json_out: bool) -> Result<()> {
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
        },
        "store": store.map(|c| json!({
            "requests": c.total_requests(),
            "bytes_read": c.bytes_read,
            "peak_in_flight": c.peak_in_flight,
        })),
    });
    if json_out {
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "search: {} queries, median {:.2} ms, p95 {:.2} ms (min {:.2}, max {:.2})",
        latencies.len(),
        ms(median),
        ms(p95),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1])
    );
    let l = &value["last_query"];
    println!(
        "  last query: index {}, {} partitions, {} codes, {} refined; flat {} fragments ({} \
         cached), {} rows read; compute {} ms, materialize {} ms",
        l["index"].as_str().unwrap_or("none"),
        l["partitions_probed"],
        l["codes_scored"],
        l["refined_rows"],
        l["flat_fragments"],
        l["cached_fragments"],
        last.flat.rows,
        l["compute_ms"],
        l["materialize_ms"]
    );
    if last.flat.rows > 0 {
        stats::print_read("  flat read", &last.flat, None);
    }
    if let Some(c) = simulation().map(|s| s.counters()) {
        println!("  store   {c}");
    }
    Ok(())
}
