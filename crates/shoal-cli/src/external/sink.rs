//! Files in other formats: reading Parquet, CSV and Arrow IPC batch by batch, and writing
//! them atomically (to a temporary file in the destination folder, renamed when complete).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::compute::cast;
use arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowWriter};
use parquet::basic::Compression as ParquetCompression;
use parquet::file::properties::WriterProperties;

use crate::args::ExternalFormat;

/// Works out a file's format from `--format` or its extension.
pub fn detect(path: &Path, explicit: Option<ExternalFormat>) -> Result<ExternalFormat> {
    if let Some(f) = explicit {
        return Ok(f);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    Ok(match ext.as_str() {
        "parquet" | "pq" => ExternalFormat::Parquet,
        "csv" => ExternalFormat::Csv,
        "arrow" | "feather" | "ipc" => ExternalFormat::Ipc,
        "arrows" => ExternalFormat::IpcStream,
        "shoal" => bail!(
            "'{}' is a Shoal data file, not Parquet, CSV or Arrow IPC (`shoal inspect` shows one)",
            path.display()
        ),
        _ => bail!(
            "cannot tell the format of '{}' from its extension; pass --format parquet|csv|ipc|ipc-stream",
            path.display()
        ),
    })
}

/// Batches read from a file in another format.
pub struct Source {
    /// The schema of the batches the iterator yields.
    pub schema: SchemaRef,
    /// The schema the file's writer meant, when the file records one that differs (Parquet
    /// files written from Arrow embed it); batches should be cast to it.
    pub original_schema: Option<SchemaRef>,
    /// Rows in the file, when the format says so up front.
    pub total_rows: Option<u64>,
    pub batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>,
}

/// Opens `path` for reading in batches of `batch_rows` rows.
pub fn open_source(path: &Path, format: ExternalFormat, batch_rows: usize) -> Result<Source> {
    let file = File::open(path).with_context(|| format!("cannot open '{}'", path.display()))?;
    let bad = |what: &str| format!("'{}' is not a readable {what} file", path.display());
    match format {
        ExternalFormat::Parquet => {
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(file).with_context(|| bad("Parquet"))?;
            let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
            let original_schema =
                embedded_arrow_schema(builder.metadata().file_metadata().key_value_metadata());
            let reader = builder
                .with_batch_size(batch_rows)
                .build()
                .with_context(|| bad("Parquet"))?;
            Ok(Source {
                schema: reader.schema(),
                original_schema,
                total_rows,
                batches: Box::new(reader),
            })
        }
        ExternalFormat::Csv => {
            let mut file = file;
            let (schema, _) = arrow::csv::reader::Format::default()
                .with_header(true)
                .infer_schema(&mut file, Some(1000))
                .with_context(|| bad("CSV"))?;
            file.seek(SeekFrom::Start(0))?;
            let schema = Arc::new(schema);
            let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_header(true)
                .with_batch_size(batch_rows)
                .build(file)
                .with_context(|| bad("CSV"))?;
            Ok(Source {
                schema,
                original_schema: None,
                total_rows: None,
                batches: Box::new(reader),
            })
        }
        ExternalFormat::Ipc | ExternalFormat::IpcStream => {
            let mut file = file;
            let mut magic = [0u8; 6];
            let is_file_format = file.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
            file.seek(SeekFrom::Start(0))?;
            if is_file_format {
                let reader = arrow::ipc::reader::FileReader::try_new(file, None)
                    .with_context(|| bad("Arrow IPC"))?;
                Ok(Source {
                    schema: reader.schema(),
                    original_schema: None,
                    total_rows: None,
                    batches: Box::new(reader),
                })
            } else {
                let reader = arrow::ipc::reader::StreamReader::try_new(BufReader::new(file), None)
                    .with_context(|| bad("Arrow IPC stream"))?;
                Ok(Source {
                    schema: reader.schema(),
                    original_schema: None,
                    total_rows: None,
                    batches: Box::new(reader),
                })
            }
        }
    }
}

/// The Arrow schema a Parquet file's writer embedded (key `ARROW:schema`, a base64 Arrow IPC
/// schema message). The Parquet reader does not honour all of it: timestamps in seconds come
/// back in milliseconds, non-UTC zones as UTC, and list items renamed.
fn embedded_arrow_schema(kv: Option<&Vec<parquet::file::metadata::KeyValue>>) -> Option<SchemaRef> {
    use base64::Engine;
    let encoded = kv?
        .iter()
        .find(|e| e.key == "ARROW:schema")?
        .value
        .as_ref()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .ok()?;
    // The message may be prefixed by the IPC continuation marker and length.
    let message = match bytes.get(..4) {
        Some([0xff, 0xff, 0xff, 0xff]) => bytes.get(8..)?,
        _ => &bytes[..],
    };
    arrow::ipc::convert::try_schema_from_ipc_buffer(message)
        .or_else(|_| arrow::ipc::convert::try_schema_from_flatbuffer_bytes(message))
        .ok()
        .map(Arc::new)
}

/// A file being written in another format; it appears at its path only on [`Sink::finish`].
pub struct Sink {
    writer: SinkWriter,
    /// The schema batches are cast to before writing, when the format needs other types.
    cast_to: Option<SchemaRef>,
    temp: tempfile::TempPath,
    dst: PathBuf,
    overwrite: bool,
}

enum SinkWriter {
    Parquet(Box<ArrowWriter<File>>),
    Csv(arrow::csv::Writer<File>),
    Ipc(arrow::ipc::writer::FileWriter<File>),
    IpcStream(arrow::ipc::writer::StreamWriter<File>),
}

impl Sink {
    /// Starts writing `dst` in `format`; fails if `dst` exists and `overwrite` is not set.
    pub fn create(
        dst: &Path,
        format: ExternalFormat,
        schema: &SchemaRef,
        overwrite: bool,
    ) -> Result<Self> {
        refuse_existing(dst, overwrite)?;
        if format == ExternalFormat::Csv {
            if let Some(f) = schema.fields().iter().find(|f| f.data_type().is_nested()) {
                bail!(
                    "CSV cannot hold column '{}' of type {}; export it to Parquet or Arrow IPC, or leave it out with --columns",
                    f.name(),
                    f.data_type()
                );
            }
        }
        let dir = match dst.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".shoal-export-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in '{}'", dir.display()))?;
        let (file, temp) = temp.into_parts();
        let mut cast_to = None;
        let writer = match format {
            ExternalFormat::Parquet => {
                // Parquet has no timestamps in seconds: write them in milliseconds, as pyarrow
                // does, and embed the original Arrow schema so readers restore the unit.
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
                                .with_data_type(seconds_as_millis(f.data_type()))
                        })
                        .collect::<Vec<_>>(),
                    schema.metadata().clone(),
                ));
                cast_to = (written != *schema).then(|| written.clone());
                SinkWriter::Parquet(Box::new(ArrowWriter::try_new_with_options(
                    file, written, options,
                )?))
            }
            ExternalFormat::Csv => SinkWriter::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(file),
            ),
            ExternalFormat::Ipc => {
                SinkWriter::Ipc(arrow::ipc::writer::FileWriter::try_new(file, schema)?)
            }
            ExternalFormat::IpcStream => {
                SinkWriter::IpcStream(arrow::ipc::writer::StreamWriter::try_new(file, schema)?)
            }
        };
        Ok(Self {
            writer,
            cast_to,
            temp,
            dst: dst.to_path_buf(),
            overwrite,
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
        }
        Ok(())
    }

    /// Completes the file and moves it into place.
    pub fn finish(self) -> Result<()> {
        match self.writer {
            SinkWriter::Parquet(w) => {
                w.close()?;
            }
            SinkWriter::Csv(w) => drop(w.into_inner()),
            SinkWriter::Ipc(mut w) => w.finish()?,
            SinkWriter::IpcStream(mut w) => w.finish()?,
        }
        refuse_existing(&self.dst, self.overwrite)?;
        self.temp.persist(&self.dst).with_context(|| {
            format!("cannot move the finished file to '{}'", self.dst.display())
        })?;
        Ok(())
    }
}

/// `dt` with every timestamp in seconds (at any depth) turned into milliseconds.
fn seconds_as_millis(dt: &DataType) -> DataType {
    let field = |f: &FieldRef| {
        Arc::new(
            f.as_ref()
                .clone()
                .with_data_type(seconds_as_millis(f.data_type())),
        )
    };
    match dt {
        DataType::Timestamp(TimeUnit::Second, tz) => {
            DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
        }
        DataType::List(f) => DataType::List(field(f)),
        DataType::LargeList(f) => DataType::LargeList(field(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(field(f), *n),
        DataType::Struct(fs) => DataType::Struct(fs.iter().map(field).collect()),
        other => other.clone(),
    }
}

/// Fails when `path` exists and may not be replaced.
pub fn refuse_existing(path: &Path, overwrite: bool) -> Result<()> {
    if !overwrite && path.exists() {
        bail!(
            "'{}' already exists; pass --overwrite to replace it",
            path.display()
        );
    }
    Ok(())
}
