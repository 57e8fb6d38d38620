//! Fuzzes the IVF-PQ index file parser (`_indices/*.ivfpq`: `shoal-dataset`'s
//! `search/index_file.rs` around `shoal-vector`'s `IvfPqModel::from_bytes`). The input is
//! the file, tried as it is and with its envelope's crc32c fixed up.
//!
//! Decoding may give any `Result`, never a panic, a hang or a huge allocation. An index that
//! decodes re-encodes to bytes that decode to an equal index (model, partitions, addresses
//! and codes).

#![no_main]

use libfuzzer_sys::fuzz_target;
use shoal_dataset::fuzzing::VectorIndex;
use shoal_format_fuzz::envelope::with_crc_fixed;

fn check(bytes: &[u8]) {
    let Ok(index) = VectorIndex::decode(bytes) else {
        return;
    };
    let again = VectorIndex::decode(&index.encode()).expect("a re-encoded index decodes");
    assert_eq!(again, index, "a re-encoded index decodes unequal");
}

fuzz_target!(|data: &[u8]| with_crc_fixed(data, check));
