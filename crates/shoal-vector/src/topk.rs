//! Bounded top-k selection of the nearest items: a max-heap of at most k entries whose top
//! is the worst kept item.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A kept item, ordered by `(distance, id)` with NaN after every number.
#[derive(Debug, Clone, Copy)]
struct Entry {
    distance: f32,
    id: u64,
}

impl Entry {
    /// Canonicalizes the distance so that `f32::total_cmp` gives the order we want: every
    /// NaN becomes the positive NaN (after +inf) and -0.0 becomes 0.0 (so they tie).
    fn new(distance: f32, id: u64) -> Self {
        let distance = if distance.is_nan() {
            f32::NAN
        } else {
            distance + 0.0
        };
        Self { distance, id }
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// The k nearest (smallest distance) of what is pushed, ties broken by smaller id; NaN
/// distances rank after every number. Keeps at most k items.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Entry>,
}

impl TopK {
    /// An empty selection of at most `k` items.
    pub fn new(k: usize) -> Self {
        // Cap the up-front allocation; a huge k only grows the heap as items arrive.
        Self {
            k,
            heap: BinaryHeap::with_capacity(k.min(4096)),
        }
    }

    /// The most items kept.
    pub fn k(&self) -> usize {
        self.k
    }

    /// How many items are kept now.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The distance an item must beat (be smaller, or equal with a smaller id) to enter:
    /// +inf while fewer than k items are kept, the worst kept distance once full (NaN if
    /// that is NaN, which any number beats), and -inf when k is 0 (nothing enters).
    pub fn threshold(&self) -> f32 {
        if self.heap.len() < self.k {
            f32::INFINITY
        } else {
            self.heap
                .peek()
                .map_or(f32::NEG_INFINITY, |worst| worst.distance)
        }
    }

    /// Offers one item.
    pub fn push(&mut self, distance: f32, id: u64) {
        let entry = Entry::new(distance, id);
        if self.heap.len() < self.k {
            self.heap.push(entry);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if entry < *worst {
                *worst = entry;
            }
        }
    }

    /// Offers `distances[i]` with id `id_of(i)` for every `i`. Items that cannot enter are
    /// rejected by one comparison with the threshold, without computing their id.
    pub fn push_slice(&mut self, distances: &[f32], id_of: impl Fn(usize) -> u64) {
        if self.k == 0 {
            return;
        }
        let mut threshold = self.threshold();
        for (i, &distance) in distances.iter().enumerate() {
            // A NaN threshold or distance falls through to the exact comparison in `push`.
            if distance > threshold {
                continue;
            }
            self.push(distance, id_of(i));
            threshold = self.threshold();
        }
    }

    /// Offers every item of `other`.
    pub fn merge(&mut self, mut other: TopK) {
        if other.heap.len() > self.heap.len() && other.k == self.k {
            std::mem::swap(self, &mut other);
        }
        for entry in other.heap {
            self.push(entry.distance, entry.id);
        }
    }

    /// The kept items, `(distance, id)`, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (f32, u64)> + '_ {
        self.heap.iter().map(|e| (e.distance, e.id))
    }

    /// The kept items, ascending by `(distance, id)`.
    pub fn into_sorted_vec(self) -> Vec<(f32, u64)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| (e.distance, e.id))
            .collect()
    }
}
