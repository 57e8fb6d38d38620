//! Writers in separate processes, as users run them: concurrent appenders never lose an
//! update, and a writer killed with SIGKILL at any point (appending, deleting, compacting)
//! leaves the dataset readable at its last committed version with nothing partial visible;
//! `cleanup` removes what the killed writers left behind. On local disk and, when the test
//! server runs, on S3.
//!
//! The writer processes are this test binary again, running the ignored test [`worker`]
//! with its task in the environment (see `support/workers.rs`).

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::time::Duration;

use arrow_array::RecordBatch;
use rand::{Rng, SeedableRng};
use shoal_dataset::{CompactOptions, Dataset, Operation, WriteMode};
use support::workers::{report, shared_uris, spawn_worker, worker_task, MARK};
use support::{batch, ids, write, DeleteWhere};

const WRITERS: i64 = 8;
const APPENDS_PER_WRITER: i64 = 50;
const ROWS_PER_APPEND: i64 = 3;

/// The entry point of worker processes; does nothing when run as a test.
#[test]
#[ignore = "the writer process that the other tests of this file start"]
fn worker() {
    let Some((task, uri, index)) = worker_task() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        match task.as_str() {
            "append" => append_many(&uri, index).await,
            "churn" => churn(&uri, index).await,
            other => panic!("unknown worker task {other}"),
        }
    });
}

/// Appends `APPENDS_PER_WRITER` batches with ids unique to this writer.
async fn append_many(uri: &str, writer: i64) {
    for i in 0..APPENDS_PER_WRITER {
        let first = (writer * APPENDS_PER_WRITER + i) * ROWS_PER_APPEND;
        let batches = [batch(first, ROWS_PER_APPEND)];
        if let Err(e) = write(uri, WriteMode::Append, &batches, 100).await {
            panic!("append {i} of writer {writer} to {uri} failed: {e:?}");
        }
    }
}

/// Appends, deletes and compacts in a loop until killed, reporting each operation's start
/// and end on stdout.
async fn churn(uri: &str, round: i64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(round as u64);
    let mut next_id = 1_000_000 * (round + 1);
    loop {
        report("start append");
        let rows = rng.gen_range(500..3000);
        write(uri, WriteMode::Append, &[batch(next_id, rows)], 400)
            .await
            .unwrap();
        next_id += rows;
        report("end append");

        report("start delete");
        let ds = Dataset::open(uri).await.unwrap();
        let cut = next_id - rng.gen_range(1000..4000);
        ds.delete_where(&format!("id < {cut}")).await.unwrap();
        report("end delete");

        report("start compact");
        let ds = Dataset::open(uri).await.unwrap();
        ds.compact(&CompactOptions::default()).await.unwrap();
        report("end compact");
    }
}

async fn all_rows(ds: &Dataset) -> Vec<RecordBatch> {
    ds.scan().batch_rows(1000).collect().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_writer_processes_lose_no_append() {
    let (_dir, uris) = shared_uris("processes-append");
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(-1, 1)], 100)
            .await
            .unwrap();
        let writers: Vec<Child> = (0..WRITERS)
            .map(|w| spawn_worker("append", uri, w))
            .collect();
        for mut w in writers {
            let status = tokio::task::spawn_blocking(move || w.wait()).await.unwrap();
            assert!(
                status.unwrap().success(),
                "a writer process failed on {uri}"
            );
        }
        let ds = Dataset::open(uri).await.unwrap();
        let appends = WRITERS * APPENDS_PER_WRITER;
        assert_eq!(ds.version(), 1 + appends as u64, "{uri}");
        assert_eq!(ds.num_rows(), 1 + (appends * ROWS_PER_APPEND) as u64);
        let history = ds.versions().await.unwrap();
        let numbers: Vec<u64> = history.iter().map(|m| m.version).collect();
        assert_eq!(numbers, (1..=1 + appends as u64).collect::<Vec<_>>());
        assert!(history[1..].iter().all(|m| matches!(
            m.operation,
            Operation::Append { rows } if rows == ROWS_PER_APPEND as u64
        )));
        let mut got: Vec<i64> = all_rows(&ds).await.iter().flat_map(ids).collect();
        got.sort_unstable();
        assert_eq!(got, (-1..appends * ROWS_PER_APPEND).collect::<Vec<_>>());
    }
}

/// A writer killed at a random point; returns the operation it was in (or "between").
async fn kill_a_churning_writer(uri: &str, round: i64, rng: &mut impl Rng) -> String {
    let mut child = spawn_worker("churn", uri, round);
    tokio::time::sleep(Duration::from_millis(rng.gen_range(30..600))).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| l.strip_prefix(MARK).map(str::to_string))
        .collect();
    match lines.last().and_then(|l| l.strip_prefix("start ")) {
        Some(op) => op.to_string(),
        None => "between".to_string(),
    }
}

/// Every version still listed loads and reads whole; the latest has no duplicated row.
async fn check_readable(uri: &str) -> Dataset {
    let ds = Dataset::open(uri).await.unwrap();
    let history = ds.versions().await.unwrap();
    assert_eq!(history.last().unwrap().version, ds.version());
    for manifest in history.iter().rev().take(3) {
        let version = ds.checkout(manifest.version).await.unwrap();
        let rows: usize = all_rows(&version).await.iter().map(|b| b.num_rows()).sum();
        assert_eq!(
            rows as u64,
            version.num_rows(),
            "version {}",
            version.version()
        );
    }
    let got: Vec<i64> = all_rows(&ds).await.iter().flat_map(ids).collect();
    let unique: HashSet<i64> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "no row appears twice");
    ds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_killed_at_random_points_leave_the_last_commit_whole() {
    let (_dir, uris) = shared_uris("processes-crash");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for uri in &uris {
        write(uri, WriteMode::Create, &[batch(0, 1000)], 400)
            .await
            .unwrap();
        let mut interrupted: HashSet<String> = HashSet::new();
        let mut round = 0;
        // At least 12 kills, and until each operation has been interrupted (bounded).
        let wanted = ["append", "delete", "compact"];
        while round < 12 || !wanted.iter().all(|op| interrupted.contains(*op)) {
            assert!(
                round < 80,
                "could not interrupt every operation: {interrupted:?}"
            );
            let op = kill_a_churning_writer(uri, round, &mut rng).await;
            interrupted.insert(op);
            check_readable(uri).await;
            round += 1;
        }
        eprintln!("{uri}: {round} writers killed; interrupted: {interrupted:?}");

        // The killed writers left files no version references; cleanup removes them.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let ds = Dataset::open(uri).await.unwrap();
        let stats = ds.cleanup(Duration::ZERO).await.unwrap();
        assert!(stats.files_removed > 0, "{stats:?}");
        let root = shoal_io::resolve(uri).unwrap();
        let referenced: HashSet<String> = ds
            .fragments()
            .iter()
            .flat_map(|f| {
                std::iter::once(f.data.path.clone())
                    .chain(f.deletion.iter().map(|d| d.path.clone()))
            })
            .collect();
        let mut present = HashSet::new();
        for dir in ["data", "_deletions"] {
            for object in shoal_io::list(&root.child(dir)).await.unwrap() {
                present.insert(format!("{dir}/{}", object.path));
            }
        }
        assert_eq!(
            present, referenced,
            "only what the latest version uses is left"
        );
        assert_eq!(ds.versions().await.unwrap().len(), 1);
        check_readable(uri).await;
    }
}
