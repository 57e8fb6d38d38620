//! Time travel: the versions of a table, checking one out (by number or tag), going back
//! to the latest, restoring an old version as the newest, and tags.

use std::time::{Duration, SystemTime};

use shoal_dataset::{Dataset, Tag};
use shoal_io::ObjectLocation;

use super::Table;
use crate::background::on_io;
use crate::error::Result;

/// One version of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: u64,
    /// When it was committed.
    pub timestamp: SystemTime,
    /// What kind of change made it: `create`, `append`, `delete`, `update`, ...
    pub operation: &'static str,
    /// What made it, as one line (`append (1000 rows)`, `delete where id < 5 (4 rows)`).
    pub description: String,
    /// Live rows of the version.
    pub rows: u64,
    pub fragments: u64,
}

/// A version to check out: a number or a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    Number(u64),
    Tag(String),
}

impl From<u64> for VersionRef {
    fn from(version: u64) -> Self {
        VersionRef::Number(version)
    }
}

impl From<&str> for VersionRef {
    fn from(tag: &str) -> Self {
        VersionRef::Tag(tag.to_string())
    }
}

impl From<String> for VersionRef {
    fn from(tag: String) -> Self {
        VersionRef::Tag(tag)
    }
}

impl Table {
    /// Every version of the table, oldest first.
    pub async fn versions(&self) -> Result<Vec<VersionInfo>> {
        let dataset = self.dataset();
        let manifests = on_io(async move { Ok(dataset.versions().await?) }).await?;
        Ok(manifests
            .iter()
            .map(|m| VersionInfo {
                version: m.version,
                timestamp: SystemTime::UNIX_EPOCH + Duration::from_millis(m.timestamp_ms),
                operation: m.operation.name(),
                description: m.operation.to_string(),
                rows: m.num_rows(),
                fragments: m.fragments.len() as u64,
            })
            .collect())
    }

    /// Points this handle at an older version (by number or tag), read-only: changes are
    /// refused until [`Table::checkout_latest`] or [`Table::restore`].
    pub async fn checkout(&self, version: impl Into<VersionRef>) -> Result<()> {
        let dataset = self.dataset();
        let version = version.into();
        let checked_out = on_io(async move {
            Ok(match version {
                VersionRef::Number(v) => dataset.checkout(v).await?,
                VersionRef::Tag(_) => open(dataset.root().clone(), version).await?,
            })
        })
        .await?;
        self.set_state(checked_out, true);
        Ok(())
    }

    /// Points this handle at the latest version, with changes other handles and processes
    /// committed; changes are allowed again.
    pub async fn checkout_latest(&self) -> Result<()> {
        let dataset = self.dataset();
        let latest = on_io(async move { Ok(dataset.latest().await?) }).await?;
        self.set_state(latest, false);
        Ok(())
    }

    /// Makes the version this handle holds (one checked out) the newest, as a new version
    /// with its rows, schema and indices; versions in between stay readable by number. The
    /// handle then holds the new version and may change the table again.
    pub async fn restore(&self) -> Result<()> {
        let dataset = self.dataset();
        let restored = on_io(async move { Ok(dataset.restore().await?) }).await?;
        self.set_state(restored, false);
        Ok(())
    }

    /// The table's tags.
    pub async fn tags(&self) -> Result<Vec<Tag>> {
        let dataset = self.dataset();
        on_io(async move { Ok(dataset.tags().await?) }).await
    }

    /// Names `version` `name`; a tagged version is kept by cleanup.
    pub async fn create_tag(&self, name: &str, version: u64) -> Result<Tag> {
        let (dataset, name) = (self.dataset(), name.to_string());
        on_io(async move { Ok(dataset.create_tag(&name, version).await?) }).await
    }

    /// Removes tag `name` (the version stays until cleanup).
    pub async fn delete_tag(&self, name: &str) -> Result<Tag> {
        let (dataset, name) = (self.dataset(), name.to_string());
        on_io(async move { Ok(dataset.delete_tag(&name).await?) }).await
    }
}

/// Opens `version` of the dataset at `root`, reading only its manifest (and, for a tag, the
/// tag).
pub(super) async fn open(root: ObjectLocation, version: VersionRef) -> Result<Dataset> {
    Ok(match version {
        VersionRef::Number(v) => Dataset::open_version_at(root, v).await?,
        VersionRef::Tag(tag) => Dataset::open_tag_at(root, &tag).await?,
    })
}
