//! `shoal sample DST`: a reproducible sample table to try Shoal with: `id` (int64),
//! `vector` (float32 embedding), `text` (80-120 random characters) and `category` (int32,
//! 0-99), as Parquet, Arrow IPC or JSON lines, ready for `shoal import`.

use std::sync::Arc;

use anyhow::{bail, Result};
use arrow::array::{
    ArrayRef, FixedSizeListArray, Float32Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::args::{ExternalFormat, SampleArgs};
use crate::external::{detect, Sink};
use crate::progress::rows_bar;

const BATCH_ROWS: usize = 8192;

pub fn run(args: &SampleArgs) -> Result<()> {
    let format = detect(&args.dst, args.format)?;
    if format == ExternalFormat::Csv {
        bail!(
            "CSV cannot hold the sample's embedding vectors; write .parquet, .arrow, .arrows or \
             .jsonl instead"
        );
    }
    let schema = sample_schema(args.dim);
    let mut rng = StdRng::seed_from_u64(args.seed);
    let bar = rows_bar(Some(args.rows as u64), "generating");
    let batches = (0..args.rows).step_by(BATCH_ROWS).map(|start| {
        let rows = BATCH_ROWS.min(args.rows - start);
        sample_batch(&schema, &mut rng, start, rows, args.dim)
    });
    let mut sink = Sink::create(&args.dst, format, &schema, args.overwrite)?;
    for batch in batches {
        let batch = batch?;
        sink.write(&batch)?;
        bar.inc(batch.num_rows() as u64);
    }
    sink.finish()?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {} sample rows to '{}'",
        args.rows,
        args.dst.display()
    );
    Ok(())
}

fn sample_schema(dim: usize) -> SchemaRef {
    let vector = DataType::FixedSizeList(
        Arc::new(Field::new("item", DataType::Float32, true)),
        dim as i32,
    );
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("vector", vector, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("category", DataType::Int32, false),
    ]))
}

fn sample_batch(
    schema: &SchemaRef,
    rng: &mut StdRng,
    start: usize,
    rows: usize,
    dim: usize,
) -> Result<RecordBatch> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
    let ids = Int64Array::from_iter_values((start..start + rows).map(|i| i as i64));
    let values =
        Float32Array::from_iter_values((0..rows * dim).map(|_| rng.gen_range(-1.0f32..1.0)));
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let vectors = FixedSizeListArray::try_new(item, dim as i32, Arc::new(values), None)?;
    let text: StringArray = (0..rows)
        .map(|_| {
            let len = rng.gen_range(80..=120);
            let s: String = (0..len)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            Some(s)
        })
        .collect();
    let category = Int32Array::from_iter_values((0..rows).map(|_| rng.gen_range(0..100)));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(vectors),
        Arc::new(text),
        Arc::new(category),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
