//! Coalescing: nearby byte ranges become one request, when the gap between them costs less
//! than another round trip would.

use std::ops::Range;

/// One request and the wanted ranges it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub range: Range<u64>,
    /// Indices (into the caller's list) of the ranges this request covers.
    pub serves: Vec<usize>,
}

/// Groups `ranges` (any order, overlaps allowed; empty ones are left out) into requests:
/// sorted by start, a range joins the current request when the gap before it is at most
/// `gap` bytes and the request stays within `max_request` bytes (a single range larger than
/// that is still one request).
pub(crate) fn coalesce(ranges: &[Range<u64>], gap: u64, max_request: u64) -> Vec<Request> {
    let mut order: Vec<usize> = (0..ranges.len())
        .filter(|&i| ranges[i].start < ranges[i].end)
        .collect();
    order.sort_by_key(|&i| (ranges[i].start, ranges[i].end));
    let mut requests: Vec<Request> = Vec::new();
    for i in order {
        let r = &ranges[i];
        if let Some(last) = requests.last_mut() {
            let end = last.range.end.max(r.end);
            let near = r.start <= last.range.end.saturating_add(gap);
            if near && end - last.range.start <= max_request.max(r.end - r.start) {
                last.range.end = end;
                last.serves.push(i);
                continue;
            }
        }
        requests.push(Request {
            range: r.clone(),
            serves: vec![i],
        });
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_ranges_merge_far_ones_do_not() {
        let ranges = [100..200, 0..50, 210..300, 10_000..10_100, 60..70, 5..5];
        let requests = coalesce(&ranges, 16, 1 << 20);
        assert_eq!(
            requests,
            vec![
                Request {
                    range: 0..70,
                    serves: vec![1, 4]
                },
                Request {
                    range: 100..300,
                    serves: vec![0, 2]
                },
                Request {
                    range: 10_000..10_100,
                    serves: vec![3]
                },
            ]
        );
    }

    #[test]
    fn requests_stay_within_the_size_cap_and_overlaps_are_covered() {
        let ranges = [0..60, 50..120, 120..200, 200..260];
        let requests = coalesce(&ranges, 0, 128);
        let covered: Vec<Range<u64>> = requests.iter().map(|r| r.range.clone()).collect();
        assert_eq!(covered, vec![0..120, 120..200, 200..260]);
        // One range above the cap is still one request.
        let big = 0..1000;
        assert_eq!(coalesce(std::slice::from_ref(&big), 0, 10)[0].range, big);
    }
}
