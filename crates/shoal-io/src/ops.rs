//! Whole-object operations at a location: what the dataset layer needs from a store to keep
//! manifests, data files and deletion files (create-once, overwrite, read, size, list,
//! delete).

use std::time::SystemTime;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::error::{IoError, Result};
use crate::location::ObjectLocation;

/// One object found by [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The object's path relative to the listed prefix, segments joined with `/`
    /// (`_versions/1.manifest`). Segments are as the store keeps them: names made of
    /// letters, digits, `.`, `_` and `-` read back unchanged.
    pub path: String,
    pub size: u64,
    pub last_modified: SystemTime,
}

/// Writes the object at `location` only if nothing exists there yet, atomically: of any
/// number of concurrent creators, exactly one gets `true`; the others get `false`, and so
/// does a create of an object that already exists.
pub async fn put_if_not_exists(location: &ObjectLocation, bytes: Bytes) -> Result<bool> {
    let options = PutOptions::from(PutMode::Create);
    match location
        .store()
        .put_opts(&location.path, PutPayload::from(bytes), options)
        .await
    {
        Ok(_) => Ok(true),
        Err(
            object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. },
        ) => Ok(false),
        Err(e) => Err(error(location, e)),
    }
}

/// Writes the object at `location`, replacing any that exists, atomically: readers see the
/// old object or the new one, never a part.
pub async fn put(location: &ObjectLocation, bytes: Bytes) -> Result<()> {
    location
        .store()
        .put(&location.path, PutPayload::from(bytes))
        .await
        .map(|_| ())
        .map_err(|e| error(location, e))
}

/// Reads the whole object at `location` ([`IoError::NotFound`] when there is none).
pub async fn get(location: &ObjectLocation) -> Result<Bytes> {
    let result = location
        .store()
        .get(&location.path)
        .await
        .map_err(|e| error(location, e))?;
    result.bytes().await.map_err(|e| error(location, e))
}

/// Every object under `location` taken as a prefix, recursively, in no particular order;
/// empty when there is none (not an error).
pub async fn list(location: &ObjectLocation) -> Result<Vec<ObjectInfo>> {
    list_stream(location).try_collect().await
}

/// [`list`] as a stream, page by page as the store answers: a caller that has seen enough
/// stops without listing a large prefix to its end.
pub fn list_stream(location: &ObjectLocation) -> BoxStream<'static, Result<ObjectInfo>> {
    let prefix = location.clone();
    let failed = location.clone();
    location
        .store()
        .list(Some(&location.path))
        .map_err(move |e| error(&failed, e))
        .try_filter_map(move |meta| {
            let info = prefix
                .relative_path_of(&meta.location)
                .filter(|path| !path.is_empty())
                .map(|path| ObjectInfo {
                    path,
                    size: meta.size,
                    last_modified: meta.last_modified.into(),
                });
            futures::future::ready(Ok(info))
        })
        .boxed()
}

/// The names of the prefixes directly under `location` (its "subdirectories"), sorted; one
/// listing request per page of the store's answer. Objects directly under it are left out.
pub async fn list_children(location: &ObjectLocation) -> Result<Vec<String>> {
    let listing = location
        .store()
        .list_with_delimiter(Some(&location.path))
        .await
        .map_err(|e| error(location, e))?;
    let mut names: Vec<String> = listing
        .common_prefixes
        .iter()
        .filter_map(|prefix| prefix.filename().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// Copies the object at `from` to `to`, which must not exist yet where the store can check
/// that atomically (local disk, memory), and is overwritten otherwise (S3).
pub async fn copy(from: &ObjectLocation, to: &ObjectLocation) -> Result<()> {
    let store = from.store();
    match store.copy_if_not_exists(&from.path, &to.path).await {
        Ok(()) => Ok(()),
        Err(
            object_store::Error::NotSupported { .. } | object_store::Error::NotImplemented { .. },
        ) => store
            .copy(&from.path, &to.path)
            .await
            .map_err(|e| error(from, e)),
        Err(e) => Err(error(from, e)),
    }
}

/// Deletes the object at `location`; deleting one that does not exist succeeds.
pub async fn delete(location: &ObjectLocation) -> Result<()> {
    match location.store().delete(&location.path).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(error(location, e)),
    }
}

impl ObjectLocation {
    /// The object's size, or `None` when it does not exist (one HEAD request).
    pub async fn size(&self) -> Result<Option<u64>> {
        match self.store().head(&self.path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(error(self, e)),
        }
    }
}

fn error(location: &ObjectLocation, error: object_store::Error) -> IoError {
    IoError::from_store(&location.uri, error)
}
