//! A dataset's directory may hold files that are not the dataset's (issue 15): creating a
//! dataset where someone else's files are is refused, naming them, while what a crashed
//! create leaves is not in the way; cleanup deletes only files the dataset's naming made,
//! whatever else sits where (a property test); a file where a dataset directory should be
//! is named as such. On local disk, in memory and (when the test server runs) on S3.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use shoal_dataset::{Dataset, DatasetWriter, Error, WriteMode};
use support::{batch, scanned_ids, uris, write, DeleteWhere};

const UUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

async fn put(uri: &str, path: &str, bytes: &[u8]) {
    let root = shoal_io::resolve(uri).unwrap();
    shoal_io::put(&root.child(path), Bytes::copy_from_slice(bytes))
        .await
        .unwrap();
}

/// Every object under `uri` and its bytes.
async fn objects(uri: &str) -> BTreeMap<String, Bytes> {
    let root = shoal_io::resolve(uri).unwrap();
    let mut all = BTreeMap::new();
    for info in shoal_io::list(&root).await.unwrap() {
        let bytes = shoal_io::get(&root.child(&info.path)).await.unwrap();
        all.insert(info.path, bytes);
    }
    all
}

/// The files of the user's report: a project directory with its own `data/` folder.
const USER_FILES: [&str; 4] = [
    "data/train.csv",
    "data/model.pt",
    "data/raw/big.bin",
    "README.md",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_dataset_where_other_files_are_is_refused_naming_them() {
    let (_dir, uris) = uris("create-not-empty");
    for uri in &uris {
        for path in USER_FILES {
            put(uri, path, path.as_bytes()).await;
        }
        let before = objects(uri).await;
        for mode in [WriteMode::Create, WriteMode::Overwrite] {
            let err = write(uri, mode, &[batch(0, 10)], 100).await.unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::LocationNotEmpty { .. }), "{msg}");
            assert!(msg.contains(&format!("'{uri}'")), "{msg}");
            let named = USER_FILES.iter().filter(|p| msg.contains(*p)).count();
            assert_eq!(named, 3, "a few entries are named: {msg}");
            assert!(msg.contains("and more"), "{msg}");
        }
        assert_eq!(objects(uri).await, before, "nothing was written");
        assert!(matches!(
            Dataset::open(uri).await,
            Err(Error::DatasetNotFound { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_retried_after_a_crash_is_not_refused_by_what_the_crash_left() {
    let (_dir, uris) = uris("create-after-crash");
    let left = [
        format!("data/{UUID}.shoal"),
        format!("_deletions/3-{UUID}.del"),
        format!("_indices/{UUID}.ivfpq"),
    ];
    for uri in &uris {
        for path in &left {
            put(uri, path, b"partial").await;
        }
        let ds = write(uri, WriteMode::Create, &[batch(0, 10)], 100)
            .await
            .unwrap();
        assert_eq!(ds.version(), 1);
        // The leftovers are the dataset's own (named as it names files), unreferenced: the
        // next cleanup removes them.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let stats = ds.cleanup(Duration::ZERO).await.unwrap();
        assert_eq!(stats.files_removed, 3);
        let after = objects(uri).await;
        assert!(left.iter().all(|p| !after.contains_key(p)), "{after:?}");
        assert_eq!(scanned_ids(&ds).await, (0..10).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_keeps_the_users_files_inside_the_dataset_directory() {
    let (_dir, uris) = uris("cleanup-user-files");
    for uri in &uris {
        let v1 = write(uri, WriteMode::Create, &[batch(0, 30)], 10)
            .await
            .unwrap();
        for path in USER_FILES {
            put(uri, path, path.as_bytes()).await;
        }
        let v2 = write(uri, WriteMode::Overwrite, &[batch(100, 20)], 10)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let stats = v2.cleanup(Duration::ZERO).await.unwrap();
        assert_eq!(stats.versions_removed, 1);
        assert_eq!(stats.files_removed, v1.fragments().len() as u64);
        let after = objects(uri).await;
        for path in USER_FILES {
            assert_eq!(after.get(path).map(|b| &b[..]), Some(path.as_bytes()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_where_a_dataset_directory_should_be_is_named_as_such() {
    let (dir, mut uris) = uris("file-not-dataset");
    let file = dir.path().join("s.parquet");
    std::fs::write(&file, b"PAR1 not a dataset PAR1").unwrap();
    uris[0] = file.to_str().unwrap().to_string();
    for uri in uris.iter_mut().skip(1) {
        *uri = format!("{uri}/s.parquet");
        put(uri, "", b"PAR1 not a dataset PAR1").await;
    }
    for uri in &uris {
        let expected = format!("'{uri}' is a file, not a dataset directory");
        let err = Dataset::open(uri).await.unwrap_err();
        assert!(matches!(err, Error::NotADatasetDirectory { .. }), "{err}");
        assert_eq!(err.to_string(), expected);
        let err = Dataset::open_version(uri, 1).await.unwrap_err();
        assert_eq!(err.to_string(), expected);
        for mode in [WriteMode::Create, WriteMode::Append, WriteMode::Overwrite] {
            let err = write(uri, mode, &[batch(0, 10)], 100).await.unwrap_err();
            assert_eq!(err.to_string(), expected, "{mode:?}");
        }
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"PAR1 not a dataset PAR1");
}

/// Foreign paths: random names at random depths in the dataset's folders and the root, and
/// names that look almost like the dataset's own files.
fn foreign_path() -> impl Strategy<Value = String> {
    let folder = prop::sample::select(vec!["", "data/", "_deletions/", "_indices/", "_versions/"]);
    let subfolders = prop::collection::vec("[a-z0-9][a-z0-9_.-]{0,7}", 0..3)
        .prop_map(|dirs| dirs.iter().map(|d| format!("{d}/")).collect::<String>());
    let random = (folder.clone(), subfolders, "[a-z0-9][a-z0-9_.-]{0,11}")
        .prop_map(|(folder, sub, name)| format!("{folder}{sub}{name}"));
    let near_miss = prop::sample::select(vec![
        "data/x.shoal".to_string(),
        format!("data/{UUID}.shoal.bak"),
        format!("data/{UUID}.shoal-old"),
        format!("data/sub/{UUID}.shoal"),
        format!("data/{}.shoal", UUID.to_uppercase()),
        format!("data/{}.shoal", UUID.replace('-', "")),
        format!("{UUID}.shoal"),
        format!("_indices/{UUID}.shoal"),
        format!("_indices/{UUID}.ivfpq.tmp"),
        format!("_indices/old/{UUID}.ivfpq"),
        format!("_deletions/{UUID}.del"),
        format!("_deletions/07-{UUID}.del"),
        format!("_deletions/sub/7-{UUID}.del"),
        "_versions/1.manifest".to_string(),
        "_versions/00000000000000000001.manifest.bak".to_string(),
        "_versions/old/00000000000000000001.manifest".to_string(),
        "_latest.bak".to_string(),
    ]);
    prop_oneof![random, near_miss]
}

/// Paths none of which is a folder of another (a local file cannot be both), and none a
/// folder of the dataset itself.
fn without_conflicts(paths: Vec<String>) -> Vec<String> {
    let reserved = ["data", "_deletions", "_indices", "_versions", "_tags"];
    let mut kept: Vec<String> = Vec::new();
    for path in paths {
        let clashes = reserved.contains(&path.as_str())
            || kept.iter().any(|k| {
                k == &path
                    || k.starts_with(&format!("{path}/"))
                    || path.starts_with(&format!("{k}/"))
            });
        if !clashes {
            kept.push(path);
        }
    }
    kept
}

/// A dataset with unreferenced files of its own (older versions' and a crashed writer's)
/// and `foreign` files among them: cleanup with age 0 leaves exactly the latest version's
/// files and every foreign file, byte for byte.
async fn cleanup_keeps_foreign_files(uri: &str, foreign: &[(String, Vec<u8>)]) {
    write(uri, WriteMode::Create, &[batch(0, 30)], 10)
        .await
        .unwrap();
    for (path, bytes) in foreign {
        put(uri, path, bytes).await;
    }
    let v2 = write(uri, WriteMode::Append, &[batch(30, 20)], 10)
        .await
        .unwrap();
    let v3 = v2.delete_where("id < 5").await.unwrap();
    let v4 = v3.delete_where("id = 7").await.unwrap();
    // A crashed writer's files: named as the dataset names them, referenced by nothing.
    let orphans = [
        format!("data/{UUID}.shoal"),
        format!("_deletions/0-{UUID}.del"),
        format!("_indices/{UUID}.ivfpq"),
    ];
    for path in &orphans {
        put(uri, path, b"orphan").await;
    }
    let before = objects(uri).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    v4.cleanup(Duration::ZERO).await.unwrap();
    let after = objects(uri).await;

    let mut expected: BTreeMap<String, Bytes> = foreign
        .iter()
        .map(|(path, bytes)| (path.clone(), Bytes::from(bytes.clone())))
        .collect();
    let manifest = format!("_versions/{:020}.manifest", v4.version());
    let kept = v4
        .fragments()
        .iter()
        .flat_map(|f| {
            std::iter::once(f.data.path.clone()).chain(f.deletion.iter().map(|d| d.path.clone()))
        })
        .chain(["_latest".to_string(), manifest]);
    for path in kept {
        expected.insert(path.clone(), before[&path].clone());
    }
    assert_eq!(after, expected);
    let latest = Dataset::open(uri).await.unwrap();
    assert_eq!(latest.version(), 4);
    let live: Vec<i64> = (5..50).filter(|i| *i != 7).collect();
    assert_eq!(scanned_ids(&latest).await, live);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn cleanup_never_removes_or_changes_a_foreign_file(
        paths in prop::collection::vec(foreign_path(), 1..12),
        seed in any::<u8>(),
    ) {
        let paths = without_conflicts(paths);
        let foreign: Vec<(String, Vec<u8>)> = paths
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, vec![seed.wrapping_add(i as u8); i * 7]))
            .collect();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (_dir, uris) = uris(&format!("cleanup-foreign-{seed}-{}", foreign.len()));
        for uri in &uris {
            // A memory store is shared by name within the process: start empty.
            runtime.block_on(async {
                let root = shoal_io::resolve(uri).unwrap();
                for info in shoal_io::list(&root).await.unwrap() {
                    shoal_io::delete(&root.child(&info.path)).await.unwrap();
                }
            });
            runtime.block_on(cleanup_keeps_foreign_files(uri, &foreign));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_are_not_refused_by_foreign_files_in_an_existing_dataset() {
    let (_dir, uris) = uris("foreign-in-existing");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 10)], 100)
            .await
            .unwrap();
        for path in USER_FILES {
            put(uri, path, path.as_bytes()).await;
        }
        let mut w = DatasetWriter::new(
            uri,
            support::schema(),
            WriteMode::Overwrite,
            Default::default(),
        )
        .await
        .unwrap();
        w.write(&batch(50, 5)).await.unwrap();
        let ds = w.commit().await.unwrap();
        assert_eq!(scanned_ids(&ds).await, (50..55).collect::<Vec<_>>());
    }
}
