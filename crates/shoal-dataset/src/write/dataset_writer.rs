//! [`DatasetWriter`]: writes batches into new fragments and commits them as a new version.
//!
//! Batches go into data files of at most `max_rows_per_file` rows; nothing is visible until
//! [`DatasetWriter::commit`] writes the manifest. An append checks the schema before any data
//! is written and fails with every difference listed.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use shoal_format::{schema_differences, WriteOptions};
use shoal_io::{resolve, ObjectLocation};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::version::change::Change;
use crate::version::commit::commit;
use crate::version::manifest::Manifest;
use crate::version::site;
use crate::write::data_files::{DataFilesWriter, MAX_ROWS_PER_FILE};

/// How a write relates to what is already at the URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Create a new dataset; fails if one exists, or if the location holds anything else.
    Create,
    /// Add rows to an existing dataset with the same schema.
    Append,
    /// Replace every row (and possibly the schema) of a dataset, creating it if needed (as
    /// [`WriteMode::Create`] does).
    Overwrite,
}

/// How data files are written.
#[derive(Debug, Clone)]
pub struct WriteParams {
    /// Rows per data file (fragment) at most: 1 to 2^32 - 1.
    pub max_rows_per_file: u64,
    /// Page size and compression of the data files.
    pub file: WriteOptions,
}

impl Default for WriteParams {
    fn default() -> Self {
        Self {
            max_rows_per_file: 1 << 20,
            file: WriteOptions::default(),
        }
    }
}

/// Writes one change to a dataset.
pub struct DatasetWriter {
    root: ObjectLocation,
    mode: WriteMode,
    base: Option<Arc<Manifest>>,
    schema: SchemaRef,
    files: DataFilesWriter,
}

impl DatasetWriter {
    /// Starts a write of batches of `schema` to the dataset at `uri`.
    pub async fn new(
        uri: &str,
        schema: SchemaRef,
        mode: WriteMode,
        params: WriteParams,
    ) -> Result<Self> {
        Self::new_at(resolve(uri)?, schema, mode, params).await
    }

    /// Starts a write to the dataset at a resolved location (one made with storage options,
    /// or behind a simulated store).
    pub async fn new_at(
        root: ObjectLocation,
        schema: SchemaRef,
        mode: WriteMode,
        params: WriteParams,
    ) -> Result<Self> {
        let uri = root.uri.clone();
        let uri = uri.as_str();
        Error::check_range(
            "max_rows_per_file",
            params.max_rows_per_file,
            1..=MAX_ROWS_PER_FILE,
        )?;
        let base = site::latest(&root).await?;
        match (mode, &base) {
            (WriteMode::Create, Some(b)) => {
                return Err(Error::DatasetExists {
                    uri: uri.to_string(),
                    version: b.version,
                })
            }
            (WriteMode::Append, None) => {
                return Err(Error::DatasetNotFound {
                    uri: uri.to_string(),
                })
            }
            (WriteMode::Append, Some(b)) => {
                let differences = schema_differences(&b.schema, &schema);
                if !differences.is_empty() {
                    return Err(Error::SchemaMismatch {
                        uri: uri.to_string(),
                        differences: differences.join("; "),
                    });
                }
            }
            (WriteMode::Create | WriteMode::Overwrite, None) => site::check_vacant(&root).await?,
            _ => {}
        }
        shoal_format::check_schema(&schema).map_err(Error::format(uri))?;
        // An append writes the dataset's fields; a new schema numbers its fields from 0.
        let field_ids = match (mode, &base) {
            (WriteMode::Append, Some(b)) => b.field_ids.clone(),
            _ => (0..schema.fields().len() as u32).collect(),
        };
        let files = DataFilesWriter::new(
            root.clone(),
            schema.clone(),
            field_ids,
            params.file,
            params.max_rows_per_file,
        );
        Ok(Self {
            root,
            mode,
            base,
            schema,
            files,
        })
    }

    /// Writes a batch, starting new data files as they fill up.
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.files.write(batch).await
    }

    /// Finishes the data files and commits them as the next version.
    pub async fn commit(self) -> Result<Dataset> {
        let files = self.files.finish().await?;
        let change = match self.mode {
            WriteMode::Create => Change::Create {
                schema: self.schema.clone(),
                files,
            },
            WriteMode::Append => Change::Append { files },
            WriteMode::Overwrite => Change::Overwrite {
                schema: self.schema.clone(),
                files,
            },
        };
        let manifest = commit(&self.root, self.base.clone(), &change).await?;
        Ok(Dataset::from_parts(self.root.clone(), manifest))
    }

    /// Abandons the write, deleting the data files written so far.
    pub async fn abort(self) -> Result<()> {
        self.files.abort().await
    }
}
