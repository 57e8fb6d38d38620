//! [`VectorSearch`]: the k nearest rows to query vectors, flat or through an index, as
//! record batches with their distances; with a filter, the k nearest among the matching
//! rows (prefilter), or the matching rows among the nearest candidates (postfilter).

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Float32Array, RecordBatch, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use shoal_vector::{Metric, TopK};

use crate::dataset::{Dataset, ROW_ADDRESS_COLUMN};
use crate::error::{Error, Result};
use crate::filter::RowFilter;
use crate::read::matches::MatchingRows;
use crate::read::scan::ScanStats;
use crate::search::carried::{Carried, CarriedColumns};
use crate::search::flat::{flat_search, Queries, Scoring};
use crate::search::index_file::IvfPqIndex;
use crate::search::ivf::{candidates, refine, LiveRows, Probe};
use crate::search::postfilter::postfilter;
use crate::search::query::VectorColumn;
use crate::version::manifest::{IndexEntry, IndexKind};

/// The column of distances a search adds.
pub const DISTANCE_COLUMN: &str = "_distance";
/// Default partitions probed per query by an indexed search.
pub const DEFAULT_NPROBES: usize = 20;
/// Default refine factor of an indexed search: `k * 10` candidates are re-ranked exactly.
pub const DEFAULT_REFINE_FACTOR: usize = 10;

/// A vector search of one dataset version, being described.
#[derive(Debug, Clone)]
pub struct VectorSearch {
    dataset: Dataset,
    column: String,
    queries: Vec<f32>,
    k: usize,
    metric: Option<Metric>,
    nprobes: usize,
    refine: Option<usize>,
    columns: Option<Vec<String>>,
    row_addresses: bool,
    use_index: bool,
    filter: Option<Arc<dyn RowFilter>>,
    prefilter: bool,
}

/// The answer of a search: one batch per query, nearest first.
#[derive(Debug)]
pub struct SearchResults {
    pub batches: Vec<RecordBatch>,
    pub stats: SearchStats,
}

/// What a search did and spent.
#[derive(Debug, Clone, Default)]
pub struct SearchStats {
    pub wall: Duration,
    /// The index used, if any.
    pub index: Option<String>,
    pub metric: Option<Metric>,
    /// Partitions probed and PQ codes scored (summed over queries).
    pub partitions_probed: u64,
    pub codes_scored: u64,
    /// Rows whose vectors were read again for exact re-ranking.
    pub refined_rows: u64,
    /// Rows that matched the prefilter, or candidates that matched the postfilter.
    pub filtered_rows: Option<u64>,
    /// Fragments searched flat (none indexed, or added since the index was built).
    pub flat_fragments: u64,
    /// Of those, fragments whose vectors the session had cached (scored without I/O).
    pub cached_fragments: u64,
    /// The flat pass's read pipeline, for the fragments not cached.
    pub flat: ScanStats,
    /// CPU time computing distances (flat distances and index probing, summed over threads).
    pub compute: Duration,
    /// Time spent gathering the result columns of the winners.
    pub materialize: Duration,
    /// Winners whose result columns a take read after the search: none when the flat pass
    /// read them with the vectors (narrow, fixed-width columns).
    pub taken_rows: u64,
}

impl Dataset {
    /// A search of column `column` for the rows nearest `queries` (one or more vectors,
    /// row-major). Defaults: k 10, the index's metric (L2 without one), every column.
    ///
    /// Rows whose vector is null, or whose distance to the query is not a number (a vector
    /// holding NaN, or infinities), are never returned, so a query can get fewer than k
    /// rows. (An index is never built over such vectors: `create_index` refuses them.)
    pub fn search(&self, column: &str, queries: &[f32]) -> VectorSearch {
        VectorSearch {
            dataset: self.clone(),
            column: column.to_string(),
            queries: queries.to_vec(),
            k: 10,
            metric: None,
            nprobes: DEFAULT_NPROBES,
            refine: Some(DEFAULT_REFINE_FACTOR),
            columns: None,
            row_addresses: false,
            use_index: true,
            filter: None,
            prefilter: true,
        }
    }
}

