//! What a writer holds while a slow store takes its parts: no more uploads at once than the
//! store's kind allows, so memory does not grow when the disk or the network falls behind.
//! Timed on tokio's paused clock, so nothing here depends on the machine's speed.

use std::sync::Arc;

use bytes::Bytes;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::ObjectStoreExt;
use shoal_io::{
    ObjectLocation, ObjectWriter, SchedulerConfig, SimulatedStore, Simulation, StoreRef,
    UPLOAD_PART_SIZE,
};

/// Writes `parts` parts' worth of bytes through a store that takes 50 ms per request, and
/// returns the most requests it had in flight at once.
async fn peak_uploads(config: SchedulerConfig, parts: usize) -> usize {
    let inner = Arc::new(InMemory::new());
    let simulation = Simulation::new("latency=50ms".parse().unwrap());
    let store = SimulatedStore::with_simulation(inner.clone(), simulation.clone());
    let location = ObjectLocation {
        store_ref: StoreRef::fixed_with(Arc::new(store), config),
        path: Path::from("data/big"),
        uri: "sim://data/big".to_string(),
    };
    let data: Vec<u8> = (0..parts * UPLOAD_PART_SIZE).map(|i| i as u8).collect();
    let mut writer = ObjectWriter::new(location);
    // Pieces the size of pages, as a file writer hands them over.
    for piece in data.chunks(1 << 20) {
        writer.put(Bytes::copy_from_slice(piece)).await.unwrap();
    }
    writer.finish().await.unwrap();
    let stored = inner.get(&Path::from("data/big")).await.unwrap();
    assert_eq!(
        stored.bytes().await.unwrap(),
        data,
        "the object round-trips"
    );
    simulation.counters().peak_in_flight
}

#[tokio::test(start_paused = true)]
async fn a_local_disk_gets_two_parts_at_a_time() {
    let local = SchedulerConfig::local();
    assert_eq!(local.parts_in_flight, 2);
    assert_eq!(peak_uploads(local, 8).await, 2);
}

#[tokio::test(start_paused = true)]
async fn an_object_store_gets_its_parts_in_parallel_up_to_its_setting() {
    let remote = SchedulerConfig::object_store();
    assert_eq!(
        peak_uploads(remote.clone(), 12).await,
        remote.parts_in_flight
    );
}
