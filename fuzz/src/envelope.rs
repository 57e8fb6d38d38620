//! The dataset envelope (manifests, deletion files, vector indices): eight bytes of magic,
//! major and minor version (u16 little-endian each), the body, and a crc32c of the body
//! (u32 little-endian). See `docs/format.md`.
//!
//! Random bytes almost never carry a valid crc32c, so the targets of those objects run each
//! input twice: as it is, and with its checksum fixed up, which lets the fuzzer reach the
//! body decoders rather than only the checksum check.

/// Bytes before the body: magic and the two version numbers.
const HEADER: usize = 12;
/// Bytes after the body: its crc32c.
const CRC: usize = 4;

/// Runs `check` on `data`, then on a copy of `data` whose trailing crc32c is the body's
/// when it was not (and `data` is long enough to hold a header and a checksum).
pub fn with_crc_fixed(data: &[u8], mut check: impl FnMut(&[u8])) {
    check(data);
    if data.len() < HEADER + CRC {
        return;
    }
    let tail = data.len() - CRC;
    let crc = crc32c::crc32c(&data[HEADER..tail]).to_le_bytes();
    if data[tail..] != crc {
        let mut fixed = data.to_vec();
        fixed[tail..].copy_from_slice(&crc);
        check(&fixed);
    }
}
