//! Product quantization: vectors are split into `m` sub-vectors, each replaced by the
//! 8-bit index of its nearest code word in that sub-space's codebook of 256 code words.

use rayon::prelude::*;

use crate::distance::distances;
use crate::error::{invalid, Result};
use crate::kmeans::{check_finite, check_rows, kmeans, KMeansParams, ROWS_PER_TASK};
use crate::metric::Metric;
use crate::nearest::CentroidTable;
use crate::progress::{no_progress, ProgressCounter, ProgressFn};
use crate::sample::sample_rows;

/// Code words in each sub-space's codebook (codes are one byte).
pub const CODEBOOK_SIZE: usize = 256;

/// Product quantizer: `dim` split into `sub_vectors` sub-vectors of `dim / sub_vectors`
/// values, each encoded as one of 256 code words (8-bit codes) trained by k-means.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductQuantizer {
    /// Dimension of the vectors.
    pub dim: usize,
    /// Number of sub-vectors `m` (bytes per code); divides `dim`.
    pub sub_vectors: usize,
    /// `m x 256 x (dim / m)`: code word `c` of sub-space `j` starts at
    /// `(j * 256 + c) * (dim / m)`.
    pub codebooks: Vec<f32>,
}

impl ProductQuantizer {
    /// Trains the codebooks by k-means (L2) per sub-space on a sample of at most
    /// `params.max_sample` rows of `data` (row-major `n x dim`); `params.k` is ignored (256).
    /// The sub-spaces are trained in parallel.
    ///
    /// With fewer than 256 rows, each sub-space gets as many code words as rows and the
    /// codebook is padded to 256 by repeating them; encoding picks the first of equal code
    /// words, so the copies are never used.
    ///
    /// Progress: stage `"sub-vectors"`, `done` = sub-spaces trained, `total` = `sub_vectors`.
    ///
    /// # Errors
    /// [`VectorError::InvalidArgument`](crate::VectorError::InvalidArgument) if `dim` or
    /// `sub_vectors` is 0, `sub_vectors` does not divide `dim`, `data` is not a whole
    /// number of rows or has none, or a value is NaN or infinite.
    pub fn train(
        data: &[f32],
        dim: usize,
        sub_vectors: usize,
        params: &KMeansParams,
        progress: ProgressFn,
    ) -> Result<Self> {
        check_rows(data, dim)?;
        if sub_vectors == 0 || dim % sub_vectors != 0 {
            return Err(invalid(format!(
                "sub_vectors ({sub_vectors}) must be at least 1 and divide the dimension ({dim})"
            )));
        }
        if data.is_empty() {
            return Err(invalid("product quantizer training needs at least one row"));
        }
        check_finite(data)?;
        let sample = sample_rows(data, dim, params.max_sample.max(1), params.seed);
        let rows = sample.len() / dim;
        let sub_dim = dim / sub_vectors;
        let words = rows.min(CODEBOOK_SIZE);
        let counter = ProgressCounter::new("sub-vectors", sub_vectors as u64, progress);
        let codebooks = (0..sub_vectors)
            .into_par_iter()
            .map(|j| {
                let columns: Vec<f32> = sample
                    .chunks_exact(dim)
                    .flat_map(|row| &row[j * sub_dim..][..sub_dim])
                    .copied()
                    .collect();
                let sub_params = KMeansParams {
                    k: words,
                    iterations: params.iterations,
                    max_sample: rows,
                    seed: params.seed.wrapping_add(j as u64),
                };
                let mut codebook = kmeans(&columns, sub_dim, &sub_params, "", &no_progress)?;
                for c in words..CODEBOOK_SIZE {
                    codebook.extend_from_within((c % words) * sub_dim..(c % words + 1) * sub_dim);
                }
                counter.add(1);
                Ok(codebook)
            })
            .collect::<Result<Vec<Vec<f32>>>>()?
            .concat();
        Ok(Self {
            dim,
            sub_vectors,
            codebooks,
        })
    }

    /// Values in each sub-vector, `dim / sub_vectors`.
    pub fn sub_dim(&self) -> usize {
        self.dim / self.sub_vectors
    }

