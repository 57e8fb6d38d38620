//! What a writer wants to do to a dataset, and how that becomes the next manifest.
//!
//! A [`Change`] is prepared against the version the writer read (its data and deletion files
//! are already written). [`Change::apply`] turns it into the manifest of the next version.
//! When another writer committed first, the commit loop asks [`Change::fits`] of each version
//! it missed: appends fit anything but an overwrite; a delete or a compaction fits as long
//! as the fragments it read are still there, unchanged (so two deletes of different
//! fragments, or a delete and an append, both land; a delete racing a compaction of the same
//! fragment is a conflict, since applying both would lose the deletion). An index build fits
//! anything but an overwrite (rows appended meanwhile are simply not covered yet; fragments
//! compacted away are ignored by searches). A merge-insert fits only an index build, or a
//! delete that left every fragment it read unchanged: any change that adds rows could add a
//! key it decided to insert (`merge_insert` then runs again on the newest version). A change
//! that fits every missed version is applied again on top of the newest. Indices carry over
//! to the next version, except through an overwrite.
//!
//! Schema changes (add, alter, drop columns) do not combine with data written meanwhile:
//! files written against one schema must not land in a version of another. So a schema
//! change fits only versions that wrote no data file and left the schema alone (deletes and
//! index builds), and a change that writes data files, or builds an index, fits no schema
//! change. A schema change that rewrote fragments keeps their ids and every row's position,
//! so a deletion committed meanwhile still applies to the new files.

use arrow_schema::SchemaRef;

use crate::error::{Error, Result};
use crate::version::manifest::{DataFile, DeletionFile, Fragment, IndexEntry, Manifest, Operation};

/// A change to commit, its files already written.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A new dataset.
    Create {
        schema: SchemaRef,
        files: Vec<DataFile>,
    },
    /// New fragments added after the existing ones.
    Append { files: Vec<DataFile> },
    /// Every fragment replaced; the schema may change.
    Overwrite {
        schema: SchemaRef,
        files: Vec<DataFile>,
    },
    /// Rows deleted: new deletion vectors for some fragments.
    Delete {
        predicate: String,
        updates: Vec<DeletionUpdate>,
    },
    /// Fragments rewritten into new ones without their deleted rows.
    Compact {
        removed: Vec<Fragment>,
        files: Vec<DataFile>,
    },
    /// A vector index built or extended; it replaces any index of the same name.
    CreateIndex { index: IndexEntry },
    /// Rows given new values: each fragment holding some is replaced, where it stands, by
    /// new files of its live rows.
    Update {
        assignments: String,
        predicate: String,
        rows: u64,
        rewritten: Vec<Rewritten>,
    },
    /// An older version made the newest again: its schema, fragments and indices, whatever
    /// was committed since.
    Restore { manifest: std::sync::Arc<Manifest> },
    /// The schema changed: fields added, altered or dropped; some fragments' data files
    /// maybe replaced by files of the same rows holding the new schema's columns.
    Schema(SchemaChange),
    /// Rows merged in by key: new deletion vectors for the target rows replaced or deleted,
    /// new fragments for the source rows written.
    MergeInsert {
        on: Vec<String>,
        /// Every fragment holding a row whose key the source has, or a row deleted, as the
        /// merge read it.
        read: Vec<Fragment>,
        deletions: Vec<DeletionUpdate>,
        files: Vec<DataFile>,
        inserted: u64,
        updated: u64,
        deleted: u64,
    },
}

/// A new schema, and what goes with it.
#[derive(Debug, Clone)]
pub(crate) struct SchemaChange {
    /// What is recorded: [`Operation::AddColumns`], [`Operation::AlterColumns`] or
    /// [`Operation::DropColumns`].
    pub operation: Operation,
    pub schema: SchemaRef,
    pub field_ids: Vec<u32>,
    /// Fields whose values changed (a cast): their indices go.
    pub recomputed: Vec<u32>,
    /// Fragments whose data file is replaced, each keeping its id and deletion vector.
    pub replaced: Vec<Replaced>,
}

/// A fragment's data file, and the one of the same rows, in the same order, that replaces
/// it.
#[derive(Debug, Clone)]
pub(crate) struct Replaced {
    pub fragment_id: u64,
    pub before: DataFile,
    pub after: DataFile,
}

/// A fragment rewritten by an update, and the files that replace it.
#[derive(Debug, Clone)]
pub(crate) struct Rewritten {
    pub before: Fragment,
    pub files: Vec<DataFile>,
}

/// A fragment's new deletion vector.
#[derive(Debug, Clone)]
pub(crate) struct DeletionUpdate {
    /// The fragment as the delete read it.
    pub before: Fragment,
    /// Its new deletion file; `None` when every row is deleted and the fragment goes.
    pub after: Option<DeletionFile>,
}

