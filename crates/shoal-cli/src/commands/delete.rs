//! `shoal delete DATASET --where FILTER`: deletes the rows a SQL filter matches, as a new
//! version.

use anyhow::Result;
use shoal::advanced::{Operation, SqlFilter};

use crate::args::{DeleteArgs, VersionArgs};
use crate::commands::open_dataset;
use crate::runtime::block_on;

pub fn run(args: &DeleteArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &VersionArgs::default())?;
    let filter = SqlFilter::new(&args.predicate, &dataset.schema(), dataset.uri())?;
    let after = block_on(dataset.delete(std::sync::Arc::new(filter)))?;
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
