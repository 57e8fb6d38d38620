//! Fuzzes the page decoders and the take paths with arbitrary page bytes behind a valid
//! footer.
//!
//! The first `SELECTOR_LEN` (4) bytes of the input choose a small valid file: one of a fixed
//! list of schemas covering every node kind (Int32, Boolean, Utf8, LargeBinary,
//! FixedSizeList<Float32, 4>, List<Utf8>, Struct{a: Int64, b: List<Int32>}, and more, see
//! `shoal_format_fuzz::schemas`), the codec, the page size, the share of nulls, the row count
//! and the values. The file is encoded with `FileEncoder`, then the rest of the input
//! overwrites its data pages from the start of the data region (between the 16-byte header and
//! the footer); data pages past the end of the input keep their valid bytes. The file is then
//! read completely (full scan, sub-range scan, takes) with `verify_checksums(false)`, so the
//! footer stays valid while the decoders, the decompressors and the row-by-row take paths see
//! arbitrary page contents.
//!
//! Any `Result` is fine; the property is no panic, no hang and no huge allocation.

#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use shoal_format::DEFAULT_TAIL_READ;
use shoal_format_fuzz::{build_file, data_region, hash, open, read_all, SELECTOR_LEN};

thread_local! {
    /// Files already built, by selector: encoding (zstd especially) dominates otherwise.
    static FILES: RefCell<HashMap<[u8; SELECTOR_LEN], Vec<u8>>> = RefCell::default();
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, pages)) = data.split_first_chunk::<SELECTOR_LEN>() else {
        return;
    };
    let mut file = FILES.with_borrow_mut(|files| {
        if files.len() >= 4096 {
            files.clear();
        }
        files
            .entry(*selector)
            .or_insert_with(|| build_file(*selector))
            .clone()
    });
    let region = data_region(&file);
    let n = pages.len().min(region.len());
    file[region.start..region.start + n].copy_from_slice(&pages[..n]);
    let meta = open(&file, DEFAULT_TAIL_READ).expect("the footer was not touched");
    read_all(&file, &meta, false, hash(data));
});
