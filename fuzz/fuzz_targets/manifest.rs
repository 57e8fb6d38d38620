//! Fuzzes `Manifest::decode`: the input is a manifest (`_versions/<n>.manifest`), tried as it
//! is and with its envelope's crc32c fixed up.
//!
//! Decoding may give any `Result`, never a panic, a hang or a huge allocation. A manifest
//! that decodes has a row count (a sum over its fragments), and re-encodes to bytes that
//! decode to an equal manifest; re-encoding that gives the same bytes (the encoding of a
//! decoded manifest is canonical).

#![no_main]

use libfuzzer_sys::fuzz_target;
use shoal_dataset::Manifest;
use shoal_format_fuzz::envelope::with_crc_fixed;

fn check(bytes: &[u8]) {
    let Ok(manifest) = Manifest::decode(bytes) else {
        return;
    };
    manifest.num_rows();
    let encoded = manifest.encode();
    let again = Manifest::decode(&encoded).expect("a re-encoded manifest decodes");
    assert_eq!(again, manifest, "a re-encoded manifest decodes unequal");
    assert_eq!(again.encode(), encoded, "re-encoding is not stable");
}

fuzz_target!(|data: &[u8]| with_crc_fixed(data, check));
