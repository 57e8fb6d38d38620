//! Read planning: from a projection and a row range or a list of rows, to byte ranges and
//! then to a `RecordBatch`.
//!
//! A [`ReadPlan`] is pure data. The caller loops: ask [`ReadPlan::missing_ranges`] what is
//! still needed, read those bytes (however it likes: coalesced, concurrent, from any store)
//! into a [`Fetched`], and repeat until nothing is missing; then [`ReadPlan::decode`] builds
//! the batch on whatever thread it chooses. A row-range plan needs one round; a take may need
//! two (offsets of variable-length values first, then their bytes).

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::{Field, SchemaRef};
use arrow_select::concat::concat;
use arrow_select::take::take;

use crate::error::{FormatError, Result};
use crate::fetched::{merge_ranges, Fetched};
use crate::metadata::{ColumnMeta, FileMetadata};
use crate::page_decode::read_page;
use crate::storage::{from_storage, storage_type};
use crate::take::PageTake;

/// What to read from one file and how to assemble it.
#[derive(Debug, Clone)]
pub struct ReadPlan {
    meta: Arc<FileMetadata>,
    schema: SchemaRef,
    columns: Vec<ColumnPlan>,
    num_rows: usize,
    /// For takes whose rows were not strictly increasing: output row -> decoded row.
    order: Option<UInt32Array>,
    /// Whether whole pages are checked against their crc32c before decoding.
    verify_checksums: bool,
}

#[derive(Debug, Clone)]
enum ColumnPlan {
    /// Rows `rows` of column `column`, read page by page.
    Range { column: usize, rows: Range<u64> },
    /// Selected rows of column `column`, grouped by page.
    Take { column: usize, pages: Vec<PageTake> },
}

impl ReadPlan {
    /// Plans reading rows `rows` of the columns `projection` (indices into the schema).
    pub fn rows(meta: &Arc<FileMetadata>, projection: &[usize], rows: Range<u64>) -> Result<Self> {
        let schema = project(meta, projection)?;
        if rows.end > meta.num_rows || rows.start > rows.end {
            return Err(FormatError::RowOutOfBounds {
                row: rows.end.max(rows.start),
                num_rows: meta.num_rows,
            });
        }
        let columns = projection
            .iter()
            .map(|&column| ColumnPlan::Range {
                column,
                rows: rows.clone(),
            })
            .collect();
        Ok(Self {
            meta: meta.clone(),
            schema,
            columns,
            num_rows: (rows.end - rows.start) as usize,
            order: None,
            verify_checksums: true,
        })
    }

    /// Plans taking the rows `rows` (in any order, repeats allowed) of the columns
    /// `projection`. The batch has one row per entry of `rows`, in that order.
    pub fn take(meta: &Arc<FileMetadata>, projection: &[usize], rows: &[u64]) -> Result<Self> {
        let schema = project(meta, projection)?;
        if let Some(&row) = rows.iter().find(|r| **r >= meta.num_rows) {
            return Err(FormatError::RowOutOfBounds {
                row,
                num_rows: meta.num_rows,
            });
        }
        let increasing = rows.windows(2).all(|w| w[0] < w[1]);
        let (unique, order) = if increasing {
            (rows.to_vec(), None)
        } else {
            let mut unique = rows.to_vec();
            unique.sort_unstable();
            unique.dedup();
            let order: UInt32Array = rows
                .iter()
                .map(|r| unique.partition_point(|u| u < r) as u32)
                .collect();
            (unique, Some(order))
        };
        let columns = projection
            .iter()
            .map(|&column| ColumnPlan::Take {
                column,
                pages: PageTake::group(&meta.columns[column], &unique),
            })
            .collect();
        Ok(Self {
            meta: meta.clone(),
            schema,
            columns,
            num_rows: rows.len(),
            order,
            verify_checksums: true,
        })
    }

    /// Turns page checksum verification on (the default) or off. Off saves a pass over the
    /// bytes on trusted storage; decoding still validates everything, so corrupt pages still
    /// fail with an error, only a less precise one. Rows read one by one (random access to
    /// uncompressed pages) are never covered by a page checksum.
    pub fn verify_checksums(mut self, verify: bool) -> Self {
        self.verify_checksums = verify;
        self
    }

