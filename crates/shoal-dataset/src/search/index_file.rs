//! The IVF-PQ index file (`_indices/<uuid>.ivfpq`): the trained model and, partition by
//! partition, the row address and PQ code of every row indexed. Loaded whole, once per
//! dataset handle (the session keeps it), with one GET.
//!
//! In the dataset envelope (magic `SHOALIVX`, version 1.0, crc32c of the body; see
//! `docs/format.md`, "Vector index"), the body is:
//!
//! ```text
//! model_len  varint, model  model_len bytes (shoal-vector's IvfPqModel encoding)
//! rows       varint
//! sizes      one varint per partition: rows in it (they sum to `rows`)
//! addresses  rows x u64 little-endian, partition 0's first
//! codes      rows x sub_vectors bytes, in the same order
//! ```

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use shoal_format::codec::{WireReader, WireWriter};
use shoal_format::FormatError;
use shoal_vector::IvfPqModel;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::framing::Kind;
use crate::search::query::VectorColumn;
use crate::version::manifest::IndexEntry;

const INDEX: Kind = Kind {
    magic: *b"SHOALIVX",
    name: "vector index",
    major: 1,
    minor: 0,
};

/// An IVF-PQ index in memory.
#[derive(Debug, PartialEq)]
pub(crate) struct IvfPqIndex {
    pub model: IvfPqModel,
    /// Where each partition's rows are: partition p is `starts[p]..starts[p + 1]`.
    starts: Vec<usize>,
    pub addresses: Vec<u64>,
    /// `sub_vectors` bytes per row.
    pub codes: Vec<u8>,
}

impl IvfPqIndex {
    /// Groups rows (their partition, address and code, as `model.encode` gives them) by
    /// partition.
    pub(crate) fn new(
        model: IvfPqModel,
        partition: &[u32],
        addresses: &[u64],
        codes: &[u8],
    ) -> Self {
        let m = model.pq.sub_vectors;
        let mut starts = vec![0usize; model.partitions() + 1];
        for p in partition {
            starts[*p as usize + 1] += 1;
        }
        for p in 0..model.partitions() {
            starts[p + 1] += starts[p];
        }
        let mut next = starts.clone();
        let mut sorted_addresses = vec![0u64; addresses.len()];
        let mut sorted_codes = vec![0u8; codes.len()];
        for (row, p) in partition.iter().enumerate() {
            let at = next[*p as usize];
            next[*p as usize] += 1;
            sorted_addresses[at] = addresses[row];
            sorted_codes[at * m..(at + 1) * m].copy_from_slice(&codes[row * m..(row + 1) * m]);
        }
        Self {
            model,
            starts,
            addresses: sorted_addresses,
            codes: sorted_codes,
        }
    }

    /// Rows indexed.
    pub(crate) fn rows(&self) -> usize {
        self.addresses.len()
    }

    /// The rows (positions in `addresses`) of partition `p`.
    pub(crate) fn partition(&self, p: u32) -> Range<usize> {
        self.starts[p as usize]..self.starts[p as usize + 1]
    }

    /// Every row as (partition, address, code), for extending the index.
    pub(crate) fn rows_by_partition(&self) -> (Vec<u32>, &[u64], &[u8]) {
        let mut partition = Vec::with_capacity(self.rows());
        for p in 0..self.model.partitions() as u32 {
            partition.extend(std::iter::repeat_n(p, self.partition(p).len()));
        }
        (partition, &self.addresses, &self.codes)
    }

    /// The file's bytes.
    pub(crate) fn encode(&self) -> Bytes {
        let model = self.model.to_bytes();
        let mut body = WireWriter::new();
        body.len(model.len());
        body.raw(&model);
        body.len(self.rows());
        for p in 0..self.model.partitions() as u32 {
            body.len(self.partition(p).len());
        }
        for a in &self.addresses {
            body.raw(&a.to_le_bytes());
        }
        body.raw(&self.codes);
        Bytes::from(INDEX.frame(&body.into_inner()))
    }

    /// The index `entry` of `dataset` over `column`, from its session when loaded before.
    /// An index whose vectors have another dimension than the column's is corrupt.
    pub(crate) async fn load(
        dataset: &Dataset,
        entry: &IndexEntry,
        column: &VectorColumn,
    ) -> Result<Arc<Self>> {
        if let Some(index) = dataset.session().index(&entry.path) {
            return Ok(index);
        }
        let location = dataset.root().child(&entry.path);
        let bytes = shoal_io::get(&location).await?;
        let dim = column.dim;
        let index = shoal_runtime::spawn_cpu(move || {
            let index = Self::decode(&bytes)?;
            match index.model.dim == dim {
                true => Ok(index),
                false => Err(FormatError::Corrupt(format!(
                    "vector index: its vectors have {} dimensions, its column {dim}",
                    index.model.dim
                ))),
            }
        })
        .await?
        .map_err(Error::format(&location.uri))?;
        let index = Arc::new(index);
        dataset.session().insert_index(&entry.path, index.clone());
        Ok(index)
    }

    /// Parses an index file, refusing corrupt bytes.
    pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<Self, FormatError> {
        let corrupt = |m: String| FormatError::Corrupt(format!("vector index: {m}"));
        let mut r = WireReader::new(INDEX.unframe(bytes)?);
        let model_len = r.count("model length")?;
        let model = IvfPqModel::from_bytes(r.raw(model_len, "model")?)
            .map_err(|e| corrupt(e.to_string()))?;
        let rows = r.count("rows")?;
        let mut starts = vec![0usize];
        for _ in 0..model.partitions() {
            let size = r.count("partition size")?;
            starts.push(starts[starts.len() - 1] + size);
        }
        if starts[starts.len() - 1] != rows {
            return Err(corrupt(format!(
                "partition sizes sum to {}, not {rows}",
                starts[starts.len() - 1]
            )));
        }
        let m = model.pq.sub_vectors;
        let address_bytes = r.raw(
            rows.checked_mul(8).ok_or_else(|| corrupt("size".into()))?,
            "addresses",
        )?;
        let addresses = address_bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let codes = r
            .raw(
                rows.checked_mul(m).ok_or_else(|| corrupt("size".into()))?,
                "codes",
            )?
            .to_vec();
        if r.remaining() != 0 {
            return Err(corrupt(format!(
                "{} unexpected bytes at the end",
                r.remaining()
            )));
        }
        Ok(Self {
            model,
            starts,
            addresses,
            codes,
        })
    }
}
