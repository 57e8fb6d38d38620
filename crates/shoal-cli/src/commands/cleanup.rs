//! `shoal cleanup DATASET --older-than AGE`: removes old versions and unreferenced files.

use anyhow::Result;
use shoal::OptimizeOptions;

use crate::args::{CleanupArgs, VersionArgs};
use crate::commands::open_table;

pub fn run(args: &CleanupArgs) -> Result<()> {
    let table = open_table(&args.dataset, &VersionArgs::default())?;
    let done = table.optimize(OptimizeOptions {
        compaction: None,
        optimize_indices: false,
        cleanup_older_than: Some(args.older_than),
    })?;
    let stats = done.cleanup.unwrap_or_default();
    eprintln!(
        "removed {} versions and {} files ({} bytes) older than {}",
        stats.versions_removed,
        stats.files_removed,
        stats.bytes_removed,
        humantime::format_duration(args.older_than)
    );
    Ok(())
}
