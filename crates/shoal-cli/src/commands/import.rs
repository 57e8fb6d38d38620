//! `shoal import SRC DATASET`: Parquet, CSV or Arrow IPC into a dataset, batch by batch, as
//! one new version (create, append or overwrite); with `--embed` (or on an append to a dataset
//! that keeps embedding definitions), vector columns computed from text columns on the way.
//!
//! Memory stays at a few batches plus about a page per column, whatever the file size, and
//! nothing is visible until the version commits: a failed import leaves the dataset as it was.
//! Columns keep the types (dictionaries and views included) and field metadata (extension
//! types) the file's writer meant, where the file records them.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use arrow::array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow::compute::{can_cast_types, cast};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use indicatif::ProgressBar;
use shoal::blocking::Table;
use shoal::WriteOptions;
use shoal::{AddMode, CreateMode, CreateTableOptions, TableData, WriteParams};

use crate::args::{ImportArgs, ImportMode};
use crate::commands::connect_options;
use crate::external::open_source;
use crate::progress::rows_bar;

pub fn run(args: &ImportArgs) -> Result<()> {
    let source = open_source(&args.src, args.format, args.batch_rows)?;
    let schema = stored_schema(&source.schema, source.original_schema.as_ref());
    for (from, to) in source.schema.fields().iter().zip(schema.fields()) {
        let meant = source
            .original_schema
            .as_ref()
            .and_then(|o| o.field_with_name(from.name()).ok());
        if meant.map_or(from.data_type(), |m| m.data_type()) != to.data_type() {
            eprintln!(
                "note: column '{}' is stored as {} (was {})",
                to.name(),
                to.data_type(),
                from.data_type()
            );
        }
    }
    let mut options = connect_options();
    options.write = WriteParams {
        max_rows_per_file: args.max_rows_per_file,
        file: WriteOptions {
            page_size: args.page_size,
            compression: args.compression,
            created_by: format!("shoal {}", env!("CARGO_PKG_VERSION")),
        },
    };
    let bar = rows_bar(source.total_rows, "importing");
    let rows = TableData::reader(StoredRows {
        batches: source.batches,
        schema,
        src: args.src.display().to_string(),
        bar: bar.clone(),
    });
    let started = Instant::now();
    let (table, operation) = match args.mode {
        ImportMode::Append => {
            if !args.embed.is_empty() {
                bail!(
                    "--embed applies to create and overwrite; an append embeds as the dataset says"
                );
            }
            let table = Table::open(&args.dataset, options)?;
            table.add(rows, AddMode::Append)?;
            (table, "append")
        }
        ImportMode::Create | ImportMode::Overwrite => {
            let (mode, operation) = match args.mode {
                ImportMode::Overwrite => (CreateMode::Overwrite, "overwrite"),
                _ => (CreateMode::Create, "create"),
            };
            let create = CreateTableOptions {
                mode,
                embeddings: args.embed.clone(),
            };
            (
                Table::create(&args.dataset, rows, create, options)?,
                operation,
            )
        }
    };
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let stats = table.stats();
    eprintln!(
        "{operation} into '{}': version {}, {} rows in {} fragments",
        args.dataset, stats.version, stats.rows, stats.fragments
    );
    if !shoal::embedding::definitions_of(&table.schema())?.is_empty() {
        // Embedding and writing overlap, so the whole import is the figure that says how
        // fast the function ran.
        let imported = bar.position();
        eprintln!(
            "took {seconds:.1} s, embedding as it wrote: {imported} rows ({:.0} rows/s)",
            imported as f64 / seconds.max(1e-9)
        );
    }
    Ok(())
}

/// The source's batches cast to the types they are stored as, counted on the progress bar as
/// the table reads them; a failure names the source.
struct StoredRows {
    batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>,
    schema: SchemaRef,
    src: String,
    bar: ProgressBar,
}

impl Iterator for StoredRows {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.batches.next()?;
        let stored = batch
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot read '{}'", self.src))
            .and_then(|batch| to_stored(&batch, &self.schema));
        if let Ok(batch) = &stored {
            self.bar.inc(batch.num_rows() as u64);
        }
        Some(stored.map_err(|e| ArrowError::ExternalError(e.into())))
    }
}

impl RecordBatchReader for StoredRows {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// The schema a source is stored with: the writer's original types and field metadata where
/// the source records them and the read batches can be cast to them.
fn stored_schema(schema: &SchemaRef, original: Option<&SchemaRef>) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            match original
                .and_then(|o| o.field_with_name(f.name()).ok())
                .filter(|o| can_cast_types(f.data_type(), o.data_type()))
            {
                Some(meant) => {
                    let mut metadata = f.metadata().clone();
                    metadata.extend(meant.metadata().clone());
                    f.as_ref()
                        .clone()
                        .with_data_type(meant.data_type().clone())
                        .with_metadata(metadata)
                }
                None => f.as_ref().clone(),
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Casts the columns whose stored type differs.
fn to_stored(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            if c.data_type() == f.data_type() {
                Ok(c.clone())
            } else {
                cast(c, f.data_type())
                    .with_context(|| format!("cannot convert column '{}'", f.name()))
            }
        })
        .collect::<Result<_>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
