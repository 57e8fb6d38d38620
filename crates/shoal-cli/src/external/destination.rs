//! Where an export or sample may write: a new path, or a regular file the user agreed to
//! replace, or standard output ('-'). Symlinks, directories, FIFOs and devices are never
//! replaced, with or without `--overwrite`.

use std::io::ErrorKind;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::args::ExternalFormat;

/// Whether `path` names standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Fails unless `format` can be streamed to standard output: it must be readable as it
/// arrives, without a footer to seek back to.
pub fn check_streams(format: ExternalFormat) -> Result<()> {
    match format {
        ExternalFormat::Csv | ExternalFormat::IpcStream | ExternalFormat::Jsonl => Ok(()),
        ExternalFormat::Parquet | ExternalFormat::Ipc => bail!(
            "{format:?} cannot be streamed to standard output; write a file, or pass --format \
             csv|ipc-stream|jsonl"
        ),
    }
}

/// Fails when `path` exists and may not be replaced: it is not a regular file, or it is and
/// `overwrite` is not set.
pub fn check_replaceable(path: &Path, overwrite: bool) -> Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot look at '{}'", path.display())),
    };
    let kind = meta.file_type();
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if !kind.is_file() {
        "a special file (FIFO, socket or device)"
    } else if overwrite {
        return Ok(());
    } else {
        bail!(
            "'{}' already exists; pass --overwrite to replace it",
            path.display()
        )
    };
    bail!(
        "'{}' is {what}; Shoal writes only to a new path or replaces a regular file (use '-' \
         for standard output)",
        path.display()
    )
}
