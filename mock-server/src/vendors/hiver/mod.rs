//! Hiver: two surfaces over one state per account.
//!
//! - `hiver` — the official API v1 (`https://api2.hiverhq.com/v1`), served at `/hiver/v1`,
//!   on `Host: api2.hiverhq.com`, or at the root of `--port hiver=N`.
//! - `hiver-tutorial` — what a third-party tutorial (seed 001, not Hiver's own docs) describes
//!   (`https://api.hiverhq.com/api/v1`), served at `/hiver/api/v1` and on
//!   `Host: api.hiverhq.com`.
//!
//! What is emulated and every choice made where the sources are silent: the fidelity page
//! `docs/fidelity/hiver.md`, included below (its one copy).
#![doc = include_str!("../../../../docs/fidelity/hiver.md")]

pub mod catalogue;
pub(crate) mod consistency;
pub(crate) mod errors;
pub(crate) mod official;
pub(crate) mod rules;
pub(crate) mod seed;
pub(crate) mod snapshot;
pub mod state;
pub(crate) mod tutorial;
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

use state::HiverState;

pub const VENDOR: &str = "hiver";
pub const DEFAULT_TOKEN: &str = "hiver-test-token";

/// All Hiver state: one seeded [`HiverState`] per account.
pub type Hiver = VendorState<HiverState>;
const BUDGET: &str = "hiver";

/// 1 request per second and 5000 per day, per account, shared by both surfaces.
const DOCUMENTED: &[Window] = &[
    Window {
        limit: 1,
        seconds: 1,
    },
    Window {
        limit: 5000,
        seconds: 86_400,
    },
];

/// The official API v1.
pub static OFFICIAL: Dialect = Dialect {
    info: SurfaceInfo {
        id: "hiver",
        vendor: VENDOR,
        real_base_url: "https://api2.hiverhq.com/v1",
        real_path: "/v1",
        hosts: &["api2.hiverhq.com"],
        budget: BUDGET,
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::RetryAfterOnly,
        source: "seed 000 + Hiver research notes §1",
        framework: Framework {
            name: "unknown",
            trailing_slash: TrailingSlash::NotFound,
            headers: &[],
        },
    },
    documented: DOCUMENTED,
    render_error: errors::render,
    resources: &[
        ("inboxes", "Inbox"),
        ("users", "User"),
        ("tags", "Tag"),
        ("conversations", "Conversation"),
    ],
    openapi: include_str!("../../../../fixtures/schemas/hiver.openapi.json"),
    catalogue: catalogue::official,
    representative: catalogue::OFFICIAL_READS,
    snapshot: Some(&snapshot::SPEC),
};

/// The surface of seed 001's third-party tutorial.
pub static TUTORIAL: Dialect = Dialect {
    info: SurfaceInfo {
        id: "hiver-tutorial",
        vendor: VENDOR,
        real_base_url: "https://api.hiverhq.com/api/v1",
        real_path: "/api/v1",
        hosts: &["api.hiverhq.com"],
        budget: BUDGET,
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::RetryAfterOnly,
        source: "seed 001 (third-party tutorial, not Hiver's docs) + Hiver research notes §2",
        framework: Framework {
            name: "unknown",
            trailing_slash: TrailingSlash::NotFound,
            headers: &[],
        },
    },
    documented: DOCUMENTED,
    render_error: errors::render,
    resources: &[
        ("mailboxes", "Mailbox"),
        ("conversations", "Conversation"),
        ("users", "User"),
        ("tags", "Tag"),
    ],
    openapi: include_str!("../../../../fixtures/schemas/hiver-tutorial.openapi.json"),
    catalogue: catalogue::tutorial,
    representative: catalogue::TUTORIAL_READS,
    snapshot: None,
};

pub fn mount(seed: u64, clock: Clock, bus: Arc<Webhooks>) -> VendorMount {
    let backend = Arc::new(
        Hiver::new(VENDOR, DEFAULT_TOKEN, clock, move || seed::build(seed))
            .with_bus(bus)
            .with_simulator(webhooks::simulate),
    );
    VendorMount {
        backend: backend.clone(),
        surfaces: vec![
            (&OFFICIAL, official::router(backend.clone())),
            (&TUTORIAL, tutorial::router(backend)),
        ],
        webhooks: Some(&webhooks::SPEC),
    }
}
