//! The text form of a vector query: [`Query::nearest_to_text`] names a text, which the
//! table's embedding function turns into the query vector when the query runs.

use super::Query;
use crate::embedding::embed_text;
use crate::error::Result;

impl Query {
    /// Makes this a vector query for the vector the table's
    /// [embedding function](crate::embedding) makes of `text`; the text is embedded when
    /// the query runs, on the function's own pool, with its retries.
    pub fn nearest_to_text(self, text: &str) -> Self {
        let text = text.to_string();
        self.vector_option(|v| v.text = Some(text))
    }

    /// This query with its text embedded into its vector and its column set to the one the
    /// function makes (a copy of it when it has no text).
    pub(super) async fn with_text_embedded(&self) -> Result<Query> {
        let mut query = self.clone();
        let Some(vector) = query.vector.as_mut() else {
            return Ok(query);
        };
        let Some(text) = vector.text.take() else {
            return Ok(query);
        };
        let schema = self.dataset.schema();
        let (column, embedded) = embed_text(&schema, vector.column.as_deref(), &text).await?;
        vector.column = Some(column);
        vector.vector = embedded;
        Ok(query)
    }
}
