//! `shoal export DATASET DST`: a version of a dataset to Parquet, CSV, Arrow IPC or JSON
//! lines, with an optional projection, streamed batch by batch and moved into place only when
//! complete (or streamed to standard output for DST '-').

use anyhow::Result;
use futures::StreamExt;

use crate::args::ExportArgs;
use crate::commands::{filter_for, open_dataset};
use crate::external::{detect, Sink};
use crate::progress::rows_bar;
use crate::runtime::block_on;

pub fn run(args: &ExportArgs) -> Result<()> {
    let format = detect(&args.dst, args.format)?;
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let projection = dataset.projection(args.columns.as_deref())?;
    let filter = filter_for(&dataset, args.filter.as_deref())?;
    let schema = std::sync::Arc::new(dataset.schema().project(&projection)?);
    let mut sink = Sink::create(&args.dst, format, &schema, args.overwrite)?;
    let expected = filter.is_none().then(|| dataset.num_rows());
    let bar = rows_bar(expected, "exporting");
    let mut scanner = dataset
        .scan()
        .projection(projection)
        .batch_rows(args.batch_rows);
    if let Some(filter) = filter {
        scanner = scanner.filter(filter);
    }
    let mut batches = block_on(scanner.stream())?;
    let mut rows = 0u64;
    while let Some(batch) = block_on(batches.next()) {
        let batch = batch?;
        sink.write(&batch)?;
        rows += batch.num_rows() as u64;
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    sink.finish()?;
    let to = match args.dst.to_str() {
        Some("-") => "standard output".to_string(),
        _ => format!("'{}'", args.dst.display()),
    };
    eprintln!(
        "exported {rows} rows of version {} to {to}",
        dataset.version()
    );
    Ok(())
}