impl DeletionUpdate {
    fn newly_deleted(&self) -> u64 {
        let deleted = |d: Option<&DeletionFile>| d.map_or(0, |d| d.deleted_rows);
        match &self.after {
            Some(after) => after.deleted_rows - deleted(self.before.deletion.as_ref()),
            None => self.before.live_rows(),
        }
    }
}

impl Change {
    /// The operation recorded for this change.
    pub(crate) fn operation(&self) -> Operation {
        let rows = |files: &[DataFile]| files.iter().map(|f| f.rows).sum();
        match self {
            Change::Create { files, .. } => Operation::Create { rows: rows(files) },
            Change::Append { files } => Operation::Append { rows: rows(files) },
            Change::Overwrite { files, .. } => Operation::Overwrite { rows: rows(files) },
            Change::Delete { predicate, updates } => Operation::Delete {
                predicate: predicate.clone(),
                rows: updates.iter().map(DeletionUpdate::newly_deleted).sum(),
            },
            Change::Compact { removed, files } => Operation::Compact {
                removed: removed.len() as u64,
                added: files.len() as u64,
            },
            Change::Update {
                assignments,
                predicate,
                rows,
                ..
            } => Operation::Update {
                assignments: assignments.clone(),
                predicate: predicate.clone(),
                rows: *rows,
            },
            Change::Restore { manifest } => Operation::Restore {
                version: manifest.version,
            },
            Change::CreateIndex { index } => Operation::CreateIndex {
                name: index.name.clone(),
                rows: index.rows,
            },
            Change::Schema(change) => change.operation.clone(),
            Change::MergeInsert {
                on,
                inserted,
                updated,
                deleted,
                ..
            } => Operation::MergeInsert {
                on: on.clone(),
                inserted: *inserted,
                updated: *updated,
                deleted: *deleted,
            },
        }
    }

    /// The paths (relative to the root) of the files written for this change.
    pub(crate) fn written_paths(&self) -> Vec<String> {
        match self {
            Change::Create { files, .. }
            | Change::Append { files }
            | Change::Overwrite { files, .. }
            | Change::Compact { files, .. } => files.iter().map(|f| f.path.clone()).collect(),
            Change::Delete { updates, .. } => deletion_paths(updates).collect(),
            Change::CreateIndex { index } => vec![index.path.clone()],
            Change::Restore { .. } => Vec::new(),
            Change::Update { rewritten, .. } => rewritten
                .iter()
                .flat_map(|r| r.files.iter().map(|f| f.path.clone()))
                .collect(),
            Change::Schema(change) => change
                .replaced
                .iter()
                .map(|r| r.after.path.clone())
                .collect(),
            Change::MergeInsert {
                deletions, files, ..
            } => files
                .iter()
                .map(|f| f.path.clone())
                .chain(deletion_paths(deletions))
                .collect(),
        }
    }

    /// Whether this change, prepared before `theirs` was committed, can still be applied
    /// after it.
    pub(crate) fn fits(&self, theirs: &Manifest) -> bool {
        let unchanged = |before: &Fragment| theirs.fragments.iter().any(|f| f == before);
        if matches!(self, Change::Restore { .. }) {
            return true; // what was committed since is exactly what a restore sets aside
        }
        let mine = self.operation();
        let schema_bound = mine.writes_data_files()
            || mine.changes_schema()
            || matches!(self, Change::CreateIndex { .. });
        if (theirs.operation.changes_schema() && schema_bound)
            || (mine.changes_schema() && theirs.operation.writes_data_files())
        {
            return false;
        }
        match self {
            Change::Create { .. } | Change::Overwrite { .. } | Change::Restore { .. } => false,
            Change::Append { .. } | Change::CreateIndex { .. } => {
                !matches!(theirs.operation, Operation::Overwrite { .. })
            }
            Change::Delete { updates, .. } => updates.iter().all(|u| unchanged(&u.before)),
            Change::Compact { removed, .. } => removed.iter().all(unchanged),
            Change::Update { rewritten, .. } => rewritten.iter().all(|r| unchanged(&r.before)),
            Change::Schema(change) => change
                .replaced
                .iter()
                .all(|r| replaceable(&theirs.fragments, r).is_some()),
            Change::MergeInsert { read, .. } => match theirs.operation {
                Operation::CreateIndex { .. } => true,
                Operation::Delete { .. } => read.iter().all(unchanged),
                // Everything else adds rows (or replaces them), possibly with keys the merge
                // did not see.
                _ => false,
            },
        }
    }

