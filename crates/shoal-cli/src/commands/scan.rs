//! `shoal scan DATASET`: the rows of a version through the read pipeline, printed as a table
//! or JSON lines; with `--stats`, read without printing and timed phase by phase.

use std::io::Write as _;

use anyhow::Result;
use arrow::array::RecordBatch;

use crate::args::ScanArgs;
use crate::commands::{open_table, query_stats, rows_query, simulation, stats};
use crate::output::{buffered_stdout, outln};
use crate::table::render;

pub fn run(args: &ScanArgs) -> Result<()> {
    let table = open_table(&args.dataset, &args.version)?;
    if let Some(sim) = simulation() {
        sim.reset_counters(); // count the scan, not finding the version
    }
    let mut query = rows_query(&table, args.columns.as_deref(), args.filter.as_deref())
        .offset(args.offset)
        .batch_size(args.batch_rows);
    if let Some(limit) = args.limit {
        query = query.limit(limit);
    }
    if let Some(budget) = args.budget_bytes {
        query = query.budget_bytes(budget);
    }
    let mut rows = query.execute()?;
    let mut kept: Vec<RecordBatch> = Vec::new();
    let mut json = arrow::json::LineDelimitedWriter::new(buffered_stdout());
    for batch in &mut rows {
        let batch = batch?;
        match (args.output.stats, args.output.json) {
            (true, _) => {} // dropped at once: only the time counts
            (false, true) => json.write(&batch)?,
            (false, false) => kept.push(batch),
        }
    }
    json.finish()?;
    json.into_inner().flush()?;
    let store = simulation().map(|s| s.counters());
    match (args.output.stats, args.output.json) {
        (true, true) => outln!(
            "{}",
            serde_json::to_string_pretty(&stats::read_json(&query_stats(&rows)?, store.as_ref()))?
        )?,
        (true, false) => stats::print_read("scan", &query_stats(&rows)?, store.as_ref())?,
        (false, true) => {}
        (false, false) => outln!("{}", render(&kept, args.output.max_width)?)?,
    }
    Ok(())
}
