//! Fair upload slots for portal reports: a report body is read and processed only while it holds a
//! slot. There are [`Limits::upload_slots`] in all, at most [`Limits::upload_slots_per_client`] for one
//! client address and [`Limits::upload_slots_per_deployment`] for one deployment — so a few slow uploads
//! at one site cannot keep honest visitors of other sites (or other workspaces) out. A request waits for
//! its client's share, its deployment's share and a global slot, in that order, for at most
//! [`Limits::upload_slot_wait`] in all (a double tap simply waits for the first upload), then gets the
//! "busy" page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::limits::Limits;

/// The shares of one kind (clients or deployments): a semaphore per key, dropped when nobody holds or
/// waits for it.
struct Shares {
    per_key: usize,
    keys: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Shares {
    fn new(per_key: usize) -> Self {
        Self { per_key: per_key.max(1), keys: Mutex::default() }
    }

    fn semaphore(&self, key: &str) -> Arc<Semaphore> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(keys.entry(key.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(self.per_key))))
    }

    /// Forgets `key` when nobody holds or waits for its share (the map then holds the only reference).
    fn tidy(&self, key: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if keys.get(key).is_some_and(|s| Arc::strong_count(s) == 1 && s.available_permits() == self.per_key) {
            keys.remove(key);
        }
    }

    fn len(&self) -> usize {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// The slots of one server.
pub struct UploadSlots {
    global: Arc<Semaphore>,
    clients: Shares,
    deployments: Shares,
    wait: Duration,
}

/// Why no slot was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSlot {
    /// This client's share stayed taken for the whole wait.
    Client,
    /// This deployment's share stayed taken for the whole wait.
    Deployment,
    /// Every slot stayed taken for the whole wait.
    Full,
}

/// A held slot; dropping it gives it back.
pub struct UploadSlot {
    slots: Arc<UploadSlots>,
    client: String,
    deployment: String,
    permits: Vec<OwnedSemaphorePermit>,
}

impl UploadSlots {
    /// Slots sized by `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            global: Arc::new(Semaphore::new(limits.upload_slots.max(1))),
            clients: Shares::new(limits.upload_slots_per_client),
            deployments: Shares::new(limits.upload_slots_per_deployment),
            wait: limits.upload_slot_wait,
        }
    }

    /// Takes a slot for `client` (a keyed hash of its address) at `deployment`.
    pub async fn acquire(self: &Arc<Self>, client: &str, deployment: &str) -> Result<UploadSlot, NoSlot> {
        let deadline = Instant::now() + self.wait;
        // The guard exists from the start, so every share taken (or waited for) is given back and tidied.
        let mut slot = UploadSlot {
            slots: Arc::clone(self),
            client: client.to_owned(),
            deployment: deployment.to_owned(),
            permits: Vec::with_capacity(3),
        };
        let steps = [
            (self.clients.semaphore(client), NoSlot::Client),
            (self.deployments.semaphore(deployment), NoSlot::Deployment),
            (Arc::clone(&self.global), NoSlot::Full),
        ];
        for (semaphore, refusal) in steps {
            match tokio::time::timeout_at(deadline, semaphore.acquire_owned()).await {
                Ok(Ok(permit)) => slot.permits.push(permit),
                _ => return Err(refusal),
            }
        }
        Ok(slot)
    }

    /// How many clients and deployments hold or wait for a share (for tests: nothing is left behind).
    pub fn tracked(&self) -> (usize, usize) {
        (self.clients.len(), self.deployments.len())
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        self.permits.clear();
        self.slots.clients.tidy(&self.client);
        self.slots.deployments.tidy(&self.deployment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(total: usize, per_client: usize, per_deployment: usize) -> Arc<UploadSlots> {
        Arc::new(UploadSlots::new(&Limits {
            upload_slots: total,
            upload_slots_per_client: per_client,
            upload_slots_per_deployment: per_deployment,
            upload_slot_wait: Duration::from_millis(30),
            ..Limits::default()
        }))
    }

    #[tokio::test]
    async fn one_client_and_one_deployment_get_only_their_share() {
        let slots = slots(4, 1, 2);
        let a1 = slots.acquire("client-a", "site-1").await.expect("first upload of a");
        assert_eq!(slots.acquire("client-a", "site-1").await.err(), Some(NoSlot::Client));
        let _b1 = slots.acquire("client-b", "site-1").await.expect("b at site 1");
        assert_eq!(slots.acquire("client-c", "site-1").await.err(), Some(NoSlot::Deployment));
        let _c2 = slots.acquire("client-c", "site-2").await.expect("site 2 is not starved by site 1");
        drop(a1);
        assert!(slots.acquire("client-a", "site-1").await.is_ok(), "a finished upload gives its share back");
    }

    #[tokio::test]
    async fn a_second_upload_of_the_same_client_waits_for_the_first() {
        let slots = slots(4, 1, 4);
        let first = slots.acquire("phone", "site").await.expect("first");
        let waiting = {
            let slots = Arc::clone(&slots);
            tokio::spawn(async move { slots.acquire("phone", "site").await.is_ok() })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(first);
        assert!(waiting.await.expect("task"), "the double tap got the slot once the first was done");
    }

    #[tokio::test]
    async fn the_global_cap_waits_and_then_refuses_without_leaving_shares_behind() {
        let slots = slots(1, 1, 1);
        let held = slots.acquire("a", "site-1").await.expect("the only slot");
        assert_eq!(slots.acquire("b", "site-2").await.err(), Some(NoSlot::Full));
        assert_eq!(slots.tracked(), (1, 1), "only the holder is tracked");
        drop(held);
        assert_eq!(slots.tracked(), (0, 0), "nothing left behind");
        assert!(slots.acquire("b", "site-2").await.is_ok());
    }
}
