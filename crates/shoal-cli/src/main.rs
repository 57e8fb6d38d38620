//! The `shoal` command-line tool: import, export and inspect Shoal files.
//!
//! `args` defines the command line; each subcommand lives in `commands/`. Errors are printed
//! as one line naming what was wrong, and the process exits with status 1; usage errors exit
//! with status 2 (clap's convention); a closed standard output ends it quietly with 141.

mod args;
mod commands;
mod external;
mod output;
mod progress;
mod runtime;
mod table;

use clap::Parser;

/// mimalloc rather than glibc malloc: decode buffers freed on the CPU pool's threads go back
/// to the OS instead of piling up in per-thread arenas, so a scan's resident memory follows
/// its byte budget (measured by `benches/src/bin/scan_memory.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = args::Cli::parse();
    if let Err(err) = commands::run(cli) {
        if output::is_broken_pipe(&err) {
            std::process::exit(output::BROKEN_PIPE_STATUS);
        }
        eprintln!("error: {}", output::error_line(&err));
        std::process::exit(1);
    }
}
