//! `search_bench`: Shoal's side of the vector-search workloads (the anchors' W1 and W5, and
//! the IVF-PQ case), on the anchors' data, so that the figures sit beside Lance's, numpy's
//! and FAISS's in one table. `benches/search_bench.py` drives it; each call is one case in a
//! fresh process:
//!
//! ```text
//! search_bench build --vectors w1/vectors.npy --out DIR --rows-per-file 500
//! search_bench index --dataset DIR --partitions 1000 --sub-vectors 16
//! search_bench query --dataset DIR --queries w1/queries.npy --gt w1/gt.npy [--no-index]
//!              [--nprobes N] [--refine F] [--sim-latency-ms 20] [--vector-cache-mib 0]
//! ```
//!
//! `query` answers queries one at a time (as a server would), `--warmup` untimed first,
//! and prints one JSON object: median / min / max latency, the first (process-cold) query,
//! and recall@k against the ground truth when given.
//!
//! `index` and `query` go through the public API (`Table::open`, `Table::create_index`,
//! `table.search(..)`); only the vector cache's size, which the API does not expose, is set
//! on the table's dataset handle (`shoal::advanced`). `build` is untimed set-up.

/// The `shoal` binary's allocator, so that the figures are those users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, FixedSizeListArray, Float32Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use clap::{Parser, Subcommand};
use futures::TryStreamExt;
use serde_json::{json, Map, Value};
use shoal::advanced::{DatasetWriter, WriteMode};
use shoal::{ConnectOptions, IndexParams, Metric, QueryStats, StorageOptions, Table, WriteParams};
use shoal::{SimConfig, Simulation};
use shoal_benches::measure::{Summary, Usage};

#[derive(Parser)]
#[command(about = "Shoal's vector-search benchmark cases")]
struct Cli {
    #[command(subcommand)]
    case: Case,
}

#[derive(Subcommand)]
enum Case {
    /// Write (id, vector) rows from a float32 .npy matrix as a dataset (untimed set-up).
    Build {
        #[arg(long)]
        vectors: PathBuf,
        #[arg(long)]
        out: String,
        #[arg(long, default_value_t = 1 << 20)]
        rows_per_file: u64,
    },
    /// Build an IVF-PQ index (timed).
    Index {
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        partitions: usize,
        #[arg(long)]
        sub_vectors: usize,
    },
    /// Answer queries one at a time (timed).
    Query {
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        queries: PathBuf,
        /// Ground-truth ids (int64, queries x k) for recall.
        #[arg(long)]
        gt: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 50)]
        iters: usize,
        #[arg(long, default_value_t = 5)]
        warmup: usize,
        #[arg(long)]
        no_index: bool,
        #[arg(long, default_value_t = shoal::DEFAULT_NPROBES)]
        nprobes: usize,
        /// 0: no re-ranking.
        #[arg(long, default_value_t = shoal::DEFAULT_REFINE_FACTOR)]
        refine: usize,
        /// Put the dataset behind the simulated store with this latency per request.
        #[arg(long)]
        sim_latency_ms: Option<u64>,
        /// MiB of decoded vectors the session keeps for flat search (default: Shoal's).
        #[arg(long)]
        vector_cache_mib: Option<u64>,
    },
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let out = runtime.block_on(run(Cli::parse().case))?;
    println!("{}", Value::Object(out));
    Ok(())
}

/// A float32 (or int64) .npy matrix: its values and columns.
fn read_npy<T: npyz::Deserialize>(
    path: &Path,
) -> Result<(Vec<T>, usize), Box<dyn std::error::Error>> {
    let npy = npyz::NpyFile::new(std::io::BufReader::new(std::fs::File::open(path)?))?;
    let cols = npy.shape().get(1).copied().unwrap_or(1) as usize;
    Ok((npy.into_vec::<T>()?, cols))
}

