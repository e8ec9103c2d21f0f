//! Contract suite for Hiver: the official API v1 (`CONTRACT_HIVER_BASE_URL` /
//! `CONTRACT_HIVER_TOKEN`, throttled to one request per second) and the tutorial surface
//! (`CONTRACT_HIVER_TUTORIAL_BASE_URL` / `_TOKEN`). The checks live in `contract_tests::hiver`.

use contract_tests::hiver::{self as suite, SURFACE, TUTORIAL};
use contract_tests::target::Target;

/// The documented objects validate against the schemas.
#[test]
fn documented_examples_validate() {
    suite::documented_examples_validate();
}

/// Every official operation has a catalogue case, a route and a contract check.
#[test]
fn every_operation_has_a_case_a_route_and_a_check() {
    suite::every_operation_has_a_case_a_route_and_a_check();
}

/// Every tutorial operation has a catalogue case, a route and a contract check.
#[test]
fn every_tutorial_operation_has_a_case_a_route_and_a_check() {
    suite::every_tutorial_operation_has_a_case_a_route_and_a_check();
}

/// The tutorial catalogue's reads conform (snapshots on the emulator).
#[test]
fn tutorial_reads() {
    suite::tutorial_reads(&Target::new(TUTORIAL));
}

/// The tutorial's writes answer as its schema says and read back (emulator only).
#[test]
fn tutorial_writes() {
    suite::tutorial_writes(&Target::new(TUTORIAL));
}

/// The official catalogue's reads and errors conform and match the shared snapshots.
#[test]
fn read_operations_and_errors() {
    suite::read_operations_and_errors(&Target::new(SURFACE));
}

/// PATCH, tag, note and draft writes answer as documented.
#[test]
fn write_operations() {
    suite::write_operations(&Target::new(SURFACE));
}

/// Token paging walks every conversation once at any limit; bad tokens are refused.
#[test]
fn token_paging() {
    suite::token_paging(&Target::new(SURFACE));
}

/// Writes through one surface read back through the other (emulator only).
#[test]
fn writes_cross_surfaces() {
    suite::writes_cross_surfaces(&Target::new(SURFACE));
}

/// The second request inside a second gets 429 (emulator only).
#[test]
fn second_request_in_a_second_is_429() {
    suite::second_request_in_a_second_is_429(&Target::new(SURFACE));
}
