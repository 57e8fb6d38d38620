//! The byte budget: how many bytes a read pipeline may hold between issuing I/O and the
//! consumer dropping the decoded data.
//!
//! A read task takes a numbered [`Ticket`] when it is planned (numbers in the order the
//! consumer wants the tasks) and reserves its bytes with it before its I/O is issued; the
//! reservation is handed over with the decoded batch and returns to the budget when the
//! consumer drops it. Waiting tasks are served lowest ticket first, so the task the consumer
//! waits for is never stuck behind later ones. Two rules keep every pipeline moving whatever
//! the budget: a task larger than the whole budget reserves the whole budget; and a task may
//! go over the budget when every byte still in the pipeline (reserved, not yet handed to the
//! consumer) belongs to a later ticket, since an ordered consumer cannot release those bytes
//! before it has this task (so an empty pipeline always lets the next task go). Only waiting
//! tickets are ever waited for: a task dropped unfetched, a fetch cancelled while it waits,
//! or tasks fetched out of order, the last alone, every other one or in reverse, never block
//! the others. A slow consumer therefore keeps memory at about the budget; one that holds on
//! to every batch gets them one at a time instead of a hang.

use std::collections::{BTreeMap, BTreeSet};
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
    /// Bytes of reservations not yet handed to the consumer, by ticket.
    in_pipeline: BTreeMap<u64, u64>,
    /// Tickets waiting in [`Ticket::reserve`].
    waiting: BTreeSet<u64>,
    peak_reserved: u64,
}

/// A task's place in a budget's queue; [`Ticket::reserve`] turns it into a [`Reservation`].
#[derive(Debug)]
pub struct Ticket {
    budget: Arc<ByteBudget>,
    number: u64,
}

/// Bytes reserved from a [`ByteBudget`], returned when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<ByteBudget>,
    ticket: u64,
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

    /// Ticket `number` in this budget's queue (numbers are distinct, in the order the
    /// consumer wants the tasks).
    pub fn ticket(self: &Arc<Self>, number: u64) -> Ticket {
        Ticket {
            budget: self.clone(),
            number,
        }
    }
}

impl Ticket {
    /// The ticket's number.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Reserves `bytes` (at most the capacity), waiting for lower tickets that wait to go
    /// first and for the bytes to be free (see the module docs). A ticket reserves once; a
    /// cancelled wait stops counting as waiting.
    pub async fn reserve(&self, bytes: u64) -> Reservation {
        let budget = &self.budget;
        let bytes = bytes.min(budget.capacity);
        let ticket = self.number;
        let _waiting = Waiting::new(budget, ticket);
        loop {
            let notified = budget.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = budget.lock();
                let first = state.waiting.first() == Some(&ticket);
                let only_later = state
                    .in_pipeline
                    .first_key_value()
                    .is_none_or(|(held, _)| *held > ticket);
                let fits = state.reserved + bytes <= budget.capacity || only_later;
                if first && fits {
                    state.reserved += bytes;
                    *state.in_pipeline.entry(ticket).or_default() += bytes;
                    state.peak_reserved = state.peak_reserved.max(state.reserved);
                    drop(state);
                    budget.changed.notify_waiters();
                    return Reservation {
                        budget: budget.clone(),
                        ticket,
                        bytes,
                        in_pipeline: true,
                    };
                }
            }
            notified.await;
        }
    }
}

impl State {
    fn leave_pipeline(&mut self, ticket: u64, bytes: u64) {
        if let Some(held) = self.in_pipeline.get_mut(&ticket) {
            *held -= bytes.min(*held);
            if *held == 0 {
                self.in_pipeline.remove(&ticket);
            }
        }
    }
}

/// A ticket marked as waiting for as long as this lives.
struct Waiting<'a> {
    budget: &'a ByteBudget,
    ticket: u64,
}

impl<'a> Waiting<'a> {
    fn new(budget: &'a ByteBudget, ticket: u64) -> Self {
        budget.lock().waiting.insert(ticket);
        Self { budget, ticket }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.budget.lock().waiting.remove(&self.ticket);
        self.budget.changed.notify_waiters();
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
            self.budget.lock().leave_pipeline(self.ticket, self.bytes);
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
                state.leave_pipeline(self.ticket, self.bytes);
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
        let (t0, t1, t2) = (budget.ticket(0), budget.ticket(1), budget.ticket(2));
        let mut first = t0.reserve(60).await;
        // Ticket 1 does not fit while the first is in the pipeline, and ticket 2 may not
        // pass it.
        let second = tokio::spawn(async move { t1.reserve(60).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(times_out(t2.reserve(1)).await);
        // Once the first is with the consumer and nothing is in the pipeline, ticket 1 may
        // go over the budget rather than wait for the consumer.
        first.hand_over();
        let second = second.await.unwrap();
        assert_eq!(budget.peak_reserved(), 120);
        // Now the pipeline holds ticket 1 and the budget is spent: ticket 2 waits...
        assert!(times_out(t2.reserve(30)).await);
        drop(first);
        drop(second);
        // ...until bytes come back.
        let _third = t2.reserve(30).await;
    }

    #[tokio::test]
    async fn a_task_larger_than_the_budget_reserves_the_whole_budget() {
        let budget = ByteBudget::new(1);
        let (t0, t1, t2) = (budget.ticket(0), budget.ticket(1), budget.ticket(2));
        let big = t0.reserve(1 << 30).await;
        assert_eq!(big.bytes(), 1);
        assert!(times_out(t1.reserve(5)).await);
        drop(big);
        let next = t1.reserve(5).await;
        assert_eq!(next.bytes(), 1);
        // A later ticket's bytes in the pipeline never hold an earlier one back: the
        // consumer cannot release them before it has the earlier task.
        drop(next);
        let later = t2.reserve(1).await;
        let earlier = budget.ticket(1).reserve(1).await;
        assert_eq!(budget.peak_reserved(), 2);
        drop((later, earlier));
    }

    #[tokio::test]
    async fn tickets_dropped_skipped_or_taken_out_of_order_never_block() {
        let budget = ByteBudget::new(10);
        let tickets: Vec<Ticket> = (0..10).map(|n| budget.ticket(n)).collect();
        // The last one alone, while the others are still held, not handed over.
        let last = tickets[9].reserve(10).await;
        // Every other one, in reverse order, each still in the pipeline when the next
        // (earlier) one reserves.
        let mut held = vec![last];
        for n in (0..9).rev().step_by(2) {
            held.push(tickets[n].reserve(10).await);
        }
        drop(held);
        // A fetch cancelled while it waits, and tickets dropped unreserved, hold nobody.
        let blocker = tickets[1].reserve(10).await;
        assert!(times_out(tickets[3].reserve(5)).await);
        drop(tickets);
        let t5 = budget.ticket(5);
        let late = t5.reserve(5);
        drop(blocker);
        assert_eq!(late.await.bytes(), 5);
    }
}
