//! `shoal head DATASET`: the first rows of a dataset version as a table.

use anyhow::Result;
use futures::TryStreamExt;

use crate::args::HeadArgs;
use crate::commands::open_dataset;
use crate::runtime::block_on;
use crate::table::render;

pub fn run(args: &HeadArgs) -> Result<()> {
    let dataset = open_dataset(&args.dataset, &args.version)?;
    let projection = dataset.projection(args.columns.as_deref())?;
    let rows = args.rows.min(dataset.num_rows());
    let mut batches = Vec::new();
    let mut taken = 0;
    if rows > 0 {
        let mut stream = dataset.scan(projection, rows as usize);
        while let Some(batch) = block_on(stream.try_next())? {
            let keep = (rows - taken).min(batch.num_rows() as u64) as usize;
            batches.push(batch.slice(0, keep));
            taken += keep as u64;
            if taken >= rows {
                break;
            }
        }
    }
    println!("{}", render(&batches, args.max_width)?);
    println!(
        "{taken} of {} rows (version {})",
        dataset.num_rows(),
        dataset.version()
    );
    Ok(())
}
