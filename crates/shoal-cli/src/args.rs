//! The command line, defined once: every subcommand and flag, with its help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
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
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Put the dataset behind a simulated slow store (any command), to reproduce object-store
/// figures from a shell.
#[derive(Args, Debug, Clone, Default)]
pub struct SimArgs {
    /// Add this many milliseconds to every storage request (at most an hour).
    #[arg(long, global = true, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=MAX_SIM_LATENCY_MS))]
    pub sim_latency_ms: Option<u64>,
    /// Allow at most this many storage requests in flight.
    #[arg(long, global = true, value_name = "N", value_parser = positive::<usize>)]
    pub sim_concurrency: Option<usize>,
    /// Limit each request's transfer to this many megabytes per second.
    #[arg(long, global = true, value_name = "MBPS", value_parser = clap::value_parser!(u64).range(1..=MAX_SIM_BANDWIDTH_MBPS))]
    pub sim_bandwidth_mbps: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Import a Parquet, CSV or Arrow IPC file into a dataset (create, append or overwrite).
    Import(ImportArgs),
    /// Export a version of a dataset to Parquet, CSV or Arrow IPC.
    Export(ExportArgs),
    /// Show a dataset version: rows, fragments, sizes, schema, versions and tags.
    Info(InfoArgs),
    /// Print the first rows of a dataset as a table.
    Head(HeadArgs),
    /// List a dataset's versions with their timestamps, operations and rows.
    Versions(VersionsArgs),
    /// Delete the rows a SQL filter matches, as a new version.
    Delete(DeleteArgs),
    /// Count the live rows of a version, or those a SQL filter matches.
    Count(CountArgs),
    /// Give the rows a SQL filter matches (or all rows) new values, as a new version.
    Update(UpdateArgs),
    /// Rewrite small fragments into larger ones and drop deleted rows, as a new version.
    Compact(CompactArgs),
    /// Remove old versions and the files only they use (never the latest or a tagged one).
    Cleanup(CleanupArgs),
    /// Create, delete or list tags (names for versions).
    #[command(subcommand)]
    Tag(TagCommand),
    /// Stream the rows of a dataset version (or, with --stats, time the scan phase by phase).
    Scan(ScanArgs),
    /// Read rows by offset.
    Take(TakeArgs),
    /// Build, extend or list vector indices.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Find the rows nearest query vectors (flat, or through the column's index).
    Search(SearchArgs),
    /// Run a SQL query over datasets, each named as a table with --table.
    Sql(SqlArgs),
    /// Show one Shoal data file's pages, sizes, compression and statistics.
    Inspect(InspectArgs),
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
    /// JSON lines, one object per row (.jsonl, .ndjson)
    Jsonl,
}

/// How an import relates to what is at DATASET.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Create a new dataset; fail if one exists.
    Create,
    /// Append to an existing dataset with the same schema.
    Append,
    /// Replace every row of the dataset (creating it if needed); old versions stay.
    Overwrite,
}

