//! One folder per vendor, the same names in each (`mod.rs` with the surfaces' dialects and
//! the merged router, `state` the records and the account's state, `seed.rs`, `errors.rs`,
//! `catalogue.rs`, `webhooks.rs`, `views.rs`), and the API by resource beside them: a file or
//! folder per resource with its route fragment, handlers and rules (Hipcall's v3 in
//! `hipcall/v3/`, HelpCrunch's `customers/` and `chats/`, Hiver's `official/`, Chative's
//! `contacts.rs`). Adding a vendor = one folder + one line in [`all`].

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

#[cfg(test)]
mod tests {
    /// Every vendor's seed is what its API would build (its consistency check finds nothing),
    /// on many seeds.
    #[test]
    fn seeds_obey_each_vendors_rules() {
        for seed in 0..10 {
            let found = [
                (
                    "helpcrunch",
                    super::helpcrunch::seed::build(seed).problems(),
                ),
                ("hipcall", super::hipcall::seed::build(seed).problems()),
                ("hiver", super::hiver::seed::build(seed).problems()),
                ("chative", super::chative::seed::build(seed).problems()),
            ];
            for (vendor, problems) in found {
                assert!(problems.is_empty(), "{vendor}, seed {seed}: {problems:#?}");
            }
        }
    }
}
