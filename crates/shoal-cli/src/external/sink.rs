//! Writing Parquet, CSV, Arrow IPC and JSON lines: to a temporary file in the destination's
//! folder that is moved into place only when complete, or streamed to standard output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;
use arrow::compute::cast;
use arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowWriter};
use parquet::basic::Compression as ParquetCompression;
use parquet::file::properties::WriterProperties;

use super::destination::{check_replaceable, check_streams, is_stdout};
use crate::args::ExternalFormat;
use crate::output::buffered_stdout;

/// Where the bytes go.
type Out = Box<dyn Write + Send>;

/// A file being written in another format; it appears at its path only on [`Sink::finish`].
pub struct Sink {
    writer: SinkWriter,
    /// The schema batches are cast to before writing, when the format needs other types.
    cast_to: Option<SchemaRef>,
    target: Target,
}

/// Where a sink's bytes end up.
enum Target {
    /// A temporary file, moved to `dst` when complete (and deleted if it never is).
    File {
        temp: tempfile::TempPath,
        dst: PathBuf,
        overwrite: bool,
    },
    Stdout,
}

enum SinkWriter {
    Parquet(Box<ArrowWriter<Out>>),
    Csv(arrow::csv::Writer<Out>),
    Ipc(arrow::ipc::writer::FileWriter<Out>),
    IpcStream(arrow::ipc::writer::StreamWriter<Out>),
    Jsonl(arrow::json::LineDelimitedWriter<Out>),
}

impl Sink {
    /// Starts writing `dst` (or standard output, for '-') in `format`; fails before writing
    /// anything if `dst` may not be replaced or the format cannot hold the schema.
    pub fn create(
        dst: &Path,
        format: ExternalFormat,
        schema: &SchemaRef,
        overwrite: bool,
    ) -> Result<Self> {
        if format == ExternalFormat::Csv {
            if let Some(f) = schema.fields().iter().find(|f| f.data_type().is_nested()) {
                bail!(
                    "CSV cannot hold column '{}' of type {}; export it to Parquet, Arrow IPC or JSON lines, or leave it out with --columns",
                    f.name(),
                    f.data_type()
                );
            }
        }
        let (out, target): (Out, Target) = if is_stdout(dst) {
            check_streams(format)?;
            (Box::new(buffered_stdout()), Target::Stdout)
        } else {
            check_replaceable(dst, overwrite)?;
            let (file, temp) = temp_file_beside(dst)?;
            let target = Target::File {
                temp,
                dst: dst.to_path_buf(),
                overwrite,
            };
            (Box::new(BufWriter::new(file)), target)
        };
        let mut cast_to = None;
        let writer = match format {
            ExternalFormat::Parquet => {
                // Parquet has no timestamps in seconds nor dates in milliseconds: write them in
                // milliseconds and days, as pyarrow does, and embed the original Arrow schema
                // so readers restore the types.
                let mut props = WriterProperties::builder()
                    .set_compression(ParquetCompression::SNAPPY)
                    .build();
                add_encoded_arrow_schema_to_metadata(schema, &mut props);
                let options = ArrowWriterOptions::new()
                    .with_properties(props)
                    .with_skip_arrow_metadata(true);
                let written = Arc::new(Schema::new_with_metadata(
                    schema
                        .fields()
                        .iter()
                        .map(|f| {
                            f.as_ref()
                                .clone()
                                .with_data_type(parquet_type(f.data_type()))
                        })
                        .collect::<Vec<_>>(),
                    schema.metadata().clone(),
                ));
                cast_to = (written != *schema).then(|| written.clone());
                SinkWriter::Parquet(Box::new(ArrowWriter::try_new_with_options(
                    out, written, options,
                )?))
            }
            ExternalFormat::Csv => SinkWriter::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out),
            ),
            ExternalFormat::Ipc => {
                SinkWriter::Ipc(arrow::ipc::writer::FileWriter::try_new(out, schema)?)
            }
            ExternalFormat::IpcStream => {
                SinkWriter::IpcStream(arrow::ipc::writer::StreamWriter::try_new(out, schema)?)
            }
            ExternalFormat::Jsonl => SinkWriter::Jsonl(arrow::json::LineDelimitedWriter::new(out)),
        };
        Ok(Self {
            writer,
            cast_to,
            target,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let cast_batch;
        let batch = match &self.cast_to {
            Some(schema) => {
                let columns = batch
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(c, f)| cast(c, f.data_type()))
                    .collect::<Result<Vec<_>, _>>()?;
                cast_batch = RecordBatch::try_new(schema.clone(), columns)?;
                &cast_batch
            }
            None => batch,
        };
        match &mut self.writer {
            SinkWriter::Parquet(w) => w.write(batch)?,
            SinkWriter::Csv(w) => w.write(batch)?,
            SinkWriter::Ipc(w) => w.write(batch)?,
            SinkWriter::IpcStream(w) => w.write(batch)?,
            SinkWriter::Jsonl(w) => w.write(batch)?,
        }
        Ok(())
    }

    /// Completes the output: flushes it, and moves a file into place.
    pub fn finish(self) -> Result<()> {
        let mut out = match self.writer {
            SinkWriter::Parquet(w) => w.into_inner()?,
            SinkWriter::Csv(w) => w.into_inner(),
            SinkWriter::Ipc(mut w) => {
                w.finish()?;
                w.into_inner()?
            }
            SinkWriter::IpcStream(mut w) => {
                w.finish()?;
                w.into_inner()?
            }
            SinkWriter::Jsonl(mut w) => {
                w.finish()?;
                w.into_inner()
            }
        };
        out.flush()?;
        drop(out);
        let Target::File {
            temp,
            dst,
            overwrite,
        } = self.target
        else {
            return Ok(());
        };
        if let Err(e) = check_replaceable(&dst, overwrite) {
            let _ = temp.close();
            return Err(e);
        }
        temp.persist(&dst).map_err(|e| {
            // The error holds the temporary file; delete it rather than leave it behind.
            let _ = e.path.close();
            anyhow::Error::new(e.error).context(format!(
                "cannot move the finished file to '{}'",
                dst.display()
            ))
        })
    }
}

/// A new temporary file in `dst`'s folder (so the final rename stays on one file system).
fn temp_file_beside(dst: &Path) -> Result<(File, tempfile::TempPath)> {
    let dir = match dst.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".shoal-export-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in '{}'", dir.display()))?;
    Ok(temp.into_parts())
}

/// `dt` with every timestamp in seconds (at any depth) turned into milliseconds, and every
/// Date64 into Date32 (Parquet's DATE, in days: a time of day in a Date64 is not kept).
fn parquet_type(dt: &DataType) -> DataType {
    let field = |f: &FieldRef| {
        Arc::new(
            f.as_ref()
                .clone()
                .with_data_type(parquet_type(f.data_type())),
        )
    };
    match dt {
        DataType::Timestamp(TimeUnit::Second, tz) => {
            DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
        }
        DataType::Date64 => DataType::Date32,
        DataType::List(f) => DataType::List(field(f)),
        DataType::LargeList(f) => DataType::LargeList(field(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(field(f), *n),
        DataType::Map(f, sorted) => DataType::Map(field(f), *sorted),
        DataType::Struct(fs) => DataType::Struct(fs.iter().map(field).collect()),
        other => other.clone(),
    }
}
