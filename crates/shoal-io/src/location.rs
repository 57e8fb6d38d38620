//! A place in a store: one object, or a prefix (a dataset directory) that objects live under.

use std::sync::Arc;

use object_store::path::Path;
use object_store::ObjectStore;

use crate::store::StoreRef;

/// Where an object (or a prefix of objects) lives: its store, its path in that store, and the
/// URI the user gave (or, for a [child](ObjectLocation::child), that URI joined with the
/// relative path), used in every error message.
#[derive(Debug, Clone)]
pub struct ObjectLocation {
    pub store_ref: StoreRef,
    pub path: Path,
    pub uri: String,
}

impl ObjectLocation {
    /// A location in a store used as it is (see [`StoreRef::fixed`]).
    pub fn new(store: Arc<dyn ObjectStore>, path: Path, uri: impl Into<String>) -> Self {
        Self {
            store_ref: StoreRef::fixed(store),
            path,
            uri: uri.into(),
        }
    }

    /// The store, as built for this process (rebuilt after `fork()` when it holds
    /// connections).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store_ref.get()
    }

    /// The URI this location was resolved from.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The location `relative` under this one: `relative` is split on `/` into path segments
    /// (empty segments are ignored), so `dataset.child("_versions/1.manifest")` addresses a
    /// file inside the dataset's prefix. Segments are taken literally: `..` does not climb out.
    pub fn child(&self, relative: &str) -> ObjectLocation {
        let segments: Vec<&str> = relative.split('/').filter(|s| !s.is_empty()).collect();
        let path = segments
            .iter()
            .fold(self.path.clone(), |path, segment| path.join(*segment));
        let uri = if segments.is_empty() {
            self.uri.clone()
        } else {
            format!("{}/{}", self.uri.trim_end_matches('/'), segments.join("/"))
        };
        ObjectLocation {
            store_ref: self.store_ref.clone(),
            path,
            uri,
        }
    }

    /// The path of `descendant` relative to this location (as a prefix), or `None` when it
    /// does not lie under it.
    pub(crate) fn relative_path_of(&self, descendant: &Path) -> Option<String> {
        let parts = descendant.prefix_match(&self.path)?;
        let relative: Vec<String> = parts.map(|p| p.as_ref().to_string()).collect();
        Some(relative.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    fn location(path: &str, uri: &str) -> ObjectLocation {
        ObjectLocation::new(Arc::new(InMemory::new()), Path::from(path), uri)
    }

    #[test]
    fn children_join_segments_onto_path_and_uri() {
        let dataset = location("bucket/ds", "s3://bucket/ds/");
        let manifest = dataset.child("_versions/1.manifest");
        assert_eq!(manifest.path.as_ref(), "bucket/ds/_versions/1.manifest");
        assert_eq!(manifest.uri, "s3://bucket/ds/_versions/1.manifest");
        let same = dataset.child("//data//x.shoal/");
        assert_eq!(same.path.as_ref(), "bucket/ds/data/x.shoal");
        assert_eq!(dataset.child("").path, dataset.path);
    }

    #[test]
    fn children_of_the_root_and_relative_paths() {
        let root = location("", "memory://test");
        let child = root.child("a/b");
        assert_eq!(child.path.as_ref(), "a/b");
        assert_eq!(child.uri, "memory://test/a/b");
        assert_eq!(root.relative_path_of(&child.path).as_deref(), Some("a/b"));
        let other = location("x/y", "memory://t/x/y");
        assert_eq!(other.relative_path_of(&Path::from("x/yz/1")), None);
        assert_eq!(
            other.relative_path_of(&Path::from("x/y/z/1")).as_deref(),
            Some("z/1")
        );
    }

    #[test]
    fn dot_dot_does_not_escape_the_prefix() {
        let dataset = location("ds", "memory://t/ds");
        let child = dataset.child("../secret");
        assert!(child.path.prefix_matches(&dataset.path), "{}", child.path);
    }
}
