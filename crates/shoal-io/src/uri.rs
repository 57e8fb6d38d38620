//! From a user's URI to an object store and a path within it.

use std::sync::{Arc, OnceLock};

use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{IoError, Result};

/// Where one object lives: its store, its path in that store, and the URI the user gave.
#[derive(Debug, Clone)]
pub struct ObjectLocation {
    pub store: Arc<dyn ObjectStore>,
    pub path: Path,
    pub uri: String,
}

impl ObjectLocation {
    /// The object's size, or `None` when it does not exist.
    pub async fn size(&self) -> Result<Option<u64>> {
        match self.store.head(&self.path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(IoError::from_store(&self.uri, e)),
        }
    }
}

/// The process-wide store for local files: the whole file system, addressed by absolute path.
fn local_store() -> Arc<dyn ObjectStore> {
    static LOCAL: OnceLock<Arc<dyn ObjectStore>> = OnceLock::new();
    LOCAL
        .get_or_init(|| Arc::new(LocalFileSystem::new()))
        .clone()
}

/// Resolves a URI: a plain path (relative or absolute) or a `file://` URI.
pub fn resolve(uri: &str) -> Result<ObjectLocation> {
    let invalid = |reason: String| IoError::InvalidUri {
        uri: uri.to_string(),
        reason,
    };
    let local_path = match uri.split_once("://") {
        None => std::path::PathBuf::from(uri),
        Some(("file", _)) => url::Url::parse(uri)
            .map_err(|e| invalid(e.to_string()))?
            .to_file_path()
            .map_err(|_| invalid("not a local file URL".into()))?,
        Some((scheme, _)) => {
            return Err(IoError::UnsupportedScheme {
                uri: uri.to_string(),
                scheme: scheme.to_string(),
            })
        }
    };
    if local_path.as_os_str().is_empty() {
        return Err(invalid("empty path".into()));
    }
    let absolute = std::path::absolute(&local_path).map_err(|e| invalid(e.to_string()))?;
    let path = Path::from_absolute_path(&absolute).map_err(|e| invalid(e.to_string()))?;
    Ok(ObjectLocation {
        store: local_store(),
        path,
        uri: uri.to_string(),
    })
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
        assert!(resolve("").is_err());
    }
}
