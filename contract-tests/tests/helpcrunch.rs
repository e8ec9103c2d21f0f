//! Contract suite for HelpCrunch REST API v1. Runs against a fresh in-process emulator per
//! test, or against `CONTRACT_HELPCRUNCH_BASE_URL` with `CONTRACT_HELPCRUNCH_TOKEN` (read-only
//! unless `CONTRACT_ALLOW_WRITES=1`, under 120 requests/minute). The checks live in
//! `contract_tests::helpcrunch`.

use contract_tests::helpcrunch::{self as suite, SURFACE};
use contract_tests::target::Target;

/// The error examples of seed 003 validate against the schema.
#[test]
fn documented_examples_validate() {
    suite::documented_examples_validate();
}

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

/// Every write answers as documented, on records the check creates and deletes.
#[test]
fn write_operations() {
    suite::write_operations(&Target::new(SURFACE));
}

/// Generated searches equal a brute-force filter over the list.
#[test]
fn search_equals_brute_force() {
    suite::search_equals_brute_force(&Target::new(SURFACE));
}

/// Offset/limit paging covers every customer and chat once.
#[test]
fn paging_covers_every_record_once() {
    suite::paging_covers_every_record_once(&Target::new(SURFACE));
}

/// PUT resets omitted fields, PATCH keeps them.
#[test]
fn put_replaces_patch_merges() {
    suite::put_replaces_patch_merges(&Target::new(SURFACE));
}

/// Invalid searches get 400 naming filter[i].
#[test]
fn invalid_searches_name_the_filter() {
    suite::invalid_searches_name_the_filter(&Target::new(SURFACE));
}

/// The 121st request in a minute gets 429 (emulator only).
#[test]
fn request_121_is_rate_limited() {
    suite::request_121_is_rate_limited(&Target::new(SURFACE));
}
