//! Upserts: [`Table::merge_insert`] matches new rows to the table's by key columns and, in one
//! version, updates the matched rows, inserts the others and, on request, deletes the
//! table's rows the new ones do not have; vector columns made by the table's embedding
//! functions are computed for the new rows. Concurrent upserts of the same keys are retried
//! against each other's results, so no key is ever inserted twice.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use shoal_dataset::MergeInsertStats;

use super::Table;
use crate::background::on_io;
use crate::data::TableData;
use crate::embedding::Embeddings;
use crate::error::{Error, Result};
use crate::filter;

/// An upsert being described; [`execute`](MergeInsert::execute) runs it.
#[derive(Debug, Clone)]
pub struct MergeInsert {
    table: Table,
    on: Vec<String>,
    update_matched: bool,
    insert_unmatched: bool,
    /// `Some(filter)`: delete the table's rows without a match (those matching the filter,
    /// if there is one).
    delete_unmatched_by_source: Option<Option<String>>,
}

impl Table {
    /// An upsert keyed by columns `on` (all must match; a null key matches nothing).
    /// Choose what happens with [`MergeInsert::when_matched_update_all`],
    /// [`MergeInsert::when_not_matched_insert_all`] and
    /// [`MergeInsert::when_not_matched_by_source_delete`].
    pub fn merge_insert<S: AsRef<str>>(&self, on: &[S]) -> MergeInsert {
        MergeInsert {
            table: self.clone(),
            on: on.iter().map(|c| c.as_ref().to_string()).collect(),
            update_matched: false,
            insert_unmatched: false,
            delete_unmatched_by_source: None,
        }
    }
}

impl MergeInsert {
    /// Rows whose key matches a table row replace it.
    pub fn when_matched_update_all(mut self) -> Self {
        self.update_matched = true;
        self
    }

    /// Rows whose key matches no table row are added.
    pub fn when_not_matched_insert_all(mut self) -> Self {
        self.insert_unmatched = true;
        self
    }

    /// Table rows whose key no new row has are deleted (only those matching `filter`, a SQL
    /// where-clause, when one is given).
    pub fn when_not_matched_by_source_delete(mut self, filter: Option<&str>) -> Self {
        self.delete_unmatched_by_source = Some(filter.map(str::to_string));
        self
    }

    /// Runs the upsert with `data` (of the table's schema; keys unique) as one new version,
    /// and says how many rows it inserted, updated and deleted. As with
    /// [`Table::add`], the vector columns the table's embedding functions make and `data`
    /// lacks are computed from its text columns; if embedding fails, nothing is committed.
    pub async fn execute(self, data: impl Into<TableData>) -> Result<MergeInsertStats> {
        let base = self.table.writable()?;
        let mut builder = base.merge_insert(&self.on);
        if self.update_matched {
            builder = builder.when_matched_update_all();
        }
        if self.insert_unmatched {
            builder = builder.when_not_matched_insert_all();
        }
        if let Some(by_source) = &self.delete_unmatched_by_source {
            let filter = filter::parse(&base, by_source.as_deref())?;
            builder = builder.when_not_matched_by_source_delete(filter);
        }
        // Making the table's embedders (a model may load) is a step of the call, and like
        // every step it runs as a task on the I/O runtime, not on the caller's.
        let (schema, data) = (base.schema(), data.into());
        let data = on_io(async move { Embeddings::of_schema(&schema).await?.apply(data, &schema) })
            .await?;
        let (source, failure) = keep_source_error(data);
        let merged = on_io(async move { Ok(builder.execute(source).await) }).await?;
        let (committed, stats) = match merged {
            Ok(merged) => merged,
            // The source's own error, not the layer's summary of it.
            Err(error) => {
                return Err(failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .unwrap_or(error.into()))
            }
        };
        self.table.advance(committed);
        Ok(stats)
    }
}

/// The rows as the layer's stream; a failure of the source itself is kept aside, whole, and
/// the layer sees only that the source failed.
fn keep_source_error(
    data: TableData,
) -> (
    futures::stream::BoxStream<'static, shoal_dataset::Result<arrow_array::RecordBatch>>,
    Arc<Mutex<Option<Error>>>,
) {
    let slot = Arc::new(Mutex::new(None));
    let kept = slot.clone();
    let stream = data
        .into_stream()
        .map(move |batch| {
            batch.map_err(|error| {
                let message = format!("the rows to merge could not be read: {error}");
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
                shoal_dataset::Error::InvalidArgument(message)
            })
        })
        .boxed();
    (stream, slot)
}
