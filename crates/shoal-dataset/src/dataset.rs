//! [`Dataset`]: one version of a dataset, opened for reading.
//!
//! A dataset is a directory (or object-store prefix) of Shoal files, one per fragment, and a
//! manifest per version. Opening the latest version costs a constant number of requests;
//! any older version opens by number. Rows are addressed by their offset in the version
//! (fragments in manifest order); the offsets are stable within a version.

use std::sync::Arc;

use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::SchemaRef;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use shoal_io::{resolve, ObjectLocation};

use crate::error::{Error, Result};
use crate::file_reader::FileReader;
use crate::manifest::{Fragment, Manifest};
use crate::projection::column_indices;
use crate::versions;

/// One version of a dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: ObjectLocation,
    manifest: Arc<Manifest>,
}

impl Dataset {
    /// Opens the latest version of the dataset at `uri`.
    pub async fn open(uri: &str) -> Result<Self> {
        let root = resolve(uri)?;
        let manifest = versions::latest(&root)
            .await?
            .ok_or_else(|| Error::DatasetNotFound {
                uri: uri.to_string(),
            })?;
        Ok(Self { root, manifest })
    }

    /// Opens version `version` of the dataset at `uri`.
    pub async fn open_version(uri: &str, version: u64) -> Result<Self> {
        let root = resolve(uri)?;
        match versions::load(&root, version).await? {
            Some(manifest) => Ok(Self { root, manifest }),
            None => {
                let latest =
                    versions::latest(&root)
                        .await?
                        .ok_or_else(|| Error::DatasetNotFound {
                            uri: uri.to_string(),
                        })?;
                Err(Error::VersionNotFound {
                    uri: uri.to_string(),
                    version,
                    latest: latest.version,
                })
            }
        }
    }

    pub(crate) fn from_parts(root: ObjectLocation, manifest: Arc<Manifest>) -> Self {
        Self { root, manifest }
    }

    /// The URI the dataset was opened with.
    pub fn uri(&self) -> &str {
        &self.root.uri
    }

    /// This version's manifest.
    pub fn manifest(&self) -> &Arc<Manifest> {
        &self.manifest
    }

    /// This version's number.
    pub fn version(&self) -> u64 {
        self.manifest.version
    }

    pub fn schema(&self) -> SchemaRef {
        self.manifest.schema.clone()
    }

    /// Rows in this version.
    pub fn num_rows(&self) -> u64 {
        self.manifest.num_rows()
    }

    pub fn fragments(&self) -> &[Fragment] {
        &self.manifest.fragments
    }

    /// The manifests of every committed version, oldest first.
    pub async fn versions(&self) -> Result<Vec<Arc<Manifest>>> {
        let mut out = Vec::new();
        for v in versions::list(&self.root).await? {
            if let Some(m) = versions::load(&self.root, v).await? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Column indices for the given names, or all columns when `names` is `None`.
    pub fn projection<S: AsRef<str>>(&self, names: Option<&[S]>) -> Result<Vec<usize>> {
        column_indices(&self.manifest.schema, names, self.uri())
    }

    /// Opens the data file of fragment `index` (in manifest order).
    pub async fn open_fragment(&self, index: usize) -> Result<FileReader> {
        let fragment = &self.manifest.fragments[index];
        FileReader::open_location(self.root.child(&fragment.data.path)).await
    }

    /// Streams every row of the columns `projection`, fragment after fragment, in batches of
    /// up to `batch_rows` rows.
    pub fn scan(
        &self,
        projection: Vec<usize>,
        batch_rows: usize,
    ) -> BoxStream<'static, Result<RecordBatch>> {
        let this = self.clone();
        stream::iter(0..self.manifest.fragments.len())
            .then(move |index| {
                let this = this.clone();
                let projection = projection.clone();
                async move {
                    let reader = this.open_fragment(index).await?;
                    let rows = reader.num_rows();
                    Ok::<_, Error>(reader.stream(projection, 0..rows, batch_rows, 2))
                }
            })
            .try_flatten()
            .boxed()
    }

    /// Takes the rows at offsets `rows` of this version (any order, repeats allowed).
    pub async fn take(&self, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let num_rows = self.num_rows();
        if let Some(&row) = rows.iter().find(|r| **r >= num_rows) {
            return Err(Error::Format {
                uri: self.uri().to_string(),
                error: shoal_format::FormatError::RowOutOfBounds { row, num_rows },
            });
        }
        let starts: Vec<u64> = self
            .manifest
            .fragments
            .iter()
            .scan(0, |acc, f| {
                let start = *acc;
                *acc += f.data.rows;
                Some(start)
            })
            .collect();
        // Rows per fragment, in request order, and where each request lands.
        let mut per_fragment: Vec<Vec<u64>> = vec![Vec::new(); starts.len()];
        let mut placement = Vec::with_capacity(rows.len());
        for &row in rows {
            let f = starts.partition_point(|s| *s <= row) - 1;
            placement.push((f, per_fragment[f].len()));
            per_fragment[f].push(row - starts[f]);
        }
        let schema = Arc::new(self.manifest.schema.project(projection)?);
        let mut batches = Vec::new();
        let mut first_index = vec![0usize; starts.len()];
        let mut taken = 0;
        for (f, local) in per_fragment
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            let reader = self.open_fragment(f).await?;
            first_index[f] = taken;
            taken += local.len();
            batches.push(reader.take(projection, local).await?);
        }
        let all = arrow_select::concat::concat_batches(&schema, &batches)?;
        let order: UInt32Array = placement
            .iter()
            .map(|(f, i)| (first_index[*f] + i) as u32)
            .collect();
        Ok(arrow_select::take::take_record_batch(&all, &order)?)
    }
}
