//! [`Connection`]: a namespace of tables under one directory or object-store prefix, from
//! [`connect`]. Each table is a dataset in a child directory named after it.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use shoal_dataset::{Dataset, WriteMode};
use shoal_io::{ObjectLocation, StorageOptions};

use crate::background::on_io;
use crate::data::TableData;
use crate::embedding::{EmbeddingDefinition, Embeddings};
use crate::error::{Error, ErrorKind, Result};
use crate::names::check_table_name;
use crate::table::Table;
use crate::write::write_data;
use shoal_dataset::WriteParams;

/// Tables checked for a dataset at once while listing.
const CHECKS_AT_ONCE: usize = 16;

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// S3 settings (endpoint, region, credentials, ...); the environment fills in the rest.
    pub storage: StorageOptions,
    /// How the tables' data files are written.
    pub write: WriteParams,
}

/// What [`Connection::create_table`] does when the table exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreateMode {
    /// Fail with [`ErrorKind::AlreadyExists`].
    #[default]
    Create,
    /// Replace its rows and schema with the new ones, as a new version (old versions stay
    /// readable until cleaned up).
    Overwrite,
    /// Open it and leave it as it is, provided its schema is the one given.
    ExistOk,
}

/// How [`Connection::create_table_with`] creates a table.
#[derive(Debug, Clone, Default)]
pub struct CreateTableOptions {
    /// What to do when the table exists.
    pub mode: CreateMode,
    /// Vector columns made from text columns: each vector column the rows lack is
    /// computed, and the definitions are kept in the table's schema metadata for every
    /// later `add` and [`Table::search_text`](crate::Table::search_text).
    pub embeddings: Vec<EmbeddingDefinition>,
}

/// A page of [`Connection::table_names`].
#[derive(Debug, Clone, Default)]
pub struct TableNamesOptions {
    /// Only names after this one (the last name of the previous page).
    pub start_after: Option<String>,
    /// At most this many names.
    pub limit: Option<usize>,
}

/// Connects to the tables under `uri`: a local directory (a path or `file://`),
/// `memory://NAME/prefix` or `s3://bucket/prefix`. Nothing is read until a table is used.
///
/// ```
/// # shoal_runtime::block_on(async {
/// let db = shoal::connect("memory://docs/connect", Default::default()).await?;
/// assert!(db.table_names(Default::default()).await?.is_empty());
/// # Ok::<_, shoal::Error>(())
/// # }).unwrap().unwrap();
/// ```
pub async fn connect(uri: &str, options: ConnectOptions) -> Result<Connection> {
    let root = shoal_io::resolve_with(uri, &options.storage)?;
    Ok(Connection {
        root,
        options: Arc::new(options),
    })
}

/// A namespace of tables. Cheap to clone; usable from any runtime or thread.
#[derive(Debug, Clone)]
pub struct Connection {
    root: ObjectLocation,
    options: Arc<ConnectOptions>,
}

impl Connection {
    /// The URI connected to.
    pub fn uri(&self) -> &str {
        self.root.uri()
    }

    /// The names of the tables, sorted, a page at a time.
    pub async fn table_names(&self, page: TableNamesOptions) -> Result<Vec<String>> {
        let root = self.root.clone();
        on_io(async move {
            let children = shoal_io::list_children(&root).await?;
            let after = page.start_after.unwrap_or_default();
            let limit = page.limit.unwrap_or(usize::MAX);
            let candidates = children.into_iter().filter(|name| *name > after);
            futures::stream::iter(candidates)
                .map(|name| {
                    let location = root.child(&name);
                    async move { Ok::<_, Error>(holds_dataset(&location).await?.then_some(name)) }
                })
                .buffered(CHECKS_AT_ONCE)
                .try_filter_map(|name| async move { Ok(name) })
                .take(limit)
                .try_collect()
                .await
        })
        .await
    }

    /// Creates table `name` from `data` (rows, a reader, a stream, or an empty schema).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use arrow_array::{Int64Array, RecordBatch};
    /// # shoal_runtime::block_on(async {
    /// let db = shoal::connect("memory://docs/create", Default::default()).await?;
    /// let ids = Arc::new(Int64Array::from(vec![1, 2, 3]));
    /// let batch = RecordBatch::try_from_iter([("id", ids as _)])?;
    /// let table = db.create_table("numbers", batch, Default::default()).await?;
    /// assert_eq!(table.count_rows(None).await?, 3);
    /// # Ok::<_, shoal::Error>(())
    /// # }).unwrap().unwrap();
    /// ```
    pub async fn create_table(
        &self,
        name: &str,
        data: impl Into<TableData>,
        mode: CreateMode,
    ) -> Result<Table> {
        let options = CreateTableOptions {
            mode,
            ..Default::default()
        };
        self.create_table_with(name, data, options).await
    }

    /// Creates table `name` from `data`, with `options`: its mode and the embedding
    /// functions that make its vector columns from its text columns.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use arrow_array::{RecordBatch, StringArray};
    /// # use futures::TryStreamExt;
    /// use shoal::embedding::EmbeddingDefinition;
    /// # shoal_runtime::block_on(async {
    /// let db = shoal::connect("memory://docs/embed", Default::default()).await?;
    /// let texts = Arc::new(StringArray::from(vec!["a red fox", "a blue whale"]));
    /// let batch = RecordBatch::try_from_iter([("text", texts as _)])?;
    /// let hash = EmbeddingDefinition::new("text", "vector", "hash", serde_json::json!({"dim": 32}));
    /// let options = shoal::CreateTableOptions { embeddings: vec![hash], ..Default::default() };
    /// let table = db.create_table_with("docs", batch, options).await?;
    /// let hits: Vec<RecordBatch> = table.search_text("fox").limit(1).execute().await?.try_collect().await?;
    /// assert_eq!(hits[0].column_by_name("text").unwrap().len(), 1);
    /// # Ok::<_, shoal::Error>(())
    /// # }).unwrap().unwrap();
    /// ```
    pub async fn create_table_with(
        &self,
        name: &str,
        data: impl Into<TableData>,
        options: CreateTableOptions,
    ) -> Result<Table> {
        check_table_name(name)?;
        let location = self.root.child(name);
        let write = self.options.write.clone();
        create_at(location, name.to_string(), data.into(), options, write).await
    }