    /// The schema of the batch this plan decodes to.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Rows of the batch this plan decodes to.
    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    /// About how many bytes the decoded batch takes: each column's plain (uncompressed)
    /// bytes per row in the file, times the rows read. For sizing memory budgets.
    pub fn decoded_bytes_estimate(&self) -> u64 {
        let file_rows = self.meta.num_rows.max(1) as f64;
        self.columns
            .iter()
            .map(|plan| {
                let column = match plan {
                    ColumnPlan::Range { column, .. } | ColumnPlan::Take { column, .. } => *column,
                };
                let per_row = self.meta.columns[column].plain_bytes() as f64 / file_rows;
                (per_row * self.num_rows as f64).ceil() as u64
            })
            .sum()
    }

    /// Byte ranges still needed before [`ReadPlan::decode`] can run, sorted and merged.
    /// Empty when everything is in `fetched`.
    pub fn missing_ranges(&self, fetched: &Fetched) -> Result<Vec<Range<u64>>> {
        let mut wanted = Vec::new();
        for plan in &self.columns {
            match plan {
                ColumnPlan::Range { column, rows } => {
                    let col = &self.meta.columns[*column];
                    wanted.extend(pages_overlapping(col, rows).map(|p| col.pages[p].byte_range()));
                }
                ColumnPlan::Take { column, pages } => {
                    let col = &self.meta.columns[*column];
                    for page in pages {
                        page.ranges(col, fetched, &mut wanted)?;
                    }
                }
            }
        }
        wanted.retain(|r| !fetched.contains(r));
        Ok(merge_ranges(wanted))
    }

    /// Builds the batch from the fetched bytes. CPU only: no I/O.
    pub fn decode(&self, fetched: &Fetched) -> Result<RecordBatch> {
        let mut arrays = Vec::with_capacity(self.columns.len());
        for plan in &self.columns {
            let pieces = match plan {
                ColumnPlan::Range { column, rows } => {
                    let col = &self.meta.columns[*column];
                    let mut pieces = Vec::new();
                    for p in pages_overlapping(col, rows) {
                        let array = read_page(col, p, fetched, self.verify_checksums)?;
                        let page_start = col.row_starts[p];
                        let from = rows.start.max(page_start) - page_start;
                        let to = rows.end.min(col.row_starts[p + 1]) - page_start;
                        pieces.push(array.slice(from as usize, (to - from) as usize));
                    }
                    pieces
                }
                ColumnPlan::Take { column, pages } => {
                    let col = &self.meta.columns[*column];
                    pages
                        .iter()
                        .map(|page| page.decode(col, fetched, self.verify_checksums))
                        .collect::<Result<Vec<_>>>()?
                }
            };
            let field = self.schema.field(arrays.len());
            let array = from_storage(concat_pieces(field, pieces)?, field.data_type())?;
            arrays.push(match &self.order {
                Some(order) => take(array.as_ref(), order, None)?,
                None => array,
            });
        }
        let options = RecordBatchOptions::new().with_row_count(Some(self.num_rows));
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &options,
        )?)
    }
}

fn project(meta: &FileMetadata, projection: &[usize]) -> Result<SchemaRef> {
    let num_columns = meta.columns.len();
    if let Some(&index) = projection.iter().find(|i| **i >= num_columns) {
        return Err(FormatError::ColumnOutOfBounds { index, num_columns });
    }
    Ok(Arc::new(meta.schema.project(projection)?))
}

/// Pages of `col` that hold any of `rows`.
fn pages_overlapping<'a>(
    col: &'a ColumnMeta,
    rows: &Range<u64>,
) -> impl Iterator<Item = usize> + 'a {
    let first = if rows.start < rows.end {
        col.page_of_row(rows.start)
    } else {
        col.pages.len()
    };
    let end = rows.end;
    (first..col.pages.len()).take_while(move |p| col.row_starts[*p] < end)
}

/// The pieces of one column (in its storage type) as one array.
fn concat_pieces(field: &Field, pieces: Vec<ArrayRef>) -> Result<ArrayRef> {
    if pieces.len() == 1 {
        return Ok(pieces.into_iter().next().unwrap_or_else(|| unreachable!()));
    }
    if pieces.is_empty() {
        return Ok(arrow_array::new_empty_array(&storage_type(
            field.data_type(),
        )));
    }
    let refs: Vec<&dyn Array> = pieces.iter().map(|a| a.as_ref()).collect();
    Ok(concat(&refs)?)
}
