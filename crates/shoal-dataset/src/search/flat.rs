//! Flat search: exact distances to every live vector of some fragments. Fragments whose
//! vectors the session has cached are scored in memory, split across the CPU threads; the
//! others are read through the scan pipeline (only the vector column and the row addresses;
//! the pipeline's readahead and byte budget apply), each batch scored on the CPU pool while
//! the next batches' I/O is in flight. When the fragments read fit the session's vector
//! cache, their batches are kept there for the next search. The per-batch top-k are merged.
//! Under a prefilter, rows that do not match score as NaN, which is never returned, and
//! fragments with no matching row are skipped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::RecordBatch;
use futures::stream::{StreamExt, TryStreamExt};
use shoal_vector::{distances_many, Metric, TopK};

use crate::dataset::Dataset;
use crate::error::Result;
use crate::read::matches::MatchingRows;
use crate::read::scan::ScanStats;
use crate::search::carried::{candidates, Carried, CarriedColumns};
use crate::search::query::{batches_in_flight, vectors_of, VectorColumn};
use crate::session::CachedVectors;
use crate::version::manifest::Fragment;

/// Query vectors, row-major, shared by the tasks scoring batches.
#[derive(Debug)]
pub(crate) struct Queries {
    pub vectors: Vec<f32>,
    pub dim: usize,
}

impl Queries {
    pub(crate) fn count(&self) -> usize {
        self.vectors.len() / self.dim
    }

    pub(crate) fn get(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dim..(i + 1) * self.dim]
    }
}

/// What a flat pass did: the scan of the fragments not cached, how many were cached, the
/// time spent computing distances (summed over the CPU threads), and the candidates' carried
/// columns when it read some.
#[derive(Debug, Default)]
pub(crate) struct FlatWork {
    pub scan: ScanStats,
    pub cached_fragments: u64,
    pub compute: Duration,
    pub carried: Option<Carried>,
}

/// How a flat pass scores: the queries, k, the metric, and the rows it may return (all
/// live rows, or those a prefilter matched).
#[derive(Debug, Clone)]
pub(crate) struct Scoring {
    pub queries: Arc<Queries>,
    pub k: usize,
    pub metric: Metric,
    pub matching: Option<Arc<MatchingRows>>,
}

/// The `k` nearest live rows of fragments `fragment_ids` for each query (exact distances,
/// ids are row addresses), and what finding them cost. The fragments it reads, it reads
/// with the columns `carry` names, and keeps them for the candidates.
pub(crate) async fn flat_search(
    dataset: &Dataset,
    column: &VectorColumn,
    mut fragment_ids: Vec<u64>,
    scoring: Scoring,
    carry: Option<CarriedColumns>,
) -> Result<(Vec<TopK>, FlatWork)> {
    if let Some(matching) = &scoring.matching {
        fragment_ids.retain(|id| matching.fragments.contains_key(id));
    }
    let session = dataset.session();
    let fragments: HashMap<u64, &Fragment> =
        dataset.fragments().iter().map(|f| (f.id, f)).collect();
    let mut cached = Vec::new();
    let mut missing = Vec::new();
    for id in fragment_ids {
        match fragments
            .get(&id)
            .and_then(|f| session.vectors(f, column.field_id))
        {
            Some(vectors) => cached.push(vectors),
            None => missing.push(id),
        }
    }
    let cached_fragments = cached.len() as u64;
    let in_memory = score_cached(cached, scoring.clone());
    let read = score_read(dataset, column, &fragments, missing, scoring, carry);
    let ((tops, compute), read) = futures::try_join!(in_memory, read)?;
    Ok((
        merge_into(tops, read.tops),
        FlatWork {
            scan: read.scan,
            cached_fragments,
            compute: compute + read.compute,
            carried: read.carried,
        },
    ))
}

fn empty(queries: &Queries, k: usize) -> Vec<TopK> {
    (0..queries.count()).map(|_| TopK::new(k)).collect()
}

fn merge_into(mut all: Vec<TopK>, part: Vec<TopK>) -> Vec<TopK> {
    for (top, more) in all.iter_mut().zip(part) {
        top.merge(more);
    }
    all
}

/// Scores cached fragments in memory: their batches in one share per CPU thread, of about
/// the same number of rows each.
async fn score_cached(
    cached: Vec<CachedVectors>,
    scoring: Scoring,
) -> Result<(Vec<TopK>, Duration)> {
    let (queries, k) = (scoring.queries.clone(), scoring.k);
    if cached.is_empty() {
        return Ok((empty(&queries, k), Duration::ZERO));
    }
    let batches: Vec<RecordBatch> = cached.iter().flat_map(|b| b.iter().cloned()).collect();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let per_share = rows.div_ceil(shoal_runtime::config().cpu_threads.max(1));
    let mut shares = vec![Vec::new()];
    let mut share_rows = 0;
    for batch in batches {
        if share_rows >= per_share {
            shares.push(Vec::new());
            share_rows = 0;
        }
        share_rows += batch.num_rows();
        shares.last_mut().expect("one share at least").push(batch);
    }
    let parts = futures::future::try_join_all(shares.into_iter().map(|share| {
        let scoring = scoring.clone();
        shoal_runtime::spawn_cpu(move || {
            let started = Instant::now();
            let top = share
                .iter()
                .fold(empty(&scoring.queries, scoring.k), |all, batch| {
                    merge_into(all, score(batch, &scoring))
                });
            (top, started.elapsed())
        })
    }))
    .await?;
    Ok(parts.into_iter().fold(
        (empty(&queries, k), Duration::ZERO),
        |(all, spent), (top, time)| (merge_into(all, top), spent + time),
    ))
}

