//! The same API with blocking calls, for scripts, the CLI and threads that are not async.
//!
//! Each call runs its work on Shoal's background I/O runtime and blocks the calling thread
//! until it is done. Called from inside async code (a tokio task), a blocking call could
//! deadlock the caller's runtime, so it returns an [`ErrorKind::Runtime`](crate::ErrorKind::Runtime) error at once
//! instead; use the async API there.
//!
//! ```
//! # use std::sync::Arc;
//! # use arrow_array::{Int64Array, RecordBatch};
//! let db = shoal::blocking::connect("memory://docs/blocking", Default::default())?;
//! let ids = Arc::new(Int64Array::from(vec![1, 2, 3]));
//! let table = db.create_table("t", RecordBatch::try_from_iter([("id", ids as _)])?, Default::default())?;
//! let rows: usize = table.query().filter("id > 1").execute()?.map(|b| b.unwrap().num_rows()).sum();
//! assert_eq!(rows, 2);
//! # Ok::<_, shoal::Error>(())
//! ```

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, FieldRef, SchemaRef};
use futures::StreamExt;
use shoal_dataset::{
    ColumnAlteration, IndexParams, MergeInsertStats, Metric, ProgressCallback, Tag,
};

use crate::error::Result;
use crate::{
    AddMode, ConnectOptions, CreateMode, CreateTableOptions, FragmentInfo, IndexInfo,
    OptimizeOptions, OptimizeStats, QueryStats, QueryStream, TableData, TableNamesOptions,
    TableStats, VersionInfo, VersionRef,
};

/// Runs `future` on the background runtime, blocking this thread.
fn wait<T>(future: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    shoal_runtime::block_on(future)?
}

/// [`crate::connect`], blocking.
pub fn connect(uri: &str, options: ConnectOptions) -> Result<Connection> {
    Ok(Connection(wait(crate::connect(uri, options))?))
}

/// [`crate::Connection`] with blocking calls.
#[derive(Debug, Clone)]
pub struct Connection(pub crate::Connection);

impl Connection {
    /// See [`crate::Connection::uri`].
    pub fn uri(&self) -> &str {
        self.0.uri()
    }

    /// See [`crate::Connection::table_names`].
    pub fn table_names(&self, page: TableNamesOptions) -> Result<Vec<String>> {
        wait(self.0.table_names(page))
    }

    /// See [`crate::Connection::create_table`].
    pub fn create_table(
        &self,
        name: &str,
        data: impl Into<TableData>,
        mode: CreateMode,
    ) -> Result<Table> {
        Ok(Table(wait(self.0.create_table(name, data, mode))?))
    }

    /// See [`crate::Connection::create_table_with`].
    pub fn create_table_with(
        &self,
        name: &str,
        data: impl Into<TableData>,
        options: CreateTableOptions,
    ) -> Result<Table> {
        Ok(Table(wait(self.0.create_table_with(name, data, options))?))
    }

    /// See [`crate::Connection::open_table`].
    pub fn open_table(&self, name: &str) -> Result<Table> {
        Ok(Table(wait(self.0.open_table(name))?))
    }

    /// See [`crate::Connection::drop_table`].
    pub fn drop_table(&self, name: &str) -> Result<()> {
        wait(self.0.drop_table(name))
    }

    /// See [`crate::Connection::rename_table`].
    pub fn rename_table(&self, from: &str, to: &str) -> Result<()> {
        wait(self.0.rename_table(from, to))
    }
}

/// [`crate::Table`] with blocking calls.
#[derive(Debug, Clone)]
pub struct Table(pub crate::Table);

impl Table {
    /// See [`crate::Table::open`].
    pub fn open(uri: &str, options: ConnectOptions) -> Result<Table> {
        Ok(Table(wait(crate::Table::open(uri, options))?))
    }

    /// See [`crate::Table::set_vector_cache_bytes`].
    pub fn set_vector_cache_bytes(&self, bytes: u64) {
        self.0.set_vector_cache_bytes(bytes);
    }

    /// See [`crate::Table::open_version`].
    pub fn open_version(
        uri: &str,
        version: impl Into<VersionRef>,
        options: ConnectOptions,
    ) -> Result<Table> {
        Ok(Table(wait(crate::Table::open_version(
            uri, version, options,
        ))?))
    }

    /// See [`crate::Table::create`].
    pub fn create(
        uri: &str,
        data: impl Into<TableData>,
        create: CreateTableOptions,
        options: ConnectOptions,
    ) -> Result<Table> {
        Ok(Table(wait(crate::Table::create(
            uri, data, create, options,
        ))?))
    }

    /// See [`crate::Table::name`].
    pub fn name(&self) -> &str {
        self.0.name()
    }

    /// See [`crate::Table::schema`].
    pub fn schema(&self) -> SchemaRef {
        self.0.schema()
    }

