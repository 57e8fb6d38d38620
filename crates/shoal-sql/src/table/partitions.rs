//! A scan's fragments split into the partitions DataFusion runs in parallel: contiguous
//! groups of about the same number of live rows.

use shoal_dataset::Fragment;

/// The fragments one partition scans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Partition {
    /// Fragment ids, in manifest order.
    pub(crate) ids: Vec<u64>,
    /// Their live rows.
    pub(crate) rows: u64,
}

/// `fragments` in at most `target` groups (at least one, empty when there are no
/// fragments), each closed once the rows so far reach its share of the total.
pub(crate) fn split(fragments: &[Fragment], target: usize) -> Vec<Partition> {
    let groups = target.clamp(1, fragments.len().max(1));
    let total: u128 = fragments.iter().map(|f| u128::from(f.live_rows())).sum();
    let mut partitions = Vec::with_capacity(groups);
    let mut current = Partition::default();
    let mut so_far: u128 = 0;
    for (i, fragment) in fragments.iter().enumerate() {
        current.ids.push(fragment.id);
        current.rows += fragment.live_rows();
        so_far += u128::from(fragment.live_rows());
        let groups_left = groups - partitions.len() - 1;
        let fragments_left = fragments.len() - i - 1;
        let share_reached = so_far * groups as u128 >= total * (partitions.len() as u128 + 1);
        if groups_left > 0 && (share_reached || fragments_left == groups_left) {
            partitions.push(std::mem::take(&mut current));
        }
    }
    partitions.push(current);
    partitions
}

#[cfg(test)]
mod tests {
    use shoal_dataset::{DataFile, DeletionFile};

    use super::*;

    fn fragment(id: u64, rows: u64, deleted: u64) -> Fragment {
        Fragment {
            id,
            data: DataFile {
                path: format!("data/{id}.shoal"),
                size: 0,
                rows,
                field_ids: vec![0],
            },
            deletion: (deleted > 0).then(|| DeletionFile {
                path: format!("_deletions/{id}.del"),
                deleted_rows: deleted,
            }),
        }
    }

    fn ids(partitions: &[Partition]) -> Vec<Vec<u64>> {
        partitions.iter().map(|p| p.ids.clone()).collect()
    }

    #[test]
    fn groups_are_contiguous_and_balanced_by_live_rows() {
        let fragments: Vec<_> = (0..6).map(|i| fragment(i, 100, 0)).collect();
        assert_eq!(ids(&split(&fragments, 3)), [[0, 1], [2, 3], [4, 5]]);
        // Fragment 0 holds most live rows: it is a group of its own.
        let fragments = [
            fragment(0, 1000, 0),
            fragment(1, 1000, 900),
            fragment(2, 100, 0),
            fragment(3, 100, 0),
        ];
        let parts = split(&fragments, 2);
        assert_eq!(ids(&parts), [vec![0], vec![1, 2, 3]]);
        assert_eq!(
            parts.iter().map(|p| p.rows).collect::<Vec<_>>(),
            [1000, 300]
        );
    }

    #[test]
    fn every_group_gets_a_fragment_and_none_is_lost() {
        let fragments = [fragment(7, 10, 0), fragment(8, 0, 0), fragment(9, 0, 0)];
        assert_eq!(ids(&split(&fragments, 3)), [[7], [8], [9]]);
        assert_eq!(ids(&split(&fragments, 8)), [[7], [8], [9]]);
        assert_eq!(ids(&split(&fragments, 1)), [vec![7, 8, 9]]);
        assert_eq!(ids(&split(&[], 4)), [Vec::<u64>::new()]);
    }
}
