//! Turning a [`Query`] into the dataset layer's scan or vector search, checked before any
//! I/O (columns, filter, options), and running it.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use shoal_dataset::{Scanner, VectorSearch, ROW_ADDRESS_COLUMN};

use super::stream::QueryStream;
use super::{vector_column, Query, VectorQuery, DEFAULT_SEARCH_LIMIT};
use crate::background::on_io;
use crate::error::{Error, Result};
use crate::filter;

/// A query checked and translated, ready to run.
pub(super) enum Plan {
    Scan { scanner: Scanner, schema: SchemaRef },
    Search { search: VectorSearch, offset: usize },
}

impl Query {
    /// Runs the query and streams its rows; the stream's
    /// [`stats`](QueryStream::stats) say what each phase spent once it ends.
    pub async fn execute(self) -> Result<QueryStream> {
        let plan = self.with_text_embedded().await?.plan()?;
        on_io(async move {
            Ok(match plan {
                Plan::Scan { scanner, schema } => {
                    QueryStream::scan(scanner.stream().await?, schema)
                }
                Plan::Search { search, offset } => {
                    QueryStream::search(search.execute().await?, offset)?
                }
            })
        })
        .await
    }

    pub(super) fn plan(&self) -> Result<Plan> {
        let dataset = &self.dataset;
        let projection = dataset.projection(self.columns.as_deref())?;
        let filter = filter::parse(dataset, self.filter.as_deref())?;
        if let Some(vector) = &self.vector {
            if self.fragments.is_some() {
                return Err(Error::invalid(
                    "fragments() restricts scans only; a vector search covers every fragment",
                ));
            }
            return self.plan_search(vector, filter);
        }
        let mut schema = dataset.schema().project(&projection)?;
        if self.with_row_address {
            schema = with_field(
                schema,
                Field::new(ROW_ADDRESS_COLUMN, DataType::UInt64, false),
            );
        }
        let mut scanner = dataset
            .scan()
            .projection(projection)
            .offset(self.offset)
            .with_row_addresses(self.with_row_address);
        if let Some(limit) = self.limit {
            scanner = scanner.limit(limit);
        }
        if let Some(rows) = self.batch_size {
            if rows == 0 {
                return Err(Error::invalid("batch_size must be at least 1"));
            }
            scanner = scanner.batch_rows(rows);
        }
        if let Some(bytes) = self.budget_bytes {
            scanner = scanner.budget_bytes(bytes);
        }
        if let Some(filter) = filter {
            scanner = scanner.filter(filter);
        }
        if let Some(ids) = &self.fragments {
            scanner = scanner.fragments(ids.clone());
        }
        Ok(Plan::Scan {
            scanner,
            schema: Arc::new(schema),
        })
    }

    fn plan_search(
        &self,
        vector: &VectorQuery,
        filter: Option<Arc<dyn shoal_dataset::RowFilter>>,
    ) -> Result<Plan> {
        if vector.vector.is_empty() {
            return Err(Error::invalid(
                "vector search options were set but no query vector: call nearest_to(vector) or \
                 nearest_to_text(text)",
            ));
        }
        let column = vector_column(&self.dataset, vector.column.as_deref())?;
        let limit = self.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        let k = usize::try_from(limit.saturating_add(self.offset))
            .map_err(|_| Error::invalid("offset + limit is too large"))?;
        let mut search = self
            .dataset
            .search(&column, &vector.vector)
            .k(k)
            .with_row_addresses(self.with_row_address)
            .use_index(vector.use_index)
            .prefilter(vector.prefilter);
        if let Some(columns) = &self.columns {
            search = search.columns(columns);
        }
        if let Some(metric) = vector.metric {
            search = search.metric(metric);
        }
        if let Some(nprobes) = vector.nprobes {
            search = search.nprobes(nprobes);
        }
        if let Some(factor) = vector.refine_factor {
            search = search.refine_factor(factor);
        }
        if let Some(filter) = filter {
            search = search.filter(filter);
        }
        Ok(Plan::Search {
            search,
            offset: self.offset as usize,
        })
    }
}

fn with_field(schema: Schema, field: Field) -> Schema {
    let mut fields = schema.fields().to_vec();
    fields.push(Arc::new(field));
    Schema::new_with_metadata(fields, schema.metadata().clone())
}
