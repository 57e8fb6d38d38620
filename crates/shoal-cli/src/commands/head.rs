//! `shoal head SRC`: the first rows of a Shoal file as a table.

use anyhow::Result;

use crate::args::HeadArgs;
use crate::commands::open;
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &HeadArgs) -> Result<()> {
    let reader = open(&args.src)?;
    let projection = reader.projection(args.columns.as_deref())?;
    let rows = args.rows.min(reader.num_rows());
    let batch = block_on(reader.read_rows(&projection, 0..rows))?;
    println!("{}", render(&[batch], args.max_width)?);
    println!("{rows} of {} rows", reader.num_rows());
    Ok(())
}
