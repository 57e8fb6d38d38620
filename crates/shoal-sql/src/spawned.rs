//! [`Spawned`]: a task that stops when the one waiting for it goes away.

/// A spawned task, aborted when this handle is dropped (a query or partition dropped before
/// it finished).
pub(crate) struct Spawned<T>(pub(crate) tokio::task::JoinHandle<T>);

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
