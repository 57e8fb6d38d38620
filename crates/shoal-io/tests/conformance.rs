//! One set of checks run against every kind of store Shoal resolves: local disk, memory, the
//! simulated store (over memory and over local disk) and a real S3-protocol server.
//!
//! The S3 checks need a server: `scripts/test.sh` starts one (`scripts/s3-server.sh`) and
//! exports `SHOAL_TEST_S3_BUCKET` and the `AWS_*` variables. Without them the S3 tests are
//! skipped with a note, unless `CI` is set, when they fail.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use shoal_io::{
    resolve, resolve_with, IoError, ObjectLocation, ObjectReader, ObjectWriter, Simulation,
    StorageOptions,
};

/// Deterministic, position-dependent bytes, so a misplaced range shows.
fn pattern(len: usize, salt: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect::<Vec<u8>>()
        .into()
}

/// A name no other run or test has used (S3 data outlives a test process).
fn unique(name: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "{name}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs every check under `root`, a prefix nothing exists under yet.
async fn conformance(root: ObjectLocation) {
    put_get_ranges_and_suffixes(&root.child("read")).await;
    overwrite(&root.child("overwrite")).await;
    delete(&root.child("delete")).await;
    list_a_prefix(&root).await;
    put_if_not_exists(&root.child("create")).await;
    concurrent_creates_have_one_winner(&root.child("race")).await;
    missing_objects_are_not_found(&root.child("missing")).await;
    children_address_objects_under_a_prefix(&root.child("children")).await;
    streamed_writes_appear_whole_or_not_at_all(&root.child("stream")).await;
}

async fn put_get_ranges_and_suffixes(dir: &ObjectLocation) {
    let object = dir.child("object.bin");
    let data = pattern(100_000, 7);
    shoal_io::put(&object, data.clone()).await.unwrap();

    assert_eq!(shoal_io::get(&object).await.unwrap(), data);
    assert_eq!(object.size().await.unwrap(), Some(100_000));

    let reader = ObjectReader::new(object.clone());
    let ranges = [10..20, 0..1, 50_000..60_000, 99_990..100_000, 30..30];
    let parts = reader.read_ranges(&ranges).await.unwrap();
    for (range, part) in ranges.iter().zip(&parts) {
        assert_eq!(part, &data.slice(range.start as usize..range.end as usize));
    }
    assert!(reader.read_ranges(&[]).await.unwrap().is_empty());

    let (suffix, size) = reader.read_suffix(1_000).await.unwrap();
    assert_eq!((suffix, size), (data.slice(99_000..), 100_000));
    let (whole, size) = reader.read_suffix(1 << 20).await.unwrap();
    assert_eq!((whole, size), (data.clone(), 100_000));

    // An empty object is an object.
    let empty = dir.child("empty.bin");
    shoal_io::put(&empty, Bytes::new()).await.unwrap();
    assert_eq!(shoal_io::get(&empty).await.unwrap(), Bytes::new());
    assert_eq!(empty.size().await.unwrap(), Some(0));
}

async fn overwrite(dir: &ObjectLocation) {
    let object = dir.child("object");
    shoal_io::put(&object, pattern(5_000, 1)).await.unwrap();
    shoal_io::put(&object, pattern(300, 2)).await.unwrap();
    assert_eq!(shoal_io::get(&object).await.unwrap(), pattern(300, 2));
    assert_eq!(object.size().await.unwrap(), Some(300));
}

async fn delete(dir: &ObjectLocation) {
    let object = dir.child("object");
    let sibling = dir.child("sibling");
    shoal_io::put(&object, pattern(10, 0)).await.unwrap();
    shoal_io::put(&sibling, pattern(10, 1)).await.unwrap();
    shoal_io::delete(&object).await.unwrap();
    assert_eq!(object.size().await.unwrap(), None);
    assert!(matches!(
        shoal_io::get(&object).await,
        Err(IoError::NotFound { .. })
    ));
    // Deleting what is not there succeeds; the sibling is untouched.
    shoal_io::delete(&object).await.unwrap();
    assert_eq!(shoal_io::get(&sibling).await.unwrap(), pattern(10, 1));
}

/// Lists `root/list`, beside `root/list-other`.
async fn list_a_prefix(root: &ObjectLocation) {
    let dir = &root.child("list");
    let lookalike = root.child("list-other");
    let before = SystemTime::now() - Duration::from_secs(600);
    let files = [
        ("a.bin", 1),
        ("b/c.bin", 22),
        ("b/d/e.bin", 333),
        ("_versions/00000000000000000001.manifest", 4),
    ];
    for (path, len) in files {
        shoal_io::put(&dir.child(path), pattern(len, 0))
            .await
            .unwrap();
    }
    // A sibling whose name starts the same is not under the prefix.
    shoal_io::put(&lookalike.child("x.bin"), pattern(9, 0))
        .await
        .unwrap();

    let listed: BTreeMap<String, u64> = shoal_io::list(dir)
        .await
        .unwrap()
        .into_iter()
        .inspect(|info| {
            let now = SystemTime::now() + Duration::from_secs(600);
            assert!(
                before < info.last_modified && info.last_modified < now,
                "{info:?}"
            );
        })
        .map(|info| (info.path, info.size))
        .collect();
    let expected: BTreeMap<String, u64> = files
        .iter()
        .map(|(path, len)| (path.to_string(), *len as u64))
        .collect();
    assert_eq!(listed, expected);

    let nested: Vec<String> = shoal_io::list(&dir.child("b/d"))
        .await
        .unwrap()
        .into_iter()
        .map(|info| info.path)
        .collect();
    assert_eq!(nested, vec!["e.bin".to_string()]);

    assert!(shoal_io::list(&dir.child("nothing/here"))
        .await
        .unwrap()
        .is_empty());
}

async fn put_if_not_exists(dir: &ObjectLocation) {
    let object = dir.child("_versions/1.manifest");
    assert!(shoal_io::put_if_not_exists(&object, pattern(10, 1))
        .await
        .unwrap());
    assert!(!shoal_io::put_if_not_exists(&object, pattern(20, 2))
        .await
        .unwrap());
    assert_eq!(shoal_io::get(&object).await.unwrap(), pattern(10, 1));
    // After an overwrite, it still exists.
    shoal_io::put(&object, pattern(30, 3)).await.unwrap();
    assert!(!shoal_io::put_if_not_exists(&object, pattern(40, 4))
        .await
        .unwrap());
    assert_eq!(shoal_io::get(&object).await.unwrap(), pattern(30, 3));
}

async fn concurrent_creates_have_one_winner(dir: &ObjectLocation) {
    const WRITERS: u8 = 16;
    let object = dir.child("_versions/2.manifest");
    let tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let object = object.clone();
            tokio::spawn(async move {
                let won = shoal_io::put_if_not_exists(&object, pattern(1_000, writer))
                    .await
                    .unwrap();
                (writer, won)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (writer, won) = task.await.unwrap();
        if won {
            winners.push(writer);
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(
        shoal_io::get(&object).await.unwrap(),
        pattern(1_000, winners[0])
    );
}

async fn missing_objects_are_not_found(dir: &ObjectLocation) {
    let missing = dir.child("no/such/object");
    let named = |err: IoError| match err {
        IoError::NotFound { uri } => assert_eq!(uri, missing.uri),
        other => panic!("expected NotFound, got {other}"),
    };
    named(shoal_io::get(&missing).await.unwrap_err());
    let reader = ObjectReader::new(missing.clone());
    named(reader.read_suffix(10).await.unwrap_err());
    named(reader.read_ranges(&[0..10, 20..30]).await.unwrap_err());
    assert_eq!(missing.size().await.unwrap(), None);
    let message = shoal_io::get(&missing).await.unwrap_err().to_string();
    assert!(message.contains(&missing.uri), "{message}");
}

async fn children_address_objects_under_a_prefix(dir: &ObjectLocation) {
    let data = dir.child("data");
    let file = data.child("f.shoal");
    assert_eq!(file.path, dir.child("data/f.shoal").path);
    assert_eq!(file.uri, format!("{}/data/f.shoal", dir.uri));
    assert!(file.path.prefix_matches(&dir.path));
    shoal_io::put(&file, pattern(64, 9)).await.unwrap();
    let listed = shoal_io::list(dir).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].path, "data/f.shoal");
    assert_eq!(
        shoal_io::get(&dir.child(&listed[0].path)).await.unwrap(),
        pattern(64, 9)
    );
}

async fn streamed_writes_appear_whole_or_not_at_all(dir: &ObjectLocation) {
    // Larger than the writer's buffer, so remote stores take the multipart path.
    let big = pattern(12 << 20, 5);
    let object = dir.child("big.shoal");
    let mut writer = ObjectWriter::new(object.clone());
    for chunk in big.chunks(1 << 20) {
        writer.put(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    assert_eq!(object.size().await.unwrap(), None, "visible before finish");
    writer.finish().await.unwrap();
    assert_eq!(object.size().await.unwrap(), Some(big.len() as u64));
    let reader = ObjectReader::new(object.clone());
    let (tail, size) = reader.read_suffix(100).await.unwrap();
    assert_eq!(
        (tail, size),
        (big.slice(big.len() - 100..), big.len() as u64)
    );
    assert_eq!(shoal_io::get(&object).await.unwrap(), big);

    let abandoned = dir.child("abandoned.shoal");
    let mut writer = ObjectWriter::new(abandoned.clone());
    writer.put(pattern(1_000, 1)).await.unwrap();
    writer.abort().await.unwrap();
    assert_eq!(abandoned.size().await.unwrap(), None);
    let listed: Vec<String> = shoal_io::list(dir)
        .await
        .unwrap()
        .into_iter()
        .map(|info| info.path)
        .collect();
    assert_eq!(listed, vec!["big.shoal".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn local_disk() {
    let tmp = tempfile::tempdir().unwrap();
    // The dataset directory does not exist yet: writes create it.
    let root = tmp.path().join("not/yet/created");
    conformance(resolve(root.to_str().unwrap()).unwrap()).await;
    let url = url::Url::from_directory_path(tmp.path().join("via-url")).unwrap();
    conformance(resolve(url.as_str()).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory() {
    let uri = format!("memory://{}/datasets/one", unique("conformance"));
    conformance(resolve(&uri).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_is_shared_by_name() {
    let name = unique("shared");
    let first = resolve(&format!("memory://{name}/ds")).unwrap();
    shoal_io::put(&first.child("x"), pattern(3, 0))
        .await
        .unwrap();
    let again = resolve(&format!("memory://{name}/ds/x")).unwrap();
    assert_eq!(shoal_io::get(&again).await.unwrap(), pattern(3, 0));
    let other = resolve(&format!("memory://{name}-other/ds/x")).unwrap();
    assert!(matches!(
        shoal_io::get(&other).await,
        Err(IoError::NotFound { .. })
    ));
}

fn simulated(config: &str) -> StorageOptions {
    StorageOptions::default().with_simulation(Simulation::new(config.parse().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simulated_memory() {
    let options = simulated("latency=1ms,jitter=1ms,concurrency=4,bandwidth=2GB/s,seed=3");
    let uri = format!("memory://{}/ds", unique("conformance-sim"));
    let root = resolve_with(&uri, &options).unwrap();
    assert!(root.store().to_string().starts_with("SimulatedStore("));
    conformance(root).await;
    let counters = options.simulation.as_ref().unwrap().counters();
    assert!(counters.peak_in_flight <= 4, "{counters}");
    assert!(counters.total_requests() > 50, "{counters}");
    assert_eq!(counters.injected_failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simulated_local_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let options = simulated("latency=1ms,concurrency=8");
    let root = resolve_with(tmp.path().join("ds").to_str().unwrap(), &options).unwrap();
    conformance(root).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_from_environment() {
    let Some(bucket) = shoal_io::testing::s3_bucket() else {
        return;
    };
    let uri = format!("s3://{bucket}/{}/ds", unique("conformance"));
    conformance(resolve(&uri).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_explicit_options_win_over_the_environment() {
    let Some(bucket) = shoal_io::testing::s3_bucket() else {
        return;
    };
    let uri = format!("s3://{bucket}/{}/ds", unique("options"));
    let from_env = |name: &str| std::env::var(name).ok();
    let options = StorageOptions {
        endpoint: from_env("AWS_ENDPOINT_URL").or_else(|| from_env("AWS_ENDPOINT")),
        region: Some("us-east-1".into()),
        access_key_id: from_env("AWS_ACCESS_KEY_ID"),
        secret_access_key: from_env("AWS_SECRET_ACCESS_KEY"),
        allow_http: Some(true),
        virtual_hosted_style: Some(false),
        ..StorageOptions::default()
    };
    let root = resolve_with(&uri, &options).unwrap();
    shoal_io::put(&root.child("a"), pattern(10, 0))
        .await
        .unwrap();
    assert_eq!(
        shoal_io::get(&root.child("a")).await.unwrap(),
        pattern(10, 0)
    );

    // A wrong secret given explicitly replaces the environment's good one, and is refused.
    let wrong = StorageOptions {
        secret_access_key: Some("not-the-secret".into()),
        ..options.clone()
    };
    let denied = resolve_with(&uri, &wrong).unwrap();
    let err = shoal_io::get(&denied.child("a")).await.unwrap_err();
    assert!(
        matches!(err, IoError::Store { .. }),
        "expected a refusal, got {err}"
    );
    assert!(err.to_string().contains(&denied.child("a").uri), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_through_the_simulated_store() {
    let Some(bucket) = shoal_io::testing::s3_bucket() else {
        return;
    };
    let options = simulated("latency=1ms,concurrency=8");
    let uri = format!("s3://{bucket}/{}/ds", unique("conformance-sim"));
    let root = resolve_with(&uri, &options).unwrap();
    put_if_not_exists(&root.child("create")).await;
    concurrent_creates_have_one_winner(&root.child("race")).await;
    list_a_prefix(&root).await;
}
