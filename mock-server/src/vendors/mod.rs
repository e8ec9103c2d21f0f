//! One folder per vendor, the same files in each (`mod.rs` with the surfaces' dialects,
//! `models.rs`, `routes*.rs`, `views.rs`, `errors.rs`, `seed.rs`, `catalogue.rs`). Adding a
//! vendor = one folder + one line in [`all`].

pub mod chative;
pub mod helpcrunch;
pub mod hipcall;
pub mod hiver;

use std::sync::Arc;

use crate::platform::clock::Clock;
pub use crate::platform::dialect::VendorMount;
use crate::platform::webhooks::Webhooks;

/// Every vendor, seeded with `seed`, sending its webhooks to `bus`.
pub fn all(seed: u64, clock: &Clock, bus: &Arc<Webhooks>) -> Vec<VendorMount> {
    vec![
        hipcall::mount(seed, clock.clone(), bus.clone()),
        helpcrunch::mount(seed, clock.clone(), bus.clone()),
        chative::mount(seed, clock.clone(), bus.clone()),
        hiver::mount(seed, clock.clone(), bus.clone()),
    ]
}
