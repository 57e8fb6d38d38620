//! `shoal take DATASET --rows ...`: rows by offset, printed as a table or JSON lines; with
//! `--stats`, timed instead.

use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;

use crate::args::TakeArgs;
use crate::commands::{open_dataset, simulation, stats};
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &TakeArgs) -> Result<()> {
    let rows = match (&args.rows, &args.rows_file) {
        (Some(rows), _) => rows.clone(),
        (None, Some(path)) => read_rows_file(path)?,
        (None, None) => anyhow::bail!("give --rows or --rows-file"),
    };
    let dataset = open_dataset(&args.dataset, &args.version)?;
    if let Some(sim) = simulation() {
        sim.reset_counters();
    }
    let projection = dataset.projection(args.columns.as_deref())?;
    let started = Instant::now();
    let batch = block_on(dataset.take(&projection, &rows))?;
    let wall = started.elapsed();
    let store = simulation().map(|s| s.counters());
    match (args.output.stats, args.output.json) {
        (true, json_out) => {
            let stats = json!({
                "wall_ms": (wall.as_secs_f64() * 1e6).round() / 1e3,
                "rows": batch.num_rows(),
                "store": store.as_ref().map(stats::store_json),
            });
            if json_out {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!(
                    "take: {} rows, wall {:.1} ms",
                    batch.num_rows(),
                    wall.as_secs_f64() * 1e3
                );
                if let Some(c) = &store {
                    println!("  store   {c}");
                }
            }
        }
        (false, true) => {
            let mut out = arrow::json::LineDelimitedWriter::new(std::io::stdout().lock());
            out.write(&batch)?;
            out.finish()?;
        }
        (false, false) => println!("{}", render(&[batch], args.output.max_width)?),
    }
    Ok(())
}

/// Row offsets from a file, separated by commas, spaces or newlines.
fn read_rows_file(path: &std::path::Path) -> Result<Vec<u64>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .with_context(|| format!("'{}': '{s}' is not a row offset", path.display()))
        })
        .collect()
}
