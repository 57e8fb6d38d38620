//! `shoal compact DATASET`: rewrites small fragments (and fragments with deleted rows) into
//! larger ones as a new version.

use anyhow::Result;
use shoal::CompactOptions;

use crate::args::{CompactArgs, VersionArgs};
use crate::commands::open_dataset;
use crate::runtime::block_on;

pub fn run(args: &CompactArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &VersionArgs::default())?;
    let options = CompactOptions {
        target_rows_per_fragment: args.target_rows_per_fragment,
        materialize_deletions: !args.keep_deletions,
        ..Default::default()
    };
    let after = block_on(dataset.compact(&options))?;
    if after.version() == dataset.version() {
        eprintln!(
            "nothing to compact: {} fragments (version {})",
            dataset.fragments().len(),
            dataset.version()
        );
    } else {
        eprintln!(
            "{}: version {}, {} fragments, {} rows",
            after.manifest().operation,
            after.version(),
            after.fragments().len(),
            after.num_rows()
        );
    }
    Ok(())
}
