//! What a writer wants to do to a dataset, and how that becomes the next manifest.
//!
//! A [`Change`] is prepared against the version the writer read (its data files are already
//! written). [`Change::apply`] turns it into the manifest of the next version on top of any
//! base; when another writer committed first, the commit loop calls [`commutes`] for each
//! version it missed and, if all commute, applies the same change again on top of the new
//! latest version (appends commute with each other, so concurrent appenders never lose rows).

use arrow_schema::SchemaRef;

use crate::error::{Error, Result};
use crate::manifest::{DataFile, Fragment, Manifest, Operation};

/// A change to commit, its data files already written.
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
}

impl Change {
    /// The operation recorded for this change.
    pub(crate) fn operation(&self) -> Operation {
        let rows = |files: &[DataFile]| files.iter().map(|f| f.rows).sum();
        match self {
            Change::Create { files, .. } => Operation::Create { rows: rows(files) },
            Change::Append { files } => Operation::Append { rows: rows(files) },
            Change::Overwrite { files, .. } => Operation::Overwrite { rows: rows(files) },
        }
    }

    /// The manifest of the version after `base` (none for a new dataset). Fails when the
    /// change does not fit: creating a dataset that exists, appending to one that does not.
    pub(crate) fn apply(
        &self,
        base: Option<&Manifest>,
        timestamp_ms: u64,
        uri: &str,
    ) -> Result<Manifest> {
        let next_id = base.map_or(0, |b| b.next_fragment_id);
        let new_fragments = |files: &[DataFile]| -> Vec<Fragment> {
            files
                .iter()
                .zip(next_id..)
                .map(|(data, id)| Fragment {
                    id,
                    data: data.clone(),
                    deletion: None,
                })
                .collect()
        };
        let (schema, field_ids, fragments, added) = match (self, base) {
            (Change::Create { .. }, Some(b)) => {
                return Err(Error::DatasetExists {
                    uri: uri.to_string(),
                    version: b.version,
                })
            }
            (Change::Append { .. }, None) => {
                return Err(Error::DatasetNotFound {
                    uri: uri.to_string(),
                })
            }
            (Change::Append { files }, Some(b)) => {
                let mut fragments = b.fragments.clone();
                fragments.extend(new_fragments(files));
                (
                    b.schema.clone(),
                    b.field_ids.clone(),
                    fragments,
                    files.len(),
                )
            }
            (Change::Create { schema, files } | Change::Overwrite { schema, files }, _) => {
                let ids = (0..schema.fields().len() as u32).collect();
                (schema.clone(), ids, new_fragments(files), files.len())
            }
        };
        Ok(Manifest {
            version: base.map_or(1, |b| b.version + 1),
            timestamp_ms,
            operation: self.operation(),
            schema,
            field_ids,
            fragments,
            next_fragment_id: next_id + added as u64,
        })
    }
}

/// Whether `mine`, prepared before `theirs` was committed, can be applied after it unchanged.
pub(crate) fn commutes(mine: &Change, theirs: &Operation) -> bool {
    matches!(
        (mine, theirs),
        (
            Change::Append { .. },
            Operation::Append { .. } | Operation::Delete { .. } | Operation::Compact { .. }
        )
    )
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
        assert!(commutes(&mine, &theirs.operation));
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
        assert!(!commutes(&overwrite, &Operation::Append { rows: 1 }));
        assert!(!commutes(
            &Change::Append { files: vec![] },
            &Operation::Overwrite { rows: 1 }
        ));
    }
}
