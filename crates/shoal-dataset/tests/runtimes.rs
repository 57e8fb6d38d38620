//! Storage requests run on Shoal's I/O runtime whichever runtime or thread calls: a dataset
//! handle used from a current-thread runtime keeps working after that runtime is dropped,
//! from a second runtime and from plain threads (through the sync bridge), on local disk,
//! in memory and on S3, whose connection pool would otherwise belong to the first runtime.

mod support;

use shoal_dataset::{Dataset, WriteMode};
use support::{batch, scanned_ids, uris, write, DeleteWhere};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_handle_outlives_the_runtime_that_opened_it() {
    let (_dir, uris) = uris("runtimes");
    for uri in &uris {
        // Created, opened and read on a runtime that is then dropped.
        let first = current_thread();
        let ds = first.block_on(async {
            write(uri, WriteMode::Create, &[batch(0, 3000)], 1000)
                .await
                .unwrap();
            let ds = Dataset::open(uri).await.unwrap();
            assert_eq!(scanned_ids(&ds).await.len(), 3000);
            ds
        });
        drop(first);

        // The same handle from a second runtime: reads, a take, a change.
        let second = current_thread();
        let ds = second.block_on(async {
            assert_eq!(scanned_ids(&ds).await, (0..3000).collect::<Vec<_>>());
            let taken = ds.take(&[0], &[0, 2999]).await.unwrap();
            assert_eq!(support::ids(&taken), vec![0, 2999]);
            let ds = ds.delete_where("id < 10").await.unwrap();
            write(uri, WriteMode::Append, &[batch(3000, 10)], 1000)
                .await
                .unwrap();
            ds.latest().await.unwrap()
        });
        drop(second);

        // And from plain threads, through the sync bridge.
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let ds = ds.clone();
                std::thread::spawn(move || {
                    let ids = shoal_runtime::block_on(scanned_ids(&ds)).unwrap();
                    assert_eq!(ids, (10..3010).collect::<Vec<_>>());
                    shoal_runtime::block_on(ds.count_rows(None))
                        .unwrap()
                        .unwrap()
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), 3000);
        }
    }
}