/// Which version of a dataset to read.
#[derive(Args, Debug, Clone, Default)]
pub struct VersionArgs {
    /// Read this version instead of the latest.
    #[arg(long, conflicts_with = "tag")]
    pub version: Option<u64>,
    /// Read the version with this tag instead of the latest.
    #[arg(long)]
    pub tag: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to import: Parquet, CSV, Arrow IPC or JSON lines.
    pub src: PathBuf,
    /// The dataset: a directory path, file://, memory:// or s3://bucket/prefix URI.
    pub dataset: String,
    /// Create a new dataset, append to one, or overwrite one.
    #[arg(long, value_enum, default_value_t = ImportMode::Create)]
    pub mode: ImportMode,
    /// Rows per data file (fragment) at most (1 to 4294967295).
    #[arg(long, default_value_t = shoal::WriteParams::default().max_rows_per_file,
          value_parser = clap::value_parser!(u64).range(1..=u64::from(u32::MAX)))]
    pub max_rows_per_file: u64,
    /// Format of SRC; by default inferred from its extension.
    #[arg(long, value_enum)]
    pub format: Option<ExternalFormat>,
    /// Rows per batch read from SRC.
    #[arg(long, default_value_t = 8192, value_parser = positive::<usize>)]
    pub batch_rows: usize,
    /// Target page size in bytes.
    #[arg(long, default_value_t = shoal::DEFAULT_PAGE_SIZE, value_parser = positive::<usize>)]
    pub page_size: usize,
    /// Page compression: none, lz4, zstd or zstd:LEVEL. Pages that do not shrink by 10% are
    /// stored plain.
    #[arg(long, default_value = "none", value_parser = parse_compression)]
    pub compression: Compression,
    /// Make a vector column from a text column while importing (create or overwrite), and
    /// keep how in the dataset, so that appends and `search --text` embed the same way:
    /// SOURCE=VECTOR:FUNCTION[:KEY=VALUE,...]. Functions: hash (dim=N), openai
    /// (model=M,dim=N,base_url=URL,api_key_env=VAR), sentence-transformers (model=DIR).
    /// The keys batch_size, threads, concurrency, max_attempts, timeout_ms and backoff_ms set
    /// how calls run (default: 64 texts a call, a pool of 1 thread); the others are the
    /// function's. Values that parse as JSON numbers are numbers. Repeat for several columns.
    /// Example: --embed text=vector:hash:dim=64
    #[arg(long, value_name = "SPEC", value_parser = parse_embedding)]
    pub embed: Vec<shoal::embedding::EmbeddingDefinition>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    /// The file to write, or '-' for standard output (with --format csv, ipc-stream or
    /// jsonl). An existing file is replaced only with --overwrite; a symlink, directory or
    /// other special file never is.
    pub dst: PathBuf,
    #[command(flatten)]
    pub version: VersionArgs,
    /// Format of DST; by default inferred from its extension.
    #[arg(long, value_enum)]
    pub format: Option<ExternalFormat>,
    /// Only these columns, comma-separated, in this order.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Only the rows this SQL condition is true for, e.g. "category = 'news' AND score > 0.5".
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
    /// Rows per batch written.
    #[arg(long, default_value_t = 16384, value_parser = positive::<usize>)]
    pub batch_rows: usize,
    /// Replace DST if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    #[command(flatten)]
    pub version: VersionArgs,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct HeadArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    #[command(flatten)]
    pub version: VersionArgs,
    /// Number of rows.
    #[arg(short = 'n', long = "rows", default_value_t = 10)]
    pub rows: u64,
    /// Only these columns, comma-separated, in this order.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Only the rows this SQL condition is true for, e.g. "category = 'news' AND score > 0.5".
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
    /// Longest value shown in a cell before it is cut with an ellipsis.
    #[arg(long, default_value_t = 40, value_parser = positive::<usize>)]
    pub max_width: usize,
}

#[derive(Args, Debug)]
pub struct VersionsArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    /// Which rows: a SQL condition, e.g. "category = 7", "name LIKE 'a%' AND score < 0.5",
    /// "id IN (1, 5, 9)", "ts < TIMESTAMP '2025-01-01 00:00:00'".
    #[arg(long = "where", value_name = "FILTER")]
    pub predicate: String,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    /// An assignment, "column = SQL expression", e.g. "score = score * 2" or
    /// "title = upper(title)"; repeat it (or separate with commas) to assign several columns.
    #[arg(long = "set", value_name = "ASSIGNMENT", required = true)]
    pub assignments: Vec<String>,
    /// Only the rows this SQL condition is true for (all rows without it).
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
}

#[derive(Args, Debug)]
pub struct CountArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    #[command(flatten)]
    pub version: VersionArgs,
    /// Count only the rows this SQL condition is true for.
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
}

#[derive(Args, Debug)]
pub struct CompactArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    /// Fragments with fewer live rows are merged, up to this many rows per new fragment.
    #[arg(long, default_value_t = shoal::CompactOptions::default().target_rows_per_fragment,
          value_parser = positive::<u64>)]
    pub target_rows_per_fragment: u64,
    /// Keep large fragments' deletion vectors instead of rewriting them without the rows.
    #[arg(long)]
    pub keep_deletions: bool,
}

