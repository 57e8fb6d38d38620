//! Property tests: any corruption of a real file yields an error or a result, never a panic,
//! a hang or an unbounded allocation.
//!
//! Real files of random types are truncated, bit-flipped, overwritten with noise or replaced
//! by random bytes, and then read completely (metadata, a full scan and a take). Some
//! mutations also fix up the footer checksum, and some reads skip page checksums, so that the
//! footer parser and the page decoders see crafted input behind a valid checksum, not only
//! input that the checksums reject.

mod support;

use proptest::prelude::*;
use rand::Rng;
use shoal_format::{Compression, ReadPlan};
use support::*;

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(f64),
    FlipBits(Vec<(f64, u8)>),
    Overwrite(f64, Vec<u8>),
    FlipInFooterAndFixChecksum(Vec<(f64, u8)>),
    Random(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let flips = || proptest::collection::vec((0.0..1.0f64, 0u8..8), 1..8);
    prop_oneof![
        (0.0..1.0f64).prop_map(Mutation::Truncate),
        flips().prop_map(Mutation::FlipBits),
        (0.0..1.0f64, proptest::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, b)| Mutation::Overwrite(at, b)),
        flips().prop_map(Mutation::FlipInFooterAndFixChecksum),
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(Mutation::Random),
    ]
}

fn apply(file: &mut Vec<u8>, m: &Mutation) {
    let len = file.len();
    if len == 0 && !matches!(m, Mutation::Random(_)) {
        return;
    }
    let at = |f: f64| ((f * len as f64) as usize).min(len.saturating_sub(1));
    match m {
        Mutation::Truncate(f) => file.truncate(at(*f)),
        Mutation::FlipBits(flips) => flips.iter().for_each(|(f, bit)| file[at(*f)] ^= 1 << bit),
        Mutation::Overwrite(f, bytes) => {
            let start = at(*f);
            for (i, b) in bytes.iter().enumerate() {
                if let Some(slot) = file.get_mut(start + i) {
                    *slot = *b;
                }
            }
        }
        Mutation::FlipInFooterAndFixChecksum(flips) => {
            if len < 40 {
                return;
            }
            let footer_len =
                u64::from_le_bytes(file[len - 24..len - 16].try_into().unwrap()) as usize;
            if footer_len == 0 || footer_len > len - 40 {
                return;
            }
            let footer = len - 24 - footer_len..len - 24;
            for (f, bit) in flips {
                let i = footer.start + ((f * footer_len as f64) as usize).min(footer_len - 1);
                file[i] ^= 1 << bit;
            }
            let crc = crc32c::crc32c(&file[footer.clone()]);
            file[len - 16..len - 12].copy_from_slice(&crc.to_le_bytes());
        }
        Mutation::Random(bytes) => *file = bytes.clone(),
    }
}

/// Reads everything a reader could: metadata, every column in full, and a take.
fn read_everything(file: &[u8], verify: bool, take_seed: u64) -> shoal_format::Result<()> {
    if file.len() < 40 {
        return Err(shoal_format::FormatError::Corrupt("short".into()));
    }
    let meta = open(file)?;
    let cols = all_columns(&meta);
    let scan = ReadPlan::rows(&meta, &cols, 0..meta.num_rows)?.verify_checksums(verify);
    let scanned = execute(file, &scan);
    if meta.num_rows > 0 {
        let mut rng = rng(take_seed);
        let rows: Vec<u64> = (0..5).map(|_| rng.gen_range(0..meta.num_rows)).collect();
        let take = ReadPlan::take(&meta, &cols, &rows)?.verify_checksums(verify);
        execute(file, &take)?;
    }
    scanned.map(|_| ())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn corrupt_files_give_errors_not_panics(
        schema in schema(),
        seed in any::<u64>(),
        rows in 1usize..200,
        codec in prop_oneof![Just(Compression::None), Just(Compression::Lz4), Just(Compression::Zstd(1))],
        mutations in proptest::collection::vec(mutation(), 1..3),
        verify in any::<bool>(),
    ) {
        let mut rng = rng(seed);
        let batch = random_batch(&mut rng, &schema, rows);
        let mut file = write_file(&schema, &[batch], 512, codec);
        read_everything(&file, true, seed).expect("the unmodified file reads");
        for m in &mutations {
            apply(&mut file, m);
        }
        let _ = read_everything(&file, verify, seed);
    }
}

#[test]
fn a_flipped_page_bit_is_caught_by_the_checksum() {
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "x",
        arrow_schema::DataType::Int64,
        false,
    )]));
    let column = arrow_array::Int64Array::from_iter_values(0..1000);
    let batch =
        arrow_array::RecordBatch::try_new(schema.clone(), vec![std::sync::Arc::new(column)])
            .unwrap();
    let mut file = write_file(&schema, &[batch], 1 << 20, Compression::None);
    file[100] ^= 0x10;
    let err = read_everything(&file, true, 0).unwrap_err();
    assert!(
        matches!(err, shoal_format::FormatError::Checksum { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("column 'x', page 0"), "{err}");
}
