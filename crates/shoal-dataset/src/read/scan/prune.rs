//! Pruning: which row ranges of a fragment a filtered read can skip, decided from the
//! min/max statistics and null counts in the footer before any data is fetched. A column the
//! file lacks (added to the schema after the file was written) is all nulls.

use std::ops::Range;

use arrow_array::{new_null_array, Array, ArrayRef, UInt32Array, UInt64Array};
use arrow_ord::ord::make_comparator;
use arrow_schema::{DataType, SortOptions};
use arrow_select::concat::concat;
use arrow_select::take::take;
use shoal_format::{bound_as_array, ColumnMeta};

use crate::error::{Error, Result};
use crate::filter::{ColumnRangeStats, RangeStats, RowFilter};
use crate::read::fragment::OpenFragment;

/// Which of `ranges` (row positions in the fragment's data file) may hold a row matching
/// `filter`, and how many pages of the filter's columns lie wholly in ranges that cannot.
pub(crate) fn prune(
    fragment: &OpenFragment,
    filter: &dyn RowFilter,
    ranges: &[Range<u64>],
) -> Result<(Vec<bool>, u64)> {
    if ranges.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let meta = fragment.reader.metadata();
    let uri = fragment.reader.uri();
    let in_file = |c: usize| fragment.columns.in_file(c);
    let columns = filter
        .columns()
        .iter()
        .map(|&c| match in_file(c) {
            Some(f) => column_stats(&meta.columns[f], ranges).map_err(Error::format(uri)),
            None => Ok(null_stats(
                fragment.columns.schema().field(c).data_type(),
                ranges,
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let stats = RangeStats {
        columns,
        rows: ranges.iter().map(|r| r.end - r.start).collect(),
    };
    let keep = filter.may_match(&stats)?;
    if keep.len() != ranges.len() {
        return Err(Error::InvalidFilter {
            filter: filter.text().to_string(),
            reason: format!(
                "it answered for {} row ranges where {} were asked",
                keep.len(),
                ranges.len()
            ),
        });
    }
    let skipped: Vec<Range<u64>> = ranges
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .map(|(r, _)| r.clone())
        .collect();
    let pages = filter
        .columns()
        .iter()
        .filter_map(|&c| in_file(c))
        .map(|f| pages_within(&meta.columns[f], &skipped))
        .sum();
    Ok((keep, pages))
}

/// The statistics of one column over each of `ranges`: a range's bounds are those of the
/// pages it overlaps, unknown if one of them has values but no statistics.
fn column_stats(
    column: &ColumnMeta,
    ranges: &[Range<u64>],
) -> shoal_format::Result<ColumnRangeStats> {
    let dt = column.field.data_type();
    let bounds = |which: fn(&shoal_format::PageStats) -> &bytes::Bytes| {
        let arrays = column
            .pages
            .iter()
            .map(|p| match &p.stats {
                Some(stats) => bound_as_array(dt, which(stats)),
                None => Ok(new_null_array(dt, 1)),
            })
            .collect::<shoal_format::Result<Vec<ArrayRef>>>()?;
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        Ok::<_, shoal_format::FormatError>(concat(&refs)?)
    };
    let (mins, maxs) = (bounds(|s| &s.min)?, bounds(|s| &s.max)?);
    let smaller = make_comparator(mins.as_ref(), mins.as_ref(), SortOptions::default())?;
    let larger = make_comparator(maxs.as_ref(), maxs.as_ref(), SortOptions::default())?;
    let mut min_at = Vec::with_capacity(ranges.len());
    let mut max_at = Vec::with_capacity(ranges.len());
    let mut nulls = Vec::with_capacity(ranges.len());
    for range in ranges {
        let pages = column.page_of_row(range.start)..=column.page_of_row(range.end - 1);
        // Pages whose every value is null say nothing about the bounds.
        let valued: Vec<usize> = pages
            .clone()
            .filter(|&p| column.pages[p].nodes[0].null_count < column.pages[p].num_rows)
            .collect();
        let known = valued.iter().all(|&p| mins.is_valid(p) && maxs.is_valid(p));
        let pick = |better: &dyn Fn(usize, usize) -> bool| {
            valued
                .iter()
                .copied()
                .reduce(|a, b| if better(b, a) { b } else { a })
                .filter(|_| known)
                .map(|p| p as u32)
        };
        min_at.push(pick(&|b, a| smaller(b, a).is_lt()));
        max_at.push(pick(&|b, a| larger(b, a).is_gt()));
        nulls.push(range_nulls(column, pages, range));
    }
    Ok(ColumnRangeStats {
        min: take(mins.as_ref(), &UInt32Array::from(min_at), None)?,
        max: take(maxs.as_ref(), &UInt32Array::from(max_at), None)?,
        nulls: UInt64Array::from(nulls),
    })
}

/// The statistics of a column the file lacks over each of `ranges`: every value null.
fn null_stats(data_type: &DataType, ranges: &[Range<u64>]) -> ColumnRangeStats {
    ColumnRangeStats {
        min: new_null_array(data_type, ranges.len()),
        max: new_null_array(data_type, ranges.len()),
        nulls: ranges.iter().map(|r| r.end - r.start).collect(),
    }
}

/// Nulls of `column` in `range`: exact when the range covers whole pages or its pages are
/// all null or free of nulls; otherwise unknown (null), since a page's nulls may lie
/// outside the range.
fn range_nulls(
    column: &ColumnMeta,
    pages: std::ops::RangeInclusive<usize>,
    range: &Range<u64>,
) -> Option<u64> {
    let (first, last) = (*pages.start(), *pages.end());
    let whole = column.row_starts[first] == range.start && column.row_starts[last + 1] == range.end;
    let partial_without_nulls = pages
        .clone()
        .all(|p| column.pages[p].nodes[0].null_count == 0);
    if partial_without_nulls {
        return Some(0);
    }
    let page = |p: usize| &column.pages[p];
    if pages
        .clone()
        .all(|p| page(p).nodes[0].null_count == page(p).num_rows)
    {
        return Some(range.end - range.start);
    }
    whole.then(|| pages.map(|p| column.pages[p].nodes[0].null_count).sum())
}

/// Pages of `column` whose rows all lie in `skipped` (sorted, disjoint row ranges).
fn pages_within(column: &ColumnMeta, skipped: &[Range<u64>]) -> u64 {
    let covered = |start: u64, end: u64| {
        let mut at = start;
        for r in skipped {
            if r.start <= at && at < r.end {
                at = r.end;
            }
            if at >= end {
                return true;
            }
        }
        false
    };
    column
        .row_starts
        .windows(2)
        .filter(|w| w[1] > w[0] && covered(w[0], w[1]))
        .count() as u64
}
