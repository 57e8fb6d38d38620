//! `shoal take DATASET --rows ...`: rows by offset, printed as a table or JSON lines; with
//! `--stats`, timed phase by phase instead.

use std::io::Write as _;

use anyhow::{Context, Result};

use crate::args::TakeArgs;
use crate::commands::{open_table, simulation, stats};
use crate::output::{buffered_stdout, outln};
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &TakeArgs) -> Result<()> {
    let rows = match (&args.rows, &args.rows_file) {
        (Some(rows), _) => rows.clone(),
        (None, Some(path)) => read_rows_file(path)?,
        (None, None) => anyhow::bail!("give --rows or --rows-file"),
    };
    let table = open_table(&args.dataset, &args.version)?;
    if let Some(sim) = simulation() {
        sim.reset_counters();
    }
    let columns: Option<Vec<&str>> = args
        .columns
        .as_ref()
        .map(|c| c.iter().map(String::as_str).collect());
    if args.output.stats {
        // Phase by phase: the take's plan, fetch and decode, as `shoal::advanced` composes them.
        let dataset = table.0.dataset();
        let projection = dataset.projection(columns.as_deref())?;
        let (_, read_stats) = block_on(async {
            dataset
                .plan_take(&projection, &rows)
                .await?
                .execute_with_stats()
                .await
        })?;
        let store = simulation().map(|s| s.counters());
        match args.output.json {
            true => outln!(
                "{}",
                serde_json::to_string_pretty(&stats::read_json(&read_stats, store.as_ref()))?
            )?,
            false => stats::print_read("take", &read_stats, store.as_ref())?,
        }
        return Ok(());
    }
    let batch = table.take_offsets(&rows, columns.as_deref())?;
    match args.output.json {
        true => {
            let mut out = arrow::json::LineDelimitedWriter::new(buffered_stdout());
            out.write(&batch)?;
            out.finish()?;
            out.into_inner().flush()?;
        }
        false => outln!("{}", render(&[batch], args.output.max_width)?)?,
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
