//! Golden files: the bytes of files written by each format version, checked in.
//!
//! `golden/int32-nulls-v1.0.shoal` is the worked example of `docs/format.md` (one nullable
//! Int32 column `x` = [1, null, 3]). The current writer must still produce it byte for byte
//! (so the spec's annotated dump stays true), and the current reader must decode it. When
//! the format changes, add the new version's files beside the old ones; never edit them.

use std::sync::Arc;

use arrow_array::{Int32Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use shoal_format::{Compression, FileEncoder, ReadPlan, WriteOptions};

mod support;

const V1_0: &[u8] = include_bytes!("golden/int32-nulls-v1.0.shoal");

fn example_batch() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int32, true)]));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(Int32Array::from(vec![Some(1), None, Some(3)]))],
    )
    .unwrap()
}

#[test]
fn the_writer_still_produces_the_worked_example() {
    let batch = example_batch();
    let options = WriteOptions {
        compression: Compression::None,
        created_by: "shoal-format 0.1.0".into(),
        ..WriteOptions::default()
    };
    let mut enc = FileEncoder::try_new(batch.schema(), options).unwrap();
    let mut bytes = Vec::new();
    for chunk in enc
        .write(&batch)
        .unwrap()
        .into_iter()
        .chain(enc.finish().unwrap())
    {
        bytes.extend_from_slice(&chunk);
    }
    if std::env::var_os("SHOAL_BLESS_GOLDEN").is_some() {
        std::fs::write("tests/golden/int32-nulls-v1.0.shoal", &bytes).unwrap();
    }
    assert_eq!(
        bytes, V1_0,
        "the writer's bytes changed: update docs/format.md and add a new golden version"
    );
}

#[test]
fn version_1_0_files_still_read() {
    let meta = support::open(V1_0).unwrap();
    let plan = ReadPlan::rows(&meta, &[0], 0..3).unwrap();
    let (batch, _) = support::execute(V1_0, &plan).unwrap();
    assert_eq!(batch, example_batch());
}
