//! Fuzzes the deletion file decoder (`_deletions/*.del`, `shoal-dataset`'s `deletion.rs`).
//!
//! The input is the fragment's row count (8 bytes, u64 little-endian) followed by the file,
//! which is tried as it is and with its envelope's crc32c fixed up. Decoding may give any
//! `Result`, never a panic, a hang or a huge allocation. A bitmap that decodes re-encodes to
//! bytes that decode to an equal bitmap against the same row count.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shoal_dataset::fuzzing::{decode_deletion, encode_deletion};
use shoal_format_fuzz::envelope::with_crc_fixed;

fuzz_target!(|data: &[u8]| {
    let Some((rows, file)) = data.split_first_chunk::<8>() else {
        return;
    };
    let rows = u64::from_le_bytes(*rows);
    with_crc_fixed(file, |bytes| {
        let Ok(deleted) = decode_deletion(bytes, rows) else {
            return;
        };
        let again = decode_deletion(&encode_deletion(&deleted), rows)
            .expect("a re-encoded deletion file decodes");
        assert_eq!(again, deleted, "a re-encoded deletion file decodes unequal");
    });
});
