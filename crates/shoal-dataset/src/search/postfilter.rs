//! Postfiltering: of each query's nearest candidates, the ones that match a filter (the
//! filter's columns read by one take for every candidate of every query, evaluated on the
//! CPU pool), nearest first, at most k.

use std::sync::Arc;

use shoal_vector::TopK;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::filter::RowFilter;

/// Each query's candidates in `tops` that match `filter`, at most `k` each, and how many
/// distinct candidates matched.
pub(crate) async fn postfilter(
    dataset: &Dataset,
    filter: Arc<dyn RowFilter>,
    tops: Vec<TopK>,
    k: usize,
) -> Result<(Vec<TopK>, u64)> {
    let per_query: Vec<Vec<(f32, u64)>> = tops.into_iter().map(TopK::into_sorted_vec).collect();
    let mut all: Vec<u64> = per_query.iter().flatten().map(|(_, a)| *a).collect();
    all.sort_unstable();
    all.dedup();
    let columns = dataset.take_addresses(filter.columns(), &all).await?;
    let matches = shoal_runtime::spawn_cpu(move || filter.evaluate(&columns)).await??;
    let matched = matches.true_count() as u64;
    let tops = per_query
        .into_iter()
        .map(|found| {
            let mut top = TopK::new(k);
            for (distance, address) in found {
                let row = all.binary_search(&address).unwrap_or_default();
                if matches.value(row) {
                    top.push(distance, address);
                }
            }
            top
        })
        .collect();
    Ok((tops, matched))
}
