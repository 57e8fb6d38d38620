//! Building vector indices: [`Dataset::create_index`] trains an IVF-PQ model on a sample of
//! a vector column, encodes every live row, writes the index file under `_indices/` and
//! commits it as the next version; [`Dataset::optimize_index`] adds the fragments appended
//! since, encoded with the same model (no retraining). Both read through the scan pipeline
//! (vector column only) and compute on the CPU pool, reporting progress as they go.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::RecordBatch;
use futures::stream::{StreamExt, TryStreamExt};
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::SeedableRng;
use shoal_vector::{IvfPqModel, IvfPqParams, Metric, Progress};

use crate::change::Change;
use crate::commit::{commit, discard};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::layout;
use crate::manifest::{IndexEntry, IndexKind};
use crate::search::{batches_in_flight, vectors_of, IvfPqIndex, VectorColumn};

/// A progress callback: called from the CPU pool now and then while an index is built.
pub type ProgressCallback = Arc<dyn Fn(Progress) + Send + Sync>;

/// Rows sampled per partition to train the index (the k-means of each sub-space sees the
/// same sample).
const SAMPLE_PER_PARTITION: usize = 256;
/// The least rows sampled, for the product quantizer's 256 codes per sub-space.
const MIN_SAMPLE: usize = 256 * 100;

/// How to build an IVF-PQ index; `None` picks the default.
#[derive(Debug, Clone)]
pub struct IndexParams {
    /// Defaults to `<column>_idx`; an index of the same name is replaced.
    pub name: Option<String>,
    pub metric: Metric,
    /// Defaults to about the square root of the rows.
    pub partitions: Option<usize>,
    /// Defaults to dim / 8 (16 for 128 dimensions).
    pub sub_vectors: Option<usize>,
    /// k-means iterations (default 25).
    pub iterations: Option<usize>,
}

impl IndexParams {
    /// Defaults for `metric`.
    pub fn new(metric: Metric) -> Self {
        Self {
            name: None,
            metric,
            partitions: None,
            sub_vectors: None,
            iterations: None,
        }
    }
}

impl Dataset {
    /// Trains and writes an IVF-PQ index of `column` over every fragment of this version,
    /// and commits it as the next version.
    pub async fn create_index(
        &self,
        column: &str,
        params: &IndexParams,
        progress: Option<ProgressCallback>,
    ) -> Result<Dataset> {
        let column = VectorColumn::find(self, column)?;
        let rows = self.num_rows() as usize;
        let mut ivf = IvfPqParams::new(rows.max(1), column.dim, params.metric);
        if let Some(p) = params.partitions {
            ivf.partitions = p;
        }
        if let Some(m) = params.sub_vectors {
            ivf.sub_vectors = m;
        }
        if let Some(i) = params.iterations {
            ivf.iterations = i;
        }
        if ivf.partitions == 0 || ivf.partitions > rows {
            return Err(Error::InvalidArgument(format!(
                "an index of {} partitions needs at least as many rows; the dataset has {rows}",
                ivf.partitions
            )));
        }
        let progress = progress.unwrap_or_else(|| Arc::new(|_| {}));
        let wanted = rows.min((ivf.partitions * SAMPLE_PER_PARTITION).max(MIN_SAMPLE));
        let training = read_sample(self, &column, wanted, ivf.seed, &progress).await?;
        let (report, dim) = (progress.clone(), column.dim);
        let model =
            shoal_runtime::spawn_cpu(move || IvfPqModel::train(&training, dim, &ivf, &*report))
                .await?
                .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let fragments: Vec<u64> = self.fragments().iter().map(|f| f.id).collect();
        let model = Arc::new(model);
        let (partition, addresses, codes) =
            encode_fragments(self, &column, model.clone(), fragments.clone(), &progress).await?;
        let name = params
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_idx", column.name));
        let build = move || IvfPqIndex::new((*model).clone(), &partition, &addresses, &codes);
        self.commit_index(name, &column, build, fragments).await
    }

    /// Adds the fragments this version has and index `name` does not cover to the index,
    /// encoded with its trained model, and commits the result; a no-op when there are none.
    pub async fn optimize_index(
        &self,
        name: &str,
        progress: Option<ProgressCallback>,
    ) -> Result<Dataset> {
        let entry = self.index_entry(name)?.clone();
        let column_name = self.schema_field_name(entry.field_id)?;
        let column = VectorColumn::find(self, &column_name)?;
        let present: BTreeSet<u64> = self.fragments().iter().map(|f| f.id).collect();
        let new: Vec<u64> = present
            .iter()
            .copied()
            .filter(|id| !entry.fragments.contains(id))
            .collect();
        if new.is_empty() {
            return Ok(self.clone());
        }
        let progress = progress.unwrap_or_else(|| Arc::new(|_| {}));
        let index = IvfPqIndex::load(self, &entry).await?;
        let model = Arc::new(index.model.clone());
        let (mut partition, mut addresses, mut codes) =
            encode_fragments(self, &column, model.clone(), new.clone(), &progress).await?;
        let covered: Vec<u64> = present
            .iter()
            .copied()
            .filter(|id| entry.fragments.contains(id) || new.contains(id))
            .collect();
        let build = move || {
            // Keep the rows of fragments still present (compacted-away ones go).
            let (old_partition, old_addresses, old_codes) = index.rows_by_partition();
            let m = model.pq.sub_vectors;
            for (row, address) in old_addresses.iter().enumerate() {
                if present.contains(&(address >> 32)) {
                    partition.push(old_partition[row]);
                    addresses.push(*address);
                    codes.extend_from_slice(&old_codes[row * m..(row + 1) * m]);
                }
            }
            IvfPqIndex::new((*model).clone(), &partition, &addresses, &codes)
        };
        self.commit_index(entry.name, &column, build, covered).await
    }

