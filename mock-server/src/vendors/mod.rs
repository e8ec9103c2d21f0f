//! One folder per vendor, the same files in each (`mod.rs`, `models.rs`, `routes.rs`,
//! `errors.rs`, `seed.rs`). Adding a vendor = one folder + one line in [`all`].

pub mod chative;
pub mod helpcrunch;
pub mod hipcall;
pub mod hiver;

use std::sync::Arc;

use axum::Router;

use crate::platform::clock::Clock;
use crate::platform::dialect::{Backend, Dialect};

/// What a vendor contributes: its state (for the admin API) and its surfaces, each a dialect
/// plus a router whose paths are relative to the surface root.
pub struct VendorMount {
    pub backend: Arc<dyn Backend>,
    pub surfaces: Vec<(Arc<dyn Dialect>, Router)>,
}

/// Every vendor, seeded with `seed`.
pub fn all(seed: u64, clock: &Clock) -> Vec<VendorMount> {
    vec![
        hipcall::mount(seed, clock.clone()),
        helpcrunch::mount(seed, clock.clone()),
        chative::mount(seed, clock.clone()),
        hiver::mount(seed, clock.clone()),
    ]
}