    /// See [`crate::Table::version`].
    pub fn version(&self) -> u64 {
        self.0.version()
    }

    /// See [`crate::Table::count_rows`].
    pub fn count_rows(&self, filter: Option<&str>) -> Result<u64> {
        wait(self.0.count_rows(filter))
    }

    /// See [`crate::Table::add`].
    pub fn add(&self, data: impl Into<TableData>, mode: AddMode) -> Result<()> {
        wait(self.0.add(data, mode))
    }

    /// See [`crate::Table::delete`].
    pub fn delete(&self, filter: &str) -> Result<u64> {
        wait(self.0.delete(filter))
    }

    /// See [`crate::Table::update`].
    pub fn update<S: AsRef<str>>(&self, assignments: &[S], filter: Option<&str>) -> Result<u64> {
        wait(self.0.update(assignments, filter))
    }

    /// See [`crate::Table::versions`].
    pub fn versions(&self) -> Result<Vec<VersionInfo>> {
        wait(self.0.versions())
    }

    /// See [`crate::Table::checkout`].
    pub fn checkout(&self, version: impl Into<VersionRef>) -> Result<()> {
        wait(self.0.checkout(version))
    }

    /// See [`crate::Table::checkout_latest`].
    pub fn checkout_latest(&self) -> Result<()> {
        wait(self.0.checkout_latest())
    }

    /// See [`crate::Table::restore`].
    pub fn restore(&self) -> Result<()> {
        wait(self.0.restore())
    }

    /// See [`crate::Table::merge_insert`]; run it with [`MergeInsert::execute`].
    pub fn merge_insert<S: AsRef<str>>(&self, on: &[S]) -> MergeInsert {
        MergeInsert(self.0.merge_insert(on))
    }

    /// See [`crate::Table::add_columns`].
    pub fn add_columns<S: AsRef<str>, E: AsRef<str>>(&self, columns: &[(S, E)]) -> Result<()> {
        wait(self.0.add_columns(columns))
    }

    /// See [`crate::Table::add_null_columns`].
    pub fn add_null_columns(&self, fields: Vec<FieldRef>) -> Result<()> {
        wait(self.0.add_null_columns(fields))
    }

    /// See [`crate::Table::alter_columns`].
    pub fn alter_columns(&self, alterations: Vec<ColumnAlteration>) -> Result<()> {
        wait(self.0.alter_columns(alterations))
    }

    /// See [`crate::Table::drop_columns`].
    pub fn drop_columns<S: AsRef<str>>(&self, columns: &[S]) -> Result<()> {
        wait(self.0.drop_columns(columns))
    }

    /// See [`crate::Table::tags`].
    pub fn tags(&self) -> Result<Vec<Tag>> {
        wait(self.0.tags())
    }

    /// See [`crate::Table::create_tag`].
    pub fn create_tag(&self, name: &str, version: u64) -> Result<Tag> {
        wait(self.0.create_tag(name, version))
    }

    /// See [`crate::Table::delete_tag`].
    pub fn delete_tag(&self, name: &str) -> Result<Tag> {
        wait(self.0.delete_tag(name))
    }

    /// See [`crate::Table::create_index`].
    pub fn create_index(
        &self,
        column: &str,
        params: IndexParams,
        progress: Option<ProgressCallback>,
    ) -> Result<()> {
        wait(self.0.create_index(column, params, progress))
    }

    /// See [`crate::Table::optimize_index`].
    pub fn optimize_index(&self, name: &str, progress: Option<ProgressCallback>) -> Result<bool> {
        wait(self.0.optimize_index(name, progress))
    }

    /// See [`crate::Table::list_indices`].
    pub fn list_indices(&self) -> Vec<IndexInfo> {
        self.0.list_indices()
    }

    /// See [`crate::Table::optimize`].
    pub fn optimize(&self, options: OptimizeOptions) -> Result<OptimizeStats> {
        wait(self.0.optimize(options))
    }

    /// See [`crate::Table::stats`].
    pub fn stats(&self) -> TableStats {
        self.0.stats()
    }

    /// See [`crate::Table::fragments`].
    pub fn fragments(&self) -> Vec<FragmentInfo> {
        self.0.fragments()
    }

    /// See [`crate::Table::take_offsets`].
    pub fn take_offsets(&self, offsets: &[u64], columns: Option<&[&str]>) -> Result<RecordBatch> {
        wait(self.0.take_offsets(offsets, columns))
    }

    /// See [`crate::Table::take_row_addresses`].
    pub fn take_row_addresses(
        &self,
        addresses: &[u64],
        columns: Option<&[&str]>,
    ) -> Result<RecordBatch> {
        wait(self.0.take_row_addresses(addresses, columns))
    }

