//! The command line, defined once: every subcommand and flag, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use shoal::Compression;

#[derive(Parser, Debug)]
#[command(
    name = "shoal",
    version,
    about = "Shoal: an embedded columnar store for AI data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Import a Parquet, CSV or Arrow IPC file into a new Shoal file.
    Import(ImportArgs),
    /// Export a Shoal file to Parquet, CSV or Arrow IPC.
    Export(ExportArgs),
    /// Show a Shoal file's schema, rows, pages, sizes, compression and statistics.
    Info(InfoArgs),
    /// Print the first rows of a Shoal file as a table.
    Head(HeadArgs),
    /// Write a sample table (id, embedding vector, text, category) for trying Shoal out.
    Sample(SampleArgs),
}

/// Formats Shoal imports from and exports to.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternalFormat {
    Parquet,
    Csv,
    /// Arrow IPC file format (.arrow, .feather, .ipc)
    Ipc,
    /// Arrow IPC stream format (.arrows)
    IpcStream,
    /// A Shoal file (only for `sample`)
    Shoal,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to import.
    pub src: PathBuf,
    /// The Shoal file to create (a path or file:// URI).
    pub dst: String,
    /// Format of SRC; by default inferred from its extension.
    #[arg(long, value_enum)]
    pub format: Option<ExternalFormat>,
    /// Rows per batch read from SRC.
    #[arg(long, default_value_t = 8192)]
    pub batch_rows: usize,
    /// Target page size in bytes.
    #[arg(long, default_value_t = shoal::DEFAULT_PAGE_SIZE)]
    pub page_size: usize,
    /// Page compression: none, lz4, zstd or zstd:LEVEL. Pages that do not shrink by 10% are
    /// stored plain.
    #[arg(long, default_value = "none", value_parser = parse_compression)]
    pub compression: Compression,
    /// Replace DST if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The Shoal file to export (a path or file:// URI).
    pub src: String,
    /// The file to write.
    pub dst: PathBuf,
    /// Format of DST; by default inferred from its extension.
    #[arg(long, value_enum)]
    pub format: Option<ExternalFormat>,
    /// Only these columns, comma-separated, in this order.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Rows per batch written.
    #[arg(long, default_value_t = 16384)]
    pub batch_rows: usize,
    /// Replace DST if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The Shoal file (a path or file:// URI).
    pub src: String,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct HeadArgs {
    /// The Shoal file (a path or file:// URI).
    pub src: String,
    /// Number of rows.
    #[arg(short = 'n', long = "rows", default_value_t = 10)]
    pub rows: u64,
    /// Only these columns, comma-separated, in this order.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Longest value shown in a cell before it is cut with an ellipsis.
    #[arg(long, default_value_t = 40)]
    pub max_width: usize,
}

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// The file to write; its format comes from the extension (.shoal, .parquet, .csv,
    /// .arrow, .arrows) unless --format is given.
    pub dst: PathBuf,
    /// Number of rows.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Dimension of the embedding vectors.
    #[arg(long, default_value_t = 128)]
    pub dim: usize,
    /// Seed of the random data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Format of DST; by default inferred from its extension.
    #[arg(long, value_enum)]
    pub format: Option<ExternalFormat>,
    /// Replace DST if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

fn parse_compression(s: &str) -> Result<Compression, String> {
    s.parse()
}
