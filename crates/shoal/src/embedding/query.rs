//! The vector of a query text: the table's embedding function for the vector column asked
//! (or its only one) embeds it, on the function's own pool, with its retries.

use arrow_schema::Schema;

use super::columns::Embeddings;
use crate::background::on_io;
use crate::error::Result;

/// The vector column searched and the vector the embedding function that makes it gives
/// `text`, for a table of `schema`. `column` picks among several functions.
pub async fn embed_text(
    schema: &Schema,
    column: Option<&str>,
    text: &str,
) -> Result<(String, Vec<f32>)> {
    let (schema, column, text) = (schema.clone(), column.map(str::to_string), text.to_string());
    on_io(async move {
        let embeddings = Embeddings::of_schema(&schema).await?;
        let (definition, embedder) = embeddings.for_column(column.as_deref())?;
        let vector = embedder.embed_query(&text).await?;
        Ok((definition.vector_column.clone(), vector))
    })
    .await
}
