//! Writing a stream of batches as a sequence of new data files of at most a given number of
//! rows each: what an append and a compaction both do before they commit.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use shoal_format::WriteOptions;
use shoal_io::ObjectLocation;

use crate::error::Result;
use crate::file::file_writer::FileWriter;
use crate::version::commit::discard;
use crate::version::layout;
use crate::version::manifest::DataFile;

/// Row positions in a fragment are 32-bit (row addresses and deletion vectors rely on it).
pub(crate) const MAX_ROWS_PER_FILE: u64 = u32::MAX as u64;

/// Rolls batches over into new data files under a dataset root.
pub(crate) struct DataFilesWriter {
    root: ObjectLocation,
    schema: SchemaRef,
    /// The id of each field of `schema`, recorded for every file.
    field_ids: Vec<u32>,
    options: WriteOptions,
    max_rows_per_file: u64,
    current: Option<(FileWriter, String)>,
    files: Vec<DataFile>,
}

impl DataFilesWriter {
    /// A writer of files of `schema` (whose fields have the ids `field_ids`), each of
    /// `max_rows_per_file` rows at most (at least 1; more than [`MAX_ROWS_PER_FILE`] means
    /// that many).
    pub(crate) fn new(
        root: ObjectLocation,
        schema: SchemaRef,
        field_ids: Vec<u32>,
        options: WriteOptions,
        max_rows_per_file: u64,
    ) -> Self {
        debug_assert!(max_rows_per_file >= 1, "callers check the parameter");
        debug_assert_eq!(field_ids.len(), schema.fields().len());
        Self {
            root,
            schema,
            field_ids,
            options,
            max_rows_per_file: max_rows_per_file.min(MAX_ROWS_PER_FILE),
            current: None,
            files: Vec::new(),
        }
    }

    /// Writes a batch, starting new data files as they fill up.
    pub(crate) async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let (writer, _) = match &mut self.current {
                Some(current) => current,
                None => {
                    let path = layout::new_data_file();
                    let writer = FileWriter::create_at(
                        self.root.child(&path),
                        self.schema.clone(),
                        self.options.clone(),
                    )?;
                    self.current.insert((writer, path))
                }
            };
            let room = (self.max_rows_per_file - writer.num_rows()) as usize;
            let rows = room.min(batch.num_rows() - offset);
            writer.write(&batch.slice(offset, rows)).await?;
            offset += rows;
            if writer.num_rows() >= self.max_rows_per_file {
                self.finish_current().await?;
            }
        }
        Ok(())
    }

    async fn finish_current(&mut self) -> Result<()> {
        if let Some((writer, path)) = self.current.take() {
            let written = writer.finish().await?;
            self.files.push(DataFile {
                path,
                size: written.bytes,
                rows: written.rows,
                field_ids: self.field_ids.clone(),
            });
        }
        Ok(())
    }

    /// Finishes the last file and returns every file written.
    pub(crate) async fn finish(mut self) -> Result<Vec<DataFile>> {
        self.finish_current().await?;
        Ok(self.files)
    }

    /// Abandons the write: the file being written is aborted and the finished ones are
    /// deleted (best effort: any left behind are referenced by no version, and `cleanup`
    /// removes them).
    pub(crate) async fn abort(mut self) -> Result<()> {
        let finished: Vec<String> = self.files.iter().map(|f| f.path.clone()).collect();
        discard(&self.root, &finished).await;
        if let Some((writer, _)) = self.current.take() {
            writer.abort().await?;
        }
        Ok(())
    }
}
