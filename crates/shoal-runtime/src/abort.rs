//! [`AbortOnDrop`]: a spawned task that stops when the one waiting for it goes away.

/// A spawned task, aborted when this handle is dropped (a scan, query or stream dropped
/// before the task finished).
pub struct AbortOnDrop<T>(pub tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
