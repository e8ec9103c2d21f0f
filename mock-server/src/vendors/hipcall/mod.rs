//! Hipcall: the legacy API v20211124 (`https://api.hipcall.com/api/v20211124`), served at
//! `/hipcall/api/v20211124`, on `Host: api.hipcall.com`, or at the root of `--port hipcall=N`;
//! and the current API v3 (`https://use.hipcall.com/api/v3`, also `use.hipcall.com.tr`), served
//! at `/hipcall/api/v3`, on those hosts, or at the root of `--port hipcall-v3=N`. One state:
//! both APIs read and write the same users, calls, tasks, contacts… (`state.rs`, changed by
//! `rules.rs`); v3-only records live in `v3/records.rs`, the v3 API by resource in `v3/`.
//!
//! What is emulated and every choice made where the sources are silent: the fidelity page
//! `docs/fidelity/hipcall.md`, included below (its one copy).
#![doc = include_str!("../../../../docs/fidelity/hipcall.md")]

pub mod catalogue;
pub(crate) mod consistency;
pub(crate) mod errors;
pub(crate) mod legacy;
pub(crate) mod rules;
pub(crate) mod seed;
pub(crate) mod snapshot;
pub mod state;
pub(crate) mod time;
pub mod v3;
pub(crate) mod webhooks;

use std::sync::Arc;

use crate::platform::auth::AuthScheme;
use crate::platform::clock::Clock;
use crate::platform::dialect::{
    Dialect, Framework, RateHeaders, SurfaceInfo, TrailingSlash, VendorMount,
};
use crate::platform::rate_limit::Window;
use crate::platform::store::VendorState;
use crate::platform::webhooks::Webhooks;

use state::HipcallState;

pub const VENDOR: &str = "hipcall";
pub const DEFAULT_TOKEN: &str = "hipcall-test-token";

/// All Hipcall state: one seeded [`HipcallState`] per account.
pub type Hipcall = VendorState<HipcallState>;

/// The v20211124 surface.
pub static LEGACY: Dialect = Dialect {
    info: SurfaceInfo {
        id: "hipcall",
        vendor: VENDOR,
        real_base_url: "https://api.hipcall.com/api/v20211124",
        real_path: "/api/v20211124",
        hosts: &["api.hipcall.com"],
        budget: "hipcall-v20211124",
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::XRateLimit,
        source: "seed 004 + Hipcall research notes §1B/2B/3B",
        framework: Framework {
            name: "Laravel",
            trailing_slash: TrailingSlash::Serve,
            headers: &[("cache-control", "no-cache, private")],
        },
    },
    // `x-ratelimit-limit: 30` per minute.
    documented: &[Window {
        limit: 30,
        seconds: 60,
    }],
    render_error: errors::render,
    resources: &[
        ("users", "User"),
        ("tasks", "Task"),
        ("extensions", "Extension"),
        ("greetings", "Greeting"),
        ("numbers", "Number"),
        ("teams", "Team"),
        ("companies", "Company"),
        ("contacts", "Contact"),
        ("tags", "Tag"),
        ("cdrs", "Cdr"),
        ("comments", "Comment"),
    ],
    openapi: include_str!("../../../../fixtures/schemas/hipcall.openapi.json"),
    catalogue: catalogue::legacy,
    representative: catalogue::LEGACY_READS,
    snapshot: Some(&snapshot::LEGACY),
};

/// The current API, v3 (what the official `hipcall-sdk` calls).
pub static V3: Dialect = Dialect {
    info: SurfaceInfo {
        id: "hipcall-v3",
        vendor: VENDOR,
        real_base_url: "https://use.hipcall.com/api/v3",
        real_path: "/api/v3",
        hosts: &["use.hipcall.com", "use.hipcall.com.tr"],
        budget: "hipcall-v3",
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::XRateLimit,
        source: "Hipcall research notes §1A/2A/3A/4 (hipcall-sdk 0.2.1)",
        framework: Framework {
            name: "Phoenix",
            trailing_slash: TrailingSlash::Serve,
            headers: &[],
        },
    },
    // 60 requests per minute.
    documented: &[Window {
        limit: 60,
        seconds: 60,
    }],
    render_error: v3::errors::render,
    resources: &[
        ("calls", "Call"),
        ("users", "User"),
        ("tasks", "Task"),
        ("companies", "Company"),
        ("contacts", "Contact"),
        ("deals", "Deal"),
        ("tags", "Tag"),
    ],
    openapi: include_str!("../../../../fixtures/schemas/hipcall-v3.openapi.json"),
    catalogue: catalogue::v3,
    representative: v3::catalogue::READS,
    snapshot: Some(&v3::snapshot::SPEC),
};

/// The vendor's backend and its mounted surfaces.
pub fn mount(seed: u64, clock: Clock, bus: Arc<Webhooks>) -> VendorMount {
    let backend = Arc::new(
        Hipcall::new(VENDOR, DEFAULT_TOKEN, clock, move || seed::build(seed))
            .with_bus(bus)
            .with_simulator(webhooks::simulate),
    );
    VendorMount {
        backend: backend.clone(),
        surfaces: vec![
            (&LEGACY, legacy::router(backend.clone())),
            (&V3, v3::router(backend)),
        ],
        webhooks: Some(&webhooks::SPEC),
    }
}
