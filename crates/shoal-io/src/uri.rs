//! From a user's URI to an object store and a path within it.

use std::sync::{Arc, OnceLock};

use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::ObjectStore;

use crate::error::{IoError, Result};
use crate::location::ObjectLocation;
use crate::memory;
use crate::options::StorageOptions;
use crate::scheduler::SchedulerConfig;
use crate::store::StoreRef;

/// The process-wide store for local files: the whole file system, addressed by absolute path.
fn local_store() -> Arc<dyn ObjectStore> {
    static LOCAL: OnceLock<Arc<dyn ObjectStore>> = OnceLock::new();
    LOCAL
        .get_or_init(|| Arc::new(LocalFileSystem::new()))
        .clone()
}

impl ObjectLocation {
    /// The file or directory this location is on local disk, when its store is the local
    /// file system (a plain path or a `file://` URI, not wrapped in a simulation).
    pub fn local_path(&self) -> Option<std::path::PathBuf> {
        let local = Arc::as_ptr(&local_store()) as *const ();
        let mine = Arc::as_ptr(&self.store()) as *const ();
        (local == mine).then(|| std::path::Path::new("/").join(self.path.as_ref()))
    }
}

/// Resolves a URI with default options (S3 settings from the environment); see
/// [`resolve_with`].
pub fn resolve(uri: &str) -> Result<ObjectLocation> {
    resolve_with(uri, &StorageOptions::default())
}

/// Resolves a URI to a location, which may name one object or a prefix (a dataset
/// directory; address what is under it with [`ObjectLocation::child`]):
///
/// - a plain path (relative or absolute) or `file:///absolute/path`: the local file system.
///   The path need not exist yet: directories are created as objects are written.
/// - `memory://NAME/prefix`: the in-memory store called NAME, shared by every URI naming it
///   within the process.
/// - `s3://bucket/prefix`: an S3 or S3-compatible bucket, configured from the usual `AWS_*`
///   environment variables and `options` (which win).
///
/// With [`StorageOptions::simulation`] set, the store is wrapped in a [`SimulatedStore`].
/// Nothing is requested from the store here.
pub fn resolve_with(uri: &str, options: &StorageOptions) -> Result<ObjectLocation> {
    let (store, path) = match uri.split_once("://") {
        None => (
            StoreRef::fixed_with(local_store(), SchedulerConfig::local()),
            local_path(uri, std::path::PathBuf::from(uri))?,
        ),
        Some(("file", _)) => {
            let url = parse_url(uri)?;
            let file = url
                .to_file_path()
                .map_err(|_| invalid(uri, "not a local file URL (file:///absolute/path)"))?;
            (
                StoreRef::fixed_with(local_store(), SchedulerConfig::local()),
                local_path(uri, file)?,
            )
        }
        Some(("memory", _)) => {
            let url = parse_url(uri)?;
            let name = url.host_str().unwrap_or_default();
            if name.is_empty() {
                return Err(invalid(
                    uri,
                    "memory:// needs a store name: memory://NAME/prefix",
                ));
            }
            (
                StoreRef::fixed(memory::named_store(name)),
                url_path(uri, &url)?,
            )
        }
        Some(("s3", _)) => {
            let url = parse_url(uri)?;
            let bucket = url.host_str().unwrap_or_default();
            if bucket.is_empty() {
                return Err(invalid(uri, "s3:// needs a bucket: s3://bucket/prefix"));
            }
            (StoreRef::s3(uri, bucket, options)?, url_path(uri, &url)?)
        }
        Some((scheme, _)) => {
            return Err(IoError::UnsupportedScheme {
                uri: uri.to_string(),
                scheme: scheme.to_string(),
            })
        }
    };
    let store = match &options.simulation {
        Some(simulation) => StoreRef::simulated(store, simulation.clone()),
        None => store,
    };
    Ok(ObjectLocation {
        store_ref: store,
        path,
        uri: uri.to_string(),
    })
}

fn invalid(uri: &str, reason: impl Into<String>) -> IoError {
    IoError::InvalidUri {
        uri: uri.to_string(),
        reason: reason.into(),
    }
}

fn parse_url(uri: &str) -> Result<url::Url> {
    url::Url::parse(uri).map_err(|e| invalid(uri, e.to_string()))
}

/// The object path of a URL's path (percent-decoded, empty segments dropped).
fn url_path(uri: &str, url: &url::Url) -> Result<Path> {
    Path::from_url_path(url.path()).map_err(|e| invalid(uri, e.to_string()))
}

/// The object path of a local file path, made absolute against the working directory.
fn local_path(uri: &str, path: std::path::PathBuf) -> Result<Path> {
    if path.as_os_str().is_empty() {
        return Err(invalid(uri, "empty path"));
    }
    let absolute = std::path::absolute(&path).map_err(|e| invalid(uri, e.to_string()))?;
    Path::from_absolute_path(&absolute).map_err(|e| invalid(uri, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_and_file_urls_resolve_to_the_same_object() {
        let a = resolve("/tmp/x/data.shoal").unwrap();
        let b = resolve("file:///tmp/x/data.shoal").unwrap();
        assert_eq!(a.path, b.path);
        assert!(resolve("relative/file.shoal")
            .unwrap()
            .path
            .as_ref()
            .ends_with("relative/file.shoal"));
    }

    #[test]
    fn unknown_schemes_and_empty_paths_are_clear_errors() {
        let err = resolve("ftp://host/file").unwrap_err().to_string();
        assert!(err.contains("unsupported storage scheme 'ftp://'"), "{err}");
        assert!(err.contains("s3://"), "{err}");
        assert!(resolve("").is_err());
        let err = resolve("memory:///x").unwrap_err().to_string();
        assert!(err.contains("needs a store name"), "{err}");
        let err = resolve("s3:///x").unwrap_err().to_string();
        assert!(err.contains("needs a bucket"), "{err}");
    }

    #[test]
    fn memory_urls_name_a_shared_store_and_a_prefix() {
        let a = resolve("memory://uri-rs-test/ds/one").unwrap();
        let b = resolve("memory://uri-rs-test").unwrap();
        assert!(Arc::ptr_eq(&a.store(), &b.store()));
        assert_eq!(a.path.as_ref(), "ds/one");
        assert_eq!(b.path.as_ref(), "");
    }

    #[test]
    fn s3_urls_name_a_bucket_and_a_prefix() {
        let options = StorageOptions {
            endpoint: Some("http://127.0.0.1:1".into()),
            region: Some("us-east-1".into()),
            access_key_id: Some("key".into()),
            secret_access_key: Some("secret".into()),
            allow_http: Some(true),
            ..StorageOptions::default()
        };
        let location = resolve_with("s3://bucket/ds/my%20set/", &options).unwrap();
        assert_eq!(location.path.as_ref(), "ds/my set");
        assert_eq!(location.store().to_string(), "AmazonS3(bucket)");
    }
}
