//! `shoal count DATASET [--where FILTER]`: how many live rows a version has, or match a SQL
//! filter.

use anyhow::Result;

use crate::args::CountArgs;
use crate::commands::open_table;
use crate::output::outln;

pub fn run(args: &CountArgs) -> Result<()> {
    let table = open_table(&args.dataset, &args.version)?;
    let rows = table.count_rows(args.filter.as_deref())?;
    outln!("{rows}")?;
    Ok(())
}
