//! Writer processes for the multi-process tests: the test binary runs itself again as a
//! worker (its ignored test `worker`, which each binary defines), with the task, the
//! dataset's URI and the worker's index in the environment; workers report progress on
//! stdout in lines starting with [`MARK`].

use std::process::{Child, Command, Stdio};

use super::uris;

const TASK: &str = "SHOAL_TEST_WORKER_TASK";
const URI: &str = "SHOAL_TEST_WORKER_URI";
const INDEX: &str = "SHOAL_TEST_WORKER_INDEX";
/// Lines of the worker's stdout that report its progress start with this.
pub const MARK: &str = "@@ ";

/// The URIs of [`uris`] that other processes can reach (an in-memory store is per process).
pub fn shared_uris(test: &str) -> (tempfile::TempDir, Vec<String>) {
    let (dir, uris) = uris(test);
    let shared = uris
        .into_iter()
        .filter(|u| !u.starts_with("memory://"))
        .collect();
    (dir, shared)
}

/// Starts this binary as a worker process doing `task` on the dataset at `uri`.
pub fn spawn_worker(task: &str, uri: &str, index: i64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "worker",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(TASK, task)
        .env(URI, uri)
        .env(INDEX, index.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// In a worker process, its task, URI and index; `None` when run as a plain test.
pub fn worker_task() -> Option<(String, String, i64)> {
    let (Ok(task), Ok(uri), Ok(index)) = (
        std::env::var(TASK),
        std::env::var(URI),
        std::env::var(INDEX),
    ) else {
        return None;
    };
    Some((task, uri, index.parse().unwrap()))
}

/// Reports `what` on stdout, as a progress line.
pub fn report(what: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{what}").unwrap();
    out.flush().unwrap();
}

/// The progress lines in a worker's stdout, without their mark (the first may follow the
/// test harness's `test worker ... ` on its line).
pub fn reports(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.find(MARK).map(|at| l[at + MARK.len()..].to_string()))
        .collect()
}
