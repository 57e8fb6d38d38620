//! The IVF-PQ model: coarse centroids that split vectors into partitions (the inverted
//! file), and a product quantizer of each vector's residual from its partition centroid.
//! Training, encoding, the search helpers (probing and per-partition distance tables) and
//! the serialized form.
//!
//! # Metrics
//!
//! * L2: partitions by k-means; codes quantize `x - c(x)`. For a query `q`,
//!   `adc + offset` approximates `|q - x|^2`.
//! * Cosine: vectors and queries are normalized first, then everything is L2 on unit
//!   vectors. The tables are halved, so `adc + offset` approximates `|q̂ - x̂|^2 / 2`,
//!   which is `1 - cos(q, x)`: comparable with exact cosine distances.
//! * Dot: partitions by L2 k-means too, with codes of residuals. Since
//!   `q.x = q.c + q.r`, the table scores `-q.r` per sub-space and the offset is `-q.c`.
//!   Probing ranks partitions by `-q.c`.
//!
//! # Serialized form
//!
//! [`IvfPqModel::to_bytes`] writes, little-endian, with no checksum (callers frame it):
//!
//! | offset | bytes | field |
//! |-------:|------:|-------|
//! | 0 | 8 | magic `b"SHOALIVF"` |
//! | 8 | 2 | format version, `u16` = 1 |
//! | 10 | 1 | metric, `u8`: 1 = l2, 2 = cosine, 3 = dot |
//! | 11 | 1 | padding, `u8` = 0 |
//! | 12 | 4 | `dim`, `u32`, at least 1 |
//! | 16 | 4 | `partitions`, `u32`, at least 1 |
//! | 20 | 4 | `sub_vectors`, `u32`, at least 1, divides `dim` |
//! | 24 | 4 × partitions × dim | centroids, `f32`, row-major `partitions x dim` |
//! | 24 + 4 × partitions × dim | 4 × sub_vectors × 256 × (dim / sub_vectors) | codebooks, `f32`, `sub_vectors x 256 x (dim / sub_vectors)` |
//!
//! Nothing follows. [`IvfPqModel::from_bytes`] checks every field, the exact length and
//! that every float is finite.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::distance::{distances, dot, normalize};
use crate::error::{invalid, Result, VectorError};
use crate::kmeans::{
    assign, check_finite, check_rows, kmeans, KMeansParams, DEFAULT_SEED, ROWS_PER_TASK,
};
use crate::metric::Metric;
use crate::nearest::CentroidTable;
use crate::pq::{PqEncoder, ProductQuantizer, CODEBOOK_SIZE};
use crate::progress::{ProgressCounter, ProgressFn};
use crate::sample::sample_rows;
use crate::topk::TopK;

/// First bytes of a serialized model.
const MAGIC: &[u8; 8] = b"SHOALIVF";
/// The serialized format version written.
const FORMAT_VERSION: u16 = 1;
/// Bytes before the centroids.
const HEADER_BYTES: usize = 24;

/// Parameters of [`IvfPqModel::train`].
#[derive(Debug, Clone)]
pub struct IvfPqParams {
    /// Number of partitions (coarse centroids).
    pub partitions: usize,
    /// Sub-vectors of the product quantizer (bytes per code); divides the dimension.
    pub sub_vectors: usize,
    /// The distance metric searched.
    pub metric: Metric,
    /// Most k-means iterations, for the partitions and for each sub-space.
    pub iterations: usize,
    /// The partitions are trained on at most this many rows per partition (default 256).
    pub max_sample_per_partition: usize,
    /// Seed of the sampling and seeding.
    pub seed: u64,
}

impl IvfPqParams {
    /// Defaults for `rows` vectors of dimension `dim`: `round(sqrt(rows))` partitions
    /// (at least 1, at most `rows`), `dim / 8` sub-vectors if that divides `dim`, else the
    /// largest divisor of `dim` below it (at least 1), 25 iterations, 256 sampled rows per
    /// partition, [`DEFAULT_SEED`].
    pub fn new(rows: usize, dim: usize, metric: Metric) -> Self {
        let partitions = ((rows as f64).sqrt().round() as usize).clamp(1, rows.max(1));
        let limit = (dim / 8).max(1);
        let sub_vectors = (1..=limit).rev().find(|m| dim % m == 0).unwrap_or(1);
        Self {
            partitions,
            sub_vectors,
            metric,
            iterations: 25,
            max_sample_per_partition: 256,
            seed: DEFAULT_SEED,
        }
    }
}

