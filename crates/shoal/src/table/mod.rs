//! [`Table`]: one table of a [`Connection`](crate::Connection), at its latest version or
//! checked out at an older one. Reads see the version the handle holds; the handle's own
//! changes move it to the version they commit; [`Table::checkout_latest`] picks up changes
//! other handles and processes committed.

mod changes;
mod maintenance;
mod merge;
mod schema;
mod take;
mod versions;

use std::sync::{Arc, RwLock};

use arrow_schema::SchemaRef;
use shoal_dataset::{Dataset, WriteParams};

use crate::background::on_io;
use crate::data::TableData;
use crate::error::{Error, Result};
use crate::query::Query;

pub use changes::AddMode;
pub use maintenance::{FragmentInfo, IndexInfo, OptimizeOptions, OptimizeStats, TableStats};
pub use merge::MergeInsert;
pub use versions::{VersionInfo, VersionRef};

/// A table. Cheap to clone (clones share the handle's version); usable from any runtime or
/// thread, and after the runtime that opened it is gone.
#[derive(Clone)]
pub struct Table {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    write: WriteParams,
    state: RwLock<State>,
}

/// The version a handle holds, and whether the user pinned it.
struct State {
    dataset: Dataset,
    /// Checked out at an older version: reads only, until [`Table::checkout_latest`].
    pinned: bool,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} at version {})", self.uri(), self.version())
    }
}

impl Table {
    pub(crate) fn new(name: String, dataset: Dataset, write: WriteParams) -> Self {
        Self {
            inner: Arc::new(Inner {
                name,
                write,
                state: RwLock::new(State {
                    dataset,
                    pinned: false,
                }),
            }),
        }
    }

    /// Opens the dataset at `uri` (a directory of its own, not a connection's name) as a
    /// table, at its latest version.
    pub async fn open(uri: &str, options: crate::ConnectOptions) -> Result<Table> {
        let root = shoal_io::resolve_with(uri, &options.storage)?;
        let dataset = on_io(async move { Ok(Dataset::open_at(root).await?) }).await?;
        Ok(Table::new(name_of(uri), dataset, options.write))
    }

    /// Opens an older version (by number or tag) of the dataset at `uri`, read-only as after
    /// [`Table::checkout`]; reads only that version's manifest.
    pub async fn open_version(
        uri: &str,
        version: impl Into<VersionRef>,
        options: crate::ConnectOptions,
    ) -> Result<Table> {
        let root = shoal_io::resolve_with(uri, &options.storage)?;
        let dataset = on_io(versions::open(root, version.into())).await?;
        let table = Table::new(name_of(uri), dataset.clone(), options.write);
        table.set_state(dataset, true);
        Ok(table)
    }

    /// Creates a table at `uri` (a directory of its own, not a connection's name) from
    /// `data`, as [`Connection::create_table_with`](crate::Connection::create_table_with)
    /// does under a connection.
    pub async fn create(
        uri: &str,
        data: impl Into<TableData>,
        create: crate::CreateTableOptions,
        options: crate::ConnectOptions,
    ) -> Result<Table> {
        let root = shoal_io::resolve_with(uri, &options.storage)?;
        crate::connection::create_at(root, name_of(uri), data.into(), create, options.write).await
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Where the table's files live.
    pub fn uri(&self) -> String {
        self.dataset().uri().to_string()
    }

    /// The schema of the version this handle holds.
    pub fn schema(&self) -> SchemaRef {
        self.dataset().schema()
    }

    /// The version this handle holds.
    pub fn version(&self) -> u64 {
        self.dataset().version()
    }

    /// Rows matching `filter` (a SQL where-clause), or all rows, of this version.
    pub async fn count_rows(&self, filter: Option<&str>) -> Result<u64> {
        let dataset = self.dataset();
        let filter = crate::filter::parse(&dataset, filter)?;
        on_io(async move { Ok(dataset.count_rows(filter).await?) }).await
    }

    /// A query over the rows: projection, filter, offset and limit, streamed.
    pub fn query(&self) -> Query {
        Query::new(self.dataset())
    }

    /// A nearest-neighbour query for `vector` (set the column with
    /// [`Query::column`] when the table has several vector columns).
    pub fn search(&self, vector: impl Into<Vec<f32>>) -> Query {
        self.query().nearest_to(vector)
    }

    /// A nearest-neighbour query for the vector the table's embedding function makes of
    /// `text` (embedded when the query runs, on the function's own pool; set the column with
    /// [`Query::column`] when several functions make vector columns).
    pub fn search_text(&self, text: &str) -> Query {
        self.query().nearest_to_text(text)
    }

    /// Sets how many bytes of decoded vectors the table keeps in memory for flat search
    /// (default [`DEFAULT_VECTOR_CACHE_BYTES`](crate::DEFAULT_VECTOR_CACHE_BYTES); 0 keeps
    /// none, so every search reads its vectors), evicting what no longer fits. Handles
    /// cloned from this one, and every version they check out, share the cache.
    pub fn set_vector_cache_bytes(&self, bytes: u64) {
        self.dataset().set_vector_cache_bytes(bytes);
    }

    /// The version this handle holds, as the dataset layer's handle (for the phases of
    /// [`crate::advanced`]).
    pub fn dataset(&self) -> Dataset {
        self.state().dataset.clone()
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while the lock was held cannot leave `State` half-written (it is replaced
        // whole), so a poisoned lock is used as it is.
        self.inner.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn set_state(&self, dataset: Dataset, pinned: bool) {
        let mut state = self.inner.state.write().unwrap_or_else(|e| e.into_inner());
        *state = State { dataset, pinned };
    }

    /// The version a change starts from: the handle's, unless it is checked out at an old
    /// version (changes are refused there: they would silently drop the newer versions).
    fn writable(&self) -> Result<Dataset> {
        let state = self.state();
        if state.pinned {
            return Err(Error::invalid(format!(
                "table '{}' is checked out at version {}, which is read-only; call \
                 checkout_latest() to change the table, or restore() to make this version the \
                 latest",
                self.inner.name,
                state.dataset.version()
            )));
        }
        Ok(state.dataset.clone())
    }

    /// Moves the handle to `dataset`, a version a change of its own committed.
    fn advance(&self, dataset: Dataset) {
        let mut state = self.inner.state.write().unwrap_or_else(|e| e.into_inner());
        if dataset.version() >= state.dataset.version() {
            state.dataset = dataset;
        }
    }

    /// Runs a change on the I/O runtime from the handle's writable version, and moves the
    /// handle to the version it commits.
    async fn change<F, Fut>(&self, change: F) -> Result<Dataset>
    where
        F: FnOnce(Dataset) -> Fut,
        Fut: std::future::Future<Output = Result<Dataset>> + Send + 'static,
    {
        let base = self.writable()?;
        let committed = on_io(change(base)).await?;
        self.advance(committed.clone());
        Ok(committed)
    }
}

/// A table's name: the last segment of its URI.
fn name_of(uri: &str) -> String {
    let uri = uri.trim_end_matches('/');
    uri.rsplit('/').next().unwrap_or(uri).to_string()
}