    /// Opens table `name` at its latest version.
    pub async fn open_table(&self, name: &str) -> Result<Table> {
        check_table_name(name)?;
        let location = self.root.child(name);
        let dataset = on_io(async move { Ok(Dataset::open_at(location).await?) })
            .await
            .map_err(|e| table_error(e, name))?;
        Ok(Table::new(
            name.to_string(),
            dataset,
            self.options.write.clone(),
        ))
    }

    /// Deletes table `name`: every version and file of it (files it did not make stay).
    pub async fn drop_table(&self, name: &str) -> Result<()> {
        check_table_name(name)?;
        let location = self.root.child(name);
        let table = name.to_string();
        on_io(async move {
            if !holds_dataset(&location).await? {
                return Err(not_found(&table, &location));
            }
            shoal_dataset::destroy_dataset(&location).await?;
            Ok(())
        })
        .await
    }

    /// Renames table `from` to `to`. On local disk the directory is renamed (atomic); on an
    /// object store the table's files are copied, manifests last, then deleted from the old
    /// name, so a failure part-way leaves the table readable under its old name.
    pub async fn rename_table(&self, from: &str, to: &str) -> Result<()> {
        check_table_name(from)?;
        check_table_name(to)?;
        let (source, target) = (self.root.child(from), self.root.child(to));
        let (from, to) = (from.to_string(), to.to_string());
        on_io(async move {
            if !holds_dataset(&source).await? {
                return Err(not_found(&from, &source));
            }
            if holds_dataset(&target).await? || !shoal_io::list(&target).await?.is_empty() {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "cannot rename '{from}' to '{to}': '{}' is not empty",
                        target.uri()
                    ),
                ));
            }
            match (source.local_path(), target.local_path()) {
                (Some(old), Some(new)) => rename_directory(&old, &new)?,
                _ => {
                    shoal_dataset::copy_dataset(&source, &target).await?;
                    shoal_dataset::destroy_dataset(&source).await?;
                }
            }
            Ok(())
        })
        .await
    }
}

/// Creates table `name` at `location` from `data` (see [`Connection::create_table_with`]).
pub(crate) async fn create_at(
    location: ObjectLocation,
    name: String,
    data: TableData,
    options: CreateTableOptions,
    write: WriteParams,
) -> Result<Table> {
    let CreateTableOptions { mode, embeddings } = options;
    let params = write.clone();
    let dataset = on_io(async move {
        let data = if embeddings.is_empty() {
            data
        } else {
            let embeddings = Embeddings::of(embeddings).await?;
            let schema = embeddings.table_schema(data.schema())?;
            embeddings.apply(data, &schema)?
        };
        if mode == CreateMode::ExistOk {
            if let Some(existing) = open_existing(&location).await? {
                return check_same_schema(existing, data.schema());
            }
        }
        let mode = match mode {
            CreateMode::Overwrite => WriteMode::Overwrite,
            CreateMode::Create | CreateMode::ExistOk => WriteMode::Create,
        };
        write_data(location, data, mode, params).await
    })
    .await
    .map_err(|e| table_error(e, &name))?;
    Ok(Table::new(name, dataset, write))
}

/// Whether a table lives at `location`.
async fn holds_dataset(location: &ObjectLocation) -> Result<bool> {
    Ok(shoal_dataset::dataset_exists(location).await?)
}

/// The latest version of the dataset at `location`, or `None` when there is none.
async fn open_existing(location: &ObjectLocation) -> Result<Option<Dataset>> {
    match Dataset::open_at(location.clone()).await {
        Ok(dataset) => Ok(Some(dataset)),
        Err(shoal_dataset::Error::DatasetNotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn check_same_schema(existing: Dataset, wanted: &arrow_schema::SchemaRef) -> Result<Dataset> {
    let differences = shoal_format::schema_differences(&existing.schema(), wanted);
    if differences.is_empty() {
        return Ok(existing);
    }
    Err(Error::invalid(format!(
        "table '{}' exists with another schema: {}",
        existing.uri(),
        differences.join("; ")
    )))
}

fn rename_directory(old: &std::path::Path, new: &std::path::Path) -> Result<()> {
    if let Some(parent) = new.parent() {
        std::fs::create_dir_all(parent).map_err(|e| rename_failed(old, new, e))?;
    }
    // An empty directory left by a dropped table may stand at the new name.
    let _ = std::fs::remove_dir(new);
    std::fs::rename(old, new).map_err(|e| rename_failed(old, new, e))
}

fn rename_failed(old: &std::path::Path, new: &std::path::Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Storage,
        format!(
            "cannot rename '{}' to '{}': {e}",
            old.display(),
            new.display()
        ),
    )
}

fn not_found(name: &str, location: &ObjectLocation) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("no table '{name}' (nothing at '{}')", location.uri()),
    )
}

/// A dataset's "no dataset" and "already exists" errors, said of the table.
fn table_error(error: Error, name: &str) -> Error {
    match error.kind() {
        ErrorKind::NotFound | ErrorKind::AlreadyExists => {
            Error::new(error.kind(), format!("table '{name}': {error}"))
        }
        _ => error,
    }
}
