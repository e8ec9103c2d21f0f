//! Contract suite for Chative.IO v1.0. Runs against a fresh in-process emulator per test, or
//! against `CONTRACT_CHATIVE_BASE_URL` with `CONTRACT_CHATIVE_TOKEN` (read-only unless
//! `CONTRACT_ALLOW_WRITES=1`). The checks live in `contract_tests::chative`.

use contract_tests::chative::{self as suite, SURFACE};
use contract_tests::target::Target;

/// Every schema operation has a catalogue case, a route and a contract check.
#[test]
fn every_operation_has_a_case_a_route_and_a_check() {
    suite::every_operation_has_a_case_a_route_and_a_check();
}

/// The catalogue's reads and errors conform and match the shared snapshots (reads on the
/// emulator only).
#[test]
fn read_operations_and_errors() {
    suite::read_operations_and_errors(&Target::new(SURFACE));
}

/// Any limit 1-200 pages through every contact exactly once.
#[test]
fn paging_covers_every_contact_once() {
    suite::paging_covers_every_contact_once(&Target::new(SURFACE));
}

/// Valid PATCH bodies round-trip.
#[test]
fn patch_round_trips() {
    suite::patch_round_trips(&Target::new(SURFACE));
}

/// Invalid PATCH bodies get 400 naming the field and change nothing.
#[test]
fn invalid_patch_changes_nothing() {
    suite::invalid_patch_changes_nothing(&Target::new(SURFACE));
}

/// Delete, then get is 404 (emulator only).
#[test]
fn delete_then_get_is_404() {
    suite::delete_then_get_is_404(&Target::new(SURFACE));
}

/// The 61st request in a minute gets 429 rate_limited (emulator only).
#[test]
fn sixty_first_request_is_rate_limited() {
    suite::sixty_first_request_is_rate_limited(&Target::new(SURFACE));
}
