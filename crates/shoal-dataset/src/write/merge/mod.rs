//! `merge_insert`: upserts by key, as one new version per call.
//!
//! [`Dataset::merge_insert`] names the key columns and returns a [`MergeInsertBuilder`];
//! its clauses say what happens to a source row whose key the version has
//! ([`MergeInsertBuilder::when_matched_update_all`]) or has not
//! ([`MergeInsertBuilder::when_not_matched_insert_all`]), and to a live row of the version
//! whose key the source has not
//! ([`MergeInsertBuilder::when_not_matched_by_source_delete`]). Keys compare by value
//! whatever their type (encoded with `arrow-row`); a key with a null in any of its columns
//! matches nothing, as in SQL. Several live rows of one key all match its source row.
//!
//! **How.** `source.rs` reads the source whole, checks its schema and indexes its keys (on
//! the CPU pool), refusing a key that appears twice. `join.rs` scans the version's key
//! columns only, with row addresses, and looks each key up (on the CPU pool). `attempt.rs`
//! then writes the source rows to keep as new fragments (through the data-file writer) and
//! the deletion vectors of the target rows replaced or deleted (through `delete`'s writer),
//! and commits them as one change.
//!
//! **An update deletes and re-inserts.** A matched row is marked deleted and its new values
//! are written with the inserted rows, rather than its fragment being rewritten in place as
//! `update` does: an upsert's matches are usually spread over many fragments, and rewriting
//! them would cost the bytes of every such fragment for a few rows, where this costs the
//! source's rows and one small deletion file per fragment touched. The price: an updated row
//! gets a new address at the end of the dataset, and the old row's bytes stay until
//! `compact`.
//!
//! **Concurrency.** A merge decides what to insert from the keys it read, so its commit
//! conflicts with any change committed meanwhile that adds rows (an append, another merge,
//! the rewrites of `update` and `compact`, an overwrite) or that deletes rows of a fragment
//! the merge read a match from or deletes from (see `change.rs`). On a conflict the
//! attempt's files are deleted and the merge runs again against the latest version, after a
//! pause that doubles each time (from 20 ms up to 2 s) with random jitter, at most
//! [`MergeInsertBuilder::conflict_retries`] times; then the conflict is returned. So two
//! concurrent merges of the same new key never both insert it: the later commit sees the
//! earlier one's row, or fails.
//!
//! **Memory.** The source is held in memory whole, with, per row, its encoded key and a
//! hash-map entry (about the key's bytes plus 40 bytes); a source larger than memory should
//! be merged in several calls. The version is read a batch at a time, its key columns only;
//! what is kept of it is a bitmap of the rows to delete.

mod attempt;
mod join;
mod source;

use std::sync::Arc;
use std::time::Duration;

use arrow_array::RecordBatch;
use futures::Stream;
use rand::Rng;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::filter::RowFilter;
use crate::write::data_files::MAX_ROWS_PER_FILE;
use crate::write::dataset_writer::WriteParams;
use source::Source;

/// The pause before the first re-run after a conflict; it doubles with each one.
const RETRY_BASE_PAUSE: Duration = Duration::from_millis(20);
/// The longest pause between re-runs.
const RETRY_MAX_PAUSE: Duration = Duration::from_secs(2);
/// Re-runs after conflicts unless [`MergeInsertBuilder::conflict_retries`] says otherwise.
pub const DEFAULT_CONFLICT_RETRIES: u32 = 10;

/// A merge-insert being described; [`MergeInsertBuilder::execute`] runs it.
#[derive(Debug, Clone)]
pub struct MergeInsertBuilder {
    dataset: Dataset,
    on: Vec<String>,
    clauses: Clauses,
    conflict_retries: u32,
    params: WriteParams,
}

/// What happens to matched and unmatched rows.
#[derive(Debug, Clone, Default)]
struct Clauses {
    update_matched: bool,
    insert_not_matched: bool,
    /// `Some` to delete target rows whose key the source has not; the filter, if any,
    /// says which of them may be deleted.
    delete_not_matched_by_source: Option<Option<Arc<dyn RowFilter>>>,
}

/// What a merge-insert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeInsertStats {
    /// Source rows whose key the version did not have, written as new rows.
    pub inserted: u64,
    /// Source rows whose key the version had, written in place of the rows of that key.
    pub updated: u64,
    /// Rows of the version whose key the source did not have, deleted.
    pub deleted: u64,
    /// Attempts made: 1, plus one per conflict with a concurrent change.
    pub attempts: u32,
}

