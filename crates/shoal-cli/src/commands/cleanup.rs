//! `shoal cleanup DATASET --older-than AGE`: removes old versions and unreferenced files.

use anyhow::Result;

use crate::args::{CleanupArgs, VersionArgs};
use crate::commands::open_dataset;
use crate::runtime::block_on;

pub fn run(args: &CleanupArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &VersionArgs::default())?;
    let stats = block_on(dataset.cleanup(args.older_than))?;
    eprintln!(
        "removed {} versions and {} files ({} bytes) older than {}",
        stats.versions_removed,
        stats.files_removed,
        stats.bytes_removed,
        humantime::format_duration(args.older_than)
    );
    Ok(())
}
