//! `shoal index create|optimize|list`: vector indices of a dataset.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use comfy_table::{presets, Table};
use indicatif::ProgressBar;
use serde_json::json;
use shoal::{IndexInfo, IndexParams, Progress, ProgressCallback};

use crate::args::{IndexCommand, IndexTypeArg, VersionArgs};
use crate::commands::{metric, open_table};
use crate::output::outln;
use crate::progress::counting_bar;

pub fn run(command: &IndexCommand) -> Result<()> {
    match command {
        IndexCommand::Create {
            dataset,
            column,
            kind: IndexTypeArg::IvfPq,
            name,
            partitions,
            sub_vectors,
            iterations,
            metric: m,
        } => {
            let table = open_table(dataset, &VersionArgs::default())?;
            let params = IndexParams {
                name: name.clone(),
                partitions: *partitions,
                sub_vectors: *sub_vectors,
                iterations: *iterations,
                ..IndexParams::new(metric(*m))
            };
            let index_name = params.name.clone();
            let (callback, bars) = progress_bars();
            let created = table.create_index(column, params, Some(callback));
            bars.finish();
            created?;
            report(&table, index_name.as_deref())
        }
        IndexCommand::Optimize { dataset, name } => {
            let table = open_table(dataset, &VersionArgs::default())?;
            let (callback, bars) = progress_bars();
            let optimized = table.optimize_index(name, Some(callback));
            bars.finish();
            if !optimized? {
                eprintln!("index '{name}' already covers every fragment");
                return Ok(());
            }
            report(&table, Some(name))
        }
        IndexCommand::List {
            dataset,
            version,
            json,
        } => list(&open_table(dataset, version)?.list_indices(), *json),
    }
}

/// Says what the committed version holds of index `name` (the newest index without a name).
fn report(table: &shoal::blocking::Table, name: Option<&str>) -> Result<()> {
    let indices = table.list_indices();
    let index = match name {
        Some(name) => indices.iter().find(|i| i.name == name),
        None => indices.last(),
    };
    if let Some(i) = index {
        eprintln!(
            "version {}: index '{}' ({}) over {} rows of {} fragments, {} bytes",
            table.version(),
            i.name,
            i.kind,
            i.indexed_rows,
            i.fragments,
            i.bytes
        );
    }
    Ok(())
}

fn list(indices: &[IndexInfo], json_out: bool) -> Result<()> {
    let rows: Vec<_> = indices
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "column": i.column,
                "type": i.kind,
                "rows": i.indexed_rows,
                "fragments": i.fragments,
                "unindexed_fragments": i.unindexed_fragments,
                "unindexed_rows": i.unindexed_rows,
                "bytes": i.bytes,
            })
        })
        .collect();
    if json_out {
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        outln!("no indices")?;
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_BORDERS_ONLY);
    table.set_header(vec![
        "name",
        "column",
        "type",
        "rows",
        "fragments",
        "unindexed fragments",
        "bytes",
    ]);
    for r in &rows {
        table.add_row(
            [
                "name",
                "column",
                "type",
                "rows",
                "fragments",
                "unindexed_fragments",
                "bytes",
            ]
            .map(|k| r[k].to_string().trim_matches('"').to_string()),
        );
    }
    outln!("{table}")?;
    Ok(())
}

/// One progress bar per stage of the build, shown on a terminal.
struct Bars(Mutex<Option<(&'static str, ProgressBar)>>);

impl Bars {
    fn update(&self, p: Progress) {
        let mut current = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|(stage, _)| *stage != p.stage) {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
            let unit = match p.stage {
                "sampling" | "encoding" | "assigning" => "rows",
                _ => "iterations",
            };
            *current = Some((p.stage, counting_bar(Some(p.total), p.stage, unit)));
        }
        if let Some((_, bar)) = current.as_ref() {
            bar.set_position(p.done);
        }
    }

    fn finish(&self) {
        if let Some((_, bar)) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish();
        }
    }
}

fn progress_bars() -> (ProgressCallback, Arc<Bars>) {
    let bars = Arc::new(Bars(Mutex::new(None)));
    let for_callback = bars.clone();
    (Arc::new(move |p| for_callback.update(p)), bars)
}