    /// The manifest of the version after `base` (none for a new dataset). Fails when the
    /// change does not fit: creating a dataset that exists, changing one that does not, or
    /// deleting from or compacting fragments that `base` no longer has as they were.
    pub(crate) fn apply(
        &self,
        base: Option<&Manifest>,
        timestamp_ms: u64,
        uri: &str,
    ) -> Result<Manifest> {
        let b = match (self, base) {
            (Change::Create { .. }, Some(b)) => {
                return Err(Error::DatasetExists {
                    uri: uri.to_string(),
                    version: b.version,
                })
            }
            (Change::Create { schema, files } | Change::Overwrite { schema, files }, b) => {
                let next_id = b.map_or(0, |b| b.next_fragment_id);
                return Ok(Manifest {
                    version: b.map_or(1, |b| b.version + 1),
                    timestamp_ms,
                    operation: self.operation(),
                    schema: schema.clone(),
                    field_ids: (0..schema.fields().len() as u32).collect(),
                    fragments: new_fragments(files, next_id),
                    next_fragment_id: next_id + files.len() as u64,
                    indices: Vec::new(),
                });
            }
            (_, None) => {
                return Err(Error::DatasetNotFound {
                    uri: uri.to_string(),
                })
            }
            (_, Some(b)) => b,
        };
        let conflict = || Error::Conflict {
            uri: uri.to_string(),
            mine: self.operation().to_string(),
            theirs: b.operation.to_string(),
            version: b.version,
        };
        if let Change::Restore { manifest } = self {
            return Ok(Manifest {
                version: b.version + 1,
                timestamp_ms,
                operation: self.operation(),
                // Fragment ids are never reused: new fragments number on from the newest.
                next_fragment_id: b.next_fragment_id.max(manifest.next_fragment_id),
                ..(**manifest).clone()
            });
        }
        let mut fragments = b.fragments.clone();
        let mut next_fragment_id = b.next_fragment_id;
        let mut indices = b.indices.clone();
        match self {
            Change::Append { files } => {
                fragments.extend(new_fragments(files, next_fragment_id));
                next_fragment_id += files.len() as u64;
            }
            Change::Delete { updates, .. } => apply_deletions(&mut fragments, updates, conflict)?,
            Change::Compact { removed, files } => {
                let mut first = usize::MAX;
                for before in removed {
                    let at = position(&fragments, before).ok_or_else(conflict)?;
                    first = first.min(at);
                    fragments.remove(at);
                }
                let first = first.min(fragments.len());
                let added = new_fragments(files, next_fragment_id);
                fragments.splice(first..first, added);
                next_fragment_id += files.len() as u64;
            }
            Change::CreateIndex { index } => {
                indices.retain(|i| i.name != index.name);
                indices.push(index.clone());
            }
            Change::Update { rewritten, .. } => {
                for r in rewritten {
                    let at = position(&fragments, &r.before).ok_or_else(conflict)?;
                    let added = new_fragments(&r.files, next_fragment_id);
                    next_fragment_id += r.files.len() as u64;
                    fragments.splice(at..=at, added);
                }
            }
            Change::Schema(change) => {
                for r in &change.replaced {
                    let at = replaceable(&fragments, r).ok_or_else(conflict)?;
                    fragments[at].data = r.after.clone();
                }
                indices.retain(|i| {
                    change.field_ids.contains(&i.field_id)
                        && !change.recomputed.contains(&i.field_id)
                });
            }
            Change::MergeInsert {
                deletions, files, ..
            } => {
                apply_deletions(&mut fragments, deletions, conflict)?;
                fragments.extend(new_fragments(files, next_fragment_id));
                next_fragment_id += files.len() as u64;
            }
            Change::Create { .. } | Change::Overwrite { .. } | Change::Restore { .. } => {
                unreachable!("handled above")
            }
        }
        let (schema, field_ids) = match self {
            Change::Schema(change) => (change.schema.clone(), change.field_ids.clone()),
            _ => (b.schema.clone(), b.field_ids.clone()),
        };
        Ok(Manifest {
            version: b.version + 1,
            timestamp_ms,
            operation: self.operation(),
            schema,
            field_ids,
            fragments,
            next_fragment_id,
            indices,
        })
    }
}

/// Fragments for new data files, numbered from `next_id`.
fn new_fragments(files: &[DataFile], next_id: u64) -> Vec<Fragment> {
    files
        .iter()
        .zip(next_id..)
        .map(|(data, id)| Fragment {
            id,
            data: data.clone(),
            deletion: None,
        })
        .collect()
}

/// Where the fragment whose data file `r` replaces is in `fragments`, if its data file is
/// still the one replaced (its deletion vector may have changed).
fn replaceable(fragments: &[Fragment], r: &Replaced) -> Option<usize> {
    fragments
        .iter()
        .position(|f| f.id == r.fragment_id && f.data == r.before)
}

