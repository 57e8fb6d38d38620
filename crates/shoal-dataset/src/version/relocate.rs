//! Copying and removing a whole dataset: every file its own naming made
//! ([`layout::own_file`]), and nothing else, so files a user keeps beside the dataset's are
//! neither copied nor deleted.
//!
//! Manifests (with the `_latest` hint) are copied last and deleted last: a copy that fails
//! part-way leaves no dataset at the destination (no manifest references the files there),
//! and a removal that fails part-way leaves a dataset that a second attempt can still find
//! and finish removing.

use futures::{StreamExt, TryStreamExt};
use shoal_io::ObjectLocation;

use crate::error::Result;
use crate::version::layout::{self, OwnFile};

/// Requests in flight at once.
const AT_ONCE: usize = 16;

/// Deletes every file of the dataset at `root`, and on local disk the folders they leave
/// empty; returns how many files were deleted.
pub async fn destroy_dataset(root: &ObjectLocation) -> Result<u64> {
    let mut deleted = 0;
    for group in own_files(root).await? {
        deleted += group.len() as u64;
        each(group, |path| async move {
            shoal_io::delete(&root.child(&path)).await
        })
        .await?;
    }
    if let Some(directory) = root.local_path() {
        for folder in layout::FOLDERS.iter().chain([&""]) {
            // Fails, as it should, on a folder that still holds someone else's files.
            let _ = std::fs::remove_dir(directory.join(folder));
        }
    }
    Ok(deleted)
}

/// Copies every file of the dataset at `from` to the same place under `to`; returns how
/// many were copied.
pub async fn copy_dataset(from: &ObjectLocation, to: &ObjectLocation) -> Result<u64> {
    let mut copied = 0;
    for group in own_files(from).await? {
        copied += group.len() as u64;
        each(group, |path| async move {
            shoal_io::copy(&from.child(&path), &to.child(&path)).await
        })
        .await?;
    }
    Ok(copied)
}

/// The dataset's own files under `root`: everything but the manifests and the hint, then
/// those.
async fn own_files(root: &ObjectLocation) -> Result<[Vec<String>; 2]> {
    let (last, first): (Vec<_>, Vec<_>) = shoal_io::list(root)
        .await?
        .into_iter()
        .filter_map(|info| layout::own_file(&info.path).map(|kind| (kind, info.path)))
        .partition(|(kind, _)| matches!(kind, OwnFile::Manifest(_) | OwnFile::LatestHint));
    let paths = |files: Vec<(OwnFile, String)>| files.into_iter().map(|(_, p)| p).collect();
    Ok([paths(first), paths(last)])
}

/// Runs `request` for every path, a few at a time, stopping at the first failure.
async fn each<F, Fut>(paths: Vec<String>, request: F) -> Result<()>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = shoal_io::Result<()>>,
{
    futures::stream::iter(paths)
        .map(request)
        .buffer_unordered(AT_ONCE)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}