/// What scoring the fragments read found and spent.
struct ReadPass {
    tops: Vec<TopK>,
    compute: Duration,
    scan: ScanStats,
    carried: Option<Carried>,
}

/// Reads fragments `ids` through the scan pipeline (with the columns `carry` names) and
/// scores each batch on the CPU pool; keeps their vectors in the session's vector cache when
/// they all fit.
async fn score_read(
    dataset: &Dataset,
    column: &VectorColumn,
    fragments: &HashMap<u64, &Fragment>,
    ids: Vec<u64>,
    scoring: Scoring,
    carry: Option<CarriedColumns>,
) -> Result<ReadPass> {
    let (queries, k) = (scoring.queries.clone(), scoring.k);
    if ids.is_empty() {
        return Ok(ReadPass {
            tops: empty(&queries, k),
            compute: Duration::ZERO,
            scan: ScanStats::default(),
            carried: None,
        });
    }
    let row_bytes = (column.dim * 4 + 8) as u64;
    let bytes: u64 = ids
        .iter()
        .filter_map(|id| fragments.get(id))
        .map(|f| f.live_rows() * row_bytes)
        .sum();
    let keep = bytes <= dataset.session().vector_cache().0;
    let others = carry.as_ref().map_or(&[][..], |c| &c.others[..]);
    let mut stream = column.scan(dataset, ids, others).await?;
    let start = ReadPass {
        tops: empty(&queries, k),
        compute: Duration::ZERO,
        scan: ScanStats::default(),
        carried: carry.map(Carried::new),
    };
    let (pass, kept) = (&mut stream)
        .map(|batch| {
            let scoring = scoring.clone();
            async move {
                let batch = batch?;
                // The cache holds the vectors and the row addresses only.
                let vectors = [0, batch.num_columns() - 1];
                let kept = keep.then(|| batch.project(&vectors)).transpose()?;
                let (top, batch, time) = shoal_runtime::spawn_cpu(move || {
                    let started = Instant::now();
                    (score(&batch, &scoring), batch, started.elapsed())
                })
                .await?;
                Ok::<_, crate::Error>((top, batch, time, kept))
            }
        })
        .buffer_unordered(batches_in_flight())
        .try_fold(
            (start, Vec::new()),
            |(mut pass, mut kept), (top, batch, time, cached)| async move {
                kept.extend(cached);
                let own = pass.carried.is_some().then(|| candidates(&top));
                pass.tops = merge_into(pass.tops, top);
                pass.compute += time;
                if let (Some(carried), Some(own)) = (&mut pass.carried, own) {
                    carried.keep(&batch, &own, &pass.tops)?;
                }
                Ok((pass, kept))
            },
        )
        .await?;
    if keep {
        keep_in_cache(dataset, column, fragments, kept);
    }
    Ok(ReadPass {
        scan: stream.stats(),
        ..pass
    })
}

/// Puts the batches read of whole fragments into the session's vector cache, per fragment.
fn keep_in_cache(
    dataset: &Dataset,
    column: &VectorColumn,
    fragments: &HashMap<u64, &Fragment>,
    batches: Vec<RecordBatch>,
) {
    let mut by_fragment: HashMap<u64, Vec<RecordBatch>> = HashMap::new();
    for batch in batches {
        let addresses = batch
            .column(batch.num_columns() - 1)
            .as_primitive::<UInt64Type>();
        if let Some(first) = addresses.values().first() {
            by_fragment.entry(first >> 32).or_default().push(batch);
        }
    }
    for (id, batches) in by_fragment {
        if let Some(fragment) = fragments.get(&id) {
            dataset
                .session()
                .insert_vectors(fragment, column.field_id, batches);
        }
    }
}

/// The top `k` of one batch (vector column first, row addresses last) for each query. Under
/// a prefilter only the matching rows' vectors are gathered and scored.
fn score(batch: &RecordBatch, scoring: &Scoring) -> Vec<TopK> {
    let (vectors, nulls) = vectors_of(batch, 0);
    let addresses = batch
        .column(batch.num_columns() - 1)
        .as_primitive::<UInt64Type>()
        .values();
    let Some(matching) = &scoring.matching else {
        return score_rows(&vectors, nulls.as_deref(), |i| addresses[i], scoring);
    };
    let dim = scoring.queries.dim;
    let null = |i: usize| nulls.as_ref().is_some_and(|n| n[i]);
    let kept: Vec<usize> = matching
        .positions(addresses)
        .filter(|&i| !null(i))
        .collect();
    let mut picked = Vec::with_capacity(kept.len() * dim);
    for &i in &kept {
        picked.extend_from_slice(&vectors[i * dim..(i + 1) * dim]);
    }
    score_rows(&picked, None, |i| addresses[kept[i]], scoring)
}

/// The top `k` of `vectors` (row-major) for each query; rows marked in `nulls` are never
/// returned, and row `i` is reported as `id_of(i)`.
fn score_rows(
    vectors: &[f32],
    nulls: Option<&[bool]>,
    id_of: impl Fn(usize) -> u64,
    scoring: &Scoring,
) -> Vec<TopK> {
    let queries = scoring.queries.as_ref();
    let rows = vectors.len() / queries.dim;
    let mut distances = Vec::new();
    distances_many(
        scoring.metric,
        &queries.vectors,
        queries.dim,
        vectors,
        &mut distances,
    );
    (0..queries.count())
        .map(|q| {
            let mut top = TopK::new(scoring.k);
            let mine = &mut distances[q * rows..(q + 1) * rows];
            if let Some(nulls) = nulls {
                for (d, null) in mine.iter_mut().zip(nulls) {
                    if *null {
                        *d = f32::NAN;
                    }
                }
            }
            top.push_slice(mine, &id_of);
            top
        })
        .collect()
}
