//! A dataset handle opened in a parent process keeps working in a child of `fork()` (as in
//! PyTorch DataLoader workers): the child's runtimes, CPU pool and object-store clients
//! (with their HTTP connection pools) are rebuilt on first use, in several children at once.
//! A hang fails the test.

mod support;

use std::time::Duration;

use shoal_dataset::{Dataset, WriteMode};
use shoal_runtime::block_on;
use shoal_runtime::testing::{in_forked_child, in_forked_children};
use support::{batch, ids, uris, write};

/// Every `id` of `ds`, read through the sync bridge as a blocking caller would.
fn read_ids(ds: &Dataset) -> Vec<i64> {
    block_on(async {
        let batches = ds
            .scan()
            .projection(vec![0, 1])
            .batch_rows(100)
            .collect()
            .await?;
        let taken = ds.take(&[0], &[0, 999]).await?;
        let mut got: Vec<i64> = batches.iter().flat_map(ids).collect();
        got.extend(ids(&taken));
        Ok::<_, shoal_dataset::Error>(got)
    })
    .expect("not inside an async context")
    .expect("the dataset reads")
}

#[test]
fn an_inherited_dataset_handle_works_in_a_forked_child() {
    let (_dir, uris) = uris("fork");
    for uri in uris.iter().filter(|u| !u.starts_with("memory://")) {
        let ds = block_on(async {
            write(uri, WriteMode::Create, &[batch(0, 1000)], 250).await?;
            Dataset::open(uri).await
        })
        .unwrap()
        .unwrap();
        // The parent reads first, so the child inherits runtimes, pools and (for S3) open
        // connections in use.
        let expected = read_ids(&ds);
        assert_eq!(expected.len(), 1002);
        let status = in_forked_child(Duration::from_secs(60), || read_ids(&ds) == expected);
        assert_eq!(status, 0, "the child could not read {uri}");
        // And the parent still can.
        assert_eq!(read_ids(&ds), expected);
    }
}

#[test]
fn two_forked_children_scan_the_parents_dataset_at_once() {
    let (_dir, uris) = uris("fork-two");
    for uri in uris.iter().filter(|u| !u.starts_with("memory://")) {
        let ds = block_on(async {
            write(uri, WriteMode::Create, &[batch(0, 4000)], 250).await?;
            Dataset::open(uri).await
        })
        .unwrap()
        .unwrap();
        let expected = read_ids(&ds);
        // Each child scans the whole dataset several times so that the two overlap.
        let statuses = in_forked_children(2, Duration::from_secs(60), |_| {
            (0..5).all(|_| read_ids(&ds) == expected)
        });
        assert_eq!(statuses, vec![0, 0], "a child could not read {uri}");
        assert_eq!(read_ids(&ds), expected);
    }
}

#[test]
fn forking_while_other_threads_use_the_caches_and_the_memory_registry_never_hangs_a_child() {
    let (_dir, uris) = uris("fork-busy");
    for uri in &uris {
        let ds = block_on(async {
            write(uri, WriteMode::Create, &[batch(0, 2000)], 50).await?;
            Dataset::open(uri).await
        })
        .unwrap()
        .unwrap();
        let expected = read_ids(&ds);
        // Two threads keep the session's caches busy (every scan looks up 40 fragments) and
        // one keeps registering in-memory stores, so that forks land while their locks are
        // taken; a lock inherited locked would hang the child.
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        assert_eq!(read_ids(&ds), expected);
                    }
                });
            }
            scope.spawn(|| {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let other = format!("memory://fork-busy-{n}/t");
                    shoal_io::resolve(&other).expect("a memory URI resolves");
                    n += 1;
                }
            });
            for _ in 0..20 {
                let status = in_forked_child(Duration::from_secs(60), || {
                    let reopened = block_on(Dataset::open(uri)).unwrap();
                    read_ids(&ds) == expected && read_ids(&reopened.unwrap()) == expected
                });
                assert_eq!(status, 0, "a child could not read {uri}");
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
}
