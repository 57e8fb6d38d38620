//! Writing a [`TableData`] into a dataset as one new version: create, append or overwrite.

use futures::StreamExt;
use shoal_dataset::{Dataset, DatasetWriter, WriteMode, WriteParams};
use shoal_io::ObjectLocation;

use crate::data::TableData;
use crate::error::Result;

/// Writes every batch of `data` to the dataset at `root` and commits; on any failure the
/// files written so far are deleted and nothing is committed.
pub(crate) async fn write_data(
    root: ObjectLocation,
    data: TableData,
    mode: WriteMode,
    params: WriteParams,
) -> Result<Dataset> {
    let schema = data.schema().clone();
    let mut writer = DatasetWriter::new_at(root, schema, mode, params).await?;
    let mut batches = data.into_stream();
    while let Some(batch) = batches.next().await {
        let written = match batch {
            Ok(batch) => writer.write(&batch).await.map_err(Into::into),
            Err(error) => Err(error),
        };
        if let Err(error) = written {
            // The first failure is the one to report; files an abort could not delete are
            // unreferenced and go with the next cleanup.
            let _ = writer.abort().await;
            return Err(error);
        }
    }
    Ok(writer.commit().await?)
}
