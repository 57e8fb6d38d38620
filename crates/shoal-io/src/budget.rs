//! The byte budget: how many bytes a read pipeline may hold between issuing I/O and the
//! consumer dropping the decoded data.
//!
//! A read task reserves its bytes before its I/O is issued; the reservation is handed over
//! with the decoded batch and returns to the budget when the consumer drops it. Reservations
//! are granted in task order (each task has a ticket), so the task the consumer waits for
//! is never stuck behind later ones. Two rules keep every pipeline moving whatever the
//! budget: a task larger than the whole budget reserves the whole budget (and so runs
//! alone), and when nothing is in the pipeline (every reserved byte is with the consumer),
//! the next task may go over the budget. A slow consumer therefore keeps memory at about the
//! budget; one that holds on to every batch gets them one at a time instead of a hang.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// A budget of bytes shared by the tasks of one pipeline.
#[derive(Debug)]
pub struct ByteBudget {
    capacity: u64,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Bytes of every live reservation.
    reserved: u64,
    /// Bytes of reservations not yet handed to the consumer.
    in_pipeline: u64,
    /// The ticket whose turn it is.
    next_ticket: u64,
    peak_reserved: u64,
}

/// Bytes reserved from a [`ByteBudget`], returned when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<ByteBudget>,
    bytes: u64,
    in_pipeline: bool,
}

impl ByteBudget {
    /// A budget of `capacity` bytes (at least 1).
    pub fn new(capacity: u64) -> Arc<Self> {
        Arc::new(Self {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        })
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The most bytes ever reserved at once.
    pub fn peak_reserved(&self) -> u64 {
        self.lock().peak_reserved
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves `bytes` (at most the capacity) for task `ticket`, waiting for the tasks with
    /// lower tickets to reserve first and for the bytes to be free (see the module docs).
    /// Tickets are 0, 1, 2, ... and each is reserved exactly once.
    pub async fn reserve(self: &Arc<Self>, ticket: u64, bytes: u64) -> Reservation {
        let bytes = bytes.min(self.capacity);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                let fits = state.reserved + bytes <= self.capacity || state.in_pipeline == 0;
                if state.next_ticket == ticket && fits {
                    state.next_ticket += 1;
                    state.reserved += bytes;
                    state.in_pipeline += bytes;
                    state.peak_reserved = state.peak_reserved.max(state.reserved);
                    drop(state);
                    self.changed.notify_waiters();
                    return Reservation {
                        budget: self.clone(),
                        bytes,
                        in_pipeline: true,
                    };
                }
            }
            notified.await;
        }
    }
}

impl Reservation {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The reserved data is now the consumer's: it still counts against the budget until
    /// dropped, but no longer as in the pipeline.
    pub fn hand_over(&mut self) {
        if std::mem::take(&mut self.in_pipeline) {
            self.budget.lock().in_pipeline -= self.bytes;
            self.budget.changed.notify_waiters();
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        {
            let mut state = self.budget.lock();
            state.reserved -= self.bytes;
            if self.in_pipeline {
                state.in_pipeline -= self.bytes;
            }
        }
        self.budget.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn times_out<F: std::future::Future>(f: F) -> bool {
        tokio::time::timeout(Duration::from_millis(20), f)
            .await
            .is_err()
    }

    #[tokio::test]
    async fn tasks_wait_for_bytes_and_for_their_turn() {
        let budget = ByteBudget::new(100);
        let mut first = budget.reserve(0, 60).await;
        // Ticket 2 cannot go before ticket 1.
        assert!(times_out(budget.reserve(2, 1)).await);
        // Ticket 1 does not fit while the first is in the pipeline...
        first.hand_over();
        // ...but once the first is with the consumer and nothing is in the pipeline, it may
        // go over the budget rather than wait for the consumer.
        let second = budget.reserve(1, 60).await;
        assert_eq!(budget.peak_reserved(), 120);
        // Now the pipeline is not empty and the budget is spent: ticket 2 waits...
        assert!(times_out(budget.reserve(2, 50)).await);
        drop(first);
        drop(second);
        // ...until bytes come back.
        let _third = budget.reserve(2, 50).await;
    }

    #[tokio::test]
    async fn a_task_larger_than_the_budget_runs_alone() {
        let budget = ByteBudget::new(1);
        let big = budget.reserve(0, 1 << 30).await;
        assert_eq!(big.bytes(), 1);
        assert!(times_out(budget.reserve(1, 5)).await);
        drop(big);
        let next = budget.reserve(1, 5).await;
        assert_eq!(next.bytes(), 1);
    }
}