#[derive(Args, Debug)]
pub struct CleanupArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    /// Remove versions and unreferenced files older than this, e.g. 7d, 12h, 30m, 0s. An age
    /// of 0s is only safe when no writer is running.
    #[arg(long, default_value = "7d", value_parser = parse_age)]
    pub older_than: Duration,
}

#[derive(Subcommand, Debug)]
pub enum TagCommand {
    /// Name a version (the latest by default).
    Create {
        /// The dataset (a path or URI).
        dataset: String,
        /// The tag: letters, digits, '.', '_' and '-'.
        name: String,
        /// The version to tag; the latest by default.
        #[arg(long)]
        version: Option<u64>,
    },
    /// Delete a tag (its version stays until cleanup finds it old and untagged).
    Delete {
        /// The dataset (a path or URI).
        dataset: String,
        name: String,
    },
    /// List tags and their versions.
    List {
        /// The dataset (a path or URI).
        dataset: String,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    #[command(flatten)]
    pub version: VersionArgs,
    /// Only these columns, comma-separated, in this order.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Only the rows this SQL condition is true for, e.g. "category = 'news' AND score > 0.5".
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
    /// At most this many rows (counted after the filter).
    #[arg(long)]
    pub limit: Option<u64>,
    /// Skip this many rows first.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Rows per batch.
    #[arg(long, default_value_t = 32 * 1024, value_parser = positive::<usize>)]
    pub batch_rows: usize,
    /// Bytes the scan may hold in flight (default 256 MiB).
    #[arg(long, value_parser = positive::<u64>)]
    pub budget_bytes: Option<u64>,
    #[command(flatten)]
    pub output: RowsOutput,
}

#[derive(Args, Debug)]
pub struct TakeArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    #[command(flatten)]
    pub version: VersionArgs,
    /// Row offsets, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "rows_file",
        conflicts_with = "rows_file"
    )]
    pub rows: Option<Vec<u64>>,
    /// A file of row offsets, separated by commas, spaces or newlines.
    #[arg(long)]
    pub rows_file: Option<PathBuf>,
    /// Only these columns, comma-separated, in this order.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    #[command(flatten)]
    pub output: RowsOutput,
}

/// How `scan` and `take` print what they read.
#[derive(Args, Debug)]
pub struct RowsOutput {
    /// Read the rows without printing them, then print statistics (per phase, for a scan).
    #[arg(long)]
    pub stats: bool,
    /// Rows as JSON lines (or, with --stats, the statistics as one JSON object).
    #[arg(long)]
    pub json: bool,
    /// Longest value shown in a table cell.
    #[arg(long, default_value_t = 40, value_parser = positive::<usize>)]
    pub max_width: usize,
}

