//! The read pipeline: the scan's options (projection, fragments, offset and limit, batch
//! size, order) on live rows only; scan and take phases used one by one; errors at the await
//! that opens; the session's metadata cache; and the byte budget, which never deadlocks,
//! whatever order a caller fetches tasks in, and whichever tasks or fetches it drops.

mod support;

use std::collections::HashSet;

use futures::StreamExt;
use shoal_dataset::{Dataset, Error, WriteMode};
use shoal_io::IoError;
use support::{batch, ids, uris, write, DeleteWhere};

fn all_ids(batches: &[arrow_array::RecordBatch]) -> Vec<i64> {
    batches.iter().flat_map(ids).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_select_live_rows() {
    let (_dir, uris) = uris("scan-options");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 1000)], 100)
            .await
            .unwrap();
        let ds = Dataset::open(uri)
            .await
            .unwrap()
            .delete_where("id < 250")
            .await
            .unwrap();
        let ds = ds.delete_where("id < 150").await.unwrap(); // nothing new: same version
        let ds = ds.checkout(ds.version()).await.unwrap();
        let live: Vec<i64> = (250..1000).collect();

        let got = ds
            .scan()
            .columns(&["id"])
            .batch_rows(64)
            .collect()
            .await
            .unwrap();
        assert_eq!(all_ids(&got), live);
        assert!(got
            .iter()
            .all(|b| b.num_rows() <= 64 && b.num_columns() == 1));

        let got = ds.scan().offset(10).limit(25).collect().await.unwrap();
        assert_eq!(all_ids(&got), (260..285).collect::<Vec<_>>());
        let got = ds.scan().offset(740).limit(100).collect().await.unwrap();
        assert_eq!(all_ids(&got), (990..1000).collect::<Vec<_>>());
        assert!(ds.scan().offset(5000).collect().await.unwrap().is_empty());

        let picked = vec![ds.fragments()[3].id, ds.fragments()[0].id];
        let got = ds.scan().fragments(picked).collect().await.unwrap();
        // Fragment 0 of the version is the one holding ids 200..300 (150 deleted of it);
        // results come in manifest order whatever the order asked.
        let mut expected: Vec<i64> = (250..300).collect();
        expected.extend(500..600);
        assert_eq!(all_ids(&got), expected);

        let got: Vec<i64> = all_ids(
            &ds.scan()
                .ordered(false)
                .batch_rows(10)
                .readahead(8)
                .collect()
                .await
                .unwrap(),
        );
        assert_eq!(got.iter().copied().collect::<HashSet<_>>().len(), 750);
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, live);

        let err = ds.scan().columns(&["nope"]).plan().await.unwrap_err();
        assert!(matches!(err, Error::ColumnNotFound { .. }), "{err}");
        let err = ds.scan().fragments(vec![999]).plan().await.unwrap_err();
        assert!(err.to_string().contains("no fragment 999"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phases_work_one_by_one() {
    let (_dir, uris) = uris("scan-phases");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 500)], 100)
            .await
            .unwrap();
        let plan = ds.scan().batch_rows(50).plan().await.unwrap();
        let stats = plan.stats();
        assert_eq!(stats.tasks, 10);
        assert!(stats.open.requests >= 5, "{stats:?}");
        let mut got = Vec::new();
        for task in plan.into_tasks() {
            assert!(!task.byte_ranges().unwrap().is_empty() && task.estimated_bytes() > 0);
            let fetched = task.fetch().await.unwrap(); // I/O only
            let batch = fetched.decode().unwrap(); // CPU only
            got.extend(ids(&batch));
        }
        assert_eq!(got, (0..500).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_errors_surface_at_plan_and_metadata_is_cached() {
    let (_dir, uris) = uris("scan-open");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 300)], 100)
            .await
            .unwrap();
        // First scan: every fragment opened; second: all from the session's cache.
        let mut first = ds.scan().stream().await.unwrap();
        while first.next().await.is_some() {}
        let stats = first.stats();
        assert_eq!((stats.open_cached, stats.rows), (0, 300), "{stats:?}");
        let again = ds.scan().plan().await.unwrap().stats();
        assert_eq!(
            (again.open.requests, again.open_cached),
            (0, 3),
            "{again:?}"
        );
        // Small files come whole with the first read: no data requests at all.
        assert_eq!(stats.fetch.requests, 0, "{stats:?}");

        // A fresh handle whose fragment file is gone fails at plan(), naming it.
        let lost = ds.fragments()[2].data.path.clone();
        let root = shoal_io::resolve(uri).unwrap();
        shoal_io::delete(&root.child(&lost)).await.unwrap();
        let fresh = Dataset::open(uri).await.unwrap();
        let err = fresh.scan().plan().await.unwrap_err();
        assert!(matches!(err, Error::Io(IoError::NotFound { .. })), "{err}");
        assert!(err.to_string().contains(&lost), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_bounds_memory_without_deadlock() {
    let (_dir, uris) = uris("scan-budget");
    for uri in &uris {
        // One 100,000-row fragment: its `name` pages are far larger than the budgets below.
        let ds = write(uri, WriteMode::Create, &[batch(0, 100_000)], 100_000)
            .await
            .unwrap();
        for budget in [1u64, 4096] {
            let mut stream = ds
                .scan()
                .batch_rows(100_000)
                .budget_bytes(budget)
                .stream()
                .await
                .unwrap();
            let mut rows = 0;
            while let Some(batch) = stream.next().await {
                rows += batch.unwrap().num_rows();
            }
            assert_eq!(rows, 100_000, "budget {budget}");
        }
        // A consumer that keeps every batch still gets them all, one at a time.
        let mut stream = ds
            .scan()
            .batch_rows(1000)
            .budget_bytes(10_000)
            .stream()
            .await
            .unwrap();
        let mut kept = Vec::new();
        while let Some(batch) = stream.next().await {
            kept.push(batch.unwrap());
        }
        assert_eq!(kept.len(), 100);
        // With room for everything, the peak stays within the budget plus one batch.
        let mut stream = ds
            .scan()
            .batch_rows(1000)
            .budget_bytes(1 << 20)
            .stream()
            .await
            .unwrap();
        while let Some(batch) = stream.next().await {
            drop(batch.unwrap());
        }
        let stats = stream.stats();
        assert!(
            stats.peak_bytes_in_flight <= (1 << 20) + 64 * 1024,
            "{stats:?}"
        );
        assert!(stats.decode.time > std::time::Duration::ZERO && stats.fetch.bytes > 0);
    }
}

/// Runs `work` under a 5 s watchdog: a budget that hangs fails the test instead.
async fn completes<F: std::future::Future>(what: &str, work: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(5), work)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_fetched_in_any_order_dropped_or_cancelled_never_hang() {
    let (_dir, uris) = uris("scan-budget-order");
    let ds = write(&uris[0], WriteMode::Create, &[batch(0, 10_000)], 10_000)
        .await
        .unwrap();
    // Ten tasks; a budget smaller than one task.
    let plan = || ds.scan().batch_rows(1000).budget_bytes(100).plan();
    let tasks = plan().await.unwrap().into_tasks();
    assert_eq!(tasks.len(), 10);

    // The last task alone, the others held; then the rest in reverse order, each fetched
    // task kept undecoded while the next (earlier) one is fetched.
    completes("reverse order", async {
        let mut tasks = tasks;
        let last = tasks.pop().unwrap().fetch().await.unwrap();
        let mut held = vec![last];
        while let Some(task) = tasks.pop() {
            held.push(task.fetch().await.unwrap());
        }
        let rows: usize = held
            .into_iter()
            .map(|t| t.decode().unwrap().num_rows())
            .sum();
        assert_eq!(rows, 10_000);
    })
    .await;

    // Every other task; the others dropped unfetched.
    completes("every other task", async {
        let tasks = plan().await.unwrap().into_tasks();
        for task in tasks.into_iter().step_by(2) {
            assert_eq!(
                task.fetch().await.unwrap().decode().unwrap().num_rows(),
                1000
            );
        }
    })
    .await;

    // A fetch cancelled while it waits for the budget, then the later tasks.
    completes("a cancelled fetch", async {
        let mut tasks = plan().await.unwrap().into_tasks().into_iter();
        let first = tasks.next().unwrap().fetch().await.unwrap();
        let waiting = tasks.next().unwrap().fetch();
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), waiting)
                .await
                .is_err(),
            "the second task waits while the first is in the pipeline"
        );
        drop(first);
        for task in tasks {
            task.fetch().await.unwrap().decode().unwrap();
        }
    })
    .await;

    // A stream dropped half-way, then another scan of the same dataset.
    completes("a stream dropped half-way", async {
        let mut stream = ds
            .scan()
            .batch_rows(1000)
            .budget_bytes(100)
            .stream()
            .await
            .unwrap();
        for _ in 0..5 {
            stream.next().await.unwrap().unwrap();
        }
        drop(stream);
        let rows: usize = ds
            .scan()
            .batch_rows(1000)
            .budget_bytes(100)
            .collect()
            .await
            .unwrap()
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows, 10_000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takes_work_phase_by_phase_too() {
    let (_dir, uris) = uris("take-phases");
    for uri in &uris {
        let ds = write(uri, WriteMode::Create, &[batch(0, 1000)], 100)
            .await
            .unwrap();
        let ds = ds.delete_where("id < 50").await.unwrap();
        let rows = [900u64, 0, 3, 900, 420];
        let mut plan = ds.plan_take(&[0, 1], &rows).await.unwrap();
        assert_eq!(plan.tasks().len(), 3, "three fragments hold these rows");
        let mut decoded = Vec::new();
        for task in plan.take_tasks() {
            let fetched = task.fetch().await.unwrap(); // I/O only
            decoded.push(fetched.decode().unwrap()); // CPU only
        }
        let by_hand = plan.assemble(&decoded).unwrap();
        assert_eq!(ids(&by_hand), vec![950, 50, 53, 950, 470]);
        assert_eq!(ds.take(&[0, 1], &rows).await.unwrap(), by_hand);

        // The same per-phase stats as a scan: the fragments come from the session's cache
        // now, and these small files came whole when opened, so no data request either.
        let (again, stats) = ds
            .plan_take(&[0, 1], &rows)
            .await
            .unwrap()
            .execute_with_stats()
            .await
            .unwrap();
        assert_eq!(again, by_hand);
        assert_eq!((stats.open_cached, stats.open.requests), (3, 0));
        assert_eq!((stats.tasks, stats.batches, stats.rows), (3, 3, 5));
        assert_eq!(stats.fetch.requests, 0, "{stats:?}");

        // Opening errors surface from plan_take, naming the file.
        let lost = ds.fragments()[0].data.path.clone();
        let root = shoal_io::resolve(uri).unwrap();
        shoal_io::delete(&root.child(&lost)).await.unwrap();
        let fresh = Dataset::open(uri).await.unwrap();
        let err = fresh.plan_take(&[0], &[1]).await.unwrap_err();
        assert!(err.to_string().contains(&lost), "{err}");
    }
}
