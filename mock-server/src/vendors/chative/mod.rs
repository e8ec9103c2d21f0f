//! Chative.IO public API v1.0 (`https://api.chative.io/v1.0`), served at `/chative/v1.0`, on
//! `Host: api.chative.io`, or at the root of `--port chative=N`.
//!
//! What is emulated and every choice made where the sources are silent: the fidelity page
//! `docs/fidelity/chative.md`, included below (its one copy).
#![doc = include_str!("../../../../docs/fidelity/chative.md")]

pub mod catalogue;
pub(crate) mod consistency;
pub(crate) mod contacts;
pub(crate) mod errors;
pub(crate) mod seed;
pub(crate) mod snapshot;
pub mod state;
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

use state::ChativeState;

pub const VENDOR: &str = "chative";
pub const DEFAULT_TOKEN: &str = "chative-test-token";

/// All Chative state: one seeded [`ChativeState`] per account.
pub type Chative = VendorState<ChativeState>;

/// The Chative.IO v1.0 surface.
pub static DIALECT: Dialect = Dialect {
    info: SurfaceInfo {
        id: "chative",
        vendor: VENDOR,
        real_base_url: "https://api.chative.io/v1.0",
        real_path: "/v1.0",
        hosts: &["api.chative.io"],
        budget: "chative",
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::RetryAfterOnly,
        source: "seed 002 + Chative research notes",
        framework: Framework {
            name: "unknown",
            trailing_slash: TrailingSlash::NotFound,
            headers: &[],
        },
    },
    // Not stated as a number; the 429 says "Retry in 1 minute": 60 per minute.
    documented: &[Window {
        limit: 60,
        seconds: 60,
    }],
    render_error: errors::render,
    resources: &[("contacts", "Contact")],
    openapi: include_str!("../../../../fixtures/schemas/chative.openapi.json"),
    catalogue: catalogue::cases,
    representative: catalogue::READS,
    snapshot: Some(&snapshot::SPEC),
};

pub fn mount(seed: u64, clock: Clock, bus: Arc<Webhooks>) -> VendorMount {
    let backend = Arc::new(
        Chative::new(VENDOR, DEFAULT_TOKEN, clock, move || seed::build(seed))
            .with_bus(bus)
            .with_simulator(webhooks::simulate),
    );
    VendorMount {
        backend: backend.clone(),
        surfaces: vec![(&DIALECT, contacts::router(backend))],
        webhooks: Some(&webhooks::SPEC),
    }
}
