//! `shoal inspect FILE`: what one Shoal data file holds, from its footer alone (one read).

use anyhow::{bail, Result};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::{presets, Table};
use serde_json::{json, Value};
use shoal::advanced::{bound_as_array, ColumnMeta, FileMetadata, PageStats};

use crate::args::InspectArgs;
use crate::commands::open_file;
use crate::output::outln;
use crate::table::cut;

pub fn run(args: &InspectArgs) -> Result<()> {
    check_local_file(&args.file)?;
    let reader = open_file(&args.file)?;
    let meta = reader.metadata();
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&to_json(&args.file, meta)?)?
        )?;
        return Ok(());
    }
    outln!("file:        {}", args.file)?;
    outln!(
        "format:      Shoal {}.{} (written by {})",
        meta.format_version.0,
        meta.format_version.1,
        meta.created_by
    )?;
    outln!("rows:        {}", meta.num_rows)?;
    outln!(
        "size:        {} bytes ({} of footer)",
        meta.file_len,
        meta.footer_len
    )?;
    if !meta.schema.metadata().is_empty() {
        outln!("metadata:    {:?}", meta.schema.metadata())?;
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "column",
        "type",
        "nulls",
        "pages",
        "stored bytes",
        "plain bytes",
        "compression",
        "min",
        "max",
    ]);
    for col in &meta.columns {
        let (min, max) = display_bounds(col, col.bounds()?.as_ref());
        table.add_row([
            col.field.name().clone(),
            format!(
                "{}{}",
                col.field.data_type(),
                if col.field.is_nullable() {
                    ""
                } else {
                    " not null"
                }
            ),
            col.null_count().to_string(),
            col.pages.len().to_string(),
            col.stored_bytes().to_string(),
            col.plain_bytes().to_string(),
            compression_summary(col),
            cut(min, 32),
            cut(max, 32),
        ]);
    }
    outln!("{table}")?;
    Ok(())
}

fn compression_summary(col: &ColumnMeta) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for page in &col.pages {
        let name = page.compression.name();
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
        .iter()
        .map(|(n, c)| format!("{n}×{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bound as text.
fn display_bound(col: &ColumnMeta, bound: &bytes::Bytes) -> String {
    bound_as_array(col.field.data_type(), bound)
        .ok()
        .and_then(|a| {
            ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())
                .ok()
                .map(|f| f.value(0).to_string())
        })
        .unwrap_or_else(|| "?".into())
}

fn display_bounds(col: &ColumnMeta, stats: Option<&PageStats>) -> (String, String) {
    match stats {
        Some(s) => (display_bound(col, &s.min), display_bound(col, &s.max)),
        None => (String::new(), String::new()),
    }
}

fn to_json(src: &str, meta: &FileMetadata) -> Result<Value> {
    let mut columns = Vec::new();
    for col in &meta.columns {
        let (min, max) = display_bounds(col, col.bounds()?.as_ref());
        let pages: Vec<Value> = col
            .pages
            .iter()
            .zip(&col.row_starts)
            .map(|(p, first_row)| {
                let (pmin, pmax) = display_bounds(col, p.stats.as_ref());
                json!({
                    "first_row": first_row,
                    "rows": p.num_rows,
                    "offset": p.offset,
                    "stored_bytes": p.stored_len,
                    "plain_bytes": p.plain_len(),
                    "compression": p.compression.name(),
                    "nulls": p.nodes[0].null_count,
                    "min": p.stats.as_ref().map(|_| pmin),
                    "max": p.stats.as_ref().map(|_| pmax),
                })
            })
            .collect();
        columns.push(json!({
            "name": col.field.name(),
            "type": col.field.data_type().to_string(),
            "nullable": col.field.is_nullable(),
            "metadata": col.field.metadata(),
            "nulls": col.null_count(),
            "stored_bytes": col.stored_bytes(),
            "plain_bytes": col.plain_bytes(),
            "min": (!min.is_empty()).then_some(min),
            "max": (!max.is_empty()).then_some(max),
            "pages": pages,
        }));
    }
    Ok(json!({
        "file": src,
        "format_version": format!("{}.{}", meta.format_version.0, meta.format_version.1),
        "created_by": meta.created_by,
        "rows": meta.num_rows,
        "file_bytes": meta.file_len,
        "footer_bytes": meta.footer_len,
        "schema_metadata": meta.schema.metadata(),
        "columns": columns,
    }))
}

/// Refuses a local path that is not a regular file: a directory (perhaps a dataset), or a
/// FIFO or device that reading would block on or never finish.
fn check_local_file(uri: &str) -> Result<()> {
    let Ok(meta) = std::fs::metadata(uri) else {
        return Ok(()); // a URI, or missing: opening it says which
    };
    if meta.is_dir() {
        bail!(
            "'{uri}' is a directory, not a Shoal data file (`shoal info` describes a dataset; its \
             data files are under data/)"
        );
    }
    if !meta.is_file() {
        bail!("'{uri}' is not a regular file (a FIFO, socket or device), so not a Shoal data file");
    }
    Ok(())
}
