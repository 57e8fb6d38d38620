//! Deletes, compaction, tags and cleanup end to end, on local disk, in memory and (when the
//! test server runs) on S3: reads skip deleted rows and counts are right; concurrent
//! changes that touch different fragments both land, those that touch the same ones
//! conflict; cleanup never removes what the latest version or a tag needs.

mod support;

use std::time::Duration;

use shoal_dataset::{row_address, CompactOptions, Dataset, Error, Operation, WriteMode};
use support::{batch, ids, scanned_ids, uris, write, DeleteWhere};

async fn file_count(uri: &str, dir: &str) -> usize {
    let root = shoal_io::resolve(uri).unwrap();
    shoal_io::list(&root.child(dir)).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleted_rows_disappear_from_scans_takes_and_counts() {
    let (_dir, uris) = uris("delete");
    for uri in &uris {
        // Fragments of 100 rows: ids 0..300.
        let v1 = write(uri, WriteMode::Create, &[batch(0, 300)], 100)
            .await
            .unwrap();
        let v2 = v1.delete_where("id >= 150").await.unwrap();
        assert_eq!((v2.version(), v2.num_rows()), (2, 150));
        assert!(matches!(
            &v2.manifest().operation,
            Operation::Delete { rows: 150, predicate } if predicate == "id >= 150"
        ));
        // The fully deleted third fragment is gone; the second has a deletion vector.
        assert_eq!(v2.fragments().len(), 2);
        assert_eq!(v2.fragments()[1].live_rows(), 50);
        assert_eq!(scanned_ids(&v2).await, (0..150).collect::<Vec<_>>());

        let v3 = v2.delete_where("id = 7").await.unwrap();
        assert_eq!(v3.num_rows(), 149);
        let expected: Vec<i64> = (0..150).filter(|i| *i != 7).collect();
        assert_eq!(scanned_ids(&v3).await, expected);
        // Offsets count live rows only: offset 7 is id 8, offset 148 is id 149.
        let got = v3.take(&[0, 1], &[7, 0, 148, 100]).await.unwrap();
        assert_eq!(ids(&got), vec![8, 0, 149, 101]);
        assert!(matches!(
            v3.take(&[0], &[149]).await,
            Err(Error::RowNotFound { .. })
        ));
        // Addresses name positions in data files: fragment 0, row 7 is deleted.
        let first = v3.fragments()[0].id;
        let got = v3
            .take_addresses(&[0], &[row_address(first, 8), row_address(first, 6)])
            .await
            .unwrap();
        assert_eq!(ids(&got), vec![8, 6]);
        let err = v3
            .take_addresses(&[0], &[row_address(first, 7)])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is deleted"), "{err}");

        // Deleting by address; already deleted and repeated addresses are fine.
        let v4 = v3
            .delete_rows(&[
                row_address(first, 7),
                row_address(first, 9),
                row_address(first, 9),
            ])
            .await
            .unwrap();
        assert_eq!(v4.num_rows(), 148);
        // Nothing matches: no new version.
        let same = v4.delete_where("id = 100000").await.unwrap();
        assert_eq!(same.version(), v4.version());
        // Old versions still see their rows.
        let again = Dataset::open_version(uri, 1).await.unwrap();
        assert_eq!(scanned_ids(&again).await.len(), 300);

        let err = v4.delete_where("id = 'seven'").await.unwrap_err();
        assert!(matches!(err, Error::InvalidFilter { .. }), "{err}");
        let err = v4.delete_where("nope = 1").await.unwrap_err();
        assert!(matches!(err, Error::ColumnNotFound { .. }), "{err}");
        assert_eq!(Dataset::open(uri).await.unwrap().version(), 4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn compaction_merges_small_fragments_and_drops_deleted_rows() {
    let (_dir, uris) = uris("compact");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 100)], 10)
            .await
            .unwrap();
        let ds = write(uri, WriteMode::Append, &[batch(100, 1000)], 1000)
            .await
            .unwrap();
        let ds = ds.delete_where("id < 5").await.unwrap();
        let ds = ds.delete_where("id = 500").await.unwrap();
        assert_eq!(ds.fragments().len(), 11);
        let before = scanned_ids(&ds).await;
        let options = CompactOptions {
            target_rows_per_fragment: 200,
            ..Default::default()
        };
        let compacted = ds.compact(&options).await.unwrap();
        assert_eq!(compacted.version(), ds.version() + 1);
        assert!(matches!(
            compacted.manifest().operation,
            Operation::Compact {
                removed: 11,
                added: 2
            }
        ));
        // Ten small fragments became one; the large one lost its deleted row.
        assert_eq!(compacted.fragments().len(), 2);
        assert!(compacted.fragments().iter().all(|f| f.deletion.is_none()));
        assert_eq!(scanned_ids(&compacted).await, before);
        assert_eq!(compacted.num_rows(), 1094);
        // Nothing left to do.
        let again = compacted.compact(&options).await.unwrap();
        assert_eq!(again.version(), compacted.version());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_land_unless_they_touch_the_same_fragments() {
    let (_dir, uris) = uris("rebase");
    for uri in &uris {
        let base = write(uri, WriteMode::Create, &[batch(0, 300)], 100)
            .await
            .unwrap();
        // A delete and an append prepared against the same version both land.
        let appended = write(uri, WriteMode::Append, &[batch(300, 10)], 100)
            .await
            .unwrap();
        let deleted = base.delete_where("id < 10").await.unwrap();
        assert_eq!(deleted.version(), appended.version() + 1);
        assert_eq!(deleted.num_rows(), 300);
        // Deletes of different fragments both land.
        let other = base.delete_where("id = 250").await.unwrap();
        assert_eq!(other.num_rows(), 299);
        // A delete of a fragment that another delete changed meanwhile conflicts.
        let err = base.delete_where("id = 20").await.unwrap_err();
        assert!(
            matches!(&err, Error::Conflict { theirs, .. } if theirs.starts_with("delete")),
            "{err}"
        );
        // So does compacting fragments that a delete changed meanwhile.
        let stale = Dataset::open(uri).await.unwrap();
        stale.delete_where("id = 30").await.unwrap();
        let err = stale.compact(&CompactOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        let latest = Dataset::open(uri).await.unwrap();
        assert_eq!(latest.num_rows(), 298);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tags_name_versions() {
    let (_dir, uris) = uris("tags");
    for uri in &uris {
        let v1 = write(uri, WriteMode::Create, &[batch(0, 10)], 100)
            .await
            .unwrap();
        let v2 = write(uri, WriteMode::Append, &[batch(10, 5)], 100)
            .await
            .unwrap();
        v2.create_tag("first", 1).await.unwrap();
        v2.create_tag("release-2.0", 2).await.unwrap();
        let tags = v2.tags().await.unwrap();
        let listed: Vec<(&str, u64)> = tags.iter().map(|t| (t.name.as_str(), t.version)).collect();
        assert_eq!(listed, [("first", 1), ("release-2.0", 2)]);
        let first = Dataset::open_tag(uri, "first").await.unwrap();
        assert_eq!((first.version(), first.num_rows()), (1, 10));

        let err = v1.create_tag("first", 2).await.unwrap_err();
        assert!(matches!(err, Error::TagExists { version: 1, .. }), "{err}");
        let err = v1.create_tag("later", 9).await.unwrap_err();
        assert!(matches!(err, Error::VersionNotFound { .. }), "{err}");
        let err = v1.create_tag("a/b", 1).await.unwrap_err();
        assert!(matches!(err, Error::InvalidTagName { .. }), "{err}");

        v1.delete_tag("first").await.unwrap();
        let err = Dataset::open_tag(uri, "first").await.unwrap_err();
        assert!(
            matches!(&err, Error::TagNotFound { available, .. } if available == "release-2.0"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cleanup_keeps_the_latest_and_tagged_versions_and_removes_the_rest() {
    let (_dir, uris) = uris("cleanup");
    for uri in &uris {
        let v1 = write(uri, WriteMode::Create, &[batch(0, 30)], 10)
            .await
            .unwrap();
        v1.create_tag("keep", 1).await.unwrap();
        let v2 = write(uri, WriteMode::Overwrite, &[batch(100, 20)], 10)
            .await
            .unwrap();
        let v3 = v2.delete_where("id = 100").await.unwrap();
        let v4 = v3.compact(&CompactOptions::default()).await.unwrap();
        assert_eq!(v4.version(), 4);
        // An orphan: a data file no version references (as a crashed writer leaves).
        let mut orphan = shoal_dataset::DatasetWriter::new(
            uri,
            support::schema(),
            WriteMode::Append,
            Default::default(),
        )
        .await
        .unwrap();
        orphan.write(&batch(0, 5)).await.unwrap();
        drop(orphan);
        let before = file_count(uri, "data").await;

        // A generous age removes nothing.
        let stats = v4.cleanup(Duration::from_secs(3600)).await.unwrap();
        assert_eq!(stats, Default::default());

        tokio::time::sleep(Duration::from_millis(20)).await;
        let stats = v4.cleanup(Duration::ZERO).await.unwrap();
        // Versions 2 and 3 go; 1 is tagged and 4 is the latest.
        assert_eq!(stats.versions_removed, 2);
        let left: Vec<u64> = v4
            .versions()
            .await
            .unwrap()
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(left, [1, 4]);
        // Version 2's two fragments (rewritten by the compaction) and its deletion file go.
        assert_eq!(file_count(uri, "_deletions").await, 0);
        assert_eq!(file_count(uri, "data").await, before - 2);
        assert!(
            stats.files_removed >= 3 && stats.bytes_removed > 0,
            "{stats:?}"
        );
        assert_eq!(
            scanned_ids(&Dataset::open(uri).await.unwrap()).await.len(),
            19
        );
        let tagged = Dataset::open_tag(uri, "keep").await.unwrap();
        assert_eq!(scanned_ids(&tagged).await, (0..30).collect::<Vec<_>>());
    }
}
