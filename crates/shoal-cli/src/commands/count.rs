//! `shoal count DATASET [--where FILTER]`: how many live rows a version has, or match a SQL
//! filter.

use anyhow::Result;
use shoal::{RowFilter, SqlFilter};

use crate::args::CountArgs;
use crate::commands::open_dataset;
use crate::output::outln;
use crate::runtime::block_on;

pub fn run(args: &CountArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let filter = args
        .filter
        .as_deref()
        .map(|text| SqlFilter::new(text, &dataset.schema(), dataset.uri()))
        .transpose()?;
    let rows = block_on(dataset.count_rows(filter.as_ref().map(|f| f as &dyn RowFilter)))?;
    outln!("{rows}")?;
    Ok(())
}
