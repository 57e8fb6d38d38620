//! Seeded random sampling of training rows.

use std::borrow::Cow;

use rand::rngs::StdRng;
use rand::SeedableRng;

/// At most `max_rows` distinct rows of `data` (row-major, `dim > 0` values a row), drawn
/// uniformly with `seed` and kept in their original order; borrows `data` when it has no
/// more rows than that.
pub(crate) fn sample_rows(data: &[f32], dim: usize, max_rows: usize, seed: u64) -> Cow<'_, [f32]> {
    let rows = data.len() / dim;
    if rows <= max_rows {
        return Cow::Borrowed(data);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut picked = rand::seq::index::sample(&mut rng, rows, max_rows).into_vec();
    picked.sort_unstable();
    let mut sample = Vec::with_capacity(max_rows * dim);
    for row in picked {
        sample.extend_from_slice(&data[row * dim..][..dim]);
    }
    Cow::Owned(sample)
}
