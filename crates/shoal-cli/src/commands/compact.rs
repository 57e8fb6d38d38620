//! `shoal compact DATASET`: rewrites small fragments (and fragments with deleted rows) into
//! larger ones as a new version.

use anyhow::Result;
use shoal::{CompactOptions, OptimizeOptions};

use crate::args::{CompactArgs, VersionArgs};
use crate::commands::open_table;

pub fn run(args: &CompactArgs) -> Result<()> {
    let table = open_table(&args.dataset, &VersionArgs::default())?;
    let before = table.version();
    let options = OptimizeOptions {
        compaction: Some(CompactOptions {
            target_rows_per_fragment: args.target_rows_per_fragment,
            materialize_deletions: !args.keep_deletions,
            ..Default::default()
        }),
        optimize_indices: false,
        cleanup_older_than: None,
    };
    table.optimize(options)?;
    let after = table.stats();
    if after.version == before {
        eprintln!(
            "nothing to compact: {} fragments (version {before})",
            after.fragments
        );
    } else {
        eprintln!(
            "compact: version {}, {} fragments, {} rows",
            after.version, after.fragments, after.rows
        );
    }
    Ok(())
}
