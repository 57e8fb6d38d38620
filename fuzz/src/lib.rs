//! Shared code of the fuzz targets: opening a Shoal file from in-memory bytes the way a
//! reader does, executing read plans against those bytes, and (for `page_decode`) building
//! small valid files of a few fixed schemas; [`envelope`] for the targets of the dataset's
//! own objects (manifests, deletion files, vector indices).
//!
//! The harness asserts the reader-facing contracts that a caller relies on to terminate and
//! stay in bounds (a footer that asks for a suffix gets complete once given it; a plan only
//! asks for bytes inside the file; a plan is satisfied after a few rounds of I/O). Everything
//! else may be any `Result`: the property fuzzed is no panic, no hang, no huge allocation.

pub mod envelope;

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{make_array, ArrayRef, RecordBatch};
use arrow_buffer::{BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer};
use arrow_data::ArrayDataBuilder;
use arrow_schema::{DataType, Field, Fields, IntervalUnit, Schema, SchemaRef, TimeUnit};
use bytes::Bytes;
use shoal_format::{
    parse_footer, Compression, Fetched, FileEncoder, FileMetadata, FooterRead, ReadPlan,
    WriteOptions, HEADER_LEN, TAIL_LEN,
};

/// Rounds of `parse_footer` allowed: the first read, then the suffix it asks for.
const FOOTER_ROUNDS: usize = 2;
/// Rounds of I/O a plan may need (a take needs at most two).
const IO_ROUNDS: usize = 4;

/// Parses the metadata of `file`, first from its last `first_read` bytes, then from the
/// suffix `parse_footer` asks for (capped at the whole file).
pub fn open(file: &[u8], first_read: u64) -> shoal_format::Result<Arc<FileMetadata>> {
    let len = file.len() as u64;
    let mut want = first_read.min(len);
    for _ in 0..FOOTER_ROUNDS {
        match parse_footer(len, &file[(len - want) as usize..])? {
            FooterRead::Complete(meta) => return Ok(Arc::new(*meta)),
            FooterRead::NeedSuffix(n) => {
                assert!(
                    n > want && n <= len,
                    "parse_footer asked for a {n}-byte suffix after {want} bytes of a {len}-byte file"
                );
                want = n;
            }
        }
    }
    panic!("footer still incomplete after reading the suffix it asked for");
}

/// Executes `plan` against the in-memory `file`: fetches what it asks for, then decodes.
pub fn execute(file: &[u8], plan: &ReadPlan) -> shoal_format::Result<RecordBatch> {
    let mut fetched = Fetched::new();
    for _ in 0..IO_ROUNDS {
        let missing = plan.missing_ranges(&fetched)?;
        if missing.is_empty() {
            return plan.decode(&fetched);
        }
        for r in missing {
            assert!(
                r.start < r.end && r.end <= file.len() as u64,
                "plan asked for {r:?} of a {}-byte file",
                file.len()
            );
            fetched.insert(
                r.start,
                Bytes::copy_from_slice(&file[r.start as usize..r.end as usize]),
            );
        }
    }
    panic!("plan still missing ranges after {IO_ROUNDS} rounds of I/O");
}

/// Reads everything a reader could from a parsed file: a full scan of all columns, a scan of
/// a sub-range, and takes of a few rows (sorted and not, one column and all), all with or
/// without page checksum verification. `seed` picks the rows. Errors are ignored.
pub fn read_all(file: &[u8], meta: &Arc<FileMetadata>, verify: bool, seed: u64) {
    let cols: Vec<usize> = (0..meta.columns.len()).collect();
    let run = |plan: shoal_format::Result<ReadPlan>| {
        if let Ok(plan) = plan {
            let plan = plan.verify_checksums(verify);
            if let Ok(batch) = execute(file, &plan) {
                assert_eq!(
                    batch.num_rows(),
                    plan.num_rows(),
                    "batch has the wrong row count"
                );
            }
        }
    };
    run(ReadPlan::rows(meta, &cols, 0..meta.num_rows));
    if meta.num_rows == 0 {
        return;
    }
    let mut rng = Rng::new(seed);
    let a = rng.below(meta.num_rows);
    let b = rng.below(meta.num_rows + 1);
    run(ReadPlan::rows(meta, &cols, a.min(b)..a.max(b)));
    // Sparse, strictly increasing rows: the row-by-row take paths of uncompressed pages.
    let mut sparse: Vec<u64> = (0..3).map(|_| rng.below(meta.num_rows)).collect();
    sparse.sort_unstable();
    sparse.dedup();
    run(ReadPlan::take(meta, &cols, &sparse));
    // Unordered rows with a repeat: the whole-page and reordering paths.
    let n = 1 + rng.below(6) as usize;
    let mut rows: Vec<u64> = (0..n).map(|_| rng.below(meta.num_rows)).collect();
    rows.push(rows[0]);
    run(ReadPlan::take(meta, &cols, &rows));
    if !cols.is_empty() {
        let one = [rng.below(cols.len() as u64) as usize];
        run(ReadPlan::take(meta, &one, &sparse));
    }
}

