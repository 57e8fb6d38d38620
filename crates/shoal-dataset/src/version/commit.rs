//! The commit protocol: data files first, then the manifest with put-if-not-exists.
//!
//! A writer prepares its [`Change`] against the version it read and tries to create the next
//! version's manifest. Exactly one writer can create a given manifest; a writer that loses
//! the race loads every version committed since, checks that its change still fits each
//! (appends do), and tries again on top of the newest, a bounded number of times with a short
//! randomised pause. A change that does not fit fails with [`Error::Conflict`] naming both
//! operations. Nothing half-written is ever visible: until the manifest exists, the new data
//! files are referenced by nothing (`cleanup` removes files no version references).
//!
//! A version number is used once: a manifest numbered at or below the `_latest` hint is never
//! created, even when it is missing (removed by `cleanup`, or lost), since that number was
//! committed before; the writer catches up instead.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rand::Rng;
use shoal_io::ObjectLocation;

use crate::error::{Error, Result};
use crate::version::change::Change;
use crate::version::layout;
use crate::version::manifest::Manifest;
use crate::version::versions;

/// How many times a writer tries before giving up to concurrent writers.
const MAX_ATTEMPTS: usize = 100;
/// How many failed manifest writes (storage errors, not lost races) a commit survives.
const MAX_STORAGE_ERRORS: usize = 3;

/// Commits `change` on top of `base` (the version it was prepared against; `None` for a new
/// dataset) and returns the manifest of the new version. When the commit certainly failed
/// (a conflict, not a storage error), the files written for the change are deleted.
pub(crate) async fn commit(
    root: &ObjectLocation,
    base: Option<Arc<Manifest>>,
    change: &Change,
) -> Result<Arc<Manifest>> {
    let result = try_commit(root, base, change).await;
    if result.as_ref().is_err_and(certainly_not_committed) {
        discard(root, &change.written_paths()).await;
    }
    result
}

async fn try_commit(
    root: &ObjectLocation,
    base: Option<Arc<Manifest>>,
    change: &Change,
) -> Result<Arc<Manifest>> {
    let mut base = base;
    let mut storage_errors = 0;
    let used = versions::read_hint(root).await?.unwrap_or(0);
    for attempt in 0..MAX_ATTEMPTS {
        let next = change.apply(base.as_deref(), now_ms(), &root.uri)?;
        let location = layout::manifest(root, next.version);
        // At or below the hint, the number was used: catch up as after a lost race.
        if next.version > used {
            match shoal_io::put_if_not_exists(&location, Bytes::from(next.encode())).await {
                Ok(true) => {
                    versions::write_hint(root, next.version).await;
                    return Ok(Arc::new(next));
                }
                Ok(false) => {}
                // The outcome is unknown (the request may have succeeded): look, as after a
                // lost race, which finds our own manifest if it is there.
                Err(_) if storage_errors < MAX_STORAGE_ERRORS => storage_errors += 1,
                Err(e) => return Err(e.into()),
            }
        }
        // Lost the race (or do not know): catch up with everything committed since `base`.
        let mut seen = base.as_ref().map_or(0, |b| b.version);
        let mut caught_up = false;
        while let Some(theirs) = versions::load(root, seen + 1).await? {
            if *theirs == next {
                // Ours after all: a retried request found its own earlier success.
                versions::write_hint(root, next.version).await;
                return Ok(theirs);
            }
            check_fits(root, change, &theirs)?;
            seen = theirs.version;
            base = Some(theirs);
            caught_up = true;
        }
        if !caught_up {
            // The next version is gone (cleaned up) or not visible yet: go by the latest.
            if let Some(theirs) = versions::latest(root).await? {
                if theirs.version > seen {
                    check_fits(root, change, &theirs)?;
                    base = Some(theirs);
                }
            }
        }
        let pause = rand::thread_rng().gen_range(0..=(1u64 << attempt.min(6)));
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    Err(Error::TooManyRetries {
        uri: root.uri.clone(),
        mine: change.operation().to_string(),
        attempts: MAX_ATTEMPTS,
    })
}

/// Whether a failed commit certainly committed nothing, so that the files written for it
/// may be deleted. After a storage error the manifest may exist all the same (a request can
/// succeed and still report failure), so those files must stay for `cleanup` to judge. A
/// missing latest manifest means no manifest above the hint exists, ours included.
fn certainly_not_committed(error: &Error) -> bool {
    matches!(
        error,
        Error::Conflict { .. }
            | Error::TooManyRetries { .. }
            | Error::DatasetExists { .. }
            | Error::DatasetNotFound { .. }
            | Error::LatestManifestMissing { .. }
    )
}

/// Deletes files written for a change that was not committed (best effort: any left behind
/// are referenced by no version, and `cleanup` removes them).
pub(crate) async fn discard(root: &ObjectLocation, paths: &[String]) {
    for path in paths {
        let _ = shoal_io::delete(&root.child(path)).await;
    }
}

/// Fails with a conflict unless `change` can be applied after `theirs`.
fn check_fits(root: &ObjectLocation, change: &Change, theirs: &Manifest) -> Result<()> {
    if matches!(change, Change::Create { .. }) || change.fits(theirs) {
        // A create that lost gets `DatasetExists` from `apply` on the next attempt.
        return Ok(());
    }
    Err(Error::Conflict {
        uri: root.uri.clone(),
        mine: change.operation().to_string(),
        theirs: theirs.operation.to_string(),
        version: theirs.version,
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
