//! Contract suite for Hipcall v20211124. Runs against a fresh in-process emulator per test, or
//! against `CONTRACT_HIPCALL_BASE_URL` with `CONTRACT_HIPCALL_TOKEN` (read-only unless
//! `CONTRACT_ALLOW_WRITES=1`, throttled under 30 requests/minute). The checks live in
//! `contract_tests::hipcall`.

use contract_tests::hipcall::{self as suite, SURFACE};
use contract_tests::target::Target;

/// Every documented example response of seed 004 validates against the schema.
#[test]
fn documented_examples_validate() {
    suite::documented_examples_validate();
}

/// Every schema operation has a catalogue case, a route and a contract check.
#[test]
fn every_operation_has_a_case_a_route_and_a_check() {
    suite::every_operation_has_a_case_a_route_and_a_check();
}

/// The catalogue's reads and errors conform (and match their snapshots: reads on the emulator
/// only, errors everywhere).
#[test]
fn read_operations_and_errors() {
    suite::read_operations_and_errors(&Target::new(SURFACE));
}

/// Create, update and tag operations answer as documented.
#[test]
fn write_operations() {
    suite::write_operations(&Target::new(SURFACE));
}

/// Every valid per_page walks every record exactly once.
#[test]
fn pagination_covers_every_record_once() {
    suite::pagination_covers_every_record_once(&Target::new(SURFACE));
}

/// Invalid task bodies get 422 naming the field; nothing is created.
#[test]
fn invalid_task_bodies_are_rejected() {
    suite::invalid_task_bodies_are_rejected(&Target::new(SURFACE));
}

/// Valid tasks round-trip through create and get.
#[test]
fn created_tasks_round_trip() {
    suite::created_tasks_round_trip(&Target::new(SURFACE));
}

/// Missing, malformed and unknown credentials get 401.
#[test]
fn bad_credentials_get_401() {
    suite::bad_credentials_get_401(&Target::new(SURFACE));
}

/// The 31st request in a minute gets 429 (emulator only).
#[test]
fn thirty_first_request_is_rate_limited() {
    suite::thirty_first_request_is_rate_limited(&Target::new(SURFACE));
}
