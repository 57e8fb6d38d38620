//! Tags: names for versions, kept as small objects under `_tags/`, each holding the version
//! number as text. A tagged version is never removed by `cleanup`, and opens by name
//! ([`Dataset::open_tag`]).

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};
use shoal_io::{resolve, IoError, ObjectLocation};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::version::layout;
use crate::version::versions;

/// A tag and the version it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub version: u64,
}

/// Every tag, by name.
pub(crate) async fn list(root: &ObjectLocation) -> Result<Vec<Tag>> {
    let mut names: Vec<String> = shoal_io::list(&root.child(layout::TAGS_DIR))
        .await?
        .into_iter()
        .map(|o| o.path)
        .filter(|name| validate(name).is_ok())
        .collect();
    names.sort();
    stream::iter(names)
        .map(|name| async move {
            let version = version_of(root, &name).await?;
            Ok::<_, Error>(Tag { name, version })
        })
        .buffered(16)
        .try_collect()
        .await
}

/// The version tagged `name`.
pub(crate) async fn version_of(root: &ObjectLocation, name: &str) -> Result<u64> {
    validate(name)?;
    let location = layout::tag(root, name);
    match shoal_io::get(&location).await {
        Ok(bytes) => std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| Error::Format {
                uri: location.uri.clone(),
                error: shoal_format::FormatError::Corrupt(
                    "a tag holds a version number as text".into(),
                ),
            }),
        Err(IoError::NotFound { .. }) => Err(Error::TagNotFound {
            uri: root.uri.clone(),
            name: name.to_string(),
            available: list_names(root).await?,
        }),
        Err(e) => Err(e.into()),
    }
}

async fn list_names(root: &ObjectLocation) -> Result<String> {
    let names: Vec<String> = shoal_io::list(&root.child(layout::TAGS_DIR))
        .await?
        .into_iter()
        .map(|o| o.path)
        .collect();
    Ok(if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    })
}

/// Fails unless `name` can name a tag (see [`layout::name_problem`]).
fn validate(name: &str) -> Result<()> {
    match layout::name_problem(name) {
        Some(reason) => Err(Error::InvalidTagName {
            name: name.to_string(),
            reason: reason.to_string(),
        }),
        None => Ok(()),
    }
}

impl Dataset {
    /// Opens the version tagged `name` of the dataset at `uri`.
    pub async fn open_tag(uri: &str, name: &str) -> Result<Self> {
        Self::open_tag_at(resolve(uri)?, name).await
    }

    /// Opens the version tagged `name` of the dataset at a resolved location.
    pub async fn open_tag_at(root: ObjectLocation, name: &str) -> Result<Self> {
        let version = version_of(&root, name).await?;
        Self::open_version_at(root, version).await
    }

    /// Every tag of the dataset, by name.
    pub async fn tags(&self) -> Result<Vec<Tag>> {
        list(self.root()).await
    }

    /// Tags version `version` as `name`. Fails if the tag exists or the version does not.
    pub async fn create_tag(&self, name: &str, version: u64) -> Result<Tag> {
        validate(name)?;
        if versions::load(self.root(), version).await?.is_none() {
            return Err(Error::VersionNotFound {
                uri: self.uri().to_string(),
                version,
                latest: self.latest().await?.version(),
            });
        }
        let location = layout::tag(self.root(), name);
        let bytes = Bytes::from(version.to_string());
        if !shoal_io::put_if_not_exists(&location, bytes).await? {
            return Err(Error::TagExists {
                uri: self.uri().to_string(),
                name: name.to_string(),
                version: version_of(self.root(), name).await?,
            });
        }
        Ok(Tag {
            name: name.to_string(),
            version,
        })
    }

    /// Deletes the tag `name` (the version stays until `cleanup` finds it old and untagged).
    pub async fn delete_tag(&self, name: &str) -> Result<Tag> {
        let version = version_of(self.root(), name).await?;
        shoal_io::delete(&layout::tag(self.root(), name)).await?;
        Ok(Tag {
            name: name.to_string(),
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_checked() {
        for ok in ["v1", "release-2024.01", "a_b"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "a/b", "spa ce", "é", &"x".repeat(101)] {
            assert!(
                matches!(validate(bad), Err(Error::InvalidTagName { .. })),
                "{bad}"
            );
        }
    }
}