/// Distances for vector search.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricArg {
    /// Squared Euclidean distance.
    L2,
    /// 1 - cosine similarity.
    Cosine,
    /// Negative dot product.
    Dot,
}

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Train an index of a vector column and commit it as a new version.
    Create {
        /// The dataset (a path or URI).
        dataset: String,
        /// The vector column (fixed_size_list<float32>).
        #[arg(long)]
        column: String,
        /// The kind of index.
        #[arg(long = "type", value_enum, default_value = "ivf-pq")]
        kind: IndexTypeArg,
        /// Its name; defaults to <column>_idx. An index of that name is replaced (retrained).
        #[arg(long)]
        name: Option<String>,
        /// IVF partitions; defaults to about the square root of the rows.
        #[arg(long, value_parser = positive::<usize>)]
        partitions: Option<usize>,
        /// PQ sub-vectors (must divide the dimension); defaults to dimension / 8.
        #[arg(long, value_parser = positive::<usize>)]
        sub_vectors: Option<usize>,
        /// Most k-means iterations, for the partitions and each sub-space (default 25).
        #[arg(long, value_parser = positive::<usize>)]
        iterations: Option<usize>,
        #[arg(long, value_enum, default_value = "l2")]
        metric: MetricArg,
    },
    /// Add the fragments appended since an index was built to it (no retraining).
    Optimize {
        /// The dataset (a path or URI).
        dataset: String,
        /// The index's name.
        name: String,
    },
    /// List the indices of a version.
    List {
        /// The dataset (a path or URI).
        dataset: String,
        #[command(flatten)]
        version: VersionArgs,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Kinds of vector index.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexTypeArg {
    /// Inverted file with product quantization.
    #[value(name = "ivf_pq", alias = "ivf-pq")]
    IvfPq,
}

#[derive(Args, Debug)]
#[command(group = ArgGroup::new("query").required(true).multiple(false))]
pub struct SearchArgs {
    /// The dataset (a path or URI).
    pub dataset: String,
    #[command(flatten)]
    pub version: VersionArgs,
    /// The vector column (with --text, by default the one the dataset's embedding function
    /// makes).
    #[arg(long, required_unless_present = "text")]
    pub column: Option<String>,
    /// A text to search for: the dataset's embedding function (see `import --embed`) makes
    /// the query vector.
    #[arg(long, group = "query")]
    pub text: Option<String>,
    /// A .npy file of float32 queries: one vector, or a matrix of one query per row.
    #[arg(long, group = "query")]
    pub query_file: Option<PathBuf>,
    /// Use the vector of this row (an offset, as in `shoal take`) as the query: rows like
    /// that one.
    #[arg(long, group = "query")]
    pub query_row: Option<u64>,
    /// Rows returned per query.
    #[arg(short, long, default_value_t = 10, value_parser = positive::<usize>)]
    pub k: usize,
    /// Index partitions probed per query.
    #[arg(long, default_value_t = shoal::DEFAULT_NPROBES, value_parser = positive::<usize>)]
    pub nprobes: usize,
    /// Re-rank k x F index candidates with exact distances (0: keep approximate distances).
    #[arg(long, default_value_t = shoal::DEFAULT_REFINE_FACTOR,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=MAX_REFINE_FACTOR))]
    pub refine: usize,
    /// The distance; defaults to the index's (L2 without one). Another than the index's
    /// searches flat.
    #[arg(long, value_enum)]
    pub metric: Option<MetricArg>,
    /// Search flat (exact) even when the column has an index.
    #[arg(long)]
    pub no_index: bool,
    /// Only these columns, comma-separated (besides _distance).
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Add each row's address (_rowaddr).
    #[arg(long)]
    pub with_row_address: bool,
    /// Only rows this SQL condition is true for: the k nearest among them (prefilter), or
    /// with --postfilter, those of the k x refine nearest candidates that match (faster,
    /// may return fewer than k).
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
    /// Apply --where to the nearest candidates instead of before the search.
    #[arg(long, requires = "filter")]
    pub postfilter: bool,
    /// MiB of decoded vectors kept in memory between queries for flat search (default
    /// 1024; 0 reads every query's vectors from storage).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=MAX_VECTOR_CACHE_MIB))]
    pub vector_cache_mib: Option<u64>,
    #[command(flatten)]
    pub output: RowsOutput,
}

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// The query: SELECT, WITH, VALUES or EXPLAIN, e.g.
    /// "SELECT category, count(*) FROM items GROUP BY 1".
    pub query: String,
    /// A table the query reads: NAME=DATASET, the dataset a path or URI (its latest
    /// version). Repeat it to join datasets.
    #[arg(long = "table", value_name = "NAME=DATASET", value_parser = parse_table)]
    pub tables: Vec<(String, String)>,
    /// Rows as JSON lines.
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
    /// Write the rows to this file instead: Parquet, CSV, Arrow IPC or JSON lines, by its
    /// extension or --format ('-' for standard output, with --format csv, ipc-stream or
    /// jsonl). An existing file is replaced only with --overwrite.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of --output; by default inferred from its extension.
    #[arg(long, value_enum, requires = "output")]
    pub format: Option<ExternalFormat>,
    /// Replace the --output file if it exists.
    #[arg(long, requires = "output")]
    pub overwrite: bool,
    /// Longest value shown in a table cell.
    #[arg(long, default_value_t = 40, value_parser = positive::<usize>)]
    pub max_width: usize,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A Shoal data file (a path or URI), e.g. DATASET/data/<uuid>.shoal.
    pub file: String,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// The file to write; its format comes from the extension (.parquet, .arrow, .arrows,
    /// .jsonl) unless --format is given. (CSV cannot hold the vector column.)
    pub dst: PathBuf,
    /// Number of rows.
    #[arg(long, default_value_t = 100_000, value_parser = positive::<usize>)]
    pub rows: usize,
    /// Dimension of the embedding vectors (1 to 65536).
    #[arg(long, default_value_t = 128, value_parser = sample_dim)]
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

/// The longest simulated latency: an hour.
const MAX_SIM_LATENCY_MS: u64 = 3_600_000;
/// The highest simulated bandwidth, 1 TB/s (its bytes per second still fit a u64).
const MAX_SIM_BANDWIDTH_MBPS: u64 = 1_000_000;
/// The largest refine factor: beyond it, re-ranking reads more candidates than any index
/// probe yields.
const MAX_REFINE_FACTOR: u64 = 10_000;
/// The largest vector cache, 1 TiB (its bytes still fit a u64).
const MAX_VECTOR_CACHE_MIB: u64 = 1 << 20;
/// The widest sample vectors.
const MAX_SAMPLE_DIM: usize = 1 << 16;

/// A count where 0 makes no sense: refused with a line naming the option.
fn positive<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialEq + From<u8>,
    T::Err: std::fmt::Display,
{
    let n: T = s
        .parse()
        .map_err(|e| format!("'{s}' is not a whole number of at least 1 ({e})"))?;
    if n == T::from(0) {
        return Err("must be at least 1".to_string());
    }
    Ok(n)
}

fn sample_dim(s: &str) -> Result<usize, String> {
    let dim = positive::<usize>(s)?;
    if dim > MAX_SAMPLE_DIM {
        return Err(format!("at most {MAX_SAMPLE_DIM}"));
    }
    Ok(dim)
}

/// `NAME=DATASET`, split at the first '='.
fn parse_table(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, uri)) if !name.is_empty() && !uri.is_empty() => {
            Ok((name.to_string(), uri.to_string()))
        }
        _ => Err(format!(
            "'{s}' is not NAME=DATASET (for example items=./items or items=s3://bucket/items)"
        )),
    }
}

