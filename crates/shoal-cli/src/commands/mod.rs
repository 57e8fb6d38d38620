//! One module per subcommand; [`run`] dispatches to them.

mod cleanup;
mod compact;
mod count;
mod delete;
mod export;
mod head;
mod import;
mod index;
mod info;
mod inspect;
mod sample;
mod scan;
mod search;
mod sql;
mod stats;
mod tag;
mod take;
mod update;
mod versions;

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;
use shoal::advanced::Dataset;
use shoal::StorageOptions;
use shoal::{ScanStats, SimConfig, Simulation};

use crate::args::{Cli, Command, MetricArg, SimArgs, VersionArgs};
use crate::runtime::block_on;

/// The storage options every command resolves URIs with (a simulation, when asked).
static STORAGE: OnceLock<StorageOptions> = OnceLock::new();

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    let _ = STORAGE.set(storage_options(&cli.sim));
    match cli.command {
        Command::Import(args) => import::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Head(args) => head::run(&args),
        Command::Versions(args) => versions::run(&args),
        Command::Delete(args) => delete::run(&args),
        Command::Compact(args) => compact::run(&args),
        Command::Count(args) => count::run(&args),
        Command::Update(args) => update::run(&args),
        Command::Cleanup(args) => cleanup::run(&args),
        Command::Tag(command) => tag::run(&command),
        Command::Scan(args) => scan::run(&args),
        Command::Take(args) => take::run(&args),
        Command::Index(command) => index::run(&command),
        Command::Search(args) => search::run(&args),
        Command::Sql(args) => sql::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Sample(args) => sample::run(&args),
    }
}

/// Opens a Shoal data file, with the file named in any error.
fn open_file(uri: &str) -> Result<shoal::advanced::FileReader> {
    Ok(block_on(shoal::advanced::FileReader::open(uri))?)
}

fn storage_options(sim: &SimArgs) -> StorageOptions {
    if sim.sim_latency_ms.is_none()
        && sim.sim_concurrency.is_none()
        && sim.sim_bandwidth_mbps.is_none()
    {
        return StorageOptions::default();
    }
    let config = SimConfig {
        latency: Duration::from_millis(sim.sim_latency_ms.unwrap_or(0)),
        concurrency: sim.sim_concurrency,
        bandwidth: sim.sim_bandwidth_mbps.map(|mbps| mbps * 1_000_000),
        ..SimConfig::default()
    };
    StorageOptions::default().with_simulation(Simulation::new(config))
}

/// The simulation the storage goes through, if the command line asked for one.
fn simulation() -> Option<&'static Simulation> {
    STORAGE.get().and_then(|o| o.simulation.as_ref())
}

/// How the commands connect: the storage options and simulation from the command line.
fn connect_options() -> shoal::ConnectOptions {
    shoal::ConnectOptions {
        storage: STORAGE.get_or_init(StorageOptions::default).clone(),
        ..Default::default()
    }
}

/// Opens the dataset at `uri` as a table, at the version `which` asks for (the latest by
/// default).
fn open_table(uri: &str, which: &VersionArgs) -> Result<shoal::blocking::Table> {
    use shoal::blocking::Table;
    let options = connect_options();
    Ok(match (which.version, &which.tag) {
        (Some(v), _) => Table::open_version(uri, v, options)?,
        (None, Some(tag)) => Table::open_version(uri, tag.as_str(), options)?,
        (None, None) => Table::open(uri, options)?,
    })
}

/// A query of `table`'s rows: only `columns` (all without), only the rows `filter` matches
/// (all without). Bad columns and filters are refused when it runs, before any data is read.
fn rows_query(
    table: &shoal::blocking::Table,
    columns: Option<&[String]>,
    filter: Option<&str>,
) -> shoal::blocking::Query {
    let mut query = table.query();
    if let Some(columns) = columns {
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        query = query.select(&columns);
    }
    if let Some(filter) = filter {
        query = query.filter(filter);
    }
    query
}

/// What a finished scan spent, phase by phase.
fn query_stats(rows: &shoal::blocking::QueryRows) -> Result<ScanStats> {
    match rows.stats() {
        shoal::QueryStats::Scan(stats) => Ok(stats),
        shoal::QueryStats::Search(_) => anyhow::bail!("expected the statistics of a scan"),
    }
}

/// The version of the dataset at `uri` that `which` asks for, opened through the API, as the
/// dataset layer's handle: for the commands that show a version's manifest or compose the
/// read phases themselves (`info`, `index`, `search`, `sql`, `sample`).
fn open_dataset(uri: &str, which: &VersionArgs) -> Result<Dataset> {
    Ok(open_table(uri, which)?.0.dataset())
}

/// The library's metric for the command line's.
fn metric(arg: MetricArg) -> shoal::Metric {
    match arg {
        MetricArg::L2 => shoal::Metric::L2,
        MetricArg::Cosine => shoal::Metric::Cosine,
        MetricArg::Dot => shoal::Metric::Dot,
    }
}

/// A commit time (milliseconds since the epoch) as an RFC 3339 UTC timestamp.
fn timestamp(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}