/// A trained IVF-PQ model: coarse centroids and a product quantizer of residuals.
#[derive(Debug, Clone, PartialEq)]
pub struct IvfPqModel {
    /// The metric searched.
    pub metric: Metric,
    /// Dimension of the vectors.
    pub dim: usize,
    /// Row-major `partitions x dim` (for cosine, centroids of normalized vectors).
    pub centroids: Vec<f32>,
    /// Quantizer of residuals `x - c(x)`.
    pub pq: ProductQuantizer,
}

/// What scores the codes of one partition for one query: the approximate distance of a
/// code is `adc_distances(table) + offset`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionTable {
    /// `sub_vectors x 256` partial distances.
    pub table: Vec<f32>,
    /// Added to every code's sum.
    pub offset: f32,
}

impl IvfPqModel {
    /// Trains on `data` (row-major `n x dim`): partitions by k-means on a sample of at most
    /// `max_sample_per_partition * partitions` rows, then the product quantizer on the
    /// residuals of at most 65,536 of those rows. See the module docs for each metric.
    ///
    /// Progress: stage `"partitions"` (k-means iterations), then `"sub-vectors"`
    /// (sub-spaces of the quantizer trained).
    ///
    /// # Errors
    /// [`VectorError::InvalidArgument`] if `dim` is 0, `data` is not a whole number of
    /// rows, has NaN or infinite values or fewer rows than partitions, `partitions` is 0,
    /// or `sub_vectors` is 0 or does not divide `dim`.
    pub fn train(
        data: &[f32],
        dim: usize,
        params: &IvfPqParams,
        progress: ProgressFn,
    ) -> Result<Self> {
        check_rows(data, dim)?;
        let partitions = params.partitions;
        let sub_vectors = params.sub_vectors;
        if partitions == 0 {
            return Err(invalid("partitions must be at least 1"));
        }
        if sub_vectors == 0 || dim % sub_vectors != 0 {
            return Err(invalid(format!(
                "sub_vectors ({sub_vectors}) must be at least 1 and divide the dimension ({dim})"
            )));
        }
        let rows = data.len() / dim;
        if rows < partitions {
            return Err(invalid(format!(
                "{partitions} partitions need at least as many rows, got {rows}"
            )));
        }
        check_finite(data)?;
        let max_sample = params
            .max_sample_per_partition
            .saturating_mul(partitions)
            .max(partitions);
        let mut sample = sample_rows(data, dim, max_sample, params.seed);
        if params.metric == Metric::Cosine {
            sample.to_mut().chunks_exact_mut(dim).for_each(normalize);
        }
        let coarse = KMeansParams {
            k: partitions,
            iterations: params.iterations,
            max_sample: usize::MAX,
            seed: params.seed,
        };
        let centroids = kmeans(&sample, dim, &coarse, "partitions", progress)?;

        let fine = KMeansParams {
            k: CODEBOOK_SIZE,
            iterations: params.iterations,
            max_sample: usize::MAX,
            seed: params.seed.wrapping_add(2),
        };
        let pq_rows = KMeansParams::new(CODEBOOK_SIZE).max_sample;
        let mut residuals =
            sample_rows(&sample, dim, pq_rows, params.seed.wrapping_add(3)).into_owned();
        let owners = assign(&centroids, dim, &residuals);
        for (row, &p) in residuals.chunks_exact_mut(dim).zip(&owners) {
            let c = &centroids[p as usize * dim..][..dim];
            row.iter_mut().zip(c).for_each(|(x, c)| *x -= c);
        }
        let pq = ProductQuantizer::train(&residuals, dim, sub_vectors, &fine, progress)?;
        Ok(Self {
            metric: params.metric,
            dim,
            centroids,
            pq,
        })
    }

    /// The number of partitions.
    pub fn partitions(&self) -> usize {
        self.centroids.len() / self.dim
    }

    /// Centroid of `partition`.
    fn centroid(&self, partition: u32) -> &[f32] {
        &self.centroids[partition as usize * self.dim..][..self.dim]
    }

