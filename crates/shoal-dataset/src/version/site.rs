//! What is at a dataset's location when no dataset is found there: a file where the dataset
//! directory should be, or someone else's files where a new dataset would go. Both are
//! refused by name before anything is written.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use shoal_io::ObjectLocation;

use crate::error::{Error, Result};
use crate::version::layout;
use crate::version::manifest::Manifest;
use crate::version::versions;

/// Foreign entries named in [`Error::LocationNotEmpty`].
const FOREIGN_NAMED: usize = 3;

/// The latest version at `root`, `None` when there is no dataset; when there is none (or
/// reading failed) because `root` is a file, [`Error::NotADatasetDirectory`].
pub(crate) async fn latest(root: &ObjectLocation) -> Result<Option<Arc<Manifest>>> {
    match versions::latest(root).await {
        Ok(None) if is_file(root).await => Err(not_a_directory(root)),
        Err(error @ Error::Io(_)) => Err(explain(root, error).await),
        other => other,
    }
}

/// `error`, a storage error reading the dataset at `root`, or [`Error::NotADatasetDirectory`]
/// when `root` is a file (on local disk, reading under a file fails with "Not a directory").
pub(crate) async fn explain(root: &ObjectLocation, error: Error) -> Error {
    if is_file(root).await {
        not_a_directory(root)
    } else {
        error
    }
}

/// Whether an object exists at `root` itself (one HEAD request; a directory is not one).
async fn is_file(root: &ObjectLocation) -> bool {
    root.size().await.is_ok_and(|size| size.is_some())
}

fn not_a_directory(root: &ObjectLocation) -> Error {
    Error::NotADatasetDirectory {
        uri: root.uri.clone(),
    }
}

/// Fails with [`Error::LocationNotEmpty`] when `root`, which holds no dataset, holds anything
/// the dataset's layout did not name (what a crashed create leaves is fine). Lists only
/// until a few such entries are found, however large the prefix.
pub(crate) async fn check_vacant(root: &ObjectLocation) -> Result<()> {
    let foreign: Vec<String> = shoal_io::list_stream(root)
        .try_filter(|object| futures::future::ready(layout::own_file(&object.path).is_none()))
        .map_ok(|object| object.path)
        .take(FOREIGN_NAMED + 1)
        .try_collect()
        .await?;
    if foreign.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = foreign
        .iter()
        .take(FOREIGN_NAMED)
        .map(|path| format!("'{path}'"))
        .collect();
    let more = if foreign.len() > FOREIGN_NAMED {
        " and more"
    } else {
        ""
    };
    Err(Error::LocationNotEmpty {
        uri: root.uri.clone(),
        found: format!("{}{more}", named.join(", ")),
    })
}

/// Whether a dataset lives at `root`: it has a manifest (the first page of one listing).
pub async fn dataset_exists(root: &ObjectLocation) -> Result<bool> {
    let mut manifests = shoal_io::list_stream(&root.child(layout::VERSIONS_DIR));
    Ok(futures::TryStreamExt::try_next(&mut manifests)
        .await?
        .is_some())
}
