//! Cleanup: removes old versions and the files that only they (or no version at all)
//! reference.
//!
//! A version is removed when it is older than the given age, is not the latest, and has no
//! tag. A data, deletion or index file is removed when no remaining version references it and it
//! was last modified before the cutoff too: files that a writer is still preparing, or has
//! just committed in a version this cleanup did not see, are younger than any sensible age.
//! (An age of zero is only safe with no writer running.) Manifests go before the files they
//! referenced, oldest first, so a cleanup interrupted at any point leaves every remaining
//! version whole; the next cleanup finishes the job.
//!
//! Only files the dataset's own naming made are ever deleted ([`layout::own_file`]: data,
//! deletion and index files directly in their folders, manifests): anything else under the
//! dataset's root, in any folder, is someone else's and stays.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::dataset::Dataset;
use crate::error::Result;
use crate::version::layout::{self, OwnFile};
use crate::version::tags;

/// Deletes issued at once.
const DELETES_AT_ONCE: usize = 16;

/// What a cleanup removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupStats {
    /// Versions whose manifests were removed.
    pub versions_removed: u64,
    /// Data, deletion and index files removed.
    pub files_removed: u64,
    /// Bytes of those files.
    pub bytes_removed: u64,
}

impl Dataset {
    /// Removes versions older than `older_than` (never the latest, never a tagged one) and
    /// every file older than that which no remaining version references.
    pub async fn cleanup(&self, older_than: Duration) -> Result<CleanupStats> {
        let cutoff = SystemTime::now()
            .checked_sub(older_than)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let cutoff_ms = cutoff
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        // Every manifest is loaded before anything is deleted: a corrupt one stops the
        // cleanup with nothing changed.
        let manifests = self.versions().await?;
        let latest = self.latest().await?.version();
        let tagged: HashSet<u64> = tags::list(self.root())
            .await?
            .into_iter()
            .map(|t| t.version)
            .collect();
        let (kept, removed): (Vec<_>, Vec<_>) = manifests.into_iter().partition(|m| {
            m.version >= latest || tagged.contains(&m.version) || m.timestamp_ms >= cutoff_ms
        });
        let referenced: HashSet<String> = kept
            .iter()
            .flat_map(|m| {
                let fragment_files = m.fragments.iter().flat_map(|f| {
                    std::iter::once(f.data.path.clone())
                        .chain(f.deletion.iter().map(|d| d.path.clone()))
                });
                fragment_files.chain(m.indices.iter().map(|i| i.path.clone()))
            })
            .collect();

        let mut stats = CleanupStats::default();
        for manifest in &removed {
            shoal_io::delete(&layout::manifest(self.root(), manifest.version)).await?;
            stats.versions_removed += 1;
        }
        let mut unreferenced = Vec::new();
        for dir in [layout::DATA_DIR, layout::DELETIONS_DIR, layout::INDICES_DIR] {
            for object in shoal_io::list(&self.root().child(dir)).await? {
                let path = format!("{dir}/{}", object.path);
                let removable = matches!(
                    layout::own_file(&path),
                    Some(OwnFile::Data | OwnFile::Deletion | OwnFile::Index)
                );
                if removable && !referenced.contains(&path) && object.last_modified < cutoff {
                    unreferenced.push((path, object.size));
                }
            }
        }
        let sizes: Vec<u64> = stream::iter(unreferenced)
            .map(|(path, size)| async move {
                shoal_io::delete(&self.root().child(&path)).await?;
                Ok::<_, crate::Error>(size)
            })
            .buffer_unordered(DELETES_AT_ONCE)
            .try_collect()
            .await?;
        stats.files_removed = sizes.len() as u64;
        stats.bytes_removed = sizes.iter().sum();
        Ok(stats)
    }
}
