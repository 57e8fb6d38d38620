//! Per-page compression: none, LZ4 (block format) or Zstandard.
//!
//! The writer keeps a compressed page only when it saves at least [`MIN_SAVING`] of the bytes;
//! otherwise the page is stored plain, which keeps it randomly addressable. Decompression
//! never allocates more than the page table claims: LZ4 claims beyond the codec's maximum
//! ratio are refused up front, and Zstandard output grows only as far as the data really
//! expands, stopping one byte past the claim.

use std::io::Read;

use crate::error::{FormatError, Result};

/// Compression applied to the pages a writer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Pages are stored as they are: fastest to read, and randomly addressable.
    #[default]
    None,
    /// LZ4 block compression: cheap to decode, modest ratio.
    Lz4,
    /// Zstandard at the given level (1-22): better ratio, slower to write.
    Zstd(i32),
}

impl Compression {
    /// The code stored in the page table.
    pub(crate) fn code(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Lz4 => 1,
            Compression::Zstd(_) => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> Result<Self> {
        match code {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Lz4),
            2 => Ok(Compression::Zstd(0)),
            other => Err(FormatError::corrupt(format!(
                "unknown compression code {other}"
            ))),
        }
    }

    /// A short name for display: `none`, `lz4` or `zstd`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lz4 => "lz4",
            Compression::Zstd(_) => "zstd",
        }
    }
}

impl std::str::FromStr for Compression {
    type Err = String;

    /// Parses `none`, `lz4`, `zstd` or `zstd:LEVEL`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Compression::None),
            "lz4" => Ok(Compression::Lz4),
            "zstd" => Ok(Compression::Zstd(3)),
            _ => match s.strip_prefix("zstd:").map(str::parse::<i32>) {
                Some(Ok(level)) if (1..=22).contains(&level) => Ok(Compression::Zstd(level)),
                _ => Err(format!(
                    "unknown compression '{s}': expected none, lz4, zstd or zstd:LEVEL (1-22)"
                )),
            },
        }
    }
}

/// A compressed page must be at most this fraction of the plain one to be kept compressed.
pub const MIN_SAVING: f64 = 0.9;

/// Compresses `plain`; returns `None` when the codec does not save enough to be worth it.
pub(crate) fn compress(codec: Compression, plain: &[u8]) -> Option<Vec<u8>> {
    let packed = match codec {
        Compression::None => return None,
        Compression::Lz4 => lz4_flex::block::compress(plain),
        Compression::Zstd(level) => zstd::bulk::compress(plain, level).ok()?,
    };
    ((packed.len() as f64) <= (plain.len() as f64) * MIN_SAVING).then_some(packed)
}

/// LZ4's block format cannot expand data by more than this factor.
const LZ4_MAX_RATIO: u64 = 255;

/// Decompresses a page whose plain form is claimed to be `plain_len` bytes.
pub(crate) fn decompress(codec: Compression, packed: &[u8], plain_len: u64) -> Result<Vec<u8>> {
    let bad =
        |e: &dyn std::fmt::Display| FormatError::corrupt(format!("page does not decompress: {e}"));
    let out = match codec {
        Compression::None => packed.to_vec(),
        Compression::Lz4 => {
            if plain_len > (packed.len() as u64).saturating_mul(LZ4_MAX_RATIO) + 16 {
                return Err(FormatError::corrupt(format!(
                    "page claims {plain_len} bytes from {} compressed bytes, beyond LZ4's ratio",
                    packed.len()
                )));
            }
            let mut out = vec![0u8; plain_len as usize];
            let n = lz4_flex::block::decompress_into(packed, &mut out).map_err(|e| bad(&e))?;
            out.truncate(n);
            out
        }
        Compression::Zstd(_) => {
            // Stream, so memory grows with what the data really expands to, not the claim.
            let mut out = Vec::new();
            zstd::stream::read::Decoder::new(packed)
                .map_err(|e| bad(&e))?
                .take(plain_len.saturating_add(1))
                .read_to_end(&mut out)
                .map_err(|e| bad(&e))?;
            out
        }
    };
    if out.len() as u64 != plain_len {
        return Err(FormatError::corrupt(format!(
            "page decompressed to {} bytes, the page table says {plain_len}",
            out.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_round_trip_and_incompressible_data_stays_plain() {
        let plain: Vec<u8> = (0..10_000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        for codec in [Compression::Lz4, Compression::Zstd(3)] {
            let packed = compress(codec, &plain).expect("repetitive data compresses");
            assert_eq!(
                decompress(codec, &packed, plain.len() as u64).unwrap(),
                plain
            );
            assert!(decompress(codec, &packed, plain.len() as u64 + 1).is_err());
            assert!(decompress(codec, &packed[..packed.len() / 2], plain.len() as u64).is_err());
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect();
        assert!(compress(Compression::Lz4, &noise).is_none());
    }

    #[test]
    fn absurd_claimed_size_is_refused_before_allocating() {
        let err = decompress(Compression::Lz4, &[0u8; 4], u64::MAX / 2).unwrap_err();
        assert!(err.to_string().contains("ratio"));
        assert!(decompress(Compression::Zstd(0), &[1, 2, 3], u64::MAX / 2).is_err());
    }

    #[test]
    fn names_parse() {
        assert_eq!(
            "zstd:7".parse::<Compression>().unwrap(),
            Compression::Zstd(7)
        );
        assert!("gzip".parse::<Compression>().is_err());
    }
}
