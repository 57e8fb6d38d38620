//! `shoal tag create|delete|list`: names for versions.

use anyhow::Result;
use comfy_table::{presets, Table};
use serde_json::json;

use crate::args::{TagCommand, VersionArgs};
use crate::commands::open_table;
use crate::output::outln;

pub fn run(command: &TagCommand) -> Result<()> {
    match command {
        TagCommand::Create {
            dataset,
            name,
            version,
        } => {
            let table = open_table(dataset, &VersionArgs::default())?;
            let tag = table.create_tag(name, version.unwrap_or(table.version()))?;
            eprintln!("tagged version {} as '{}'", tag.version, tag.name);
        }
        TagCommand::Delete { dataset, name } => {
            let tag = open_table(dataset, &VersionArgs::default())?.delete_tag(name)?;
            eprintln!("deleted tag '{}' (version {})", tag.name, tag.version);
        }
        TagCommand::List { dataset, json } => {
            let tags = open_table(dataset, &VersionArgs::default())?.tags()?;
            if *json {
                let list: Vec<_> = tags
                    .iter()
                    .map(|t| json!({"name": t.name, "version": t.version}))
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&list)?)?;
            } else if tags.is_empty() {
                outln!("(no tags)")?;
            } else {
                let mut table = Table::new();
                table.load_preset(presets::UTF8_FULL_CONDENSED);
                table.set_header(["tag", "version"]);
                for t in &tags {
                    table.add_row([t.name.clone(), t.version.to_string()]);
                }
                outln!("{table}")?;
            }
        }
    }
    Ok(())
}
