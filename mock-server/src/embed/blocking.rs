//! [`BlockingMockDesk`]: the embedded emulator for tests without an async runtime.

use std::time::Duration;

use serde_json::Value;

use super::{DeskError, Fault, MockDesk};
use crate::platform::journal::{Entry, Filter};
use crate::platform::webhooks::{Delivery, Subscription};

/// A [`MockDesk`] on a runtime of its own, for tests without an async runtime; the methods
/// block. Dropping it stops the server and the runtime.
pub struct BlockingMockDesk {
    pub(super) desk: Option<MockDesk>,
    pub(super) rt: tokio::runtime::Runtime,
}

impl Drop for BlockingMockDesk {
    fn drop(&mut self) {
        if let Some(desk) = self.desk.take() {
            let _guard = self.rt.enter();
            drop(desk);
        }
    }
}

impl BlockingMockDesk {
    /// The asynchronous handle, for what has no blocking twin here.
    pub fn inner(&self) -> &MockDesk {
        self.desk.as_ref().expect("running until dropped")
    }

    pub fn url(&self) -> String {
        self.inner().url()
    }

    pub fn base_url(&self, surface: &str) -> String {
        self.inner().base_url(surface)
    }

    pub fn token(&self, surface: &str) -> String {
        self.inner().token(surface)
    }

    pub fn requests(&self) -> Vec<Entry> {
        self.inner().requests()
    }

    /// See [`MockDesk::count`].
    pub fn count(&self, filter: Filter) -> usize {
        self.inner().count(filter)
    }

    /// See [`MockDesk::expect`]: checked when this handle is dropped.
    pub fn expect(&self, filter: Filter, times: usize) {
        self.inner().expect(filter, times)
    }

    pub fn state(&self, vendor: &str) -> Result<Value, DeskError> {
        self.inner().state(vendor)
    }

    pub fn reset(&self) -> Result<(), DeskError> {
        self.rt.block_on(self.inner().reset())
    }

    pub fn fault(&self, fault: Fault) -> Result<String, DeskError> {
        self.rt.block_on(self.inner().fault(fault))
    }

    /// See [`MockDesk::stub`].
    pub fn stub(&self, stub: serde_json::Value) -> Result<String, DeskError> {
        self.rt.block_on(self.inner().stub(stub))
    }

    pub fn advance(&self, by: Duration) {
        self.inner().advance(by)
    }

    pub fn subscribe_webhook(
        &self,
        surface: &str,
        url: &str,
        events: &[&str],
    ) -> Result<Subscription, DeskError> {
        self.rt
            .block_on(self.inner().subscribe_webhook(surface, url, events))
    }

    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.inner().webhook_deliveries()
    }

    pub fn simulate(
        &self,
        surface: &str,
        scenario: &str,
        params: Value,
    ) -> Result<Value, DeskError> {
        self.rt
            .block_on(self.inner().simulate(surface, scenario, params))
    }
}