/// FNV-1a, to derive a seed from a whole input.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A tiny deterministic PRNG (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

fn item(dt: DataType) -> Arc<Field> {
    Arc::new(Field::new("item", dt, true))
}

/// The schemas `page_decode` chooses from: every node kind (boolean, fixed-width, fixed-size
/// binary, null, bytes with 4- and 8-byte offsets, fixed-size list, list and large list,
/// struct), alone and nested.
pub fn schemas() -> Vec<SchemaRef> {
    use DataType::*;
    let one = |dt: DataType| vec![dt];
    let types: Vec<Vec<DataType>> = vec![
        one(Int32),
        one(Boolean),
        one(Utf8),
        one(LargeBinary),
        one(FixedSizeList(item(Float32), 4)),
        one(List(item(Utf8))),
        one(Struct(Fields::from(vec![
            Field::new("a", Int64, true),
            Field::new("b", List(item(Int32)), true),
        ]))),
        one(Int8),
        one(Float16),
        one(Timestamp(TimeUnit::Microsecond, Some("UTC".into()))),
        one(LargeUtf8),
        one(Binary),
        one(FixedSizeList(item(Boolean), 3)),
        one(LargeList(item(Int16))),
        one(FixedSizeList(item(Utf8), 2)),
        one(List(item(FixedSizeList(item(UInt8), 2)))),
        vec![Int64, Utf8, Boolean],
        one(FixedSizeBinary(16)),
        one(Date64),
        one(Time64(TimeUnit::Nanosecond)),
        one(Duration(TimeUnit::Second)),
        one(Interval(IntervalUnit::DayTime)),
        one(Null),
        one(List(item(FixedSizeBinary(3)))),
    ];
    types
        .into_iter()
        .map(|cols| {
            Arc::new(Schema::new(
                cols.into_iter()
                    .enumerate()
                    .map(|(i, dt)| Field::new(format!("c{i}"), dt, true))
                    .collect::<Vec<_>>(),
            ))
        })
        .collect()
}

/// Bytes at the start of a `page_decode` input that choose the file to build.
pub const SELECTOR_LEN: usize = 4;

/// A small valid file described by the first [`SELECTOR_LEN`] bytes of a `page_decode` input:
/// `[schema, flags, rows, seed]`. `flags` picks the codec (bits 0-1), the page size (bits
/// 2-3) and the share of nulls (bits 4-5).
pub fn build_file(selector: [u8; SELECTOR_LEN]) -> Vec<u8> {
    let [schema, flags, rows, seed] = selector;
    let schemas = schemas();
    let schema = schemas[schema as usize % schemas.len()].clone();
    let compression = match flags & 3 {
        2 => Compression::Lz4,
        3 => Compression::Zstd(1),
        _ => Compression::None,
    };
    let page_size = [64, 256, 1024, 1 << 20][usize::from((flags >> 2) & 3)];
    let null_share = [0, 10, 50, 100][usize::from((flags >> 4) & 3)];
    let rows = usize::from(rows % 65);
    let mut rng = Rng::new(u64::from(seed) ^ (u64::from(flags) << 8));
    let columns = schema
        .fields()
        .iter()
        .map(|f| array(&mut rng, f.data_type(), rows, null_share))
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("valid batch");
    let options = WriteOptions {
        page_size,
        compression,
        ..WriteOptions::default()
    };
    let mut enc = FileEncoder::try_new(schema, options).expect("supported schema");
    let mut out = Vec::new();
    for chunk in enc.write(&batch).expect("write") {
        out.extend_from_slice(&chunk);
    }
    for chunk in enc.finish().expect("finish") {
        out.extend_from_slice(&chunk);
    }
    out
}

