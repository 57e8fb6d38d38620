//! One module per subcommand; [`run`] dispatches to them.

mod export;
mod head;
mod import;
mod info;
mod sample;

use anyhow::Result;

use crate::args::{Cli, Command};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Import(args) => import::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Head(args) => head::run(&args),
        Command::Sample(args) => sample::run(&args),
    }
}

/// Opens a Shoal file, with the file named in any error.
fn open(uri: &str) -> Result<shoal::FileReader> {
    Ok(crate::runtime::block_on(shoal::FileReader::open(uri))?)
}

/// Fails when a Shoal destination exists and may not be replaced.
fn refuse_existing_shoal(uri: &str, overwrite: bool) -> Result<()> {
    let location = shoal::resolve(uri)?;
    if !overwrite && crate::runtime::block_on(location.size())?.is_some() {
        anyhow::bail!("'{uri}' already exists; pass --overwrite to replace it");
    }
    Ok(())
}
