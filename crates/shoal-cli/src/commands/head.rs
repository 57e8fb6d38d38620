//! `shoal head DATASET`: the first rows of a dataset version as a table.

use anyhow::Result;

use crate::args::HeadArgs;
use crate::commands::open_dataset;
use crate::output::outln;
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &HeadArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let projection = dataset.projection(args.columns.as_deref())?;
    let rows = args.rows.min(dataset.num_rows());
    let batches = block_on(dataset.scan().projection(projection).limit(rows).collect())?;
    let taken: usize = batches.iter().map(|b| b.num_rows()).sum();
    outln!("{}", render(&batches, args.max_width)?)?;
    outln!(
        "{taken} of {} rows (version {})",
        dataset.num_rows(),
        dataset.version()
    )?;
    Ok(())
}
