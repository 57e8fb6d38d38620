//! [`Query::explain`] and [`Query::analyze`]: how a query would run, and what it spent when
//! it ran, as text for a person.

use std::fmt::Write as _;

use futures::TryStreamExt;
use shoal_dataset::{PhaseStats, ScanStats, SearchStats};

use super::run::Plan;
use super::stream::QueryStats;
use super::{vector_column, Query};
use crate::background::on_io;
use crate::error::Result;

impl Query {
    /// How the query would run: for a scan, the fragments opened, pruned by statistics and
    /// the read tasks planned (opening the fragments is the only I/O); for a vector search,
    /// the column, distance, and whether an index serves it.
    pub async fn explain(&self) -> Result<String> {
        let mut text = format!(
            "{} of '{}' version {}",
            if self.vector.is_some() {
                "Vector search"
            } else {
                "Scan"
            },
            self.dataset.uri(),
            self.dataset.version()
        );
        let columns = match &self.columns {
            Some(columns) => columns.join(", "),
            None => "all".to_string(),
        };
        let _ = write!(text, "\n  columns: {columns}");
        if let Some(filter) = &self.filter {
            let _ = write!(text, "\n  filter: {filter}");
        }
        match self.with_text_embedded().await?.plan()? {
            Plan::Scan { scanner, .. } => {
                let plan = on_io(async move { Ok(scanner.plan().await?) }).await?;
                let stats = plan.stats();
                let bytes: u64 = plan.tasks().iter().map(|t| t.estimated_bytes()).sum();
                let _ = write!(
                    text,
                    "\n  read tasks: {} over {} fragments, about {} bytes\n  pruned by \
                     statistics: {} fragments",
                    plan.tasks().len(),
                    self.dataset.fragments().len(),
                    bytes,
                    stats.fragments_pruned,
                );
            }
            Plan::Search { .. } => self.explain_search(&mut text)?,
        }
        if self.offset > 0 || self.limit.is_some() {
            let limit = self.limit.map_or("none".to_string(), |l| l.to_string());
            let _ = write!(text, "\n  offset: {}, limit: {limit}", self.offset);
        }
        Ok(text)
    }

    fn explain_search(&self, text: &mut String) -> Result<()> {
        let Some(vector) = &self.vector else {
            return Ok(());
        };
        let column = vector_column(&self.dataset, vector.column.as_deref())?;
        let manifest = self.dataset.manifest();
        let field = manifest.schema.index_of(&column).ok();
        let index = field
            .and_then(|i| manifest.field_ids.get(i))
            .and_then(|id| manifest.indices.iter().find(|e| e.field_id == *id))
            .filter(|_| vector.use_index);
        let _ = write!(text, "\n  vector column: {column}");
        match index {
            Some(entry) => {
                let coverage = manifest.index_coverage(entry);
                let _ = write!(
                    text,
                    "\n  index: {} ({}), {} rows indexed, {} searched flat",
                    entry.name,
                    entry.kind.name(),
                    coverage.rows,
                    coverage.unindexed_rows
                );
            }
            None => {
                let _ = write!(text, "\n  flat: every vector is compared");
            }
        }
        if self.filter.is_some() {
            let when = if vector.prefilter { "before" } else { "after" };
            let _ = write!(text, "\n  filter applied {when} the search");
        }
        Ok(())
    }

    /// Runs the query, discarding its rows, and returns what each phase spent.
    pub async fn analyze(&self) -> Result<String> {
        let mut stream = self.clone().execute().await?;
        let mut rows = 0;
        while let Some(batch) = stream.try_next().await? {
            rows += batch.num_rows();
        }
        Ok(format!(
            "{}\n  rows: {rows}\n{}",
            self.explain().await?,
            stream.stats()
        ))
    }
}

impl std::fmt::Display for QueryStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryStats::Scan(stats) => write_scan(f, stats),
            QueryStats::Search(stats) => write_search(f, stats),
        }
    }
}

fn write_scan(f: &mut std::fmt::Formatter<'_>, s: &ScanStats) -> std::fmt::Result {
    writeln!(f, "  wall: {:.1} ms", ms(s.wall))?;
    phase(f, "open", &s.open)?;
    phase(f, "plan", &s.plan)?;
    phase(f, "fetch", &s.fetch)?;
    phase(f, "decode", &s.decode)?;
    write!(
        f,
        "  tasks: {}, batches: {}, pages pruned: {}, fragments pruned: {}, budget wait: {:.1} \
         ms, peak bytes in flight: {}",
        s.tasks,
        s.batches,
        s.pages_pruned,
        s.fragments_pruned,
        ms(s.budget_wait),
        s.peak_bytes_in_flight
    )
}

fn write_search(f: &mut std::fmt::Formatter<'_>, s: &SearchStats) -> std::fmt::Result {
    writeln!(f, "  wall: {:.1} ms", ms(s.wall))?;
    if let Some(index) = &s.index {
        writeln!(
            f,
            "  index {index}: {} partitions probed, {} codes scored, {} rows re-ranked",
            s.partitions_probed, s.codes_scored, s.refined_rows
        )?;
    }
    if let Some(rows) = s.filtered_rows {
        writeln!(f, "  rows through the filter: {rows}")?;
    }
    writeln!(
        f,
        "  flat: {} fragments ({} cached), compute {:.1} ms",
        s.flat_fragments,
        s.cached_fragments,
        ms(s.compute)
    )?;
    write!(
        f,
        "  materialize: {:.1} ms, {} rows taken",
        ms(s.materialize),
        s.taken_rows
    )
}

fn phase(f: &mut std::fmt::Formatter<'_>, name: &str, p: &PhaseStats) -> std::fmt::Result {
    writeln!(
        f,
        "  {name}: {:.1} ms, {} requests, {} bytes",
        ms(p.time),
        p.requests,
        p.bytes
    )
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
