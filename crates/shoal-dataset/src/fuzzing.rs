//! The decoders (and encoders) of the dataset's own binary objects that are not public API,
//! reachable from the fuzz targets in `fuzz/` with the `fuzzing` feature. Not for users:
//! nothing here is stable. The manifest needs nothing here ([`crate::Manifest::decode`] and
//! [`crate::Manifest::encode`] are public).

use roaring::RoaringBitmap;
use shoal_format::FormatError;

use crate::search::IvfPqIndex;

/// Parses a deletion file of a fragment of `rows` rows (`deletion.rs`).
pub fn decode_deletion(bytes: &[u8], rows: u64) -> Result<RoaringBitmap, FormatError> {
    crate::file::deletion::decode(bytes, rows)
}

/// The bytes of a deletion file holding `deleted`.
pub fn encode_deletion(deleted: &RoaringBitmap) -> Vec<u8> {
    crate::file::deletion::encode(deleted)
}

/// A parsed IVF-PQ index file (`search/index_file.rs`).
#[derive(Debug, PartialEq)]
pub struct VectorIndex(IvfPqIndex);

impl VectorIndex {
    /// Parses an index file, refusing corrupt bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        IvfPqIndex::decode(bytes).map(Self)
    }

    /// The file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.0.encode().to_vec()
    }
}
