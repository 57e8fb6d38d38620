//! One fragment opened for reading: its data file and its deletion vector, and what they
//! mean together: which rows are live, where the k-th live row is, and batches of live rows.
//! Reads name the version's columns; [`FragmentPlan`] reads the file's columns they map to
//! (see `columns.rs`) and decodes into the version's fields.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use futures::stream::{self, BoxStream, StreamExt};
use roaring::RoaringBitmap;
use shoal_format::{Fetched, FormatError, ReadPlan};
use shoal_io::{ObjectLocation, ReadCost};

use crate::error::{Error, Result};
use crate::file::deletion;
use crate::file::file_reader::{row_chunks, FileReader};
use crate::read::columns::FileColumns;
use crate::version::manifest::{Fragment, Manifest};

/// Batches being fetched and decoded at once per fragment.
const READAHEAD: usize = 2;

/// A fragment ready to read.
#[derive(Debug, Clone)]
pub(crate) struct OpenFragment {
    pub fragment: Fragment,
    pub reader: FileReader,
    /// Deleted rows, by position in the data file.
    pub deleted: Option<Arc<RoaringBitmap>>,
    /// The columns of the version it was opened for, in the data file.
    pub columns: Arc<FileColumns>,
}

/// A read of some of the version's columns from one fragment's data file, planned.
#[derive(Debug, Clone)]
pub(crate) struct FragmentPlan {
    plan: ReadPlan,
    /// The version's columns read.
    projection: Vec<usize>,
    columns: Arc<FileColumns>,
}

impl FragmentPlan {
    /// The byte ranges and pages of the file to read.
    pub(crate) fn read_plan(&self) -> &ReadPlan {
        &self.plan
    }

    /// Decodes the fetched bytes into the version's columns (`uri` names the file in
    /// errors). CPU only.
    pub(crate) fn decode(&self, fetched: &Fetched, uri: &str) -> Result<RecordBatch> {
        let batch = self.plan.decode(fetched).map_err(Error::format(uri))?;
        self.columns.conform(&self.projection, batch)
    }
}

impl OpenFragment {
    /// Opens the data file and loads the deletion vector, concurrently, and checks that the
    /// file is the one the manifest describes; reads will name the columns of `manifest`.
    /// Returns what the reads cost too.
    pub(crate) async fn open(
        root: &ObjectLocation,
        manifest: &Manifest,
        fragment: &Fragment,
    ) -> Result<(Self, ReadCost)> {
        let location = root.child(&fragment.data.path);
        let ((reader, mut cost), (deleted, deletion_cost)) = futures::try_join!(
            FileReader::open_location_with_cost(location),
            deletion::load(root, fragment)
        )?;
        cost += deletion_cost;
        let (bytes, rows) = (reader.metadata().file_len, reader.num_rows());
        let columns = reader.schema().fields().len();
        let data = &fragment.data;
        if (bytes, rows, columns) != (data.size, data.rows, data.field_ids.len()) {
            return Err(Error::Format {
                uri: reader.uri().to_string(),
                error: FormatError::Corrupt(format!(
                    "the data file has {bytes} bytes, {rows} rows and {columns} columns, but \
                     the manifest says {} bytes, {} rows and {} columns: it was replaced or \
                     damaged",
                    data.size,
                    data.rows,
                    data.field_ids.len()
                )),
            });
        }
        let open = Self {
            fragment: fragment.clone(),
            reader,
            deleted,
            columns: Arc::new(Self::columns_of(manifest, fragment)),
        };
        Ok((open, cost))
    }

    fn columns_of(manifest: &Manifest, fragment: &Fragment) -> FileColumns {
        FileColumns::new(
            manifest.schema.clone(),
            &manifest.field_ids,
            &fragment.data.field_ids,
        )
    }

    /// This fragment, opened for another version (its reads name that version's columns).
    pub(crate) fn for_version(self: &Arc<Self>, manifest: &Manifest) -> Arc<Self> {
        if self.columns.is_for(&manifest.schema, &manifest.field_ids) {
            return self.clone();
        }
        Arc::new(Self {
            columns: Arc::new(Self::columns_of(manifest, &self.fragment)),
            ..(**self).clone()
        })
    }

    /// Plans reading rows `rows` of the version's columns `projection` (sync, no I/O).
    pub(crate) fn plan_rows(&self, projection: &[usize], rows: Range<u64>) -> Result<FragmentPlan> {
        let files = self.columns.file_projection(projection);
        Ok(self.planned(self.reader.plan_rows(&files, rows)?, projection))
    }

