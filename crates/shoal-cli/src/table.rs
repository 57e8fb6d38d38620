//! Renders record batches as terminal tables, cutting long values (vectors, long text) so
//! that a row stays readable.

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::{presets, Table};

/// Formats `batches` as a table whose cells hold at most `max_width` characters.
pub fn render(batches: &[RecordBatch], max_width: usize) -> anyhow::Result<String> {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    let Some(first) = batches.first() else {
        return Ok(String::from("(no rows)"));
    };
    table.set_header(first.schema().fields().iter().map(|f| f.name().clone()));
    let options = FormatOptions::default().with_null("null");
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            table.add_row(
                formatters
                    .iter()
                    .map(|f| cut(f.value(row).to_string(), max_width)),
            );
        }
    }
    Ok(table.to_string())
}

/// Cuts `s` to at most `max_width` characters, marking the cut with an ellipsis.
pub fn cut(s: String, max_width: usize) -> String {
    if s.chars().count() <= max_width {
        return s;
    }
    let mut out: String = s.chars().take(max_width.saturating_sub(1)).collect();
    out.push('…');
    out
}
