//! `shoal head DATASET`: the first rows of a dataset version (that match a filter) as a
//! table.

use anyhow::Result;

use crate::args::HeadArgs;
use crate::commands::{open_table, rows_query};
use crate::output::outln;
use crate::table::render;

pub fn run(args: &HeadArgs) -> Result<()> {
    let table = open_table(&args.dataset, &args.version)?;
    let total = table.stats().rows;
    let batches = rows_query(&table, args.columns.as_deref(), args.filter.as_deref())
        .limit(args.rows.min(total))
        .execute()?
        .collect::<Result<Vec<_>, _>>()?;
    let taken: usize = batches.iter().map(|b| b.num_rows()).sum();
    outln!("{}", render(&batches, args.max_width)?)?;
    let of = match &args.filter {
        Some(_) => "matching rows of",
        None => "of",
    };
    outln!("{taken} {of} {total} rows (version {})", table.version())?;
    Ok(())
}
