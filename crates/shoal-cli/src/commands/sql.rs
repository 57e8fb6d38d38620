//! `shoal sql QUERY --table NAME=DATASET...`: a SQL query over datasets, printed as a table
//! or JSON lines, or streamed into a Parquet, CSV, Arrow IPC or JSON lines file.

use std::io::Write as _;
use std::path::Path;

use anyhow::Result;
use arrow::array::RecordBatch;
use futures::StreamExt;
use shoal::advanced::{SqlSession, SqlStream};

use crate::args::{ExternalFormat, SqlArgs, VersionArgs};
use crate::commands::open_dataset;
use crate::external::{detect, Sink};
use crate::output::{buffered_stdout, outln};
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &SqlArgs) -> Result<()> {
    let mut session = SqlSession::new();
    for (name, uri) in &args.tables {
        session.register(name, open_dataset(uri, &VersionArgs::default())?)?;
    }
    let stream = block_on(session.sql(&args.query))?;
    match (&args.output, args.json) {
        (Some(dst), _) => write_file(stream, dst, args.format, args.overwrite),
        (None, true) => print_json(stream),
        (None, false) => print_table(stream, args.max_width),
    }
}

/// Streams the result into `dst`, which appears only once complete.
fn write_file(
    mut stream: SqlStream,
    dst: &Path,
    format: Option<ExternalFormat>,
    overwrite: bool,
) -> Result<()> {
    let format = detect(dst, format)?;
    let mut sink = Sink::create(dst, format, &stream.schema(), overwrite)?;
    let mut rows = 0;
    while let Some(batch) = block_on(stream.next()) {
        let batch = batch?;
        sink.write(&batch)?;
        rows += batch.num_rows();
    }
    sink.finish()?;
    if dst.to_str() != Some("-") {
        eprintln!("wrote {rows} rows to '{}'", dst.display());
    }
    Ok(())
}

/// Prints the result's rows as JSON lines, as they come.
fn print_json(mut stream: SqlStream) -> Result<()> {
    let mut json = arrow::json::LineDelimitedWriter::new(buffered_stdout());
    while let Some(batch) = block_on(stream.next()) {
        json.write(&batch?)?;
    }
    json.finish()?;
    json.into_inner().flush()?;
    Ok(())
}

/// Prints the result as a table (it is gathered first, to size the columns).
fn print_table(mut stream: SqlStream, max_width: usize) -> Result<()> {
    let mut batches: Vec<RecordBatch> = Vec::new();
    while let Some(batch) = block_on(stream.next()) {
        batches.extend(Some(batch?).filter(|b| b.num_rows() > 0));
    }
    outln!("{}", render(&batches, max_width)?)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if rows > 0 {
        outln!("{rows} row{}", if rows == 1 { "" } else { "s" })?;
    }
    Ok(())
}
