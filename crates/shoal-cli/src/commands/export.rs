//! `shoal export DATASET DST`: a version of a dataset to Parquet, CSV, Arrow IPC or JSON
//! lines, with an optional projection, streamed batch by batch and moved into place only when
//! complete (or streamed to standard output for DST '-').

use anyhow::Result;

use crate::args::ExportArgs;
use crate::commands::{open_table, rows_query};
use crate::external::{detect, Sink};
use crate::progress::rows_bar;

pub fn run(args: &ExportArgs) -> Result<()> {
    let format = detect(&args.dst, args.format)?;
    let table = open_table(&args.dataset, &args.version)?;
    let mut batches = rows_query(&table, args.columns.as_deref(), args.filter.as_deref())
        .batch_size(args.batch_rows)
        .execute()?;
    let mut sink = Sink::create(&args.dst, format, &batches.schema(), args.overwrite)?;
    let expected = args.filter.is_none().then(|| table.stats().rows);
    let bar = rows_bar(expected, "exporting");
    let mut rows = 0u64;
    for batch in &mut batches {
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
        table.version()
    );
    Ok(())
}
