//! Reading Parquet, CSV, Arrow IPC and JSON lines batch by batch, with the types the file's
//! writer meant where the file records them.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::args::ExternalFormat;

/// Rows of a CSV or JSON lines file read to infer its column types.
const INFER_ROWS: usize = 1000;

/// Batches read from a file in another format.
pub struct Source {
    /// The schema of the batches the iterator yields.
    pub schema: SchemaRef,
    /// The schema the file's writer meant, when the file records one that differs (Parquet
    /// files written from Arrow embed it); batches should be cast to it.
    pub original_schema: Option<SchemaRef>,
    /// Rows in the file, when the format says so up front.
    pub total_rows: Option<u64>,
    pub batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>,
}

/// Opens `path` for reading in batches of `batch_rows` rows, in `--format` or the format its
/// extension names.
pub fn open_source(
    path: &Path,
    format: Option<ExternalFormat>,
    batch_rows: usize,
) -> Result<Source> {
    if path.is_dir() {
        bail!(
            "'{}' is a directory; import reads one Parquet, CSV, Arrow IPC or JSON lines file",
            path.display()
        );
    }
    let format = super::detect(path, format)?;
    let mut file = File::open(path).with_context(|| format!("cannot open '{}'", path.display()))?;
    let bad = |what: &str| format!("'{}' is not a readable {what} file", path.display());
    let source = match format {
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
            Source {
                schema: reader.schema(),
                original_schema,
                total_rows,
                batches: Box::new(reader),
            }
        }
        ExternalFormat::Csv => {
            let (schema, rows) = arrow::csv::reader::Format::default()
                .with_header(true)
                .infer_schema(&mut file, Some(INFER_ROWS))
                .with_context(|| bad("CSV"))?;
            let schema = inferred(path, schema, rows)?;
            file.seek(SeekFrom::Start(0))?;
            let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_header(true)
                .with_batch_size(batch_rows)
                .build(file)
                .with_context(|| bad("CSV"))?;
            Source {
                schema,
                original_schema: None,
                total_rows: None,
                batches: Box::new(reader),
            }
        }
        ExternalFormat::Jsonl => {
            let mut buffered = BufReader::new(file);
            let (schema, rows) =
                arrow::json::reader::infer_json_schema(&mut buffered, Some(INFER_ROWS))
                    .with_context(|| bad("JSON lines"))?;
            let schema = inferred(path, schema, rows)?;
            let mut file = buffered.into_inner();
            file.seek(SeekFrom::Start(0))?;
            let reader = arrow::json::ReaderBuilder::new(schema.clone())
                .with_batch_size(batch_rows)
                .build(BufReader::new(file))
                .with_context(|| bad("JSON lines"))?;
            Source {
                schema,
                original_schema: None,
                total_rows: None,
                batches: Box::new(reader),
            }
        }
        ExternalFormat::Ipc | ExternalFormat::IpcStream => {
            let mut magic = [0u8; 6];
            let is_file_format = file.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
            file.seek(SeekFrom::Start(0))?;
            if is_file_format {
                let reader = arrow::ipc::reader::FileReader::try_new(file, None)
                    .with_context(|| bad("Arrow IPC"))?;
                Source {
                    schema: reader.schema(),
                    original_schema: None,
                    total_rows: None,
                    batches: Box::new(reader),
                }
            } else {
                let reader = arrow::ipc::reader::StreamReader::try_new(BufReader::new(file), None)
                    .with_context(|| bad("Arrow IPC stream"))?;
                Source {
                    schema: reader.schema(),
                    original_schema: None,
                    total_rows: None,
                    batches: Box::new(reader),
                }
            }
        }
    };
    if source.schema.fields().is_empty() {
        bail!("'{}' has no columns", path.display());
    }
    Ok(source)
}

/// A schema inferred from the first `rows` rows of a text file: refused when there were no
/// rows to infer from; a column that was empty in all of them is read as text.
fn inferred(path: &Path, schema: Schema, rows: usize) -> Result<SchemaRef> {
    if schema.fields().is_empty() {
        bail!("'{}' is empty: it has no columns", path.display());
    }
    if rows == 0 {
        bail!(
            "'{}' has a header but no rows, so its column types cannot be inferred",
            path.display()
        );
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Null => {
                eprintln!(
                    "note: column '{}' is empty in the first {rows} rows; it is read as text",
                    f.name()
                );
                f.as_ref().clone().with_data_type(DataType::Utf8)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
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