    /// The query as the model compares it: normalized for cosine.
    fn prepared<'q>(&self, query: &'q [f32]) -> Cow<'q, [f32]> {
        assert_eq!(query.len(), self.dim, "query has the wrong dimension");
        let mut query = Cow::Borrowed(query);
        if self.metric == Metric::Cosine {
            normalize(query.to_mut());
        }
        query
    }

    /// The partition (nearest centroid by L2, after normalizing for cosine) and the
    /// `sub_vectors`-byte code of each row of `vectors` (row-major `n x dim`): `n`
    /// partitions and `n x m` codes, computed in parallel.
    ///
    /// Progress: stage `"assigning"`, `done` = rows encoded so far, reported after each
    /// block of rows.
    ///
    /// # Panics
    /// If `vectors` is not a whole number of rows.
    pub fn encode(&self, vectors: &[f32], progress: ProgressFn) -> (Vec<u32>, Vec<u8>) {
        let (dim, m) = (self.dim, self.pq.sub_vectors);
        assert!(
            vectors.len() % dim == 0,
            "vectors are not whole rows of dimension {dim}"
        );
        let rows = vectors.len() / dim;
        let coarse = CentroidTable::new(&self.centroids, dim);
        let encoder = self.pq.encoder();
        let counter = ProgressCounter::new("assigning", rows as u64, progress);
        let mut partitions = vec![0u32; rows];
        let mut codes = vec![0u8; rows * m];
        partitions
            .par_chunks_mut(ROWS_PER_TASK)
            .zip(codes.par_chunks_mut(ROWS_PER_TASK * m))
            .zip(vectors.par_chunks(ROWS_PER_TASK * dim))
            .for_each_init(
                || {
                    (
                        vec![0.0; coarse.len()],
                        PqEncoder::scratch(),
                        vec![0.0; dim],
                    )
                },
                |(scores, pq_scores, residual), ((partitions, codes), block)| {
                    let rows = block.chunks_exact(dim);
                    let count = rows.len();
                    for ((p, code), x) in partitions
                        .iter_mut()
                        .zip(codes.chunks_exact_mut(m))
                        .zip(rows)
                    {
                        residual.copy_from_slice(x);
                        if self.metric == Metric::Cosine {
                            normalize(residual);
                        }
                        *p = coarse.nearest(residual, scores);
                        residual
                            .iter_mut()
                            .zip(self.centroid(*p))
                            .for_each(|(r, c)| *r -= c);
                        encoder.encode_into(residual, code, pq_scores);
                    }
                    counter.add(count as u64);
                },
            );
        (partitions, codes)
    }

    /// The `nprobes` partitions nearest `query` (fewer if there are fewer partitions),
    /// nearest first: by L2 to the centroids for L2, by L2 from the normalized query for
    /// cosine, by `-q.c` for dot.
    ///
    /// # Panics
    /// If `query.len() != dim`.
    pub fn probe(&self, query: &[f32], nprobes: usize) -> Vec<u32> {
        let query = self.prepared(query);
        let coarse_metric = match self.metric {
            Metric::L2 | Metric::Cosine => Metric::L2,
            Metric::Dot => Metric::Dot,
        };
        let mut coarse = Vec::with_capacity(self.partitions());
        distances(coarse_metric, &query, &self.centroids, &mut coarse);
        let mut top = TopK::new(nprobes.min(self.partitions()));
        top.push_slice(&coarse, |i| i as u64);
        top.into_sorted_vec()
            .into_iter()
            .map(|(_, p)| p as u32)
            .collect()
    }

    /// What scores the codes of `partition` for `query`, so that
    /// `adc_distances(table) + offset` approximates the distance:
    ///
    /// * L2: the table of the residual query `q - c_p`; offset 0.
    /// * Cosine: the same for the normalized query, halved (approximates `1 - cos`);
    ///   offset 0.
    /// * Dot: the table of `-q` per sub-space (the same for every partition) and offset
    ///   `-q.c_p`.
    ///
    /// # Panics
    /// If `query.len() != dim` or `partition` is out of range.
    pub fn partition_table(&self, query: &[f32], partition: u32) -> PartitionTable {
        assert!(
            (partition as usize) < self.partitions(),
            "partition {partition} out of range"
        );
        let query = self.prepared(query);
        let centroid = self.centroid(partition);
        match self.metric {
            Metric::L2 | Metric::Cosine => {
                let residual: Vec<f32> = query.iter().zip(centroid).map(|(q, c)| q - c).collect();
                let mut table = self.pq.distance_table(&residual, Metric::L2);
                if self.metric == Metric::Cosine {
                    table.iter_mut().for_each(|t| *t *= 0.5);
                }
                PartitionTable { table, offset: 0.0 }
            }
            Metric::Dot => PartitionTable {
                table: self.pq.distance_table(&query, Metric::Dot),
                offset: -dot(&query, centroid),
            },
        }
    }

    /// The serialized model (layout in the module docs).
    ///
    /// # Panics
    /// If `dim`, the partitions or `sub_vectors` exceed `u32::MAX`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let count = |n: usize| {
            u32::try_from(n)
                .expect("model sizes fit in u32")
                .to_le_bytes()
        };
        let floats = self.centroids.len() + self.pq.codebooks.len();
        let mut out = Vec::with_capacity(HEADER_BYTES + 4 * floats);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(metric_code(self.metric));
        out.push(0);
        out.extend_from_slice(&count(self.dim));
        out.extend_from_slice(&count(self.partitions()));
        out.extend_from_slice(&count(self.pq.sub_vectors));
        for x in self.centroids.iter().chain(&self.pq.codebooks) {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Reads a model written by [`IvfPqModel::to_bytes`].
    ///
    /// # Errors
    /// [`VectorError::Corrupt`] naming the first problem: wrong magic, version, metric or
    /// padding, a zero or inconsistent size, a length other than the sizes imply, or a
    /// value that is NaN or infinite. Never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let corrupt = |message: String| VectorError::Corrupt(message);
        if bytes.len() < HEADER_BYTES {
            return Err(corrupt(format!(
                "{} bytes, shorter than the {HEADER_BYTES}-byte header",
                bytes.len()
            )));
        }
        let (header, body) = bytes.split_at(HEADER_BYTES);
        let u32_at = |at: usize| {
            u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        if &header[..8] != MAGIC {
            return Err(corrupt("bad magic, not a Shoal IVF-PQ model".into()));
        }
        let version = u16::from_le_bytes([header[8], header[9]]);
        if version != FORMAT_VERSION {
            return Err(corrupt(format!("unsupported format version {version}")));
        }
        let metric = metric_from_code(header[10])
            .ok_or_else(|| corrupt(format!("unknown metric code {}", header[10])))?;
        if header[11] != 0 {
            return Err(corrupt(format!("padding byte is {}, not 0", header[11])));
        }
        let (dim, partitions, sub_vectors) = (
            u32_at(12) as usize,
            u32_at(16) as usize,
            u32_at(20) as usize,
        );
        if dim == 0 || partitions == 0 || sub_vectors == 0 {
            return Err(corrupt(format!(
                "dim ({dim}), partitions ({partitions}) and sub_vectors ({sub_vectors}) must be at least 1"
            )));
        }
        if dim % sub_vectors != 0 {
            return Err(corrupt(format!(
                "sub_vectors ({sub_vectors}) does not divide dim ({dim})"
            )));
        }
        let centroid_floats = partitions.checked_mul(dim);
        let codebook_floats = dim.checked_mul(CODEBOOK_SIZE);
        let expected = centroid_floats
            .zip(codebook_floats)
            .and_then(|(c, b)| c.checked_add(b))
            .and_then(|floats| floats.checked_mul(4));
        let (Some(centroid_floats), Some(expected)) = (centroid_floats, expected) else {
            return Err(corrupt(format!(
                "sizes overflow: dim {dim}, partitions {partitions}"
            )));
        };
        if body.len() != expected {
            return Err(corrupt(format!(
                "{} bytes after the header, expected {expected} for dim {dim}, {partitions} partitions",
                body.len()
            )));
        }
        let mut floats = body
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let centroids: Vec<f32> = floats.by_ref().take(centroid_floats).collect();
        let codebooks: Vec<f32> = floats.collect();
        if let Some(i) = centroids.iter().position(|x| !x.is_finite()) {
            return Err(corrupt(format!("centroid value {i} is not finite")));
        }
        if let Some(i) = codebooks.iter().position(|x| !x.is_finite()) {
            return Err(corrupt(format!("codebook value {i} is not finite")));
        }
        Ok(Self {
            metric,
            dim,
            centroids,
            pq: ProductQuantizer {
                dim,
                sub_vectors,
                codebooks,
            },
        })
    }
}

/// The serialized code of a metric.
fn metric_code(metric: Metric) -> u8 {
    match metric {
        Metric::L2 => 1,
        Metric::Cosine => 2,
        Metric::Dot => 3,
    }
}

/// The metric of a serialized code.
fn metric_from_code(code: u8) -> Option<Metric> {
    Metric::ALL.into_iter().find(|&m| metric_code(m) == code)
}
