//! Top-k selection against a full sort.

mod common;

use rand::seq::SliceRandom;
use rand::Rng;
use shoal_vector::TopK;

/// Random items with many duplicate distances and distinct ids.
fn items(seed: u64, n: usize) -> Vec<(f32, u64)> {
    let mut rng = common::rng(seed);
    let mut ids: Vec<u64> = (0..n as u64).map(|i| i * 7 + 3).collect();
    ids.shuffle(&mut rng);
    ids.into_iter()
        .map(|id| (rng.gen_range(0..20) as f32 - 5.0, id))
        .collect()
}

fn sorted_prefix(mut items: Vec<(f32, u64)>, k: usize) -> Vec<(f32, u64)> {
    items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    items.truncate(k);
    items
}

#[test]
fn equals_a_full_sort_with_ties_by_id() {
    let all = items(1, 1000);
    for k in [0, 1, 2, 10, 99, 1000, 5000] {
        let mut top = TopK::new(k);
        for &(d, id) in &all {
            top.push(d, id);
        }
        assert_eq!(top.len(), k.min(all.len()));
        assert_eq!(top.k(), k);
        assert_eq!(
            top.into_sorted_vec(),
            sorted_prefix(all.clone(), k),
            "k = {k}"
        );
    }
}

#[test]
fn push_slice_equals_push() {
    let all = items(2, 2000);
    let distances: Vec<f32> = all.iter().map(|x| x.0).collect();
    for k in [0, 1, 7, 100] {
        let mut top = TopK::new(k);
        top.push_slice(&distances, |i| all[i].1);
        assert_eq!(top.into_sorted_vec(), sorted_prefix(all.clone(), k));
    }
}

#[test]
fn merge_of_halves_equals_one_over_all() {
    let all = items(3, 1500);
    let (left, right) = all.split_at(600);
    for k in [0, 5, 50, 1000] {
        let (mut a, mut b) = (TopK::new(k), TopK::new(k));
        left.iter().for_each(|&(d, id)| a.push(d, id));
        right.iter().for_each(|&(d, id)| b.push(d, id));
        a.merge(b);
        assert_eq!(a.into_sorted_vec(), sorted_prefix(all.clone(), k));
    }
}

#[test]
fn nan_ranks_after_every_number() {
    let mut top = TopK::new(3);
    top.push(f32::NAN, 0);
    top.push(f32::INFINITY, 1);
    top.push(-f32::NAN, 2);
    assert!(top.threshold().is_nan());
    top.push_slice(&[5.0, f32::NAN], |i| 10 + i as u64);
    let sorted = top.into_sorted_vec();
    assert_eq!(sorted[0], (5.0, 10));
    assert_eq!(sorted[1], (f32::INFINITY, 1));
    assert!(sorted[2].0.is_nan());
    assert_eq!(sorted[2].1, 0);
}

#[test]
fn negative_zero_ties_with_zero() {
    let mut top = TopK::new(1);
    top.push(0.0, 5);
    top.push(-0.0, 9);
    top.push(-0.0, 2);
    assert_eq!(top.into_sorted_vec(), vec![(0.0, 2)]);
}

#[test]
fn threshold_tracks_the_worst_kept() {
    let mut top = TopK::new(2);
    assert!(top.is_empty());
    assert_eq!(top.threshold(), f32::INFINITY);
    top.push(3.0, 1);
    assert_eq!(top.threshold(), f32::INFINITY);
    top.push(1.0, 2);
    assert_eq!(top.threshold(), 3.0);
    top.push(2.0, 3);
    assert_eq!(top.threshold(), 2.0);
    assert_eq!(TopK::new(0).threshold(), f32::NEG_INFINITY);
}

#[test]
fn k_zero_keeps_nothing() {
    let mut top = TopK::new(0);
    top.push(1.0, 1);
    top.push_slice(&[0.0, -1.0], |i| i as u64);
    top.merge({
        let mut other = TopK::new(3);
        other.push(0.5, 4);
        other
    });
    assert!(top.is_empty());
    assert!(top.into_sorted_vec().is_empty());
}
