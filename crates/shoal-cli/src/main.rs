//! The `shoal` command-line tool: import, export and inspect Shoal files.
//!
//! `args` defines the command line; each subcommand lives in `commands/`. Errors are printed
//! as one line naming what was wrong, and the process exits with status 1; usage errors exit
//! with status 2 (clap's convention).

mod args;
mod commands;
mod external;
mod progress;
mod runtime;
mod table;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    if let Err(err) = commands::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
