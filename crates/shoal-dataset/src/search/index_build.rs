//! Building vector indices: [`Dataset::create_index`] trains an IVF-PQ model on a sample of
//! a vector column, encodes every live row, writes the index file under `_indices/` and
//! commits it as the next version; [`Dataset::optimize_index`] adds the fragments appended
//! since, encoded with the same model (no retraining). Both read through the scan pipeline
//! (vector column only) and compute on the CPU pool, reporting progress as they go. Rows
//! whose vector is null are left out; a vector holding NaN or an infinity stops the build
//! with an error naming its column, row and value.

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

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::search::{batches_in_flight, vectors_of, IvfPqIndex, VectorColumn};
use crate::version::change::Change;
use crate::version::commit::{commit, discard};
use crate::version::layout;
use crate::version::manifest::{IndexEntry, IndexKind};

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
    /// Defaults to about the square root of the rows; 1 to the rows.
    pub partitions: Option<usize>,
    /// Defaults to dim / 8 (16 for 128 dimensions); must divide the dimension.
    pub sub_vectors: Option<usize>,
    /// k-means iterations (default 25); at least 1.
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
        let name = params
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_idx", column.name));
        if let Some(problem) = layout::name_problem(&name) {
            return Err(Error::InvalidArgument(format!(
                "invalid index name '{name}': {problem}"
            )));
        }
        let rows = self.num_rows() as usize;
        let ivf = ivf_params(params, rows, column.dim)?;
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
        let index = IvfPqIndex::load(self, &entry, &column).await?;
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

/// The model's parameters: `params` over the defaults for `rows` vectors of `dim`
/// dimensions, each checked.
fn ivf_params(params: &IndexParams, rows: usize, dim: usize) -> Result<IvfPqParams> {
    let mut ivf = IvfPqParams::new(rows.max(1), dim, params.metric);
    ivf.partitions = params.partitions.unwrap_or(ivf.partitions);
    ivf.sub_vectors = params.sub_vectors.unwrap_or(ivf.sub_vectors);
    ivf.iterations = params.iterations.unwrap_or(ivf.iterations);
    if ivf.partitions == 0 {
        return Err(Error::invalid_parameter("partitions", 0, "at least 1"));
    }
    if ivf.partitions > rows {
        return Err(Error::InvalidArgument(format!(
            "an index of {} partitions needs at least as many rows; the dataset has {rows}",
            ivf.partitions
        )));
    }
    if ivf.sub_vectors == 0 || dim % ivf.sub_vectors != 0 {
        return Err(Error::invalid_parameter(
            "sub_vectors",
            ivf.sub_vectors,
            format!("a divisor of the vectors' dimension ({dim})"),
        ));
    }
    if ivf.iterations == 0 {
        return Err(Error::invalid_parameter("iterations", 0, "at least 1"));
    }
    Ok(ivf)
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
    let mut stream = ds
        .scan()
        .projection(vec![column.index])
        .with_row_addresses(true)
        .stream()
        .await?;
    let mut out = Vec::with_capacity(wanted * column.dim);
    let (mut offset, mut next) = (0usize, 0usize);
    while let Some(batch) = stream.try_next().await? {
        let (vectors, nulls) = vectors_of(&batch, 0);
        let addresses = batch.column(1).as_primitive::<UInt64Type>().values();
        let end = offset + batch.num_rows();
        while next < picked.len() && picked[next] < end {
            let row = picked[next] - offset;
            if !nulls.as_ref().is_some_and(|n| n[row]) {
                if let Some(bad) = first_non_finite(&vectors, column.dim, [row], addresses) {
                    return Err(non_finite(ds, column, bad));
                }
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
        .scan(ds, ids, &[])
        .await?
        .map(|batch| {
            let model = model.clone();
            async move {
                let batch = batch?;
                shoal_runtime::spawn_cpu(move || encode_batch(&model, &batch))
                    .await?
                    .map_err(|bad| non_finite(ds, column, bad))
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
/// addresses), and the batch's rows; or the first non-finite value and its row's address.
/// CPU only.
fn encode_batch(model: &IvfPqModel, batch: &RecordBatch) -> Result<Encoded, (u64, f32)> {
    let (vectors, nulls) = vectors_of(batch, 0);
    let addresses = batch.column(1).as_primitive::<UInt64Type>().values();
    let rows = batch.num_rows() as u64;
    let dim = model.dim;
    let Some(nulls) = nulls else {
        if let Some(bad) = first_non_finite(&vectors, dim, 0..batch.num_rows(), addresses) {
            return Err(bad);
        }
        let (partition, codes) = model.encode(&vectors, &|_| {});
        return Ok((partition, addresses.to_vec(), codes, rows));
    };
    let keep: Vec<usize> = (0..batch.num_rows()).filter(|i| !nulls[*i]).collect();
    if let Some(bad) = first_non_finite(&vectors, dim, keep.iter().copied(), addresses) {
        return Err(bad);
    }
    let picked: Vec<f32> = keep
        .iter()
        .flat_map(|i| vectors[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let (partition, codes) = model.encode(&picked, &|_| {});
    Ok((
        partition,
        keep.iter().map(|i| addresses[*i]).collect(),
        codes,
        rows,
    ))
}

/// What [`encode_batch`] makes: partitions, addresses and codes of the encoded rows, and
/// the rows read.
type Encoded = (Vec<u32>, Vec<u64>, Vec<u8>, u64);

/// The first NaN or infinite value among the vectors `rows` (row-major, `dim` values each)
/// and the address of its row.
fn first_non_finite(
    vectors: &[f32],
    dim: usize,
    rows: impl IntoIterator<Item = usize>,
    addresses: &[u64],
) -> Option<(u64, f32)> {
    rows.into_iter().find_map(|row| {
        let vector = &vectors[row * dim..(row + 1) * dim];
        let value = vector.iter().find(|v| !v.is_finite())?;
        Some((addresses[row], *value))
    })
}

/// The error for a non-finite `value` in the vector of the row at `address`.
fn non_finite(ds: &Dataset, column: &VectorColumn, (address, value): (u64, f32)) -> Error {
    Error::NonFiniteVector {
        uri: ds.uri().to_string(),
        column: column.name.clone(),
        address,
        fragment: address >> 32,
        row: address & u64::from(u32::MAX),
        value,
    }
}
