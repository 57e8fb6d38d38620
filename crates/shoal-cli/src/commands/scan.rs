//! `shoal scan DATASET`: the rows of a version through the read pipeline, printed as a table
//! or JSON lines; with `--stats`, read without printing and timed phase by phase.

use std::io::Write as _;

use anyhow::Result;
use arrow::array::RecordBatch;
use futures::StreamExt;

use crate::args::ScanArgs;
use crate::commands::{filter_for, open_dataset, simulation, stats};
use crate::output::{buffered_stdout, outln};
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &ScanArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    if let Some(sim) = simulation() {
        sim.reset_counters(); // count the scan, not finding the version
    }
    let projection = dataset.projection(args.columns.as_deref())?;
    let filter = filter_for(&dataset, args.filter.as_deref())?;
    let mut scanner = dataset
        .scan()
        .projection(projection)
        .offset(args.offset)
        .batch_rows(args.batch_rows);
    if let Some(limit) = args.limit {
        scanner = scanner.limit(limit);
    }
    if let Some(filter) = filter {
        scanner = scanner.filter(filter);
    }
    if let Some(budget) = args.budget_bytes {
        scanner = scanner.budget_bytes(budget);
    }
    let mut stream = block_on(scanner.stream())?;
    let mut kept: Vec<RecordBatch> = Vec::new();
    let mut json = arrow::json::LineDelimitedWriter::new(buffered_stdout());
    while let Some(batch) = block_on(stream.next()) {
        let batch = batch?;
        match (args.output.stats, args.output.json) {
            (true, _) => {} // dropped at once: only the time counts
            (false, true) => json.write(&batch)?,
            (false, false) => kept.push(batch.into_batch()),
        }
    }
    json.finish()?;
    json.into_inner().flush()?;
    let store = simulation().map(|s| s.counters());
    match (args.output.stats, args.output.json) {
        (true, true) => outln!(
            "{}",
            serde_json::to_string_pretty(&stats::read_json(&stream.stats(), store.as_ref()))?
        )?,
        (true, false) => stats::print_read("scan", &stream.stats(), store.as_ref())?,
        (false, true) => {}
        (false, false) => outln!("{}", render(&kept, args.output.max_width)?)?,
    }
    Ok(())
}
