//! The read pipelines: a fragment opened ([`fragment`]: its data file and deletion vector,
//! live rows), a version's columns in one data file ([`columns`]: fields matched by id),
//! scans ([`scan`]: open, plan, fetch, decode), takes by offset or address ([`take`]), and
//! the live rows a filter matches ([`matches`]), where deletes, counts, updates and
//! prefiltered searches start.

pub(crate) mod columns;
pub(crate) mod fragment;
pub(crate) mod matches;
pub(crate) mod scan;
pub(crate) mod take;
