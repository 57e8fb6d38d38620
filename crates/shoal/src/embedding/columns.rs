//! [`Embeddings`]: a table's embedding definitions with their embedders, and what they do
//! to rows being written — each vector column the rows lack is computed from its text
//! column, batch by batch, the next batch embedding while the writer encodes and uploads
//! the previous one.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, FieldRef, Schema, SchemaRef};
use futures::StreamExt;

use super::definition::{definitions_of, with_definitions, EmbeddingDefinition};
use super::embedder::Embedder;
use crate::background::on_io;
use crate::data::TableData;
use crate::error::{Error, Result};

/// Batches embedded ahead of the writer.
const EMBED_AHEAD: usize = 2;

/// The embedding definitions of a table, each with its embedder.
pub(crate) struct Embeddings {
    items: Vec<(EmbeddingDefinition, Arc<Embedder>)>,
}

impl Embeddings {
    /// The embedders of `definitions` (made on first use: a model may load now).
    pub(crate) async fn of(definitions: Vec<EmbeddingDefinition>) -> Result<Self> {
        let mut items = Vec::with_capacity(definitions.len());
        for definition in definitions {
            let embedder = Embedder::of(&definition).await?;
            items.push((definition, embedder));
        }
        Ok(Self { items })
    }

    /// The embeddings a table's schema defines.
    pub(crate) async fn of_schema(schema: &Schema) -> Result<Self> {
        Self::of(definitions_of(schema)?).await
    }

    /// The definition making `column` with its embedder, or the only one when `column` is
    /// `None`.
    pub(crate) fn for_column(
        &self,
        column: Option<&str>,
    ) -> Result<&(EmbeddingDefinition, Arc<Embedder>)> {
        let mut matching = self
            .items
            .iter()
            .filter(|(d, _)| column.is_none_or(|c| c == d.vector_column));
        match (matching.next(), matching.next()) {
            (Some(item), None) => Ok(item),
            (None, _) => Err(Error::invalid(match column {
                Some(column) => format!("no embedding function makes column '{column}'"),
                None => "the table has no embedding function to embed a query text with".into(),
            })),
            (Some(_), Some(_)) => Err(Error::invalid(
                "the table has several embedding functions; name the vector column to search \
                 with column()",
            )),
        }
    }

    /// The schema of a new table: `data`'s columns, each vector column it lacks appended,
    /// and the definitions in the metadata.
    pub(crate) fn table_schema(&self, data: &Schema) -> Result<SchemaRef> {
        let mut fields: Vec<FieldRef> = data.fields().to_vec();
        for (definition, embedder) in &self.items {
            check_source(data, definition)?;
            match data.field_with_name(&definition.vector_column) {
                Ok(given) if given.data_type() != embedder.field("v").data_type() => {
                    return Err(Error::invalid(format!(
                        "column '{}' is {}, but '{}' makes vectors of {}",
                        definition.vector_column,
                        given.data_type(),
                        embedder.name(),
                        embedder.dim()
                    )))
                }
                Ok(_) => {}
                Err(_) => fields.push(Arc::new(embedder.field(&definition.vector_column))),
            }
        }
        let definitions: Vec<EmbeddingDefinition> =
            self.items.iter().map(|(d, _)| d.clone()).collect();
        let metadata = with_definitions(data.metadata().clone(), &definitions);
        Ok(Arc::new(Schema::new_with_metadata(fields, metadata)))
    }

    /// `data` with the vector columns it lacks computed, in the column order of `target`
    /// (the table's schema) where its columns are exactly the table's. Rows whose embedding
    /// fails end the stream with the error, so the write commits nothing.
    pub(crate) fn apply(self, data: TableData, target: &SchemaRef) -> Result<TableData> {
        let Some(rows) = self.for_rows(data.schema(), target)? else {
            return Ok(data);
        };
        let rows = Arc::new(rows);
        let schema = rows.schema.clone();
        let batches = data
            .into_stream()
            .map(move |batch| {
                let rows = rows.clone();
                async move { rows.embed_here(batch?).await }
            })
            .buffered(EMBED_AHEAD);
        Ok(TableData::stream(schema, batches))
    }

