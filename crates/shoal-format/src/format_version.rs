//! Magic bytes, the format version, and the fixed-size header and tail that frame a file.
//!
//! ```text
//! offset 0                 header (16 bytes)
//!   0..8    magic  b"SHOALFMT"
//!   8..10   major version, u16 LE
//!   10..12  minor version, u16 LE
//!   12..16  reserved, zero
//! ...                      pages, each starting at a multiple of 8
//! footer_start             footer (footer_len bytes, see `metadata`)
//! file_len - 24            tail (24 bytes)
//!   0..8    footer_len, u64 LE
//!   8..12   crc32c of the footer bytes, u32 LE
//!   12..14  major version, u16 LE
//!   14..16  minor version, u16 LE
//!   16..24  magic  b"SHOALFMT"
//! ```
//! The full byte-level specification is `docs/format.md`.

use crate::error::{FormatError, Result};

/// The eight bytes at both ends of every Shoal file.
pub const MAGIC: [u8; 8] = *b"SHOALFMT";
/// The major version this build writes; files of another major version are refused.
pub const FORMAT_MAJOR: u16 = 1;
/// The newest minor version this build reads and writes; files of a newer minor version are
/// refused. A file is written at the oldest minor version that holds its schema's types
/// ([`crate::types::minor_version_for`]), so that older readers still read it when they can.
pub const FORMAT_MINOR: u16 = 1;

/// Size of the header at the start of the file.
pub const HEADER_LEN: u64 = 16;
/// Size of the tail at the end of the file.
pub const TAIL_LEN: u64 = 24;

const MAJOR_AT: usize = MAGIC.len();
const MINOR_AT: usize = MAJOR_AT + 2;
const TAIL_CRC_AT: usize = 8;
const TAIL_MAJOR_AT: usize = TAIL_CRC_AT + 4;
const TAIL_MINOR_AT: usize = TAIL_MAJOR_AT + 2;
const TAIL_MAGIC_AT: usize = TAIL_MINOR_AT + 2;

/// The header bytes of a file of version `FORMAT_MAJOR.minor`.
pub fn header_bytes(minor: u16) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[..MAJOR_AT].copy_from_slice(&MAGIC);
    h[MAJOR_AT..MINOR_AT].copy_from_slice(&FORMAT_MAJOR.to_le_bytes());
    h[MINOR_AT..MINOR_AT + 2].copy_from_slice(&minor.to_le_bytes());
    h
}

/// Checks a header read from the start of a file.
pub fn check_header(bytes: &[u8]) -> Result<()> {
    let head = bytes
        .get(..HEADER_LEN as usize)
        .ok_or_else(|| FormatError::corrupt("file is shorter than the header"))?;
    if head[..MAJOR_AT] != MAGIC {
        return Err(FormatError::corrupt(
            "bad magic at start of file: not a Shoal file",
        ));
    }
    check_version(
        u16::from_le_bytes([head[MAJOR_AT], head[MAJOR_AT + 1]]),
        u16::from_le_bytes([head[MINOR_AT], head[MINOR_AT + 1]]),
    )
}

/// The parsed tail of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    /// Length of the footer, which ends where the tail starts.
    pub footer_len: u64,
    /// crc32c of the footer bytes.
    pub footer_crc: u32,
    /// The file's minor version (its major version is [`FORMAT_MAJOR`]).
    pub minor: u16,
}

/// The tail bytes of a file of version `FORMAT_MAJOR.minor`, for a footer.
pub fn tail_bytes(footer_len: u64, footer_crc: u32, minor: u16) -> [u8; TAIL_LEN as usize] {
    let mut t = [0u8; TAIL_LEN as usize];
    t[..TAIL_CRC_AT].copy_from_slice(&footer_len.to_le_bytes());
    t[TAIL_CRC_AT..TAIL_MAJOR_AT].copy_from_slice(&footer_crc.to_le_bytes());
    t[TAIL_MAJOR_AT..TAIL_MINOR_AT].copy_from_slice(&FORMAT_MAJOR.to_le_bytes());
    t[TAIL_MINOR_AT..TAIL_MAGIC_AT].copy_from_slice(&minor.to_le_bytes());
    t[TAIL_MAGIC_AT..].copy_from_slice(&MAGIC);
    t
}

/// Parses the last [`TAIL_LEN`] bytes of a file.
pub fn parse_tail(bytes: &[u8]) -> Result<Tail> {
    let t: &[u8; TAIL_LEN as usize] = bytes
        .try_into()
        .map_err(|_| FormatError::corrupt("file is shorter than the tail"))?;
    if t[TAIL_MAGIC_AT..] != MAGIC {
        return Err(FormatError::corrupt(
            "bad magic at end of file: not a Shoal file, or truncated",
        ));
    }
    let minor = u16::from_le_bytes([t[TAIL_MINOR_AT], t[TAIL_MINOR_AT + 1]]);
    check_version(
        u16::from_le_bytes([t[TAIL_MAJOR_AT], t[TAIL_MAJOR_AT + 1]]),
        minor,
    )?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&t[..TAIL_CRC_AT]);
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&t[TAIL_CRC_AT..TAIL_MAJOR_AT]);
    Ok(Tail {
        footer_len: u64::from_le_bytes(len),
        footer_crc: u32::from_le_bytes(crc),
        minor,
    })
}

fn check_version(major: u16, minor: u16) -> Result<()> {
    if major != FORMAT_MAJOR || minor > FORMAT_MINOR {
        return Err(FormatError::UnsupportedVersion {
            major,
            minor,
            max_major: FORMAT_MAJOR,
            max_minor: FORMAT_MINOR,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_round_trips() {
        for minor in 0..=FORMAT_MINOR {
            let t = tail_bytes(1234, 0xdead_beef, minor);
            assert_eq!(
                parse_tail(&t).unwrap(),
                Tail {
                    footer_len: 1234,
                    footer_crc: 0xdead_beef,
                    minor,
                }
            );
            check_header(&header_bytes(minor)).unwrap();
        }
    }

    #[test]
    fn newer_version_is_refused_with_both_versions_named() {
        let h = header_bytes(FORMAT_MINOR + 1);
        let err = check_header(&h).unwrap_err().to_string();
        let newer = format!("1.{}", FORMAT_MINOR + 1);
        let supported = format!("up to 1.{FORMAT_MINOR}");
        assert!(err.contains(&newer) && err.contains(&supported), "{err}");
    }

    #[test]
    fn wrong_magic_is_refused() {
        assert!(check_header(b"PAR1PAR1PAR1PAR1").is_err());
        assert!(parse_tail(&[0u8; 24]).is_err());
        assert!(parse_tail(&[0u8; 3]).is_err());
    }
}