async fn run(case: Case) -> Result<Map<String, Value>, Box<dyn std::error::Error>> {
    let mut out = Map::new();
    let usage = Usage::now();
    match case {
        Case::Build {
            vectors,
            out: uri,
            rows_per_file,
        } => {
            let (values, dim) = read_npy::<f32>(&vectors)?;
            let item = Arc::new(Field::new("item", DataType::Float32, true));
            let schema = Arc::new(Schema::new(vec![
                Field::new("id", DataType::Int64, false),
                Field::new(
                    "vector",
                    DataType::FixedSizeList(item.clone(), dim as i32),
                    false,
                ),
            ]));
            let params = WriteParams {
                max_rows_per_file: rows_per_file,
                ..WriteParams::default()
            };
            let started = Instant::now();
            let mut w =
                DatasetWriter::new(&uri, schema.clone(), WriteMode::Overwrite, params).await?;
            let rows = values.len() / dim;
            for start in (0..rows).step_by(100_000) {
                let end = (start + 100_000).min(rows);
                let ids: ArrayRef =
                    Arc::new(Int64Array::from_iter_values(start as i64..end as i64));
                let list = FixedSizeListArray::try_new(
                    item.clone(),
                    dim as i32,
                    Arc::new(Float32Array::from(values[start * dim..end * dim].to_vec())),
                    None,
                )?;
                w.write(&RecordBatch::try_new(
                    schema.clone(),
                    vec![ids, Arc::new(list)],
                )?)
                .await?;
            }
            let ds = w.commit().await?;
            out.insert("write_s".into(), json!(started.elapsed().as_secs_f64()));
            out.insert("rows".into(), json!(ds.num_rows()));
            out.insert("fragments".into(), json!(ds.fragments().len()));
        }
        Case::Index {
            dataset,
            partitions,
            sub_vectors,
        } => {
            let table = Table::open(&dataset, ConnectOptions::default()).await?;
            let params = IndexParams {
                partitions: Some(partitions),
                sub_vectors: Some(sub_vectors),
                ..IndexParams::new(Metric::L2)
            };
            let started = Instant::now();
            table.create_index("vector", params, None).await?;
            out.insert("build_s".into(), json!(started.elapsed().as_secs_f64()));
        }
        Case::Query {
            dataset,
            queries,
            gt,
            k,
            iters,
            warmup,
            no_index,
            nprobes,
            refine,
            sim_latency_ms,
            vector_cache_mib,
        } => {
            let (queries, dim) = read_npy::<f32>(&queries)?;
            let gt = gt.map(|p| read_npy::<i64>(&p)).transpose()?;
            let options = match sim_latency_ms {
                Some(ms) => StorageOptions::default().with_simulation(Simulation::new(SimConfig {
                    latency: Duration::from_millis(ms),
                    ..SimConfig::default()
                })),
                None => StorageOptions::default(),
            };
            let table = Table::open(
                &dataset,
                ConnectOptions {
                    storage: options,
                    ..ConnectOptions::default()
                },
            )
            .await?;
            if let Some(mib) = vector_cache_mib {
                // Not in the public API: the session's cache, through the table's handle.
                table.dataset().set_vector_cache_bytes(mib << 20);
            }
            let n = queries.len() / dim;
            let mut recalls = Vec::new();
            let mut times = Vec::new();
            let mut index_used = None;
            for call in 0..warmup + iters {
                let q = call % n;
                let started = Instant::now();
                let mut query = table
                    .search(&queries[q * dim..(q + 1) * dim])
                    .column("vector")
                    .select(&["id"])
                    .limit(k as u64)
                    .nprobes(nprobes)
                    .refine_factor((refine > 0).then_some(refine));
                if no_index {
                    query = query.bypass_vector_index();
                }
                let mut stream = query.execute().await?;
                let mut batches = Vec::new();
                while let Some(batch) = stream.try_next().await? {
                    batches.push(batch);
                }
                let elapsed = started.elapsed().as_secs_f64();
                if call == 0 {
                    out.insert("first_s".into(), json!(elapsed));
                }
                if call >= warmup {
                    times.push(elapsed);
                }
                let QueryStats::Search(s) = stream.stats() else {
                    return Err("a vector query returned scan statistics".into());
                };
                index_used = s.index.clone();
                if call + 1 == warmup + iters {
                    out.insert("last_cached_fragments".into(), json!(s.cached_fragments));
                    out.insert("last_compute_s".into(), json!(s.compute.as_secs_f64()));
                    out.insert("last_rows_read".into(), json!(s.flat.rows));
                }
                if let Some((gt, gk)) = &gt {
                    let ids: Vec<i64> = batches
                        .iter()
                        .flat_map(|b| {
                            b.column_by_name("id")
                                .expect("id selected")
                                .as_primitive::<Int64Type>()
                                .values()
                                .to_vec()
                        })
                        .collect();
                    let truth = &gt[q * gk..q * gk + k.min(*gk)];
                    let hits = ids.iter().filter(|id| truth.contains(id)).count();
                    recalls.push(hits as f64 / truth.len() as f64);
                }
            }
            Summary::new(times).record("", &mut out);
            if !recalls.is_empty() {
                let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
                out.insert("recall_mean".into(), json!(mean));
                out.insert(
                    "recall_min".into(),
                    json!(recalls.iter().copied().fold(1.0, f64::min)),
                );
            }
            out.insert("index".into(), json!(index_used));
            out.insert("fragments".into(), json!(table.stats().fragments));
        }
    }
    Usage::now().record_since(&usage, "", &mut out);
    Ok(out)
}