/// `SOURCE=VECTOR:FUNCTION[:KEY=VALUE,...]` (see `import --embed`).
fn parse_embedding(s: &str) -> Result<shoal::embedding::EmbeddingDefinition, String> {
    let usage = "expected SOURCE=VECTOR:FUNCTION[:KEY=VALUE,...]";
    let (columns, rest) = s.split_once(':').ok_or(usage)?;
    let (source, vector) = columns.split_once('=').ok_or(usage)?;
    let (function, params) = rest.split_once(':').unwrap_or((rest, ""));
    if source.is_empty() || vector.is_empty() || function.is_empty() {
        return Err(usage.into());
    }
    let mut map = serde_json::Map::new();
    let mut options = serde_json::Map::new();
    for pair in params.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("parameter '{pair}' is not KEY=VALUE"))?;
        let value = match value.parse::<serde_json::Number>() {
            Ok(number) => serde_json::Value::Number(number),
            Err(_) => serde_json::Value::String(value.to_string()),
        };
        match EMBEDDING_OPTION_KEYS.contains(&key) {
            true => options.insert(key.to_string(), value),
            false => map.insert(key.to_string(), value),
        };
    }
    let options: shoal::embedding::EmbeddingOptions =
        serde_json::from_value(serde_json::Value::Object(options))
            .map_err(|e| format!("bad run option: {e} (they are whole numbers)"))?;
    Ok(shoal::embedding::EmbeddingDefinition::new(
        source,
        vector,
        function,
        serde_json::Value::Object(map),
    )
    .with_options(options))
}

/// The keys of `--embed` that set how calls run (`EmbeddingOptions`) rather than the function.
const EMBEDDING_OPTION_KEYS: [&str; 6] = [
    "batch_size",
    "threads",
    "concurrency",
    "max_attempts",
    "timeout_ms",
    "backoff_ms",
];

fn parse_compression(s: &str) -> Result<Compression, String> {
    s.parse()
}

fn parse_age(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 7d, 12h, 30m, 0s)"))
}
