//! `shoal count DATASET [--where FILTER]`: how many live rows a version has, or match a SQL
//! filter.

use anyhow::Result;

use crate::args::CountArgs;
use crate::commands::{filter_for, open_dataset};
use crate::output::outln;
use crate::runtime::block_on;

pub fn run(args: &CountArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let filter = filter_for(&dataset, args.filter.as_deref())?;
    let rows = block_on(dataset.count_rows(filter))?;
    outln!("{rows}")?;
    Ok(())
}
