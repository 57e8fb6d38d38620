//! Storage that fails: with requests failing at random (transient errors, as object stores
//! have them), every change either lands whole or returns an error, and what the dataset
//! holds afterwards is exactly the changes that reported success: nothing lost, nothing
//! doubled, every version readable.

mod support;

use shoal_dataset::{Dataset, DatasetWriter, WriteMode, WriteParams};
use shoal_io::{resolve_with, SimConfig, Simulation, StorageOptions};
use support::{batch, scanned_ids, schema};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_under_random_storage_failures_land_whole_or_not_at_all() {
    let simulation = Simulation::new(SimConfig {
        seed: 11,
        ..SimConfig::default()
    });
    let options = StorageOptions::default().with_simulation(simulation.clone());
    let root = resolve_with("memory://failures/ds", &options).unwrap();
    let append = |first: i64, mode: WriteMode| {
        let root = root.clone();
        async move {
            let params = WriteParams {
                max_rows_per_file: 4,
                ..WriteParams::default()
            };
            let mut writer = DatasetWriter::new_at(root, schema(), mode, params).await?;
            writer.write(&batch(first, 10)).await?;
            writer.commit().await
        }
    };
    append(0, WriteMode::Create).await.unwrap();
    simulation.set_failure_rate(0.15);
    let mut expected: Vec<i64> = (0..10).collect();
    let (mut landed, mut failed) = (0, 0);
    for i in 1..60 {
        let first = i * 100;
        match append(first, WriteMode::Append).await {
            Ok(_) => {
                expected.extend(first..first + 10);
                landed += 1;
            }
            Err(e) => {
                assert!(e.to_string().contains("simulated"), "{e}");
                failed += 1;
            }
        }
    }
    simulation.clear_failures();
    assert!(
        landed > 10 && failed > 10,
        "landed {landed}, failed {failed}"
    );
    let ds = Dataset::open_at(root.clone()).await.unwrap();
    assert_eq!(ds.version(), 1 + landed);
    let mut got = scanned_ids(&ds).await;
    got.sort_unstable();
    assert_eq!(got, expected, "exactly the appends that reported success");
    for manifest in ds.versions().await.unwrap() {
        let version = ds.checkout(manifest.version).await.unwrap();
        assert_eq!(scanned_ids(&version).await.len() as u64, version.num_rows());
    }
}
