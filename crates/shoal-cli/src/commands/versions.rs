//! `shoal versions DATASET`: every version still present, with its timestamp, operation,
//! rows, fragments and tags.

use anyhow::Result;
use comfy_table::{presets, Table};
use serde_json::json;

use crate::args::{VersionArgs, VersionsArgs};
use crate::commands::{open_dataset, timestamp};
use crate::output::outln;
use crate::runtime::block_on;

pub fn run(args: &VersionsArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &VersionArgs::default())?;
    let (versions, tags) =
        block_on(async { tokio::try_join!(dataset.versions(), dataset.tags()) })?;
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
                    "timestamp": timestamp(m.timestamp_ms),
                    "operation": m.operation.name(),
                    "description": m.operation.to_string(),
                    "rows": m.num_rows(),
                    "fragments": m.fragments.len(),
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
            timestamp(m.timestamp_ms),
            m.operation.to_string(),
            m.num_rows().to_string(),
            m.fragments.len().to_string(),
            tags_of(m.version).join(", "),
        ]);
    }
    outln!("{table}")?;
    Ok(())
}