/// Points each updated fragment at its new deletion file (drops it when every row is
/// deleted); a conflict when one is not in `fragments` as it was.
fn apply_deletions(
    fragments: &mut Vec<Fragment>,
    updates: &[DeletionUpdate],
    conflict: impl Fn() -> Error,
) -> Result<()> {
    for update in updates {
        let at = position(fragments, &update.before).ok_or_else(&conflict)?;
        match &update.after {
            Some(after) => fragments[at].deletion = Some(after.clone()),
            None => {
                fragments.remove(at);
            }
        }
    }
    Ok(())
}

/// The deletion files written for `updates`.
fn deletion_paths(updates: &[DeletionUpdate]) -> impl Iterator<Item = String> + '_ {
    updates
        .iter()
        .filter_map(|u| u.after.as_ref().map(|d| d.path.clone()))
}

/// Where `before` is in `fragments`, if it is there unchanged.
fn position(fragments: &[Fragment], before: &Fragment) -> Option<usize> {
    fragments.iter().position(|f| f == before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    fn file(name: &str, rows: u64) -> DataFile {
        DataFile {
            path: format!("data/{name}.shoal"),
            size: 100,
            rows,
            field_ids: vec![0],
        }
    }

    #[test]
    fn appends_rebase_onto_each_other_with_fresh_fragment_ids() {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let v1 = Change::Create {
            schema,
            files: vec![file("a", 10)],
        }
        .apply(None, 1, "ds")
        .unwrap();
        let mine = Change::Append {
            files: vec![file("b", 5)],
        };
        let theirs = Change::Append {
            files: vec![file("c", 7)],
        }
        .apply(Some(&v1), 2, "ds")
        .unwrap();
        assert!(mine.fits(&theirs));
        let v3 = mine.apply(Some(&theirs), 3, "ds").unwrap();
        assert_eq!(v3.version, 3);
        assert_eq!(v3.num_rows(), 22);
        let ids: Vec<u64> = v3.fragments.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![0, 1, 2]);
        assert_eq!(v3.next_fragment_id, 3);
    }

    #[test]
    fn what_does_not_fit_is_refused() {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let create = Change::Create {
            schema: schema.clone(),
            files: vec![],
        };
        let v1 = create.apply(None, 1, "ds").unwrap();
        assert!(matches!(
            create.apply(Some(&v1), 2, "ds"),
            Err(Error::DatasetExists { .. })
        ));
        assert!(matches!(
            Change::Append { files: vec![] }.apply(None, 1, "ds"),
            Err(Error::DatasetNotFound { .. })
        ));
        let overwrite = Change::Overwrite {
            schema,
            files: vec![],
        };
        let v2 = Change::Append { files: vec![] }
            .apply(Some(&v1), 2, "ds")
            .unwrap();
        assert!(!overwrite.fits(&v2));
        let v3 = overwrite.apply(Some(&v2), 3, "ds").unwrap();
        assert!(!Change::Append { files: vec![] }.fits(&v3));
    }

    #[test]
    fn schema_changes_and_written_data_do_not_mix() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("x", DataType::Int64, true),
        ]));
        let v1 = Change::Create {
            schema: schema.clone(),
            files: vec![file("a", 10)],
        }
        .apply(None, 1, "ds")
        .unwrap();
        let drop = Change::Schema(SchemaChange {
            operation: Operation::DropColumns {
                names: vec!["x".into()],
            },
            schema: Arc::new(schema.project(&[0]).unwrap()),
            field_ids: vec![0],
            recomputed: Vec::new(),
            replaced: Vec::new(),
        });
        let append = Change::Append {
            files: vec![file("b", 5)],
        };
        let v2_append = append.apply(Some(&v1), 2, "ds").unwrap();
        let v2_drop = drop.apply(Some(&v1), 2, "ds").unwrap();
        assert_eq!(v2_drop.field_ids, [0]);
        assert!(!append.fits(&v2_drop), "files of the old schema");
        assert!(!drop.fits(&v2_append), "files of the schema it replaces");
        assert!(!drop.fits(&v2_drop), "two schema changes");
        let delete = Change::Delete {
            predicate: "id = 1".into(),
            updates: vec![DeletionUpdate {
                before: v1.fragments[0].clone(),
                after: Some(DeletionFile {
                    path: "_deletions/0-x.del".into(),
                    deleted_rows: 1,
                }),
            }],
        };
        let v2_delete = delete.apply(Some(&v1), 2, "ds").unwrap();
        assert!(drop.fits(&v2_delete) && delete.fits(&v2_drop));
        let v3 = drop.apply(Some(&v2_delete), 3, "ds").unwrap();
        assert_eq!(v3.fragments, v2_delete.fragments);
    }
}