    /// Codes of `vectors` (row-major `n x dim`): `n x m` bytes, computed in parallel.
    ///
    /// # Panics
    /// If `vectors` is not a whole number of rows.
    pub fn encode(&self, vectors: &[f32]) -> Vec<u8> {
        let dim = self.dim;
        assert!(
            vectors.len() % dim == 0,
            "vectors are not whole rows of dimension {dim}"
        );
        let m = self.sub_vectors;
        let encoder = self.encoder();
        let mut codes = vec![0u8; vectors.len() / dim * m];
        codes
            .par_chunks_mut(ROWS_PER_TASK * m)
            .zip(vectors.par_chunks(ROWS_PER_TASK * dim))
            .for_each_init(PqEncoder::scratch, |scores, (codes, rows)| {
                for (code, x) in codes.chunks_exact_mut(m).zip(rows.chunks_exact(dim)) {
                    encoder.encode_into(x, code, scores);
                }
            });
        codes
    }

    /// The vectors that `codes` (`n x m` bytes) stand for: `n x dim` values.
    ///
    /// # Panics
    /// If `codes` is not a whole number of codes.
    pub fn decode(&self, codes: &[u8]) -> Vec<f32> {
        let (m, sub_dim) = (self.sub_vectors, self.sub_dim());
        assert!(
            codes.len() % m == 0,
            "codes are not whole codes of {m} bytes"
        );
        let mut out = Vec::with_capacity(codes.len() * sub_dim);
        for code in codes.chunks_exact(m) {
            for (j, &c) in code.iter().enumerate() {
                out.extend_from_slice(
                    &self.codebooks[(j * CODEBOOK_SIZE + c as usize) * sub_dim..][..sub_dim],
                );
            }
        }
        out
    }

    /// `m x 256` partial distances of `query` to each code word, for
    /// [`adc_distances`](crate::adc_distances): squared L2 per sub-space for
    /// [`Metric::L2`] and [`Metric::Cosine`], `-dot` for [`Metric::Dot`].
    ///
    /// # Panics
    /// If `query.len() != dim`.
    pub fn distance_table(&self, query: &[f32], metric: Metric) -> Vec<f32> {
        assert_eq!(query.len(), self.dim, "query has the wrong dimension");
        let kernel = match metric {
            Metric::L2 | Metric::Cosine => Metric::L2,
            Metric::Dot => Metric::Dot,
        };
        let sub_dim = self.sub_dim();
        let mut table = Vec::with_capacity(self.sub_vectors * CODEBOOK_SIZE);
        let mut partial = Vec::with_capacity(CODEBOOK_SIZE);
        for (q, codebook) in query
            .chunks_exact(sub_dim)
            .zip(self.codebooks.chunks_exact(CODEBOOK_SIZE * sub_dim))
        {
            distances(kernel, q, codebook, &mut partial);
            table.extend_from_slice(&partial);
        }
        table
    }

    /// The codebooks prepared for encoding.
    pub(crate) fn encoder(&self) -> PqEncoder {
        let sub_dim = self.sub_dim();
        PqEncoder {
            sub_dim,
            codebooks: (self.codebooks.chunks_exact(CODEBOOK_SIZE * sub_dim))
                .map(|codebook| CentroidTable::new(codebook, sub_dim))
                .collect(),
        }
    }
}

/// A product quantizer's codebooks prepared for nearest-code-word search.
pub(crate) struct PqEncoder {
    sub_dim: usize,
    codebooks: Vec<CentroidTable>,
}

impl PqEncoder {
    /// Scratch space for [`PqEncoder::encode_into`].
    pub(crate) fn scratch() -> Vec<f32> {
        vec![0.0; CODEBOOK_SIZE]
    }

    /// Writes the code of `x` (`dim` values) into `code` (`m` bytes).
    pub(crate) fn encode_into(&self, x: &[f32], code: &mut [u8], scores: &mut [f32]) {
        for ((c, sub), codebook) in code
            .iter_mut()
            .zip(x.chunks_exact(self.sub_dim))
            .zip(&self.codebooks)
        {
            // Code word indices are below CODEBOOK_SIZE = 256.
            *c = codebook.nearest(sub, scores) as u8;
        }
    }
}
