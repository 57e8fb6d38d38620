//! The simulated store's own promises: latency and bandwidth are charged, the concurrency
//! cap holds, counters are exact, injected failures surface. Timed on tokio's paused clock,
//! so nothing here depends on the machine's speed.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::join_all;
use futures::StreamExt;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use shoal_io::{
    resolve_with, IoError, ObjectLocation, ObjectReader, ObjectWriter, RequestKind, SimConfig,
    SimCounters, SimulatedFailure, SimulatedStore, Simulation, StorageOptions,
};
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// A simulated in-memory store, its inner store (to set up data without being counted) and
/// the location of its root.
fn simulated(config: &str) -> (ObjectLocation, Arc<InMemory>, Simulation) {
    let inner = Arc::new(InMemory::new());
    let simulation = Simulation::new(config.parse().unwrap());
    let store = SimulatedStore::with_simulation(inner.clone(), simulation.clone());
    let root = ObjectLocation::new(Arc::new(store), Path::from("ds"), "sim://ds");
    (root, inner, simulation)
}

async fn seed(inner: &InMemory, path: &str, len: usize) -> Bytes {
    let data: Bytes = (0..len).map(|i| i as u8).collect::<Vec<u8>>().into();
    inner
        .put(&Path::from(path), PutPayload::from(data.clone()))
        .await
        .unwrap();
    data
}

/// Asserts `elapsed` is `expected`, give or take the timer's millisecond rounding.
fn assert_took(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected && elapsed <= expected + 2 * MS,
        "took {elapsed:?}, expected {expected:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn every_request_costs_latency_and_its_bytes_cost_bandwidth() {
    // 20 ms per request; 1 MB/s, so 1 ms per 1,000 bytes.
    let (root, inner, _) = simulated("latency=20ms,bandwidth=1MB/s");
    let object = root.child("object");

    let start = Instant::now();
    shoal_io::put(&object, Bytes::from(vec![7u8; 50_000]))
        .await
        .unwrap();
    assert_took(start.elapsed(), 70 * MS);

    let start = Instant::now();
    assert_eq!(object.size().await.unwrap(), Some(50_000));
    assert_took(start.elapsed(), 20 * MS);

    let start = Instant::now();
    assert_eq!(shoal_io::get(&object).await.unwrap().len(), 50_000);
    assert_took(start.elapsed(), 70 * MS);

    let start = Instant::now();
    let (suffix, _) = ObjectReader::new(object.clone())
        .read_suffix(10_000)
        .await
        .unwrap();
    assert_eq!(suffix.len(), 10_000);
    assert_took(start.elapsed(), 30 * MS);

    // A list costs one round trip per page of 1,000 entries.
    for i in 0..2_500 {
        seed(&inner, &format!("ds/many/{i:05}"), 1).await;
    }
    let start = Instant::now();
    assert_eq!(
        shoal_io::list(&root.child("many")).await.unwrap().len(),
        2_500
    );
    assert_took(start.elapsed(), 60 * MS);
}

