//! `shoal head DATASET`: the first rows of a dataset version (that match a filter) as a
//! table.

use anyhow::Result;

use crate::args::HeadArgs;
use crate::commands::{filter_for, open_dataset};
use crate::output::outln;
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &HeadArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let projection = dataset.projection(args.columns.as_deref())?;
    let rows = args.rows.min(dataset.num_rows());
    let mut scanner = dataset.scan().projection(projection).limit(rows);
    let filter = filter_for(&dataset, args.filter.as_deref())?;
    if let Some(filter) = filter {
        scanner = scanner.filter(filter);
    }
    let batches = block_on(scanner.collect())?;
    let taken: usize = batches.iter().map(|b| b.num_rows()).sum();
    outln!("{}", render(&batches, args.max_width)?)?;
    let of = match &args.filter {
        Some(_) => "matching rows of",
        None => "of",
    };
    outln!(
        "{taken} {of} {} rows (version {})",
        dataset.num_rows(),
        dataset.version()
    )?;
    Ok(())
}
