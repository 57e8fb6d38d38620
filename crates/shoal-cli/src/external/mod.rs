//! Files in other formats: Parquet, CSV, Arrow IPC and JSON lines, read batch by batch
//! (`source`) and written atomically or streamed to standard output (`sink`, checked first by
//! `destination`).

mod destination;
mod sink;
mod source;

use std::path::Path;

use anyhow::{bail, Result};

use crate::args::ExternalFormat;

pub use sink::Sink;
pub use source::open_source;

/// Works out a file's format from `--format` or its extension.
pub fn detect(path: &Path, explicit: Option<ExternalFormat>) -> Result<ExternalFormat> {
    if let Some(f) = explicit {
        return Ok(f);
    }
    if destination::is_stdout(path) {
        bail!("standard output ('-') has no extension to tell the format by; pass --format csv|ipc-stream|jsonl");
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    Ok(match ext.as_str() {
        "parquet" | "pq" => ExternalFormat::Parquet,
        "csv" => ExternalFormat::Csv,
        "arrow" | "feather" | "ipc" => ExternalFormat::Ipc,
        "arrows" => ExternalFormat::IpcStream,
        "jsonl" | "ndjson" => ExternalFormat::Jsonl,
        "shoal" => bail!(
            "'{}' is a Shoal data file, not Parquet, CSV or Arrow IPC (`shoal inspect` shows one)",
            path.display()
        ),
        _ => bail!(
            "cannot tell the format of '{}' from its extension; pass --format parquet|csv|ipc|ipc-stream|jsonl",
            path.display()
        ),
    })
}
