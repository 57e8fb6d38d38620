//! Which live rows of a version match a filter, per fragment: a filtered scan that reads
//! only the filter's columns (pruned by page statistics, evaluated on the CPU pool) and
//! keeps the row addresses. Deletes, counts, updates and prefiltered searches start here.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use futures::TryStreamExt;
use roaring::RoaringBitmap;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::filter::RowFilter;

/// The live rows that match a filter: per fragment id, their positions in its data file.
#[derive(Debug, Clone, Default)]
pub(crate) struct MatchingRows {
    pub(crate) fragments: BTreeMap<u64, RoaringBitmap>,
}

impl MatchingRows {
    /// How many rows match.
    pub(crate) fn len(&self) -> u64 {
        self.fragments.values().map(RoaringBitmap::len).sum()
    }

    /// Whether the row at `address` matches.
    pub(crate) fn contains(&self, address: u64) -> bool {
        self.fragments
            .get(&(address >> 32))
            .is_some_and(|rows| rows.contains(address as u32))
    }

    /// The indices into `addresses` of the rows that match, in order (a fragment's rows are
    /// looked up once per run of its addresses).
    pub(crate) fn positions<'a>(
        &'a self,
        addresses: &'a [u64],
    ) -> impl Iterator<Item = usize> + 'a {
        let mut current: Option<(u64, Option<&RoaringBitmap>)> = None;
        addresses
            .iter()
            .enumerate()
            .filter_map(move |(i, &address)| {
                let fragment = address >> 32;
                let rows = match current {
                    Some((id, rows)) if id == fragment => rows,
                    _ => {
                        let rows = self.fragments.get(&fragment);
                        current = Some((fragment, rows));
                        rows
                    }
                };
                rows.is_some_and(|r| r.contains(address as u32))
                    .then_some(i)
            })
    }
}

impl Dataset {
    /// The live rows of this version that match `filter`.
    pub(crate) async fn matching_rows(&self, filter: Arc<dyn RowFilter>) -> Result<MatchingRows> {
        let mut stream = self
            .scan()
            .projection(Vec::new())
            .with_row_addresses(true)
            .filter(filter)
            .stream()
            .await?;
        let mut fragments: BTreeMap<u64, RoaringBitmap> = BTreeMap::new();
        while let Some(batch) = stream.try_next().await? {
            let addresses = batch.column(0).as_primitive::<UInt64Type>();
            for &address in addresses.values() {
                // Positions fit in 32 bits: data files hold at most `MAX_ROWS_PER_FILE` rows.
                fragments
                    .entry(address >> 32)
                    .or_default()
                    .insert(address as u32);
            }
        }
        Ok(MatchingRows { fragments })
    }
}
