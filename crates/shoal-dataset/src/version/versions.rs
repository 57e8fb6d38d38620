//! Finding versions: the latest in a constant number of requests, any one by number, and
//! the list of all of them.
//!
//! The latest version is found from the `_latest` hint and then by probing for the next
//! manifest, concurrently with loading the hinted one: two round trips in the common case,
//! however many versions exist. A stale hint (a writer died between its commit and the hint)
//! costs one more probe per version it is behind; a missing or garbled hint falls back to
//! listing `_versions/`.
//!
//! The hint is also a record: the version it names was committed. When that manifest is
//! missing and no manifest at least as new is listed (a stale hint whose version `cleanup`
//! removed always has a newer one), the dataset lost its latest version; opening it then
//! fails ([`Error::LatestManifestMissing`]) rather than serving an older version, and
//! commits never create a manifest numbered at or below the hint (see `commit.rs`).

use std::sync::Arc;

use bytes::Bytes;
use shoal_io::{IoError, ObjectLocation};

use crate::error::{Error, Result};
use crate::version::layout;
use crate::version::manifest::Manifest;

/// Loads the manifest of `version`, or `None` when it does not exist.
pub(crate) async fn load(root: &ObjectLocation, version: u64) -> Result<Option<Arc<Manifest>>> {
    let location = layout::manifest(root, version);
    match shoal_io::get(&location).await {
        Ok(bytes) => {
            let manifest = Manifest::decode(&bytes).map_err(Error::format(&location.uri))?;
            Ok(Some(Arc::new(manifest)))
        }
        Err(IoError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The latest version, or `None` when there is no dataset at `root`.
pub(crate) async fn latest(root: &ObjectLocation) -> Result<Option<Arc<Manifest>>> {
    let mut current = match read_hint(root).await? {
        Some(v) => {
            // Load the hinted version and probe for the next one at the same time.
            let (hinted, next) = futures::join!(load(root, v), load(root, v + 1));
            match (hinted?, next?) {
                (Some(h), None) => return Ok(Some(h)),
                (_, Some(n)) => Some(n),
                (None, None) => {
                    let listed = highest_listed(root).await?;
                    if listed.as_ref().is_none_or(|m| m.version < v) {
                        return Err(Error::LatestManifestMissing {
                            uri: root.uri.clone(),
                            version: v,
                            manifest: layout::manifest(root, v).uri,
                        });
                    }
                    listed
                }
            }
        }
        None => highest_listed(root).await?,
    };
    loop {
        let next = current.as_ref().map_or(1, |m| m.version + 1);
        match load(root, next).await? {
            Some(m) => current = Some(m),
            None => return Ok(current),
        }
    }
}

/// The version the `_latest` hint records, if it holds one.
pub(crate) async fn read_hint(root: &ObjectLocation) -> Result<Option<u64>> {
    match shoal_io::get(&root.child(layout::LATEST_HINT)).await {
        Ok(bytes) => Ok(std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.trim().parse().ok())),
        Err(IoError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Records `version` as the latest. Best effort: a failure only makes the next open probe more.
pub(crate) async fn write_hint(root: &ObjectLocation, version: u64) {
    let _ = shoal_io::put(
        &root.child(layout::LATEST_HINT),
        Bytes::from(version.to_string()),
    )
    .await;
}

/// Every committed version number, ascending.
pub(crate) async fn list(root: &ObjectLocation) -> Result<Vec<u64>> {
    let mut versions: Vec<u64> = shoal_io::list(&root.child(layout::VERSIONS_DIR))
        .await?
        .iter()
        .filter_map(|o| layout::version_of(&o.path))
        .collect();
    versions.sort_unstable();
    Ok(versions)
}

async fn highest_listed(root: &ObjectLocation) -> Result<Option<Arc<Manifest>>> {
    for version in list(root).await?.into_iter().rev() {
        if let Some(m) = load(root, version).await? {
            return Ok(Some(m));
        }
    }
    Ok(None)
}
