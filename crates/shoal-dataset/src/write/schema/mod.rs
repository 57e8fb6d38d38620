//! Schema evolution: columns added ([`Dataset::add_columns`]), altered
//! ([`Dataset::alter_columns`]: renamed, made nullable or not, cast) and dropped
//! ([`Dataset::drop_columns`]), each as one new version.
//!
//! Data files record the field ids of their columns and readers match fields by id (see
//! `columns.rs`), so most changes touch only the manifest: a drop leaves the column in the
//! files (compaction and rewrites leave it out), a rename or a nullability change keeps its
//! id, an all-null column is one no file has. A cast or a computed column rewrites every
//! fragment where it stands (`rewrite.rs`): same fragment id, same rows in the same
//! positions, same deletion vector, so row addresses and the indices of other columns stay
//! valid. Each change commits through the usual loop; see `change.rs` for what it conflicts
//! with.

mod add;
mod alter;
mod cast;
mod drop;

use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::version::change::{Change, Replaced, SchemaChange};
use crate::version::commit::commit;
use crate::version::manifest::{Manifest, Operation};
use crate::write::rewrite::{Target, Transform};

pub use add::{ColumnMaker, NewColumns};
pub use alter::ColumnAlteration;

impl Dataset {
    /// Commits a schema change prepared against this version; returns the new version.
    async fn commit_schema(&self, change: SchemaChange) -> Result<Dataset> {
        let change = Change::Schema(change);
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }

    /// An [`Error::InvalidSchemaChange`] about `operation`.
    fn invalid_change(&self, operation: &Operation, reason: String) -> Error {
        Error::InvalidSchemaChange {
            uri: self.uri().to_string(),
            operation: operation.to_string(),
            reason,
        }
    }

    /// Checks the new schema as the format would, then whether a name is taken twice.
    fn check_new_schema(&self, operation: &Operation, schema: &Schema) -> Result<()> {
        for (i, field) in schema.fields().iter().enumerate() {
            if schema.fields()[..i]
                .iter()
                .any(|f| f.name() == field.name())
            {
                return Err(self.invalid_change(
                    operation,
                    format!("the schema would have two columns named '{}'", field.name()),
                ));
            }
        }
        shoal_format::check_schema(schema).map_err(Error::format(self.uri()))
    }

    /// Rewrites every fragment through `transform` into files of `target`, each keeping
    /// its rows in place; nothing is left behind on failure.
    async fn replace_files(&self, target: &Target, transform: Transform) -> Result<Vec<Replaced>> {
        let fragments = (0..self.fragments().len())
            .map(|index| (index, transform.clone()))
            .collect();
        let done = self.rewrite_fragments(fragments, target).await?;
        let paths: Vec<String> = done
            .iter()
            .flat_map(|(r, _)| r.files.iter().map(|f| f.path.clone()))
            .collect();
        let mut replaced = Vec::with_capacity(done.len());
        for (rewritten, _) in done {
            let before = rewritten.before;
            match <[_; 1]>::try_from(rewritten.files) {
                Ok([after]) if after.rows == before.data.rows => replaced.push(Replaced {
                    fragment_id: before.id,
                    before: before.data,
                    after,
                }),
                _ => {
                    crate::version::commit::discard(self.root(), &paths).await;
                    return Err(Error::InvalidArgument(format!(
                        "'{}': fragment {} was not rewritten into one file of its {} rows",
                        self.uri(),
                        before.id,
                        before.data.rows
                    )));
                }
            }
        }
        Ok(replaced)
    }
}

/// The id the next new field gets: above every id of the version and of its data files
/// (a dropped field's id stays taken while a file holds its column).
fn next_field_id(manifest: &Manifest) -> u32 {
    let files = manifest.fragments.iter().flat_map(|f| &f.data.field_ids);
    manifest
        .field_ids
        .iter()
        .chain(files)
        .max()
        .map_or(0, |id| id.saturating_add(1))
}

/// A schema of `fields`, with `base`'s metadata.
fn schema_like(base: &Schema, fields: Vec<arrow_schema::FieldRef>) -> SchemaRef {
    Arc::new(Schema::new_with_metadata(fields, base.metadata().clone()))
}