impl Dataset {
    /// A merge-insert (upsert) into this version by the key columns `on`; see
    /// [`MergeInsertBuilder`] for its clauses. The columns are checked when it runs.
    pub fn merge_insert<S: AsRef<str>>(&self, on: &[S]) -> MergeInsertBuilder {
        MergeInsertBuilder {
            dataset: self.clone(),
            on: on.iter().map(|s| s.as_ref().to_string()).collect(),
            clauses: Clauses::default(),
            conflict_retries: DEFAULT_CONFLICT_RETRIES,
            params: WriteParams::default(),
        }
    }
}

impl MergeInsertBuilder {
    /// Source rows whose key the version has replace the rows of that key.
    pub fn when_matched_update_all(mut self) -> Self {
        self.clauses.update_matched = true;
        self
    }

    /// Source rows whose key the version has not (or whose key has a null) are inserted.
    pub fn when_not_matched_insert_all(mut self) -> Self {
        self.clauses.insert_not_matched = true;
        self
    }

    /// Rows of the version whose key the source has not (or whose key has a null) are
    /// deleted; with `filter` (bound to the dataset's schema), only those it matches.
    pub fn when_not_matched_by_source_delete(mut self, filter: Option<Arc<dyn RowFilter>>) -> Self {
        self.clauses.delete_not_matched_by_source = Some(filter);
        self
    }

    /// How many times the merge runs again after a conflict with a concurrent change before
    /// it fails with [`Error::Conflict`] (default [`DEFAULT_CONFLICT_RETRIES`]).
    pub fn conflict_retries(mut self, retries: u32) -> Self {
        self.conflict_retries = retries;
        self
    }

    /// How the new rows' data files are written (default [`WriteParams::default`]).
    pub fn write_params(mut self, params: WriteParams) -> Self {
        self.params = params;
        self
    }

    /// Merges `source` (batches of the dataset's schema) in as one new version, and returns
    /// it with what was done; the version is this one unchanged when nothing was. Nothing
    /// is committed unless the whole source was read and every file written.
    pub async fn execute<S>(self, source: S) -> Result<(Dataset, MergeInsertStats)>
    where
        S: Stream<Item = Result<RecordBatch>>,
    {
        let key_columns = self.check()?;
        let source = Source::load(&self.dataset, &self.on, key_columns, source).await?;
        let mut dataset = self.dataset.clone();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = attempt::run(&dataset, &source, &self.on, &self.clauses, &self.params);
            match result.await {
                Ok((merged, stats)) => return Ok((merged, MergeInsertStats { attempts, ..stats })),
                Err(Error::Conflict { .. }) if attempts <= self.conflict_retries => {
                    tokio::time::sleep(pause(attempts)).await;
                    dataset = dataset.latest().await?;
                }
                Err(Error::Conflict {
                    uri,
                    mine,
                    theirs,
                    version,
                }) => {
                    return Err(Error::Conflict {
                        uri,
                        mine: format!("{mine}, on its attempt {attempts} of {attempts},"),
                        theirs,
                        version,
                    })
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The key columns' indices, once the builder is checked.
    fn check(&self) -> Result<Vec<usize>> {
        let c = &self.clauses;
        if !c.update_matched && !c.insert_not_matched && c.delete_not_matched_by_source.is_none() {
            return Err(Error::InvalidArgument(
                "merge_insert needs at least one clause: when_matched_update_all, \
                 when_not_matched_insert_all or when_not_matched_by_source_delete"
                    .into(),
            ));
        }
        Error::check_range(
            "max_rows_per_file",
            self.params.max_rows_per_file,
            1..=MAX_ROWS_PER_FILE,
        )?;
        if self.on.is_empty() {
            return Err(Error::InvalidArgument(
                "merge_insert needs at least one key column".into(),
            ));
        }
        if let Some(name) = self
            .on
            .iter()
            .enumerate()
            .find_map(|(i, name)| self.on[..i].contains(name).then_some(name))
        {
            return Err(Error::InvalidArgument(format!(
                "merge_insert key column '{name}' is named twice"
            )));
        }
        self.dataset.projection(Some(&self.on))
    }
}

/// The pause before re-run `attempt` (from 1): random, up to a ceiling that doubles.
fn pause(attempt: u32) -> Duration {
    let ceiling = RETRY_BASE_PAUSE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(RETRY_MAX_PAUSE);
    ceiling.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}