/// The region of a well-formed `file` that holds its pages: after the header, before the
/// footer.
pub fn data_region(file: &[u8]) -> Range<usize> {
    let len = file.len();
    let tail = len - TAIL_LEN as usize;
    let footer_len = u64::from_le_bytes(file[tail..tail + 8].try_into().expect("8 bytes"));
    HEADER_LEN as usize..tail - footer_len as usize
}

/// A random array of `dt` with `len` rows, about `null_share`% of them null.
fn array(rng: &mut Rng, dt: &DataType, len: usize, null_share: u64) -> ArrayRef {
    make_array(array_data(rng, dt, len, null_share))
}

fn array_data(rng: &mut Rng, dt: &DataType, len: usize, null_share: u64) -> arrow_data::ArrayData {
    let nulls = (null_share > 0).then(|| {
        let mut b = BooleanBufferBuilder::new(len);
        (0..len).for_each(|_| b.append(rng.below(100) >= null_share));
        NullBuffer::new(b.finish())
    });
    let child_nulls = if rng.below(2) == 0 { 0 } else { 20 };
    // Buffers built from byte vectors are only byte-aligned: let Arrow realign them.
    let builder = ArrayDataBuilder::new(dt.clone())
        .len(len)
        .nulls(nulls)
        .align_buffers(true);
    let data = match dt {
        DataType::Null => ArrayDataBuilder::new(DataType::Null).len(len),
        DataType::FixedSizeBinary(width) => {
            let bytes: Vec<u8> = (0..len * *width as usize)
                .map(|_| rng.next_u64() as u8)
                .collect();
            builder.add_buffer(Buffer::from_vec(bytes))
        }
        DataType::Boolean => {
            let mut b = BooleanBufferBuilder::new(len);
            (0..len).for_each(|_| b.append(rng.below(2) == 0));
            builder.add_buffer(b.finish().into_inner())
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary => {
            let lens: Vec<usize> = (0..len).map(|_| rng.below(12) as usize).collect();
            let total: usize = lens.iter().sum();
            let text: Vec<u8> = (0..total).map(|_| b'a' + rng.below(26) as u8).collect();
            let offsets = offsets_buffer(
                lens,
                matches!(dt, DataType::LargeUtf8 | DataType::LargeBinary),
            );
            builder.buffers(vec![offsets, Buffer::from_vec(text)])
        }
        DataType::FixedSizeList(child, size) => {
            let child = array_data(rng, child.data_type(), len * *size as usize, child_nulls);
            builder.child_data(vec![child])
        }
        DataType::List(child) | DataType::LargeList(child) => {
            let lens: Vec<usize> = (0..len).map(|_| rng.below(4) as usize).collect();
            let total: usize = lens.iter().sum();
            let offsets = offsets_buffer(lens, matches!(dt, DataType::LargeList(_)));
            let child = array_data(rng, child.data_type(), total, child_nulls);
            builder.buffers(vec![offsets]).child_data(vec![child])
        }
        DataType::Struct(fields) => {
            let children = fields
                .iter()
                .map(|f| array_data(rng, f.data_type(), len, child_nulls))
                .collect();
            builder.child_data(children)
        }
        other => {
            let width = other.primitive_width().expect("fixed width");
            let bytes: Vec<u8> = (0..len * width).map(|_| rng.next_u64() as u8).collect();
            builder.add_buffer(Buffer::from_vec(bytes))
        }
    };
    data.build().expect("valid generated array")
}

/// An offsets buffer (32- or 64-bit) for values of the given lengths.
fn offsets_buffer(lens: Vec<usize>, large: bool) -> Buffer {
    if large {
        OffsetBuffer::<i64>::from_lengths(lens)
            .into_inner()
            .into_inner()
    } else {
        OffsetBuffer::<i32>::from_lengths(lens)
            .into_inner()
            .into_inner()
    }
}
