//! Indexed search: the partitions nearest each query are scored by their PQ codes (rows of
//! fragments the version no longer has, and deleted rows, skipped), and the best candidates
//! re-ranked with exact distances read through take when a refine factor is given.

use std::collections::HashMap;
use std::sync::Arc;

use roaring::RoaringBitmap;
use shoal_vector::{adc_distances, distances, Metric, TopK};

use crate::dataset::Dataset;
use crate::error::Result;
use crate::read::matches::MatchingRows;
use crate::read::scan::stats::Collector;
use crate::search::flat::Queries;
use crate::search::index_file::IvfPqIndex;
use crate::search::query::{vectors_of, VectorColumn};

/// Fragments with deletion vectors opened at once.
const FRAGMENTS_AT_ONCE: usize = 16;

/// Which indexed rows a search may return: per fragment id, its deleted rows (if any), and,
/// under a prefilter, only the rows that match.
#[derive(Debug)]
pub(crate) struct LiveRows {
    fragments: HashMap<u64, Option<Arc<RoaringBitmap>>>,
    matching: Option<Arc<MatchingRows>>,
}

impl LiveRows {
    /// The live rows of the fragments of `dataset` among `covered` (that match, when
    /// `matching` is given).
    pub(crate) async fn of(
        dataset: &Dataset,
        covered: &[u64],
        matching: Option<Arc<MatchingRows>>,
    ) -> Result<Self> {
        let mut fragments = HashMap::new();
        let mut with_deletions = Vec::new();
        for (index, fragment) in dataset.fragments().iter().enumerate() {
            if covered.contains(&fragment.id) {
                if fragment.deletion.is_some() {
                    with_deletions.push(index);
                }
                fragments.insert(fragment.id, None);
            }
        }
        let opened = dataset
            .open_fragments(with_deletions, FRAGMENTS_AT_ONCE, &Collector::new())
            .await?;
        for open in opened {
            fragments.insert(open.fragment.id, open.deleted.clone());
        }
        Ok(Self {
            fragments,
            matching,
        })
    }

    fn contains(&self, address: u64) -> bool {
        let live = match self.fragments.get(&(address >> 32)) {
            None => false,
            Some(None) => true,
            Some(Some(deleted)) => !deleted.contains(address as u32),
        };
        live && self.matching.as_ref().is_none_or(|m| m.contains(address))
    }

    /// Whether only some live rows may be returned (a prefilter).
    fn filtered(&self) -> bool {
        self.matching.is_some()
    }
}

/// How an indexed search is run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    pub k: usize,
    pub nprobes: usize,
    /// Re-rank `k * refine` candidates exactly; `None` keeps the approximate distances.
    pub refine: Option<usize>,
}

/// What the index pass scored.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IndexWork {
    pub partitions: u64,
    pub codes: u64,
}

/// The candidates of each query from the index: top `k * refine` (or `k`) by approximate
/// distance, ids are row addresses. Under a prefilter, partitions past `nprobes` are probed
/// (nearest first) until `k` candidates are found or none is left, so that a selective
/// filter still gets `k` rows whenever `k` match. CPU only.
pub(crate) fn candidates(
    index: &IvfPqIndex,
    live: &LiveRows,
    queries: &Queries,
    probe: Probe,
) -> (Vec<TopK>, IndexWork) {
    let m = index.model.pq.sub_vectors;
    let wanted = probe.k.saturating_mul(probe.refine.unwrap_or(1));
    let mut work = IndexWork::default();
    let mut scores = Vec::new();
    let tops = (0..queries.count())
        .map(|q| {
            let query = queries.get(q);
            let mut top = TopK::new(wanted);
            let order = match live.filtered() {
                true => index.model.probe(query, index.model.partitions()),
                false => index.model.probe(query, probe.nprobes),
            };
            for (probed, p) in order.into_iter().enumerate() {
                if probed >= probe.nprobes && top.len() >= probe.k {
                    break;
                }
                let rows = index.partition(p);
                let table = index.model.partition_table(query, p);
                adc_distances(
                    &table.table,
                    m,
                    &index.codes[rows.start * m..rows.end * m],
                    &mut scores,
                );
                let addresses = &index.addresses[rows.clone()];
                for (score, address) in scores.iter().zip(addresses) {
                    let distance = score + table.offset;
                    if distance <= top.threshold() && live.contains(*address) {
                        top.push(distance, *address);
                    }
                }
                work.partitions += 1;
                work.codes += rows.len() as u64;
            }
            top
        })
        .collect();
    (tops, work)
}

/// Re-ranks each query's candidates by exact distance, keeping `k`: the candidates'
/// vectors are read with one take.
pub(crate) async fn refine(
    dataset: &Dataset,
    column: &VectorColumn,
    queries: Arc<Queries>,
    candidates: Vec<TopK>,
    k: usize,
    metric: Metric,
) -> Result<(Vec<TopK>, u64)> {
    let per_query: Vec<Vec<u64>> = candidates
        .into_iter()
        .map(|top| top.into_sorted_vec().into_iter().map(|(_, a)| a).collect())
        .collect();
    let mut all: Vec<u64> = per_query.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let refined = all.len() as u64;
    let batch = dataset.take_addresses(&[column.index], &all).await?;
    let tops = shoal_runtime::spawn_cpu(move || {
        let (vectors, _) = vectors_of(&batch, 0);
        let dim = queries.dim;
        let mut exact = Vec::new();
        per_query
            .iter()
            .enumerate()
            .map(|(q, addresses)| {
                let mut top = TopK::new(k);
                let mut picked = Vec::with_capacity(addresses.len() * dim);
                for a in addresses {
                    let row = all.binary_search(a).expect("taken above");
                    picked.extend_from_slice(&vectors[row * dim..(row + 1) * dim]);
                }
                distances(metric, queries.get(q), &picked, &mut exact);
                top.push_slice(&exact, |i| addresses[i]);
                top
            })
            .collect()
    })
    .await?;
    Ok((tops, refined))
}
