//! `shoal update DATASET --set "col = expr" [--where FILTER]`: gives the matching rows new
//! values computed by SQL expressions, as a new version.

use anyhow::Result;

use crate::args::{UpdateArgs, VersionArgs};
use crate::commands::open_table;

pub fn run(args: &UpdateArgs) -> Result<()> {
    let table = open_table(&args.dataset, &VersionArgs::default())?;
    let before = table.version();
    match table.update(&args.assignments, args.filter.as_deref())? {
        0 => eprintln!("no rows match; nothing changed (version {before})"),
        rows => eprintln!("updated {rows} rows: version {}", table.version()),
    }
    Ok(())
}
