//! `shoal export SRC DST`: a Shoal file to Parquet, CSV or Arrow IPC, with an optional
//! projection, streamed batch by batch and moved into place only when complete.

use anyhow::Result;
use futures::StreamExt;

use crate::args::ExportArgs;
use crate::commands::open;
use crate::external::{detect, Sink};
use crate::progress::rows_bar;
use crate::runtime::block_on;

/// Batches fetched and decoded ahead of the one being written.
const READAHEAD: usize = 2;

pub fn run(args: &ExportArgs) -> Result<()> {
    let format = detect(&args.dst, args.format)?;
    let reader = open(&args.src)?;
    let projection = reader.projection(args.columns.as_deref())?;
    let schema = std::sync::Arc::new(reader.schema().project(&projection)?);
    let mut sink = Sink::create(&args.dst, format, &schema, args.overwrite)?;
    let bar = rows_bar(Some(reader.num_rows()), "exporting");
    let mut batches = reader.stream(projection, 0..reader.num_rows(), args.batch_rows, READAHEAD);
    while let Some(batch) = block_on(batches.next()) {
        let batch = batch?;
        sink.write(&batch)?;
        bar.inc(batch.num_rows() as u64);
    }
    bar.finish_and_clear();
    sink.finish()?;
    eprintln!(
        "exported {} rows to '{}'",
        reader.num_rows(),
        args.dst.display()
    );
    Ok(())
}
