//! Restoring: an older version made the newest again, as a new version that lists exactly
//! its schema, fragments and indices (their files are still there unless cleanup removed
//! that version). Later versions stay readable by number.

use crate::dataset::Dataset;
use crate::error::Result;
use crate::version::change::Change;
use crate::version::commit::commit;

impl Dataset {
    /// Commits this version's content as the newest version and returns it.
    pub async fn restore(&self) -> Result<Dataset> {
        let change = Change::Restore {
            manifest: self.manifest().clone(),
        };
        let latest = self.latest().await?;
        let manifest = commit(self.root(), Some(latest.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }
}
