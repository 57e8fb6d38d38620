//! Writes a seed corpus of real dataset objects for the `manifest`, `deletion` and
//! `vector_index` targets into `fuzz/corpus/<target>/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen_dataset_seeds`.
//!
//! Two datasets are made on local disk (under the system temporary directory, removed
//! afterwards) through the public API, and every file they hold of those kinds is copied:
//!
//! - `indexed`: 300 rows of an id, a nullable label and two vector columns (8 and 2
//!   dimensions), an IVF-PQ index on each (L2 and cosine), a delete, an append and an
//!   `optimize_index`, so manifests of every operation, with and without indices.
//! - `large`: 14,000 ids in two fragments, then deletes of every other row of the first
//!   (a dense roaring container) and of a few rows of the second (a sparse one).
//!
//! Deletion seeds are the fragment's row count (u64 little-endian) followed by the file, the
//! input the `deletion` target expects.

use std::error::Error;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use shoal_dataset::{
    row_address, Dataset, DatasetWriter, IndexParams, Metric, WriteMode, WriteParams,
};
use shoal_format_fuzz::Rng;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let scratch = std::env::temp_dir().join(format!("shoal-fuzz-seeds-{}", std::process::id()));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let written = shoal_runtime::block_on(write_seeds(&scratch, &corpus));
    fs::remove_dir_all(&scratch)?;
    let counts = written??;
    println!(
        "wrote {} manifest, {} deletion and {} vector_index seeds under {}",
        counts[0],
        counts[1],
        counts[2],
        corpus.display()
    );
    Ok(())
}

/// Makes both datasets in `scratch` and copies their files into `corpus`; returns how many
/// seeds each target got.
async fn write_seeds(scratch: &Path, corpus: &Path) -> Result<[usize; 3]> {
    let indexed = scratch.join("indexed");
    let large = scratch.join("large");
    make_indexed(indexed.to_str().ok_or("non-UTF-8 temporary directory")?).await?;
    make_large(large.to_str().ok_or("non-UTF-8 temporary directory")?).await?;
    let mut counts = [0; 3];
    for (name, root) in [("indexed", &indexed), ("large", &large)] {
        let dataset = Dataset::open(root.to_str().expect("checked above")).await?;
        let dir = corpus.join("manifest");
        fs::create_dir_all(&dir)?;
        for entry in fs::read_dir(root.join("_versions"))? {
            let entry = entry?;
            let seed = format!("{name}-{}", entry.file_name().to_string_lossy());
            fs::copy(entry.path(), dir.join(seed))?;
            counts[0] += 1;
        }
        for manifest in dataset.versions().await? {
            for fragment in &manifest.fragments {
                if let Some(deletion) = &fragment.deletion {
                    let mut input = fragment.data.rows.to_le_bytes().to_vec();
                    input.extend(fs::read(root.join(&deletion.path))?);
                    counts[1] += copy_seed(corpus, "deletion", name, &deletion.path, &input)?;
                }
            }
            for index in &manifest.indices {
                let file = fs::read(root.join(&index.path))?;
                counts[2] += copy_seed(corpus, "vector_index", name, &index.path, &file)?;
            }
        }
    }
    Ok(counts)
}

/// Writes `input` as the seed of `target` named after the dataset and the file's path;
/// 1 if it is new (versions share files).
fn copy_seed(
    corpus: &Path,
    target: &str,
    dataset: &str,
    path: &str,
    input: &[u8],
) -> Result<usize> {
    let dir = corpus.join(target);
    fs::create_dir_all(&dir)?;
    let file_name = Path::new(path).file_name().ok_or("a file path")?;
    let seed = dir.join(format!("{dataset}-{}", file_name.to_string_lossy()));
    let new = !seed.exists();
    fs::write(seed, input)?;
    Ok(usize::from(new))
}

fn vector_field(name: &str, dim: i32) -> Field {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    Field::new(name, DataType::FixedSizeList(item, dim), true)
}

fn indexed_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("label", DataType::Utf8, true),
        vector_field("vector", 8),
        vector_field("small", 2),
    ]))
}

fn vectors(rng: &mut Rng, rows: usize, dim: i32) -> Result<ArrayRef> {
    let values: Vec<f32> = (0..rows * dim as usize)
        .map(|_| rng.below(2000) as f32 / 100.0 - 10.0)
        .collect();
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let values = Arc::new(Float32Array::from(values));
    Ok(Arc::new(FixedSizeListArray::try_new(
        item, dim, values, None,
    )?))
}

/// Rows `start..start + rows` of the `indexed` dataset.
fn indexed_batch(rng: &mut Rng, start: i64, rows: usize) -> Result<RecordBatch> {
    let ids = Int64Array::from_iter_values(start..start + rows as i64);
    let labels: StringArray = (0..rows)
        .map(|i| (i % 7 != 0).then(|| format!("row {}", start + i as i64)))
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(labels),
        vectors(rng, rows, 8)?,
        vectors(rng, rows, 2)?,
    ];
    Ok(RecordBatch::try_new(indexed_schema(), columns)?)
}

async fn write(
    uri: &str,
    mode: WriteMode,
    batch: &RecordBatch,
    rows_per_file: u64,
) -> Result<Dataset> {
    let params = WriteParams {
        max_rows_per_file: rows_per_file,
        ..WriteParams::default()
    };
    let mut writer = DatasetWriter::new(uri, batch.schema(), mode, params).await?;
    writer.write(batch).await?;
    Ok(writer.commit().await?)
}

async fn make_indexed(uri: &str) -> Result<()> {
    let mut rng = Rng::new(7);
    let batch = indexed_batch(&mut rng, 0, 300)?;
    let dataset = write(uri, WriteMode::Create, &batch, 200).await?;
    let params = |name: &str, metric, partitions, sub_vectors| IndexParams {
        name: Some(name.into()),
        partitions: Some(partitions),
        sub_vectors: Some(sub_vectors),
        iterations: Some(5),
        ..IndexParams::new(metric)
    };
    let dataset = dataset
        .create_index("vector", &params("vector_idx", Metric::L2, 4, 2), None)
        .await?;
    let dataset = dataset
        .create_index("small", &params("small_idx", Metric::Cosine, 2, 1), None)
        .await?;
    let deleted: Vec<u64> = [3, 50, 199].map(|row| row_address(0, row)).to_vec();
    dataset.delete_rows(&deleted).await?;
    let dataset = write(
        uri,
        WriteMode::Append,
        &indexed_batch(&mut rng, 300, 40)?,
        200,
    )
    .await?;
    dataset.optimize_index("small_idx", None).await?;
    Ok(())
}

async fn make_large(uri: &str) -> Result<()> {
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..14_000));
    let batch = RecordBatch::try_new(schema, vec![ids])?;
    let dataset = write(uri, WriteMode::Create, &batch, 10_000).await?;
    let dense = (0..10_000).step_by(2).map(|row| row_address(0, row));
    let sparse = [0, 1, 2, 3_999].map(|row| row_address(1, row));
    let deleted: Vec<u64> = dense.chain(sparse).collect();
    dataset.delete_rows(&deleted).await?;
    Ok(())
}
