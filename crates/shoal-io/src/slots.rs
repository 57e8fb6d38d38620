//! Request slots granted by priority: a store's concurrency limit, where the waiting request
//! with the lowest priority number (the batch needed soonest) goes next.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// A fixed number of slots and the requests waiting for one.
#[derive(Debug)]
pub(crate) struct PrioritySlots {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    free: usize,
    in_use: usize,
    peak_in_use: usize,
    next_seq: u64,
    /// Min-heap by (priority, arrival).
    waiting: BinaryHeap<Reverse<(u64, u64, WaiterId)>>,
    wakers: std::collections::HashMap<WaiterId, oneshot::Sender<()>>,
}

type WaiterId = u64;

/// A slot; returned to the pool (or handed to the next waiter) when dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    slots: Arc<PrioritySlots>,
}

impl PrioritySlots {
    pub(crate) fn new(slots: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                free: slots.max(1),
                in_use: 0,
                peak_in_use: 0,
                next_seq: 0,
                waiting: BinaryHeap::new(),
                wakers: Default::default(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The most slots ever in use at once.
    pub(crate) fn peak_in_use(&self) -> usize {
        self.lock().peak_in_use
    }

    /// Waits for a slot; lower `priority` numbers are served first, ties in arrival order.
    pub(crate) async fn acquire(self: &Arc<Self>, priority: u64) -> Slot {
        let (id, rx) = {
            let mut state = self.lock();
            // Free slots and live waiters never coexist: a release hands its slot to a
            // waiter first (cancelled waiters' heap entries are skipped when popped).
            if state.free > 0 && state.wakers.is_empty() {
                state.take_slot();
                return Slot {
                    slots: self.clone(),
                };
            }
            let id = state.next_seq;
            state.next_seq += 1;
            let (tx, rx) = oneshot::channel();
            state.waiting.push(Reverse((priority, id, id)));
            state.wakers.insert(id, tx);
            (id, rx)
        };
        let mut waiting = Waiting {
            slots: self.clone(),
            id,
            rx: Some(rx),
        };
        if let Some(rx) = waiting.rx.as_mut() {
            // The sender is only dropped after a send, so this cannot fail while we wait.
            let _ = rx.await;
        }
        waiting.rx = None; // granted: the slot is ours now
        Slot {
            slots: self.clone(),
        }
    }

    fn release(&self) {
        let mut state = self.lock();
        state.in_use -= 1;
        // Hand the slot to the best waiter still waiting.
        while let Some(Reverse((_, _, id))) = state.waiting.pop() {
            if let Some(tx) = state.wakers.remove(&id) {
                if tx.send(()).is_ok() {
                    state.in_use += 1;
                    state.peak_in_use = state.peak_in_use.max(state.in_use);
                    return;
                }
            }
        }
        state.free += 1;
    }
}

impl State {
    fn take_slot(&mut self) {
        self.free -= 1;
        self.in_use += 1;
        self.peak_in_use = self.peak_in_use.max(self.in_use);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.release();
    }
}

/// A request waiting for a slot; if it is dropped (cancelled), it leaves the queue, and a
/// slot granted to it in the meantime is passed on.
struct Waiting {
    slots: Arc<PrioritySlots>,
    id: WaiterId,
    rx: Option<oneshot::Receiver<()>>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let Some(mut rx) = self.rx.take() else {
            return;
        };
        let granted = rx.try_recv().is_ok();
        if granted {
            self.slots.release();
        } else {
            let mut state = self.slots.lock();
            state.wakers.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn waiters_are_served_by_priority_and_cancelled_ones_give_way() {
        let slots = PrioritySlots::new(1);
        let held = slots.acquire(0).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for priority in [5u64, 1, 3] {
            let (slots, order) = (slots.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _slot = slots.acquire(priority).await;
                order.lock().unwrap().push(priority);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // A waiter that gives up does not take a slot with it.
        let cancelled = tokio::time::timeout(Duration::from_millis(5), slots.acquire(0)).await;
        assert!(cancelled.is_err());
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![1, 3, 5]);
        assert_eq!(slots.peak_in_use(), 1);
        let _again = slots.acquire(9).await;
    }
}