impl VectorSearch {
    /// Rows returned per query.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// The distance; an index built for another metric is not used.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = Some(metric);
        self
    }

    /// Index partitions probed per query; at least 1.
    pub fn nprobes(mut self, nprobes: usize) -> Self {
        self.nprobes = nprobes;
        self
    }

    /// Re-rank `k * factor` index candidates with exact distances (a factor of at least 1);
    /// `None` returns the index's approximate distances.
    pub fn refine_factor(mut self, factor: Option<usize>) -> Self {
        self.refine = factor;
        self
    }

    /// The columns returned (besides `_distance`), by name.
    pub fn columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.columns = Some(names.iter().map(|n| n.as_ref().to_string()).collect());
        self
    }

    /// Adds the `_rowaddr` column.
    pub fn with_row_addresses(mut self, yes: bool) -> Self {
        self.row_addresses = yes;
        self
    }

    /// Whether an index may be used (else the search is flat, exact).
    pub fn use_index(mut self, yes: bool) -> Self {
        self.use_index = yes;
        self
    }

    /// Only rows matching `filter` (bound to this dataset's schema). By default it applies
    /// before the search (see [`VectorSearch::prefilter`]).
    pub fn filter(mut self, filter: Arc<dyn RowFilter>) -> Self {
        self.filter = Some(filter);
        self
    }

    /// With `true` (the default), the filter applies first and the search returns the k
    /// nearest matching rows: exactly k whenever at least k match (with a comparable
    /// distance), flat or indexed, however few match; an indexed search probes further
    /// partitions until it has k. With `false` (postfilter), the search finds the
    /// `k x refine factor` nearest candidates and keeps those that match, at most k: cheaper
    /// when most rows match, and fewer than k when few do.
    pub fn prefilter(mut self, yes: bool) -> Self {
        self.prefilter = yes;
        self
    }

    /// Runs the search.
    pub async fn execute(self) -> Result<SearchResults> {
        let started = Instant::now();
        let ds = &self.dataset;
        let column = VectorColumn::find(ds, &self.column)?;
        column.check_queries(&self.queries)?;
        if self.k == 0 {
            return Err(Error::invalid_parameter("k", 0, "at least 1"));
        }
        if self.nprobes == 0 {
            return Err(Error::invalid_parameter("nprobes", 0, "at least 1"));
        }
        if self.refine == Some(0) {
            return Err(Error::invalid_parameter("refine_factor", 0, "at least 1"));
        }
        let projection = ds.projection(self.columns.as_deref())?;
        let entry = self
            .use_index
            .then(|| index_of(ds, &column))
            .flatten()
            .cloned();
        let index = match &entry {
            Some(entry) => Some(IvfPqIndex::load(ds, entry, &column).await?),
            None => None,
        };
        let index = index.filter(|i| self.metric.is_none_or(|m| m == i.model.metric));
        let metric = match &index {
            Some(index) => index.model.metric,
            None => self.metric.unwrap_or(Metric::L2),
        };
        let queries = Arc::new(Queries {
            vectors: self.queries.clone(),
            dim: column.dim,
        });
        let mut stats = SearchStats {
            metric: Some(metric),
            ..SearchStats::default()
        };
        let matching: Option<Arc<MatchingRows>> = match (&self.filter, self.prefilter) {
            (Some(filter), true) => Some(Arc::new(ds.matching_rows(filter.clone()).await?)),
            _ => None,
        };
        stats.filtered_rows = matching.as_ref().map(|m| m.len());
        // A postfilter keeps the matches among k x refine candidates.
        let postfiltered = self.filter.clone().filter(|_| !self.prefilter);
        let k = match postfiltered {
            Some(_) => self.k.saturating_mul(self.refine.unwrap_or(1)),
            None => self.k,
        };
        let covered: &[u64] = match (&index, &entry) {
            (Some(_), Some(entry)) => &entry.fragments,
            _ => &[],
        };
        let flat_ids: Vec<u64> = ds
            .fragments()
            .iter()
            .map(|f| f.id)
            .filter(|id| !covered.contains(id))
            .collect();
        stats.flat_fragments = flat_ids.len() as u64;

        let indexed = async {
            let (Some(index), Some(entry)) = (index.clone(), &entry) else {
                return Ok::<_, Error>(None);
            };
            let live = LiveRows::of(ds, &entry.fragments, matching.clone()).await?;
            let probe = Probe {
                k,
                nprobes: self.nprobes,
                refine: self.refine,
            };
            let q = queries.clone();
            let (found, work, spent) = shoal_runtime::spawn_cpu(move || {
                let started = Instant::now();
                let (found, work) = candidates(&index, &live, &q, probe);
                (found, work, started.elapsed())
            })
            .await?;
            let (found, refined) = match self.refine {
                Some(_) => refine(ds, &column, queries.clone(), found, k, metric).await?,
                None => (found, 0),
            };
            Ok(Some((found, work, spent, refined, entry.name.clone())))
        };
        let scoring = Scoring {
            queries: queries.clone(),
            k,
            metric,
            matching: matching.clone(),
        };
        // A search with no index finds every winner in the flat pass, which can read their
        // columns with the vectors.
        let carry = index
            .is_none()
            .then(|| CarriedColumns::for_projection(&ds.schema(), &projection, column.index))
            .flatten();
        let flat = flat_search(ds, &column, flat_ids, scoring, carry);
        let (indexed, (mut tops, flat)) = futures::try_join!(indexed, flat)?;
        stats.flat = flat.scan;
        stats.cached_fragments = flat.cached_fragments;
        stats.compute = flat.compute;
        if let Some((found, work, spent, refined, name)) = indexed {
            stats.compute += spent;
            for (top, more) in tops.iter_mut().zip(found) {
                top.merge(more);
            }
            stats.index = Some(name);
            stats.partitions_probed = work.partitions;
            stats.codes_scored = work.codes;
            stats.refined_rows = refined;
        }

        if let Some(filter) = postfiltered {
            let (kept, matched) = postfilter(ds, filter, tops, self.k).await?;
            tops = kept;
            stats.filtered_rows = Some(matched);
        }
        let materializing = Instant::now();
        let carried = flat.carried.as_ref();
        let (batches, taken_rows) =
            materialize(ds, &projection, tops, carried, self.row_addresses).await?;
        stats.taken_rows = taken_rows;
        stats.materialize = materializing.elapsed();
        stats.wall = started.elapsed();
        Ok(SearchResults { batches, stats })
    }
}