    /// What computes the vector columns rows of `given` lack (`None`: they lack none).
    fn for_rows(self, given: &SchemaRef, target: &SchemaRef) -> Result<Option<RowEmbedder>> {
        let missing: Vec<(usize, Arc<Embedder>, Field)> = self
            .items
            .into_iter()
            .filter(|(d, _)| given.field_with_name(&d.vector_column).is_err())
            .map(|(d, embedder)| {
                check_source(given, &d)?;
                let source = given.index_of(&d.source_column)?;
                let field = target
                    .field_with_name(&d.vector_column)
                    .cloned()
                    .unwrap_or_else(|_| embedder.field(&d.vector_column));
                Ok((source, embedder, field))
            })
            .collect::<Result<_>>()?;
        if missing.is_empty() {
            return Ok(None);
        }
        let mut fields: Vec<FieldRef> = given.fields().to_vec();
        fields.extend(missing.iter().map(|(_, _, f)| Arc::new(f.clone())));
        let order = target_order(&fields, target);
        let fields: Vec<FieldRef> = match &order {
            Some(order) => order.iter().map(|&i| fields[i].clone()).collect(),
            None => fields,
        };
        let schema = Arc::new(Schema::new_with_metadata(fields, target.metadata().clone()));
        Ok(Some(RowEmbedder {
            missing,
            schema,
            order,
        }))
    }
}

/// Computes the vector columns a table's embedding functions make, one batch of rows at a
/// time, for callers that write batches themselves (the CLI's import).
#[derive(Clone)]
pub struct RowEmbedder {
    /// Each vector column computed: its text column's position, embedder and field.
    missing: Vec<(usize, Arc<Embedder>, Field)>,
    schema: SchemaRef,
    /// Positions of the output columns among the given ones and then the computed ones.
    order: Option<Vec<usize>>,
}

impl RowEmbedder {
    /// What makes the vector columns of `definitions` for rows of `schema` (which lack
    /// them); the functions are made now (a model may load). `None` when `definitions` is
    /// empty or the rows hold every vector column already.
    pub async fn new(
        definitions: Vec<EmbeddingDefinition>,
        schema: &SchemaRef,
    ) -> Result<Option<RowEmbedder>> {
        let (definitions, schema) = (definitions, schema.clone());
        on_io(async move {
            let embeddings = Embeddings::of(definitions).await?;
            let target = embeddings.table_schema(&schema)?;
            embeddings.for_rows(&schema, &target)
        })
        .await
    }

    /// The schema of the rows it returns: the given columns and the vector columns, with the
    /// definitions in the metadata.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// `batch` with its vector columns computed (a null text gets a null vector).
    pub async fn embed(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let rows = self.clone();
        on_io(async move { rows.embed_here(batch).await }).await
    }

    /// [`RowEmbedder::embed`], on the I/O runtime already.
    async fn embed_here(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        for (source, embedder, field) in &self.missing {
            let texts = batch.column(*source);
            columns.push(embedder.embed_column(texts, field.name()).await?);
        }
        if let Some(order) = &self.order {
            columns = order.iter().map(|&i| columns[i].clone()).collect();
        }
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

/// Positions in `fields` of `target`'s columns, in `target`'s order, when both hold the
/// same names.
fn target_order(fields: &[FieldRef], target: &Schema) -> Option<Vec<usize>> {
    if fields.len() != target.fields().len() {
        return None;
    }
    target
        .fields()
        .iter()
        .map(|t| fields.iter().position(|f| f.name() == t.name()))
        .collect()
}

/// Refuses a definition whose text column is not in `schema` or not a string column.
fn check_source(schema: &Schema, definition: &EmbeddingDefinition) -> Result<()> {
    let field = schema
        .field_with_name(&definition.source_column)
        .map_err(|_| {
            Error::invalid(format!(
                "embedding function '{}' reads column '{}', which the rows lack",
                definition.function, definition.source_column
            ))
        })?;
    match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(()),
        other => Err(Error::invalid(format!(
            "embedding function '{}' reads column '{}', which is {other}, not text",
            definition.function, definition.source_column
        ))),
    }
}