    /// See [`crate::Table::query`].
    pub fn query(&self) -> Query {
        Query(self.0.query())
    }

    /// See [`crate::Table::search`].
    pub fn search(&self, vector: impl Into<Vec<f32>>) -> Query {
        Query(self.0.search(vector))
    }

    /// See [`crate::Table::search_text`].
    pub fn search_text(&self, text: &str) -> Query {
        Query(self.0.search_text(text))
    }
}

/// [`crate::MergeInsert`], run with a blocking call.
#[derive(Debug, Clone)]
pub struct MergeInsert(pub crate::MergeInsert);

impl MergeInsert {
    /// See [`crate::MergeInsert::when_matched_update_all`].
    pub fn when_matched_update_all(self) -> Self {
        MergeInsert(self.0.when_matched_update_all())
    }

    /// See [`crate::MergeInsert::when_not_matched_insert_all`].
    pub fn when_not_matched_insert_all(self) -> Self {
        MergeInsert(self.0.when_not_matched_insert_all())
    }

    /// See [`crate::MergeInsert::when_not_matched_by_source_delete`].
    pub fn when_not_matched_by_source_delete(self, filter: Option<&str>) -> Self {
        MergeInsert(self.0.when_not_matched_by_source_delete(filter))
    }

    /// See [`crate::MergeInsert::execute`].
    pub fn execute(self, data: impl Into<TableData>) -> Result<MergeInsertStats> {
        wait(self.0.execute(data))
    }
}

/// Builder methods of [`Query`] that hand on to [`crate::Query`]'s.
macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                Query(self.0.$name($($arg),*))
            }
        )*
    };
}

/// [`crate::Query`], run with blocking calls.
#[derive(Debug, Clone)]
pub struct Query(pub crate::Query);

impl Query {
    forward! {
        /// See [`crate::Query::select`].
        select(columns: &[&str]);
        /// See [`crate::Query::filter`].
        filter(filter: &str);
        /// See [`crate::Query::nearest_to_text`].
        nearest_to_text(text: &str);
        /// See [`crate::Query::offset`].
        offset(rows: u64);
        /// See [`crate::Query::limit`].
        limit(rows: u64);
        /// See [`crate::Query::with_row_address`].
        with_row_address();
        /// See [`crate::Query::batch_size`].
        batch_size(rows: usize);
        /// See [`crate::Query::budget_bytes`].
        budget_bytes(bytes: u64);
        /// See [`crate::Query::fragments`].
        fragments(ids: Vec<u64>);
        /// See [`crate::Query::nearest_to`].
        nearest_to(vector: Vec<f32>);
        /// See [`crate::Query::column`].
        column(column: &str);
        /// See [`crate::Query::distance_type`].
        distance_type(metric: Metric);
        /// See [`crate::Query::nprobes`].
        nprobes(nprobes: usize);
        /// See [`crate::Query::refine_factor`].
        refine_factor(factor: Option<usize>);
        /// See [`crate::Query::prefilter`].
        prefilter();
        /// See [`crate::Query::postfilter`].
        postfilter();
        /// See [`crate::Query::bypass_vector_index`].
        bypass_vector_index();
    }

    /// Runs the query; the rows come batch by batch as the iterator is advanced.
    pub fn execute(self) -> Result<QueryRows> {
        Ok(QueryRows(wait(self.0.execute())?))
    }

    /// See [`crate::Query::explain`].
    pub fn explain(&self) -> Result<String> {
        wait(self.0.explain())
    }

    /// See [`crate::Query::analyze`].
    pub fn analyze(&self) -> Result<String> {
        wait(self.0.analyze())
    }
}

/// The rows of a running query, as an iterator of batches (and, through
/// [`QueryRows::into_reader`], an Arrow `RecordBatchReader`).
pub struct QueryRows(QueryStream);

impl QueryRows {
    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.0.schema()
    }

    /// What the query has spent so far (all of it once the iterator has ended).
    pub fn stats(&self) -> QueryStats {
        self.0.stats()
    }

    /// The rows as an Arrow `RecordBatchReader` (errors become
    /// `ArrowError::ExternalError` holding the [`crate::Error`]).
    pub fn into_reader(self) -> impl RecordBatchReader + Send {
        let schema = self.schema();
        let batches = self.map(|b| b.map_err(|e| ArrowError::ExternalError(Box::new(e))));
        arrow_array::RecordBatchIterator::new(batches, schema)
    }
}

impl From<QueryStream> for QueryRows {
    /// The rows of a query started with the async API, to read with blocking calls.
    fn from(stream: QueryStream) -> Self {
        QueryRows(stream)
    }
}

impl Iterator for QueryRows {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match shoal_runtime::block_on(self.0.next()) {
            Ok(next) => next,
            Err(error) => Some(Err(error.into())),
        }
    }
}
