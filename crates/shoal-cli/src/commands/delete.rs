//! `shoal delete DATASET --where FILTER`: deletes the rows a SQL filter matches, as a new
//! version.

use anyhow::Result;

use crate::args::{DeleteArgs, VersionArgs};
use crate::commands::open_table;

pub fn run(args: &DeleteArgs) -> Result<()> {
    let table = open_table(&args.dataset, &VersionArgs::default())?;
    let before = table.version();
    match table.delete(&args.predicate)? {
        0 => eprintln!(
            "no rows match \"{}\"; nothing changed (version {before})",
            args.predicate
        ),
        rows => eprintln!(
            "deleted {rows} rows: version {}, {} rows left",
            table.version(),
            table.stats().rows
        ),
    }
    Ok(())
}
