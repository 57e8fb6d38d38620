//! `shoal delete DATASET --where PREDICATE`: deletes matching rows as a new version.

use anyhow::Result;
use shoal::Operation;

use crate::args::{DeleteArgs, VersionArgs};
use crate::commands::open_dataset;
use crate::runtime::block_on;

pub fn run(args: &DeleteArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &VersionArgs::default())?;
    let after = block_on(dataset.delete(&args.predicate))?;
    match &after.manifest().operation {
        Operation::Delete { rows, .. } if after.version() != dataset.version() => eprintln!(
            "deleted {rows} rows: version {}, {} rows left",
            after.version(),
            after.num_rows()
        ),
        _ => eprintln!(
            "no rows match \"{}\"; nothing changed (version {})",
            args.predicate,
            dataset.version()
        ),
    }
    Ok(())
}
