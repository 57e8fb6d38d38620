//! [`SqlSession`]: datasets registered as tables, and queries planned over them.

use std::sync::Arc;

use datafusion::common::TableReference;
use datafusion::execution::TaskContext;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::Statement;
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use shoal_dataset::{Dataset, Error, Result};

use crate::query::errors;
use crate::query::stream::SqlStream;
use crate::table::{ScanFailures, ShoalTable};

/// SQL queries over datasets, each registered under a table name (see the crate docs for
/// what a query may say).
///
/// ```no_run
/// # async fn example() -> shoal_dataset::Result<()> {
/// use futures::TryStreamExt;
///
/// let mut session = shoal_sql::SqlSession::new();
/// session.register("items", shoal_dataset::Dataset::open("/data/items").await?)?;
/// let batches: Vec<_> = session
///     .sql("SELECT category, count(*) FROM items GROUP BY category")
///     .await?
///     .try_collect()
///     .await?;
/// # Ok(())
/// # }
/// ```
pub struct SqlSession {
    context: SessionContext,
    tables: Vec<String>,
}

impl std::fmt::Debug for SqlSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlSession")
            .field("tables", &self.tables)
            .finish_non_exhaustive()
    }
}

impl Default for SqlSession {
    fn default() -> Self {
        Self::new()
    }
}

impl SqlSession {
    /// A session with no tables, whose queries scan in as many parallel partitions as the
    /// CPU pool has threads.
    pub fn new() -> Self {
        Self::with_target_partitions(shoal_runtime::config().cpu_threads)
    }

    /// A session with no tables, whose queries scan in up to `partitions` parallel
    /// partitions (at least 1).
    pub fn with_target_partitions(partitions: usize) -> Self {
        let config = SessionConfig::new().with_target_partitions(partitions.max(1));
        Self {
            context: SessionContext::new_with_config(config),
            tables: Vec::new(),
        }
    }

    /// Makes `dataset` (that version) a table named `name`, exactly as given: a name with
    /// capitals or other characters than letters, digits and `_` must be double-quoted in
    /// queries, as SQL has it.
    pub fn register(&mut self, name: &str, dataset: Dataset) -> Result<()> {
        if name.is_empty() {
            return Err(Error::InvalidArgument(
                "a table name cannot be empty".into(),
            ));
        }
        if self.tables.iter().any(|t| t == name) {
            return Err(Error::InvalidArgument(format!(
                "there is already a table named '{name}'"
            )));
        }
        self.context
            .register_table(
                TableReference::bare(name),
                Arc::new(ShoalTable::new(dataset)),
            )
            .map_err(|e| errors::invalid(&e))?;
        self.tables.push(name.to_string());
        Ok(())
    }

    /// The names of the tables registered, in order.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Parses and plans `query` (`SELECT`, `WITH`, `VALUES` or `EXPLAIN`), and starts it.
    /// What is wrong with the query (its syntax, a table, column or function that does not
    /// exist, types that do not mix) is an [`Error::InvalidQuery`] here, before any data is
    /// read; the stream reports what fails while it runs.
    pub async fn sql(&self, query: &str) -> Result<SqlStream> {
        let state = self.context.state();
        let dialect = state.config().options().sql_parser.dialect;
        let statement = state
            .sql_to_statement(query, &dialect)
            .map_err(|e| errors::invalid(&e))?;
        check_is_query(&statement)?;
        let references = state
            .resolve_table_references(&statement)
            .map_err(|e| errors::invalid(&e))?;
        for reference in references {
            if !self.tables.iter().any(|t| t == reference.table()) {
                return Err(Error::InvalidQuery {
                    reason: format!(
                        "no table '{reference}' (tables: {})",
                        match self.tables.is_empty() {
                            true => "none".to_string(),
                            false => self.tables.join(", "),
                        }
                    ),
                });
            }
        }
        let logical = state
            .statement_to_plan(statement)
            .await
            .map_err(|e| errors::invalid(&e))?;
        let physical = state
            .create_physical_plan(&logical)
            .await
            .map_err(|e| errors::invalid(&e))?;
        let failures = Arc::new(ScanFailures::default());
        let config = state.config().clone().with_extension(failures.clone());
        let context = TaskContext::from(&state).with_session_config(config);
        SqlStream::start(physical, Arc::new(context), failures)
    }
}

/// Refuses a statement that is not a query (a `CREATE`, `INSERT`, `SET`...): datasets
/// change through Shoal's own writes, and a session's tables only through
/// [`SqlSession::register`].
fn check_is_query(statement: &Statement) -> Result<()> {
    let is_query = match statement {
        Statement::Statement(s) => matches!(**s, SqlStatement::Query(_)),
        Statement::Explain(explain) => return check_is_query(&explain.statement),
        _ => false,
    };
    if is_query {
        return Ok(());
    }
    let text = statement.to_string();
    let verb = text.split_whitespace().next().unwrap_or_default();
    Err(Error::InvalidQuery {
        reason: format!("only queries run here (SELECT, WITH, VALUES, EXPLAIN), not {verb}"),
    })
}
