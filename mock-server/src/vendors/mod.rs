//! One folder per vendor, the same files in each (`mod.rs` with the surfaces' dialects,
//! `models.rs`, `routes*.rs`, `views.rs`, `errors.rs`, `seed.rs`, `catalogue.rs`). Adding a
//! vendor = one folder + one line in [`all`].

pub mod chative;
pub mod helpcrunch;
pub mod hipcall;
pub mod hiver;

use crate::platform::clock::Clock;
pub use crate::platform::dialect::VendorMount;

/// Every vendor, seeded with `seed`.
pub fn all(seed: u64, clock: &Clock) -> Vec<VendorMount> {
    vec![
        hipcall::mount(seed, clock.clone()),
        helpcrunch::mount(seed, clock.clone()),
        chative::mount(seed, clock.clone()),
        hiver::mount(seed, clock.clone()),
    ]
}
