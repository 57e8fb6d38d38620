//! Deletion vectors: which rows of a fragment are deleted, as a roaring bitmap of row
//! positions in the fragment's data file.
//!
//! A deletion file is written once, under `_deletions/`, and never modified: deleting more
//! rows of a fragment writes a new file holding the union, and the next manifest points at
//! it. The encoding (see `docs/format.md`, "Deletion file") is the dataset envelope around
//! the bitmap's portable serialization (the format shared by the Roaring implementations).

use std::sync::Arc;

use bytes::Bytes;
use roaring::RoaringBitmap;
use shoal_format::codec::{WireReader, WireWriter};
use shoal_format::FormatError;
use shoal_io::{ObjectLocation, ReadCost};

use crate::error::{Error, Result};
use crate::file::framing::Kind;
use crate::version::layout;
use crate::version::manifest::{DeletionFile, Fragment};

const DELETION: Kind = Kind {
    magic: *b"SHOALDEL",
    name: "deletion file",
    major: 1,
    minor: 0,
};

/// The bytes of a deletion file holding `deleted`.
pub(crate) fn encode(deleted: &RoaringBitmap) -> Vec<u8> {
    let mut serialized = Vec::with_capacity(deleted.serialized_size());
    deleted
        .serialize_into(&mut serialized)
        .expect("writing to a Vec cannot fail");
    let mut body = WireWriter::new();
    body.varint(deleted.len());
    body.bytes(&serialized);
    DELETION.frame(&body.into_inner())
}

/// Parses a deletion file of a fragment of `rows` rows.
pub(crate) fn decode(bytes: &[u8], rows: u64) -> Result<RoaringBitmap, FormatError> {
    let corrupt = |m: String| FormatError::Corrupt(format!("deletion file: {m}"));
    let mut r = WireReader::new(DELETION.unframe(bytes)?);
    let count = r.varint("deleted row count")?;
    let serialized = r.bytes("bitmap")?;
    if r.remaining() != 0 {
        return Err(corrupt(format!("{} unexpected bytes", r.remaining())));
    }
    let bitmap = RoaringBitmap::deserialize_from(serialized)
        .map_err(|e| corrupt(format!("bad bitmap: {e}")))?;
    if bitmap.len() != count {
        return Err(corrupt(format!(
            "holds {} rows but says {count}",
            bitmap.len()
        )));
    }
    if bitmap.max().is_some_and(|max| u64::from(max) >= rows) {
        return Err(corrupt(format!(
            "deletes row {} of a fragment of {rows} rows",
            bitmap.max().unwrap_or_default()
        )));
    }
    Ok(bitmap)
}

/// The deleted rows of `fragment`, loaded from its deletion file (none when it has none),
/// and what the read cost.
pub(crate) async fn load(
    root: &ObjectLocation,
    fragment: &Fragment,
) -> Result<(Option<Arc<RoaringBitmap>>, ReadCost)> {
    let Some(file) = &fragment.deletion else {
        return Ok((None, ReadCost::default()));
    };
    let location = root.child(&file.path);
    let bytes = shoal_io::get(&location).await?;
    let cost = ReadCost {
        requests: 1,
        bytes: bytes.len() as u64,
    };
    let bitmap = decode(&bytes, fragment.data.rows).map_err(Error::format(&location.uri))?;
    if bitmap.len() != file.deleted_rows {
        return Err(Error::Format {
            uri: location.uri.clone(),
            error: FormatError::Corrupt(format!(
                "deletion file holds {} rows, the manifest says {}",
                bitmap.len(),
                file.deleted_rows
            )),
        });
    }
    Ok((Some(Arc::new(bitmap)), cost))
}

/// Writes a new deletion file for fragment `fragment_id` and describes it for the manifest.
pub(crate) async fn write(
    root: &ObjectLocation,
    fragment_id: u64,
    deleted: &RoaringBitmap,
) -> Result<DeletionFile> {
    let path = layout::new_deletion_file(fragment_id);
    shoal_io::put(&root.child(&path), Bytes::from(encode(deleted))).await?;
    Ok(DeletionFile {
        path,
        deleted_rows: deleted.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_files_round_trip_and_refuse_damage() {
        let deleted: RoaringBitmap = [0u32, 5, 6, 7, 99_999].into_iter().collect();
        let bytes = encode(&deleted);
        assert_eq!(decode(&bytes, 100_000).unwrap(), deleted);
        assert!(decode(&bytes, 99_999).is_err(), "row beyond the fragment");
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], 100_000).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(decode(&flipped, 100_000).is_err(), "flip at {i}");
        }
    }
}
