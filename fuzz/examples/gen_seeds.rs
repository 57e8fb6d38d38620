//! Writes a seed corpus of valid files for both fuzz targets into `fuzz/corpus/<target>/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen_seeds`.
//!
//! `metadata` seeds are whole files (every schema, codec and a few page sizes and null
//! shares); `page_decode` seeds are the selector bytes followed by the file's own data
//! region, i.e. inputs that read back the unmodified file.

use std::fs;
use std::path::Path;

use shoal_format_fuzz::{build_file, data_region, schemas};

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let (meta_dir, page_dir) = (root.join("metadata"), root.join("page_decode"));
    fs::create_dir_all(&meta_dir)?;
    fs::create_dir_all(&page_dir)?;
    let mut count = 0;
    for schema in 0..schemas().len() as u8 {
        for codec in 0..4u8 {
            // Page sizes 64 and 1 MiB; no nulls and some nulls.
            for (page_size, nulls) in [(0u8, 0u8), (0, 1), (3, 1)] {
                if codec == 1 {
                    continue; // same as codec 0 (no compression)
                }
                let flags = codec | (page_size << 2) | (nulls << 4);
                let selector = [schema, flags, 40, schema.wrapping_mul(31) ^ flags];
                let file = build_file(selector);
                let name = format!("s{schema}-f{flags:02x}");
                fs::write(meta_dir.join(&name), &file)?;
                let mut input = selector.to_vec();
                input.extend_from_slice(&file[data_region(&file)]);
                fs::write(page_dir.join(&name), input)?;
                count += 1;
            }
        }
    }
    println!(
        "wrote {count} seeds to each of {} and {}",
        meta_dir.display(),
        page_dir.display()
    );
    Ok(())
}
