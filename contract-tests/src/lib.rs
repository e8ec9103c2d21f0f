//! Contract tests for mockdesk: the same checks run against the in-process emulator (default)
//! or a real vendor API (`CONTRACT_<SURFACE>_BASE_URL` + `CONTRACT_<SURFACE>_TOKEN`).
//!
//! - [`target`]: where requests go, self-throttling and read-only guards for real targets.
//! - [`schema`]: the surface's OpenAPI document, response validation with JSON-pointer
//!   deviations.
//! - [`redact`]: insta redactions that assert a value's shape before replacing it.
//! - [`strategies`]: proptest strategies for valid and invalid requests.
//! - [`hipcall`], [`hipcall_v3`], [`chative`], [`helpcrunch`], [`hiver`]: each surface's checks, each taking a [`target::Target`].

pub mod chative;
pub mod check;
pub mod helpcrunch;
pub mod hipcall;
pub mod hipcall_v3;
pub mod hiver;
pub mod redact;
pub mod schema;
pub mod strategies;
pub mod target;

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}
