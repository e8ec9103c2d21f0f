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

/// Both schemas document exactly the operations the checks are written for.
#[test]
fn schema_documents_exactly_these_operations() {
    suite::schema_documents_exactly_these_operations();
}

/// The tutorial surface's reads conform to its schema.
#[test]
fn tutorial_reads() {
    suite::tutorial_reads(&Target::new(TUTORIAL));
}

/// Lists, searches and details conform (snapshots on the emulator).
#[test]
fn read_operations() {
    suite::read_operations(&Target::new(SURFACE));
}

/// Auth, not-found, limit and token errors match the shared snapshots.
#[test]
fn error_exchanges() {
    suite::error_exchanges(&Target::new(SURFACE));
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
