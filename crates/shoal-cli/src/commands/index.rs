//! `shoal index create|optimize|list`: vector indices of a dataset.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use comfy_table::{presets, Table};
use indicatif::ProgressBar;
use serde_json::json;
use shoal::advanced::Dataset;
use shoal::{IndexParams, Progress, ProgressCallback};

use crate::args::{IndexCommand, IndexTypeArg, VersionArgs};
use crate::commands::{metric, open_dataset, open_table};
use crate::output::outln;
use crate::progress::counting_bar;
use crate::runtime::block_on;

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
            let (callback, bars) = progress_bars();
            let created = table.create_index(column, params, Some(callback));
            bars.finish();
            created?;
            report(&table.0.dataset())
        }
        IndexCommand::Optimize { dataset, name } => {
            let dataset = open_dataset(dataset, &VersionArgs::default())?;
            let (callback, bars) = progress_bars();
            let after = block_on(dataset.optimize_index(name, Some(callback)));
            bars.finish();
            let after = after?;
            if after.version() == dataset.version() {
                eprintln!("index '{name}' already covers every fragment");
                return Ok(());
            }
            report(&after)
        }
        IndexCommand::List {
            dataset,
            version,
            json,
        } => {
            let dataset = open_dataset(dataset, version)?;
            list(&dataset, *json)
        }
    }
}

/// Says what the committed version holds.
fn report(after: &Dataset) -> Result<()> {
    if let Some(entry) = after.manifest().indices.last() {
        eprintln!(
            "version {}: index '{}' ({}) over {} rows of {} fragments, {} bytes",
            after.version(),
            entry.name,
            entry.kind.name(),
            entry.rows,
            entry.fragments.len(),
            entry.size
        );
    }
    Ok(())
}

fn list(dataset: &Dataset, json_out: bool) -> Result<()> {
    let schema = dataset.schema();
    let m = dataset.manifest();
    let column_of = |field_id: u32| {
        m.field_ids
            .iter()
            .position(|id| *id == field_id)
            .map_or("?".to_string(), |i| schema.field(i).name().clone())
    };
    let rows: Vec<_> = m
        .indices
        .iter()
        .map(|i| {
            let coverage = m.index_coverage(i);
            json!({
                "name": i.name,
                "column": column_of(i.field_id),
                "type": i.kind.name(),
                "rows": coverage.rows,
                "fragments": coverage.fragments,
                "unindexed_fragments": coverage.unindexed_fragments,
                "unindexed_rows": coverage.unindexed_rows,
                "bytes": i.size,
                "path": i.path,
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
