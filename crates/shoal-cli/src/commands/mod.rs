//! One module per subcommand; [`run`] dispatches to them.

mod cleanup;
mod compact;
mod delete;
mod export;
mod head;
mod import;
mod info;
mod inspect;
mod sample;
mod tag;
mod versions;

use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;
use shoal::Dataset;

use crate::args::{Cli, Command, VersionArgs};
use crate::runtime::block_on;

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Import(args) => import::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Head(args) => head::run(&args),
        Command::Versions(args) => versions::run(&args),
        Command::Delete(args) => delete::run(&args),
        Command::Compact(args) => compact::run(&args),
        Command::Cleanup(args) => cleanup::run(&args),
        Command::Tag(command) => tag::run(&command),
        Command::Inspect(args) => inspect::run(&args),
        Command::Sample(args) => sample::run(&args),
    }
}

/// Opens a Shoal data file, with the file named in any error.
fn open_file(uri: &str) -> Result<shoal::FileReader> {
    Ok(block_on(shoal::FileReader::open(uri))?)
}

/// Opens the version of the dataset at `uri` that `which` asks for (the latest by default).
fn open_dataset(uri: &str, which: &VersionArgs) -> Result<Dataset> {
    Ok(block_on(async {
        match (which.version, &which.tag) {
            (Some(v), _) => Dataset::open_version(uri, v).await,
            (None, Some(tag)) => Dataset::open_tag(uri, tag).await,
            (None, None) => Dataset::open(uri).await,
        }
    })?)
}

/// A commit time (milliseconds since the epoch) as an RFC 3339 UTC timestamp.
fn timestamp(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}