    /// The index named `name` of this version.
    pub fn index_entry(&self, name: &str) -> Result<&IndexEntry> {
        let indices = &self.manifest().indices;
        indices.iter().find(|i| i.name == name).ok_or_else(|| {
            let names: Vec<&str> = indices.iter().map(|i| i.name.as_str()).collect();
            Error::InvalidArgument(format!(
                "'{}' has no index '{name}' (indices: {})",
                self.uri(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ))
        })
    }

    fn schema_field_name(&self, field_id: u32) -> Result<String> {
        let at = self
            .manifest()
            .field_ids
            .iter()
            .position(|id| *id == field_id)
            .ok_or_else(|| Error::InvalidArgument(format!("no field with id {field_id}")))?;
        Ok(self.schema().field(at).name().clone())
    }

    /// Assembles the index with `build` and encodes it (on the CPU pool), writes it, and
    /// commits it as index `name` covering `fragments`.
    async fn commit_index(
        &self,
        name: String,
        column: &VectorColumn,
        build: impl FnOnce() -> IvfPqIndex + Send + 'static,
        fragments: Vec<u64>,
    ) -> Result<Dataset> {
        let path = layout::new_ivf_pq_file();
        let (rows, bytes) = shoal_runtime::spawn_cpu(move || {
            let index = build();
            (index.rows() as u64, index.encode())
        })
        .await?;
        let size = bytes.len() as u64;
        let written = shoal_io::put(&self.root().child(&path), bytes).await;
        let change = Change::CreateIndex {
            index: IndexEntry {
                name,
                field_id: column.field_id,
                kind: IndexKind::IvfPq,
                path,
                size,
                fragments,
                rows,
            },
        };
        if let Err(e) = written {
            discard(self.root(), &change.written_paths()).await;
            return Err(e.into());
        }
        let manifest = commit(self.root(), Some(self.manifest().clone()), &change).await?;
        Ok(self.with_manifest(manifest))
    }
}

/// About `wanted` live vectors of `column`, chosen at random (with `seed`), row-major.
async fn read_sample(
    ds: &Dataset,
    column: &VectorColumn,
    wanted: usize,
    seed: u64,
    progress: &ProgressCallback,
) -> Result<Vec<f32>> {
    let rows = ds.num_rows() as usize;
    let mut picked: Vec<usize> = sample(&mut StdRng::seed_from_u64(seed), rows, wanted).into_vec();
    picked.sort_unstable();
    let mut stream = ds.scan().projection(vec![column.index]).stream().await?;
    let mut out = Vec::with_capacity(wanted * column.dim);
    let (mut offset, mut next) = (0usize, 0usize);
    while let Some(batch) = stream.try_next().await? {
        let (vectors, nulls) = vectors_of(&batch, 0);
        let end = offset + batch.num_rows();
        while next < picked.len() && picked[next] < end {
            let row = picked[next] - offset;
            if !nulls.as_ref().is_some_and(|n| n[row]) {
                out.extend_from_slice(&vectors[row * column.dim..(row + 1) * column.dim]);
            }
            next += 1;
        }
        offset = end;
        progress(Progress {
            stage: "sampling",
            done: offset as u64,
            total: rows as u64,
        });
    }
    Ok(out)
}

/// Partition, address and code of every live, non-null vector of fragments `ids`.
async fn encode_fragments(
    ds: &Dataset,
    column: &VectorColumn,
    model: Arc<IvfPqModel>,
    ids: Vec<u64>,
    progress: &ProgressCallback,
) -> Result<(Vec<u32>, Vec<u64>, Vec<u8>)> {
    let total: u64 = ds
        .fragments()
        .iter()
        .filter(|f| ids.contains(&f.id))
        .map(|f| f.live_rows())
        .sum();
    let mut encoded = column
        .scan(ds, ids)
        .await?
        .map(|batch| {
            let model = model.clone();
            async move {
                let batch = batch?;
                Ok::<_, Error>(
                    shoal_runtime::spawn_cpu(move || encode_batch(&model, &batch)).await?,
                )
            }
        })
        .buffer_unordered(batches_in_flight());
    let (mut partition, mut addresses, mut codes) = (Vec::new(), Vec::new(), Vec::new());
    let mut done = 0;
    while let Some(part) = encoded.try_next().await? {
        partition.extend(part.0);
        addresses.extend(part.1);
        codes.extend(part.2);
        done += part.3;
        progress(Progress {
            stage: "encoding",
            done,
            total,
        });
    }
    Ok((partition, addresses, codes))
}

/// Partition, address and code of the non-null vectors of one batch (vectors, then row
/// addresses), and the batch's rows. CPU only.
fn encode_batch(model: &IvfPqModel, batch: &RecordBatch) -> (Vec<u32>, Vec<u64>, Vec<u8>, u64) {
    let (vectors, nulls) = vectors_of(batch, 0);
    let addresses = batch.column(1).as_primitive::<UInt64Type>().values();
    let rows = batch.num_rows() as u64;
    let Some(nulls) = nulls else {
        let (partition, codes) = model.encode(&vectors, &|_| {});
        return (partition, addresses.to_vec(), codes, rows);
    };
    let dim = model.dim;
    let keep: Vec<usize> = (0..batch.num_rows()).filter(|i| !nulls[*i]).collect();
    let picked: Vec<f32> = keep
        .iter()
        .flat_map(|i| vectors[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let (partition, codes) = model.encode(&picked, &|_| {});
    (
        partition,
        keep.iter().map(|i| addresses[*i]).collect(),
        codes,
        rows,
    )
}
