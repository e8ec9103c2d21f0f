//! HelpCrunch REST API v1 (`https://api.helpcrunch.com/v1`), served at `/helpcrunch/v1`, on
//! `Host: api.helpcrunch.com`, or at the root of `--port helpcrunch=N`.
//!
//! What is emulated and every choice made where the sources are silent: the fidelity page
//! `docs/fidelity/helpcrunch.md`, included below (its one copy).
#![doc = include_str!("../../../../docs/fidelity/helpcrunch.md")]

pub mod catalogue;
pub(crate) mod chats;
pub(crate) mod customers;
pub(crate) mod errors;
pub(crate) mod input;
pub(crate) mod order;
pub(crate) mod routes;
pub(crate) mod search;
pub(crate) mod seed;
pub(crate) mod snapshot;
pub mod state;
pub(crate) mod team;
pub(crate) mod views;
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

use state::HelpCrunchState;

pub const VENDOR: &str = "helpcrunch";
pub const DEFAULT_TOKEN: &str = "helpcrunch-test-token";

/// All HelpCrunch state: one seeded [`HelpCrunchState`] per account.
pub type HelpCrunch = VendorState<HelpCrunchState>;

/// The HelpCrunch REST API v1 surface.
pub static DIALECT: Dialect = Dialect {
    info: SurfaceInfo {
        id: "helpcrunch",
        vendor: VENDOR,
        real_base_url: "https://api.helpcrunch.com/v1",
        real_path: "/v1",
        hosts: &["api.helpcrunch.com"],
        budget: "helpcrunch",
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::RetryAfterOnly,
        source: "seed 003 + HelpCrunch research notes",
        framework: Framework {
            name: "Symfony",
            trailing_slash: TrailingSlash::Redirect,
            headers: &[],
        },
    },
    // 120 requests per minute per account.
    documented: &[Window {
        limit: 120,
        seconds: 60,
    }],
    render_error: errors::render,
    resources: &[
        ("customers", "Customer"),
        ("chats", "Chat"),
        ("agents", "Agent"),
        ("departments", "Department"),
        ("applications", "Application"),
    ],
    openapi: include_str!("../../../../fixtures/schemas/helpcrunch.openapi.json"),
    catalogue: catalogue::cases,
    representative: catalogue::READS,
    snapshot: Some(&snapshot::SPEC),
};

pub fn mount(seed: u64, clock: Clock, bus: Arc<Webhooks>) -> VendorMount {
    let backend = Arc::new(
        HelpCrunch::new(VENDOR, DEFAULT_TOKEN, clock, move || seed::build(seed))
            .with_bus(bus)
            .with_simulator(webhooks::simulate),
    );
    VendorMount {
        backend: backend.clone(),
        surfaces: vec![(&DIALECT, router(backend))],
        webhooks: Some(&webhooks::SPEC),
    }
}

/// Every resource's route fragment, merged.
fn router(backend: Arc<HelpCrunch>) -> crate::platform::routes::Routes {
    let mut r = crate::platform::routes::Routes::new();
    for fragment in [customers::routes, chats::routes, team::routes] {
        r = fragment(r);
    }
    r.with_state(backend)
}
