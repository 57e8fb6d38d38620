//! A version is never silently rolled back nor its number reused (issue 15): a missing
//! latest manifest stops opens and writes with an error naming it; a stale `_latest` hint
//! whose version cleanup removed still opens the latest; a writer holding an old version
//! never recreates a manifest cleanup removed. On local disk, in memory and on S3.

mod support;

use std::time::Duration;

use bytes::Bytes;
use shoal_dataset::{Dataset, Error, WriteMode};
use support::{batch, scanned_ids, uris, write, DeleteWhere};

fn manifest(version: u64) -> String {
    format!("_versions/{version:020}.manifest")
}

/// The versions whose manifests exist.
async fn manifests(uri: &str) -> Vec<u64> {
    let root = shoal_io::resolve(uri).unwrap();
    let mut versions: Vec<u64> = shoal_io::list(&root.child("_versions"))
        .await
        .unwrap()
        .iter()
        .map(|o| o.path.trim_end_matches(".manifest").parse().unwrap())
        .collect();
    versions.sort_unstable();
    versions
}

async fn three_versions(uri: &str) -> Dataset {
    write(uri, WriteMode::Create, &[batch(0, 10)], 100)
        .await
        .unwrap();
    write(uri, WriteMode::Append, &[batch(10, 10)], 100)
        .await
        .unwrap();
    write(uri, WriteMode::Append, &[batch(20, 10)], 100)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_latest_manifest_fails_opens_and_writes_instead_of_rolling_back() {
    let (_dir, uris) = uris("lost-latest");
    for uri in &uris {
        three_versions(uri).await;
        let stale = Dataset::open_version(uri, 2).await.unwrap();
        let root = shoal_io::resolve(uri).unwrap();
        shoal_io::delete(&root.child(&manifest(3))).await.unwrap();

        let check = |err: Error| {
            let msg = err.to_string();
            assert!(
                matches!(err, Error::LatestManifestMissing { version: 3, .. }),
                "{msg}"
            );
            assert!(
                msg.contains("version 3 is recorded as the latest")
                    && msg.contains(&manifest(3))
                    && msg.contains("cannot be opened safely"),
                "{msg}"
            );
        };
        check(Dataset::open(uri).await.unwrap_err());
        check(
            write(uri, WriteMode::Append, &[batch(30, 5)], 100)
                .await
                .unwrap_err(),
        );
        check(
            write(uri, WriteMode::Overwrite, &[batch(30, 5)], 100)
                .await
                .unwrap_err(),
        );
        // A handle on version 2, taken before the loss, cannot commit as version 3 either.
        check(stale.delete_where("id = 1").await.unwrap_err());
        assert_eq!(manifests(uri).await, [1, 2], "no manifest was written");
        // Older versions are still there to read, by number.
        let v2 = Dataset::open_version(uri, 2).await.unwrap();
        assert_eq!(scanned_ids(&v2).await, (0..20).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_hint_whose_version_was_cleaned_up_still_opens_the_latest() {
    let (_dir, uris) = uris("stale-hint");
    for uri in &uris {
        let v3 = three_versions(uri).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        v3.cleanup(Duration::ZERO).await.unwrap();
        // A writer died between its commit of version 3 and the hint: it still says 1, whose
        // manifest cleanup removed.
        let root = shoal_io::resolve(uri).unwrap();
        shoal_io::put(&root.child("_latest"), Bytes::from("1"))
            .await
            .unwrap();
        let ds = Dataset::open(uri).await.unwrap();
        assert_eq!(ds.version(), 3);
        let v4 = write(uri, WriteMode::Append, &[batch(30, 5)], 100)
            .await
            .unwrap();
        assert_eq!(v4.version(), 4);
        assert_eq!(manifests(uri).await, [3, 4]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_on_an_old_version_never_recreates_a_cleaned_up_manifest() {
    let (_dir, uris) = uris("no-reuse");
    for uri in &uris {
        let v1 = write(uri, WriteMode::Create, &[batch(0, 10)], 100)
            .await
            .unwrap();
        write(uri, WriteMode::Append, &[batch(10, 10)], 100)
            .await
            .unwrap();
        let v3 = write(uri, WriteMode::Append, &[batch(20, 10)], 100)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        v3.cleanup(Duration::ZERO).await.unwrap();
        assert_eq!(manifests(uri).await, [3]);
        // Version 2's number was used: the delete lands on top of version 3 as version 4.
        let v4 = v1.delete_where("id = 1").await.unwrap();
        assert_eq!(v4.version(), 4);
        assert_eq!(manifests(uri).await, [3, 4]);
        let expected: Vec<i64> = (0..30).filter(|i| *i != 1).collect();
        assert_eq!(scanned_ids(&v4).await, expected);
    }
}
