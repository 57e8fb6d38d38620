//! `shoal update DATASET --set "col = expr" [--where FILTER]`: gives the matching rows new
//! values computed by SQL expressions, as a new version.

use std::sync::Arc;

use anyhow::Result;
use shoal::advanced::{Operation, SqlUpdate};

use crate::args::{UpdateArgs, VersionArgs};
use crate::commands::{filter_for, open_dataset};
use crate::runtime::block_on;

pub fn run(args: &UpdateArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &VersionArgs::default())?;
    let update = SqlUpdate::new(&args.assignments, &dataset.schema(), dataset.uri())?;
    let filter = filter_for(&dataset, args.filter.as_deref())?;
    let after = block_on(dataset.update(Arc::new(update), filter))?;
    match &after.manifest().operation {
        Operation::Update { rows, .. } if after.version() != dataset.version() => {
            eprintln!("updated {rows} rows: version {}", after.version())
        }
        _ => eprintln!(
            "no rows match; nothing changed (version {})",
            dataset.version()
        ),
    }
    Ok(())
}