#[tokio::test(start_paused = true)]
async fn jitter_adds_a_bounded_random_delay() {
    let (root, inner, _) = simulated("latency=10ms,jitter=10ms,seed=42");
    seed(&inner, "ds/object", 1).await;
    let object = root.child("object");
    let mut delays = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        object.size().await.unwrap();
        let delay = start.elapsed();
        assert!(delay >= 10 * MS && delay <= 21 * MS, "{delay:?}");
        delays.push(delay);
    }
    delays.sort();
    assert!(delays[45] - delays[5] >= 5 * MS, "no spread: {delays:?}");
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_capped_and_waves_queue() {
    let (root, inner, simulation) = simulated("latency=10ms,concurrency=4");
    for i in 0..16 {
        seed(&inner, &format!("ds/{i}"), 100).await;
    }
    let start = Instant::now();
    let reads = (0..16).map(|i| {
        let object = root.child(&i.to_string());
        async move { shoal_io::get(&object).await.unwrap() }
    });
    let tasks: Vec<_> = reads.map(tokio::spawn).collect();
    for result in join_all(tasks).await {
        assert_eq!(result.unwrap().len(), 100);
    }
    // Four waves of four.
    assert_took(start.elapsed(), 40 * MS);
    let counters = simulation.counters();
    assert_eq!(counters.peak_in_flight, 4, "{counters}");
    assert_eq!(counters.requests(RequestKind::Get), 16);
    assert_eq!(simulation.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_body_holds_its_slot_until_consumed_or_dropped() {
    let (root, inner, simulation) = simulated("latency=1ms,concurrency=1");
    seed(&inner, "ds/a", 10).await;
    let a = root.child("a");
    let body = a.store().get(&a.path).await.unwrap();
    assert_eq!(simulation.in_flight(), 1);
    let blocked = tokio::time::timeout(Duration::from_secs(5), a.size()).await;
    assert!(
        blocked.is_err(),
        "a second request ran while the body was held"
    );
    drop(body);
    assert_eq!(simulation.in_flight(), 0);
    assert_eq!(a.size().await.unwrap(), Some(10));
}

#[tokio::test(start_paused = true)]
async fn counters_are_exact_and_resettable() {
    let (root, _, simulation) = simulated("latency=5ms");
    let object = root.child("data/object");
    let data = Bytes::from(vec![1u8; 1_000]);

    shoal_io::put(&object, data.clone()).await.unwrap(); // put 1000
    assert!(!shoal_io::put_if_not_exists(&object, data.clone())
        .await
        .unwrap()); // put 1000
    shoal_io::get(&object).await.unwrap(); // get, 1000 read
    let reader = ObjectReader::new(object.clone());
    reader.read_suffix(100).await.unwrap(); // get_range, 100 read
    reader.read_ranges(&[0..10, 500..510]).await.unwrap(); // one coalesced get_range, 510 read
    object.size().await.unwrap(); // head
    shoal_io::list(&root).await.unwrap(); // list
    shoal_io::delete(&object).await.unwrap(); // delete
    let mut writer = ObjectWriter::new(root.child("data/small"));
    writer.put(Bytes::from(vec![2u8; 300])).await.unwrap();
    writer.finish().await.unwrap(); // put 300

    let counters = simulation.counters();
    let expected = [
        (RequestKind::Get, 1),
        (RequestKind::GetRange, 2),
        (RequestKind::Head, 1),
        (RequestKind::Put, 3),
        (RequestKind::List, 1),
        (RequestKind::Delete, 1),
        (RequestKind::Copy, 0),
    ];
    for (kind, n) in expected {
        assert_eq!(counters.requests(kind), n, "{kind}: {counters}");
    }
    assert_eq!(counters.total_requests(), 9);
    assert_eq!(counters.bytes_written, 2_300);
    assert_eq!(counters.bytes_read, 1_610);
    assert_eq!(counters.injected_failures, 0);
    assert_eq!(counters.peak_in_flight, 1);

    simulation.reset_counters();
    assert_eq!(simulation.counters(), SimCounters::default());
}

fn injected(err: &IoError) -> SimulatedFailure {
    SimulatedFailure::of(err)
        .unwrap_or_else(|| panic!("not an injected failure: {err}"))
        .clone()
}

#[tokio::test(start_paused = true)]
async fn the_next_requests_fail_transiently() {
    let (root, inner, simulation) = simulated("latency=1ms");
    seed(&inner, "ds/a", 10).await;
    let a = root.child("a");
    simulation.fail_next(2);
    let first = shoal_io::get(&a).await.unwrap_err();
    let failure = injected(&first);
    assert!(failure.transient);
    assert_eq!(failure.kind, RequestKind::Get);
    assert!(matches!(
        first.store_error(),
        Some(object_store::Error::Generic { .. })
    ));
    assert!(first.to_string().contains("sim://ds/a"), "{first}");
    assert!(injected(&a.size().await.unwrap_err()).transient);
    assert_eq!(a.size().await.unwrap(), Some(10));
    assert_eq!(simulation.counters().injected_failures, 2);
    assert_eq!(simulation.counters().requests(RequestKind::Get), 1);
}

#[tokio::test(start_paused = true)]
async fn paths_under_a_failing_prefix_fail_permanently() {
    let (root, inner, simulation) = simulated("");
    seed(&inner, "ds/data/a", 10).await;
    seed(&inner, "ds/_versions/1", 10).await;
    simulation.fail_prefix(root.child("data").path.to_string());
    for _ in 0..3 {
        let err = shoal_io::get(&root.child("data/a")).await.unwrap_err();
        assert!(!injected(&err).transient);
        assert!(matches!(
            err.store_error(),
            Some(object_store::Error::PermissionDenied { .. })
        ));
    }
    let err = shoal_io::put(&root.child("data/b"), Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(injected(&err).kind, RequestKind::Put);
    assert_eq!(inner.head(&Path::from("ds/data/b")).await.ok(), None);
    shoal_io::get(&root.child("_versions/1")).await.unwrap();

    simulation.clear_failures();
    shoal_io::get(&root.child("data/a")).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn failure_rates_are_seeded() {
    let run = |rng_seed: u64| async move {
        let (root, inner, _) = simulated(&format!("failure_rate=0.3,seed={rng_seed}"));
        seed(&inner, "ds/a", 1).await;
        let mut outcomes = Vec::new();
        for _ in 0..200 {
            outcomes.push(root.child("a").size().await.is_ok());
        }
        outcomes
    };
    let first = run(9).await;
    assert_eq!(first, run(9).await, "same seed, same failures");
    let failures = first.iter().filter(|ok| !**ok).count();
    assert!((30..=90).contains(&failures), "{failures} of 200 failed");

    let (root, inner, simulation) = simulated("failure_rate=1");
    seed(&inner, "ds/a", 1).await;
    assert!(root.child("a").size().await.is_err());
    simulation.set_failure_rate(0.0);
    assert!(root.child("a").size().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_failing_list_page_ends_the_listing_with_an_error() {
    let (root, inner, simulation) = simulated("");
    for i in 0..1_500 {
        seed(&inner, &format!("ds/v/{i:05}"), 1).await;
    }
    let listing = root.child("v");
    simulation.fail_next(1);
    assert!(injected(&shoal_io::list(&listing).await.unwrap_err()).transient);

    // The second page's request fails after the first page arrived.
    let mut entries = listing.store().list(Some(&listing.path));
    for _ in 0..1_000 {
        entries.next().await.unwrap().unwrap();
    }
    simulation.fail_next(1);
    let err = entries.next().await.unwrap().unwrap_err();
    assert_eq!(
        SimulatedFailure::of_store_error(&err).map(|f| f.kind),
        Some(RequestKind::List)
    );
    drop(entries);

    assert_eq!(shoal_io::list(&listing).await.unwrap().len(), 1_500);
    assert_eq!(simulation.counters().requests(RequestKind::List), 5);
    assert_eq!(simulation.counters().injected_failures, 2);
}

#[tokio::test(start_paused = true)]
async fn resolve_with_wraps_any_uri_in_a_shared_simulation() {
    let simulation = Simulation::new(SimConfig {
        latency: 20 * MS,
        ..SimConfig::default()
    });
    let options = StorageOptions::default().with_simulation(simulation.clone());
    let first = resolve_with("memory://simulated-rs/ds", &options).unwrap();
    let second = resolve_with("memory://simulated-rs/ds", &options).unwrap();
    assert_eq!(first.store().to_string(), "SimulatedStore(InMemory)");

    let start = Instant::now();
    shoal_io::put(&first.child("x"), Bytes::from_static(b"abc"))
        .await
        .unwrap();
    assert_eq!(
        shoal_io::get(&second.child("x")).await.unwrap(),
        Bytes::from_static(b"abc")
    );
    assert_took(start.elapsed(), 40 * MS);
    let counters = simulation.counters();
    assert_eq!(
        (
            counters.requests(RequestKind::Put),
            counters.requests(RequestKind::Get)
        ),
        (1, 1)
    );
}
