//! Contract suite for Hipcall v3. Runs against a fresh in-process emulator per test, or against
//! `CONTRACT_HIPCALL_V3_BASE_URL` with `CONTRACT_HIPCALL_V3_TOKEN` (read-only unless
//! `CONTRACT_ALLOW_WRITES=1`, throttled under 60 requests/minute). The checks live in
//! `contract_tests::hipcall_v3`.

use contract_tests::hipcall_v3::{self as suite, SURFACE};
use contract_tests::target::Target;

/// Every schema operation has a catalogue case, a route and a contract check.
#[test]
fn every_operation_has_a_case_a_route_and_a_check() {
    suite::every_operation_has_a_case_a_route_and_a_check();
}

/// The catalogue's reads and errors conform and match their snapshots.
#[test]
fn read_operations_and_errors() {
    suite::read_operations_and_errors(&Target::new(SURFACE));
}

/// Every write answers as documented and reads back.
#[test]
fn write_operations() {
    suite::write_operations(&Target::new(SURFACE));
}

/// Offset walks at any limit return every record once, in the requested sort.
#[test]
fn offset_walks_return_every_record_once() {
    suite::offset_walks_return_every_record_once(&Target::new(SURFACE));
}

/// Generated call filters equal a brute-force filter of the full list.
#[test]
fn call_filters_equal_brute_force() {
    suite::call_filters_equal_brute_force(&Target::new(SURFACE));
}

/// Created contacts read back with every field sent.
#[test]
fn created_contacts_round_trip() {
    suite::created_contacts_round_trip(&Target::new(SURFACE));
}

/// The 61st request in a minute gets 429 (emulator only).
#[test]
fn request_61_is_rate_limited() {
    suite::request_61_is_rate_limited(&Target::new(SURFACE));
}
