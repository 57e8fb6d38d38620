//! Fuzzes reading a whole Shoal file from arbitrary bytes.
//!
//! The input is the file. Its footer is parsed from a short tail read first (a length derived
//! from the input, so that `FooterRead::NeedSuffix` is exercised), then from the suffix the
//! parser asks for. When the metadata parses, the file is read completely: a full scan of
//! every column, a sub-range scan and takes of a few rows derived from the input, fetched from
//! the input bytes and decoded once with page checksum verification and once without, so the
//! page decoders also see crafted page bytes behind the checksums.
//!
//! Random bytes almost never carry a valid footer crc32c, so each input is also tried a
//! second time with the footer checksum in its tail fixed up (when the tail's footer length
//! fits the input): that lets the fuzzer reach the footer decoder, the planners and the
//! decoders with crafted footers, not only the checksum check.
//!
//! Any `Result` is fine; the property is no panic, no hang and no huge allocation.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shoal_format::{HEADER_LEN, TAIL_LEN};
use shoal_format_fuzz::{hash, open, read_all};

fn read(file: &[u8], seed: u64) {
    let first_read = TAIL_LEN + seed % 512;
    if let Ok(meta) = open(file, first_read) {
        read_all(file, &meta, true, seed);
        read_all(file, &meta, false, seed);
    }
}

fuzz_target!(|data: &[u8]| {
    let seed = hash(data);
    read(data, seed);

    let len = data.len();
    if (len as u64) < HEADER_LEN + TAIL_LEN {
        return;
    }
    let tail = len - TAIL_LEN as usize;
    let footer_len = u64::from_le_bytes(data[tail..tail + 8].try_into().unwrap());
    if footer_len > (tail as u64) - HEADER_LEN {
        return;
    }
    let footer = tail - footer_len as usize..tail;
    let crc = crc32c::crc32c(&data[footer]);
    if data[tail + 8..tail + 12] != crc.to_le_bytes() {
        let mut fixed = data.to_vec();
        fixed[tail + 8..tail + 12].copy_from_slice(&crc.to_le_bytes());
        read(&fixed, seed);
    }
});
