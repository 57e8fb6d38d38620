//! `shoal info DATASET`: one version of a dataset: rows, fragments and their sizes, deleted
//! rows, the schema with field ids, how its vector columns are embedded from text, and how
//! many versions and tags the dataset has.

use anyhow::Result;
use comfy_table::{presets, Table};
use serde_json::{json, Value};
use shoal::advanced::Dataset;

use crate::args::InfoArgs;
use crate::commands::{open_dataset, timestamp};
use crate::output::outln;
use crate::runtime::block_on;

/// Fragments listed one by one in the table output (all of them in JSON).
const FRAGMENTS_SHOWN: usize = 20;

pub fn run(args: &InfoArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let (versions, tags) =
        block_on(async { tokio::try_join!(dataset.versions(), dataset.tags()) })?;
    let kept = Kept {
        count: versions.len(),
        latest: versions.last().map_or(dataset.version(), |m| m.version),
    };
    let info = describe(&dataset, &kept, &tags);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&info)?)?;
        return Ok(());
    }
    let m = dataset.manifest();
    let stored: u64 = m.fragments.iter().map(|f| f.data.size).sum();
    let deleted: u64 = m
        .fragments
        .iter()
        .map(|f| f.data.rows - f.live_rows())
        .sum();
    outln!("dataset:     {}", dataset.uri())?;
    outln!(
        "version:     {} ({}, {}); latest {}, {} versions kept",
        m.version,
        m.operation,
        timestamp(m.timestamp_ms),
        kept.latest,
        kept.count
    )?;
    outln!("rows:        {} ({deleted} deleted)", dataset.num_rows())?;
    outln!("fragments:   {}", m.fragments.len())?;
    outln!("data bytes:  {stored}")?;
    let tag_names: Vec<String> = tags
        .iter()
        .map(|t| format!("{} (v{})", t.name, t.version))
        .collect();
    outln!(
        "tags:        {}",
        if tag_names.is_empty() {
            "none".to_string()
        } else {
            tag_names.join(", ")
        }
    )?;
    for d in shoal::embedding::definitions_of(&m.schema)? {
        outln!(
            "embeddings:  {} -> {} by {} {} ({} texts a call, {} thread(s))",
            d.source_column,
            d.vector_column,
            d.function,
            d.params,
            d.options.batch_size,
            d.options.threads
        )?;
    }
    let mut schema = Table::new();
    schema.load_preset(presets::UTF8_FULL_CONDENSED);
    schema.set_header(["id", "column", "type", "nullable"]);
    for (field, id) in m.schema.fields().iter().zip(&m.field_ids) {
        schema.add_row([
            id.to_string(),
            field.name().clone(),
            field.data_type().to_string(),
            field.is_nullable().to_string(),
        ]);
    }
    outln!("{schema}")?;
    let mut fragments = Table::new();
    fragments.load_preset(presets::UTF8_FULL_CONDENSED);
    fragments.set_header(["fragment", "rows", "deleted", "bytes", "data file"]);
    for f in m.fragments.iter().take(FRAGMENTS_SHOWN) {
        fragments.add_row([
            f.id.to_string(),
            f.data.rows.to_string(),
            (f.data.rows - f.live_rows()).to_string(),
            f.data.size.to_string(),
            f.data.path.clone(),
        ]);
    }
    outln!("{fragments}")?;
    if m.fragments.len() > FRAGMENTS_SHOWN {
        outln!(
            "… and {} more fragments (--json lists all)",
            m.fragments.len() - FRAGMENTS_SHOWN
        )?;
    }
    Ok(())
}

/// The versions a dataset keeps: how many (cleanup removes old ones, so numbers have gaps)
/// and the latest one's number.
struct Kept {
    count: usize,
    latest: u64,
}

fn describe(dataset: &Dataset, kept: &Kept, tags: &[shoal::Tag]) -> Value {
    let m = dataset.manifest();
    let fragments: Vec<Value> = m
        .fragments
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "path": f.data.path,
                "bytes": f.data.size,
                "rows": f.data.rows,
                "deleted_rows": f.data.rows - f.live_rows(),
                "deletion_file": f.deletion.as_ref().map(|d| &d.path),
            })
        })
        .collect();
    let columns: Vec<Value> = m
        .schema
        .fields()
        .iter()
        .zip(&m.field_ids)
        .map(|(field, id)| {
            json!({
                "id": id,
                "name": field.name(),
                "type": field.data_type().to_string(),
                "nullable": field.is_nullable(),
                "metadata": field.metadata(),
            })
        })
        .collect();
    json!({
        "dataset": dataset.uri(),
        "version": m.version,
        "latest_version": kept.latest,
        "versions": kept.count,
        "timestamp": timestamp(m.timestamp_ms),
        "operation": m.operation.to_string(),
        "rows": dataset.num_rows(),
        "deleted_rows": m.fragments.iter().map(|f| f.data.rows - f.live_rows()).sum::<u64>(),
        "data_bytes": m.fragments.iter().map(|f| f.data.size).sum::<u64>(),
        "schema_metadata": m.schema.metadata(),
        "columns": columns,
        "fragments": fragments,
        "tags": tags.iter().map(|t| json!({"name": t.name, "version": t.version})).collect::<Vec<_>>(),
    })
}
