//! The join of one merge attempt: the version's live rows read by their key columns only,
//! with row addresses, each key looked up among the source's on the CPU pool.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::RecordBatch;
use futures::TryStreamExt;
use roaring::RoaringBitmap;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::write::merge::source::Keys;

/// Batches whose keys are looked up at once.
const BATCHES_AT_ONCE: usize = 4;

/// Which rows of the source and of the version share a key.
pub(super) struct Joined {
    /// Per source row, whether a live row of the version has its key.
    pub(super) source_matched: Vec<bool>,
    /// Live rows of the version whose key the source has, per fragment id.
    pub(super) matched: BTreeMap<u64, RoaringBitmap>,
    /// Live rows of the version whose key the source has not (null keys included), per
    /// fragment id; gathered only when asked for.
    pub(super) unmatched: BTreeMap<u64, RoaringBitmap>,
}

/// One batch's part of the join: (source row, address) of each match, and the addresses of
/// the rows that matched nothing (when asked for).
type BatchJoin = (Vec<(usize, u64)>, Vec<u64>);

/// Joins the live rows of `ds` with the `source_rows` source rows whose keys are `keys`.
pub(super) async fn join(
    ds: &Dataset,
    keys: Arc<Keys>,
    source_rows: usize,
    want_unmatched: bool,
) -> Result<Joined> {
    let stream = ds
        .scan()
        .projection(keys.columns.clone())
        .with_row_addresses(true)
        .stream()
        .await?;
    let mut joined = Joined {
        source_matched: vec![false; source_rows],
        matched: BTreeMap::new(),
        unmatched: BTreeMap::new(),
    };
    let mut batches = stream
        .map_ok(|batch| {
            let (keys, batch) = (keys.clone(), batch.into_batch());
            async move {
                shoal_runtime::spawn_cpu(move || join_batch(&keys, &batch, want_unmatched)).await?
            }
        })
        .try_buffered(BATCHES_AT_ONCE);
    while let Some((matches, unmatched)) = batches.try_next().await? {
        for (source_row, address) in matches {
            joined.source_matched[source_row] = true;
            insert(&mut joined.matched, address);
        }
        for address in unmatched {
            insert(&mut joined.unmatched, address);
        }
    }
    Ok(joined)
}

/// Looks up the keys of `batch` (the key columns, then the row addresses). CPU only.
fn join_batch(keys: &Keys, batch: &RecordBatch, want_unmatched: bool) -> Result<BatchJoin> {
    let width = batch.num_columns() - 1;
    let addresses = batch.column(width).as_primitive::<UInt64Type>().values();
    let (encoded, valid) = keys.encode(&batch.columns()[..width])?;
    let mut matches = Vec::new();
    let mut unmatched = Vec::new();
    for (i, &address) in addresses.iter().enumerate() {
        let source_row = valid(i)
            .then(|| keys.find(encoded.row(i).as_ref()))
            .flatten();
        match source_row {
            Some(row) => matches.push((row, address)),
            None if want_unmatched => unmatched.push(address),
            None => {}
        }
    }
    Ok((matches, unmatched))
}

/// Adds the row at `address` to its fragment's rows.
fn insert(rows: &mut BTreeMap<u64, RoaringBitmap>, address: u64) {
    // Positions fit in 32 bits: data files hold at most `MAX_ROWS_PER_FILE` rows.
    rows.entry(address >> 32)
        .or_default()
        .insert(address as u32);
}
