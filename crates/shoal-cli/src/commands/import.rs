//! `shoal import SRC DATASET`: Parquet, CSV or Arrow IPC into a dataset, batch by batch, as
//! one new version (create, append or overwrite); with `--embed` (or on an append to a dataset
//! that keeps embedding definitions), vector columns computed from text columns on the way.
//!
//! Memory stays at a few batches plus about a page per column, whatever the file size, and
//! nothing is visible until the version commits: a failed import leaves the dataset as it was.
//! Columns keep the types (dictionaries and views included) and field metadata (extension
//! types) the file's writer meant, where the file records them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::{can_cast_types, cast};
use arrow::datatypes::{Field, Schema, SchemaRef};
use shoal::advanced::{Dataset, DatasetWriter, WriteMode, WriteOptions};
use shoal::embedding::{definitions_of, RowEmbedder};
use shoal::WriteParams;

use crate::args::{ImportArgs, ImportMode};
use crate::commands::locate;
use crate::external::open_source;
use crate::progress::rows_bar;
use crate::runtime::block_on;

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
    let params = WriteParams {
        max_rows_per_file: args.max_rows_per_file,
        file: WriteOptions {
            page_size: args.page_size,
            compression: args.compression,
            created_by: format!("shoal {}", env!("CARGO_PKG_VERSION")),
        },
    };
    let mode = match args.mode {
        ImportMode::Create => WriteMode::Create,
        ImportMode::Append => WriteMode::Append,
        ImportMode::Overwrite => WriteMode::Overwrite,
    };
    let root = locate(&args.dataset)?;
    let embedder = embedder_for(args, &root, &schema)?;
    let written = embedder.as_ref().map_or(&schema, |e| e.schema()).clone();
    let mut writer = block_on(DatasetWriter::new_at(root, written, mode, params))?;
    let bar = rows_bar(source.total_rows, "importing");
    let started = Instant::now();
    let (mut embedding, mut imported) = (Duration::ZERO, 0u64);
    let result = (|| -> Result<()> {
        for batch in source.batches {
            let batch = batch.with_context(|| format!("cannot read '{}'", args.src.display()))?;
            let mut batch = to_stored(&batch, &schema)?;
            if let Some(embedder) = &embedder {
                let embed_started = Instant::now();
                batch = block_on(embedder.embed(batch))?;
                embedding += embed_started.elapsed();
            }
            block_on(writer.write(&batch))?;
            imported += batch.num_rows() as u64;
            bar.inc(batch.num_rows() as u64);
        }
        Ok(())
    })();
    bar.finish_and_clear();
    if let Err(e) = result {
        let _ = block_on(writer.abort());
        return Err(e);
    }
    let dataset = block_on(writer.commit())?;
    let operation = &dataset.manifest().operation;
    eprintln!(
        "{operation} into '{}': version {}, {} rows in {} fragments",
        args.dataset,
        dataset.version(),
        dataset.num_rows(),
        dataset.fragments().len()
    );
    if embedder.is_some() {
        let total = started.elapsed();
        eprintln!(
            "took {:.1} s: embedding {:.1} s ({:.0} rows/s), reading and writing {:.1} s",
            total.as_secs_f64(),
            embedding.as_secs_f64(),
            imported as f64 / embedding.as_secs_f64().max(1e-9),
            (total - embedding).as_secs_f64()
        );
    }
    Ok(())
}

/// What computes the vector columns: the `--embed` definitions, or on an append those the
/// dataset keeps; `None` when there are none.
fn embedder_for(
    args: &ImportArgs,
    root: &shoal::advanced::ObjectLocation,
    schema: &SchemaRef,
) -> Result<Option<RowEmbedder>> {
    let definitions = if args.mode == ImportMode::Append {
        if !args.embed.is_empty() {
            bail!("--embed applies to create and overwrite; an append embeds as the dataset says");
        }
        let dataset = block_on(Dataset::open_at(root.clone()))?;
        definitions_of(&dataset.schema())?
    } else {
        args.embed.clone()
    };
    if definitions.is_empty() {
        return Ok(None);
    }
    Ok(block_on(RowEmbedder::new(definitions, schema))?)
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
