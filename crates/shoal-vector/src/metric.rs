//! The distance metrics and their names.

use std::fmt;
use std::str::FromStr;

use crate::error::{invalid, VectorError};

/// How vectors are compared. Every metric is a distance: smaller is nearer.
///
/// * `L2`: squared Euclidean distance, `|q - v|^2`.
/// * `Cosine`: `1 - q.v / (|q| |v|)`; `1.0` if either norm is zero.
/// * `Dot`: negated dot product, `-q.v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Squared Euclidean distance.
    L2,
    /// One minus the cosine similarity.
    Cosine,
    /// Negated dot product.
    Dot,
}

impl Metric {
    /// Every metric, in the order of their names in error messages.
    pub const ALL: [Metric; 3] = [Metric::L2, Metric::Cosine, Metric::Dot];

    /// The lowercase name: `"l2"`, `"cosine"` or `"dot"`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::L2 => "l2",
            Metric::Cosine => "cosine",
            Metric::Dot => "dot",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = VectorError;

    /// Parses a metric name, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                invalid(format!(
                    "unknown metric {s:?}; expected one of: l2, cosine, dot"
                ))
            })
    }
}
