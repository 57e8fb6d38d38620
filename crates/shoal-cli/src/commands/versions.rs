//! `shoal versions DATASET`: every version still present, with its timestamp, operation,
//! rows, fragments and tags.

use anyhow::Result;
use comfy_table::{presets, Table};
use serde_json::json;

use crate::args::{VersionArgs, VersionsArgs};
use crate::commands::open_table;
use crate::output::outln;

pub fn run(args: &VersionsArgs) -> Result<()> {
    let table = open_table(&args.dataset, &VersionArgs::default())?;
    let (versions, tags) = (table.versions()?, table.tags()?);
    let timestamp =
        |v: &shoal::VersionInfo| humantime::format_rfc3339_millis(v.timestamp).to_string();
    let tags_of = |version: u64| -> Vec<&str> {
        tags.iter()
            .filter(|t| t.version == version)
            .map(|t| t.name.as_str())
            .collect()
    };
    if args.json {
        let list: Vec<_> = versions
            .iter()
            .map(|m| {
                json!({
                    "version": m.version,
                    "timestamp": timestamp(m),
                    "operation": m.operation,
                    "description": m.description,
                    "rows": m.rows,
                    "fragments": m.fragments,
                    "tags": tags_of(m.version),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "version",
        "timestamp",
        "operation",
        "rows",
        "fragments",
        "tags",
    ]);
    for m in &versions {
        table.add_row([
            m.version.to_string(),
            timestamp(m),
            m.description.clone(),
            m.rows.to_string(),
            m.fragments.to_string(),
            tags_of(m.version).join(", "),
        ]);
    }
    outln!("{table}")?;
    Ok(())
}