/// The IVF-PQ index of `column`, if the version has one.
fn index_of<'a>(ds: &'a Dataset, column: &VectorColumn) -> Option<&'a IndexEntry> {
    ds.manifest()
        .indices
        .iter()
        .find(|i| i.field_id == column.field_id && i.kind == IndexKind::IvfPq)
}

/// One batch per query: the winners' projected columns (from the flat pass's carried
/// columns when it has them all, else read with one take for all queries), `_distance`, and
/// `_rowaddr` on request. Rows with no comparable distance (a null or NaN vector) are left
/// out. Returns how many rows were taken too.
async fn materialize(
    ds: &Dataset,
    projection: &[usize],
    tops: Vec<TopK>,
    carried: Option<&Carried>,
    row_addresses: bool,
) -> Result<(Vec<RecordBatch>, u64)> {
    let winners: Vec<Vec<(f32, u64)>> = tops
        .into_iter()
        .map(|t| {
            let mut v = t.into_sorted_vec();
            v.retain(|(d, _)| !d.is_nan());
            v
        })
        .collect();
    let mut all: Vec<u64> = winners.iter().flatten().map(|(_, a)| *a).collect();
    all.sort_unstable();
    all.dedup();
    let (taken, taken_rows) = match carried.map(|c| c.lookup(projection, &all)).transpose()? {
        Some(Some(rows)) => (rows, 0),
        _ => (ds.take_addresses(projection, &all).await?, all.len() as u64),
    };
    let mut fields = taken.schema().fields().to_vec();
    fields.push(Arc::new(Field::new(
        DISTANCE_COLUMN,
        DataType::Float32,
        false,
    )));
    if row_addresses {
        fields.push(Arc::new(Field::new(
            ROW_ADDRESS_COLUMN,
            DataType::UInt64,
            false,
        )));
    }
    let schema = Arc::new(Schema::new(fields));
    let batches = winners
        .into_iter()
        .map(|found| {
            let rows: UInt32Array = found
                .iter()
                .map(|(_, a)| all.binary_search(a).expect("taken above") as u32)
                .collect();
            let mut columns: Vec<ArrayRef> = arrow_select::take::take_record_batch(&taken, &rows)?
                .columns()
                .to_vec();
            columns.push(Arc::new(Float32Array::from_iter_values(
                found.iter().map(|(d, _)| *d),
            )));
            if row_addresses {
                columns.push(Arc::new(UInt64Array::from_iter_values(
                    found.iter().map(|(_, a)| *a),
                )));
            }
            Ok(RecordBatch::try_new(schema.clone(), columns)?)
        })
        .collect::<Result<_>>()?;
    Ok((batches, taken_rows))
}
