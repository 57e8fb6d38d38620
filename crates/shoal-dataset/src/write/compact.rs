//! Compaction: rewrites runs of small fragments, and fragments with deleted rows, into
//! fewer, larger ones without the deleted rows, as a new version. Row addresses of the
//! rewritten rows change (their fragments are new); nothing else does.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use shoal_format::WriteOptions;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::read::fragment::OpenFragment;
use crate::version::change::Change;
use crate::version::commit::{commit, discard};
use crate::version::manifest::{DataFile, Fragment};
use crate::write::data_files::{DataFilesWriter, MAX_ROWS_PER_FILE};

/// Rows per batch while copying.
const BATCH_ROWS: usize = 64 * 1024;
/// Fragments of a group opened at once.
const FRAGMENTS_AT_ONCE: usize = 4;

/// What compaction aims for.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    /// Fragments with fewer live rows than this are merged with their neighbours, up to
    /// this many rows per new fragment: 1 to 2^32 - 1.
    pub target_rows_per_fragment: u64,
    /// Rewrite fragments with deleted rows even when they are large, to drop those rows.
    pub materialize_deletions: bool,
    /// Page size and compression of the new data files.
    pub file: WriteOptions,
}

impl Default for CompactOptions {
    fn default() -> Self {
        Self {
            target_rows_per_fragment: 1 << 20,
            materialize_deletions: true,
            file: WriteOptions::default(),
        }
    }
}

impl Dataset {
    /// Compacts the dataset and returns the new version, or this one unchanged when there
    /// is nothing to compact.
    pub async fn compact(&self, options: &CompactOptions) -> Result<Dataset> {
        Error::check_range(
            "target_rows_per_fragment",
            options.target_rows_per_fragment,
            1..=MAX_ROWS_PER_FILE,
        )?;
        let groups = plan(self.fragments(), options);
        if groups.is_empty() {
            return Ok(self.clone());
        }
        let mut removed = Vec::new();
        let mut files = Vec::new();
        for group in groups {
            match self.rewrite(&group, options).await {
                Ok((fragments, written)) => {
                    removed.extend(fragments);
                    files.extend(written);
                }
                Err(e) => {
                    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
                    discard(self.root(), &paths).await;
                    return Err(e);
                }
            }
        }
        let change = Change::Compact { removed, files };
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }

    /// Writes the live rows of the fragments `group` (indices) into one new data file;
    /// returns the fragments it replaces and the file. On failure nothing is left behind.
    async fn rewrite(
        &self,
        group: &[usize],
        options: &CompactOptions,
    ) -> Result<(Vec<Fragment>, Vec<DataFile>)> {
        // Indices by value: a closure over `&usize` would make this future `Send` for one
        // lifetime only, and it could not be spawned.
        let fragments: Vec<Arc<OpenFragment>> = stream::iter(group.to_vec())
            .map(|index| self.open_fragment(index))
            .buffered(FRAGMENTS_AT_ONCE)
            .try_collect()
            .await?;
        let rows: u64 = fragments.iter().map(|f| f.fragment.live_rows()).sum();
        let mut writer = DataFilesWriter::new(
            self.root().clone(),
            self.schema(),
            self.manifest().field_ids.clone(),
            options.file.clone(),
            rows.max(options.target_rows_per_fragment),
        );
        let projection: Vec<usize> = (0..self.schema().fields().len()).collect();
        for fragment in &fragments {
            let mut batches = fragment.stream_live(projection.clone(), BATCH_ROWS);
            while let Some(batch) = batches.next().await {
                let written = match batch {
                    Ok(batch) => writer.write(&batch).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = written {
                    writer.abort().await?;
                    return Err(e);
                }
            }
        }
        let files = writer.finish().await?;
        Ok((
            fragments.iter().map(|f| f.fragment.clone()).collect(),
            files,
        ))
    }
}

/// The groups of fragments (indices, in order) to rewrite together: consecutive small or
/// deletion-carrying fragments, packed up to the target; a group is worth rewriting when it
/// merges two or more fragments or drops deleted rows.
fn plan(fragments: &[Fragment], options: &CompactOptions) -> Vec<Vec<usize>> {
    let target = options.target_rows_per_fragment;
    let candidate = |f: &Fragment| {
        f.live_rows() < target || (options.materialize_deletions && f.deletion.is_some())
    };
    let mut groups = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    let mut rows = 0;
    let worth =
        |group: &[usize]| group.len() > 1 || group.iter().any(|&i| fragments[i].deletion.is_some());
    for (i, f) in fragments.iter().enumerate() {
        let fits = rows + f.live_rows() <= target;
        if !candidate(f) || !fits {
            if worth(&group) {
                groups.push(std::mem::take(&mut group));
            }
            group.clear();
            rows = 0;
        }
        if candidate(f) {
            group.push(i);
            rows += f.live_rows();
        }
    }
    if worth(&group) {
        groups.push(group);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::manifest::{DataFile, DeletionFile};

    fn fragment(id: u64, rows: u64, deleted: u64) -> Fragment {
        Fragment {
            id,
            data: DataFile {
                path: format!("data/{id}.shoal"),
                size: 1,
                rows,
                field_ids: vec![0],
            },
            deletion: (deleted > 0).then(|| DeletionFile {
                path: format!("_deletions/{id}.del"),
                deleted_rows: deleted,
            }),
        }
    }

    #[test]
    fn plans_merge_small_neighbours_and_drop_deletions() {
        let options = CompactOptions {
            target_rows_per_fragment: 100,
            ..Default::default()
        };
        let fragments = vec![
            fragment(0, 40, 0),
            fragment(1, 40, 0),
            fragment(2, 40, 0), // would overflow the first group: starts a new one
            fragment(3, 500, 0), // large: left alone, splits runs
            fragment(4, 30, 0), // alone between large ones: nothing to merge
            fragment(5, 500, 0),
            fragment(6, 500, 10), // large with deletions: rewritten alone
            fragment(7, 10, 0),
        ];
        assert_eq!(plan(&fragments, &options), vec![vec![0, 1], vec![6]]);
        let keep_deletions = CompactOptions {
            materialize_deletions: false,
            ..options
        };
        assert_eq!(plan(&fragments, &keep_deletions), vec![vec![0, 1]]);
    }
}
