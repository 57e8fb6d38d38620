//! One attempt at a merge-insert against one version: the join, then the new fragments and
//! deletion vectors it calls for, written and committed as the next version. A conflict
//! comes back to the caller (`merge/mod.rs`), which runs another attempt.

use std::collections::BTreeMap;

use arrow_array::BooleanArray;
use arrow_select::filter::filter_record_batch;
use roaring::RoaringBitmap;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::version::change::Change;
use crate::version::commit::{commit, discard};
use crate::version::manifest::{DataFile, Fragment};
use crate::write::data_files::DataFilesWriter;
use crate::write::dataset_writer::WriteParams;
use crate::write::merge::join::join;
use crate::write::merge::source::Source;
use crate::write::merge::{Clauses, MergeInsertStats};

/// Merges `source` into `ds` and commits the result (or returns `ds` when nothing changes).
pub(super) async fn run(
    ds: &Dataset,
    source: &Source,
    on: &[String],
    clauses: &Clauses,
    params: &WriteParams,
) -> Result<(Dataset, MergeInsertStats)> {
    source.check_schema(ds)?;
    let deleting = clauses.delete_not_matched_by_source.as_ref();
    let joined = join(ds, source.keys.clone(), source.rows, deleting.is_some()).await?;

    let mut doomed = match clauses.update_matched {
        true => joined.matched.clone(),
        false => BTreeMap::new(),
    };
    let mut stats = MergeInsertStats::default();
    if let Some(filter) = deleting {
        let mut unmatched = joined.unmatched;
        if let Some(filter) = filter {
            let deletable = ds.matching_rows(filter.clone()).await?;
            unmatched.retain(|id, rows| match deletable.fragments.get(id) {
                Some(allowed) => {
                    *rows &= allowed;
                    !rows.is_empty()
                }
                None => false,
            });
        }
        for (id, rows) in unmatched {
            stats.deleted += rows.len();
            *doomed.entry(id).or_default() |= rows;
        }
    }
    let keep: Vec<bool> = joined
        .source_matched
        .iter()
        .map(|&matched| match matched {
            true => clauses.update_matched,
            false => clauses.insert_not_matched,
        })
        .collect();
    for (&matched, &kept) in joined.source_matched.iter().zip(&keep) {
        match (matched, kept) {
            (true, true) => stats.updated += 1,
            (false, true) => stats.inserted += 1,
            _ => {}
        }
    }
    if stats.inserted + stats.updated == 0 && doomed.is_empty() {
        return Ok((ds.clone(), stats));
    }

    let files = write_rows(ds, source, keep, params).await?;
    let read: Vec<Fragment> = ds
        .fragments()
        .iter()
        .filter(|f| joined.matched.contains_key(&f.id) || doomed.contains_key(&f.id))
        .cloned()
        .collect();
    let touched: Vec<(usize, RoaringBitmap)> = ds
        .fragments()
        .iter()
        .enumerate()
        .filter_map(|(index, f)| Some((index, doomed.remove(&f.id)?)))
        .collect();
    let deletions = match ds.write_deletions(touched).await {
        Ok(deletions) => deletions,
        Err(e) => {
            let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
            discard(ds.root(), &paths).await;
            return Err(e);
        }
    };
    let change = Change::MergeInsert {
        on: on.to_vec(),
        read,
        deletions,
        files,
        inserted: stats.inserted,
        updated: stats.updated,
        deleted: stats.deleted,
    };
    let manifest = commit(ds.root(), Some(ds.manifest().clone()), &change).await?;
    Ok((ds.with_manifest(manifest), stats))
}

/// Writes the source rows that `keep` says (one flag per source row) into new data files,
/// selected on the CPU pool; on failure nothing is left behind.
async fn write_rows(
    ds: &Dataset,
    source: &Source,
    keep: Vec<bool>,
    params: &WriteParams,
) -> Result<Vec<DataFile>> {
    let mut writer = DataFilesWriter::new(
        ds.root().clone(),
        ds.schema(),
        ds.manifest().field_ids.clone(),
        params.file.clone(),
        params.max_rows_per_file,
    );
    let mut start = 0;
    for batch in &source.batches {
        let rows = batch.num_rows();
        let mask = BooleanArray::from(keep[start..start + rows].to_vec());
        start += rows;
        if mask.true_count() == 0 {
            continue;
        }
        let batch = batch.clone();
        let written = async {
            let kept =
                shoal_runtime::spawn_cpu(move || filter_record_batch(&batch, &mask)).await??;
            writer.write(&kept).await
        }
        .await;
        if let Err(e) = written {
            writer.abort().await?;
            return Err(e);
        }
    }
    writer.finish().await
}