    /// Plans taking rows `rows` (positions in the data file, any order) of the version's
    /// columns `projection` (sync, no I/O).
    pub(crate) fn plan_take(&self, projection: &[usize], rows: &[u64]) -> Result<FragmentPlan> {
        let files = self.columns.file_projection(projection);
        Ok(self.planned(self.reader.plan_take(&files, rows)?, projection))
    }

    fn planned(&self, plan: ReadPlan, projection: &[usize]) -> FragmentPlan {
        FragmentPlan {
            plan,
            projection: projection.to_vec(),
            columns: self.columns.clone(),
        }
    }

    /// Fetches and decodes `plan`; decoding runs on the CPU pool.
    pub(crate) async fn read(&self, plan: FragmentPlan) -> Result<RecordBatch> {
        let fetched = self.reader.fetch(plan.read_plan()).await?;
        let uri = self.reader.uri().to_string();
        shoal_runtime::spawn_cpu(move || plan.decode(&fetched, &uri)).await?
    }

    /// About how much memory this keeps: the file's footer (or the whole file, when it was
    /// small enough to come in the first read) and the deletion vector.
    pub(crate) fn memory_size(&self) -> u64 {
        let meta = self.reader.metadata();
        let file = self.reader.whole_len().unwrap_or(meta.footer_len);
        let deleted = self
            .deleted
            .as_ref()
            .map_or(0, |d| d.serialized_size() as u64);
        file + deleted + 1024
    }

    /// Whether the row at `row` (position in the data file) is deleted.
    pub(crate) fn is_deleted(&self, row: u64) -> bool {
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        self.deleted.as_ref().is_some_and(|d| d.contains(row))
    }

    /// Position in the data file of the `live`-th live row (from 0). The caller ensures that
    /// `live < self.fragment.live_rows()`.
    pub(crate) fn physical_row(&self, live: u64) -> u64 {
        let Some(deleted) = &self.deleted else {
            return live;
        };
        // The smallest p with (live rows in 0..=p) > live; it is live itself.
        let (mut lo, mut hi) = (live, self.fragment.data.rows - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let live_through_mid = mid + 1 - deleted.rank(mid as u32);
            if live_through_mid > live {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// Streams every row (deleted ones included) of the columns `projection`, in batches of
    /// up to `batch_rows`, each with the position of its first row.
    pub(crate) fn stream_all(
        &self,
        projection: Vec<usize>,
        batch_rows: usize,
    ) -> BoxStream<'static, Result<(u64, RecordBatch)>> {
        let this = self.clone();
        stream::iter(row_chunks(0..self.fragment.data.rows, batch_rows))
            .map(move |chunk| {
                let (this, projection) = (this.clone(), projection.clone());
                async move {
                    let start = chunk.start;
                    let plan = this.plan_rows(&projection, chunk)?;
                    Ok((start, this.read(plan).await?))
                }
            })
            .buffered(READAHEAD)
            .boxed()
    }

    /// Streams the live rows of the columns `projection` in batches of up to `batch_rows`
    /// (fewer where rows are deleted; batches left empty are skipped).
    pub(crate) fn stream_live(
        &self,
        projection: Vec<usize>,
        batch_rows: usize,
    ) -> BoxStream<'static, Result<RecordBatch>> {
        let this = self.clone();
        self.stream_all(projection, batch_rows)
            .filter_map(move |item| {
                let live = item.and_then(|(start, batch)| this.drop_deleted(start, batch));
                // Batches left empty are skipped.
                futures::future::ready(match live {
                    Ok(batch) if batch.num_rows() == 0 => None,
                    other => Some(other),
                })
            })
            .boxed()
    }

    /// `batch` (rows from position `first` on) without the deleted rows.
    pub(crate) fn drop_deleted(&self, first: u64, batch: RecordBatch) -> Result<RecordBatch> {
        let Some(deleted) = &self.deleted else {
            return Ok(batch);
        };
        let end = first + batch.num_rows() as u64;
        if deleted.range_cardinality(first as u32..end as u32) == 0 {
            return Ok(batch);
        }
        let live: BooleanArray = (first..end)
            .map(|row| Some(!deleted.contains(row as u32)))
            .collect();
        Ok(arrow_select::filter::filter_record_batch(&batch, &live)?)
    }
}
