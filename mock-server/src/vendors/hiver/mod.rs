//! Hiver: two surfaces over one state per account.
//!
//! - `hiver` — the official API v1 (`https://api2.hiverhq.com/v1`), served at `/hiver/v1`,
//!   on `Host: api2.hiverhq.com`, or at the root of `--port hiver=N`.
//! - `hiver-tutorial` — what a third-party tutorial (seed 001, not Hiver's own docs) describes
//!   (`https://api.hiverhq.com/api/v1`), served at `/hiver/api/v1` and on
//!   `Host: api.hiverhq.com`.
//!
//! # Fidelity (official, seed 000 + the Hiver research notes §1, `docs/sources.md`)
//! All 12 operations: inboxes list/get; inbox users list and search by exact email; inbox
//! tags list, search by name, create (200, create-shape fields `tag_id`, `color_hexcode`,
//! `background_hexcode`, `smid`); conversations list, get (`data` is a one-element array with
//! `message_ids`), PATCH (status `open|pending|close`, `assignee.email` of an inbox user,
//! `tags.to_apply`/`to_remove`; 204), shared draft (multipart, found by message id), note
//! (multipart, 201, mentions, `notify_all`, `parent_note_id`, attachment metadata). Ids typed
//! as the spec shows: strings for inbox, user, tag, single conversation and note; numbers for
//! list-row conversation ids, `assignee_id`, `tag_id`, `smid`, message and draft ids.
//! Conversation ids accept the Hiver id or the Gmail thread id. Lists use
//! `{"data": {"results", "pagination": {"next_page"}}}` with `limit` 10–100 (default 10),
//! `sort_by`/`sort_order`, and opaque keyset tokens that carry the sort; `next_page: null` on the
//! last page. 1 request/second and 5000/day per account (both surfaces share the budget).
//!
//! # Fidelity (tutorial, seed 001)
//! `GET /mailboxes` (`{"mailboxes": […]}`), `GET /conversations` filtered by `mailbox_id`,
//! `status`, `tag`, with `limit` and `cursor` -> `next_cursor`, `GET /conversations/:id`
//! (subject, assignee with name, status, tags), assign, status (`open|pending|closed`), notes
//! (JSON `{body, type}`), apply / remove tag, `GET /users`, `GET /tags`, `POST /tags`. The
//! seed holds the ids the tutorial's samples use, so they run unchanged.
//!
//! # Known deviations (choices where the sources are silent)
//! - **Tags**: creating a tag whose name the inbox already has is a 409 (the errors body); a
//!   tag of another mailbox applied to a conversation is the 404 "Tag not found".
//! - **Edges**: the stack is not known: a trailing slash is the 404 in the surface's shape;
//!   CORS mirrors the caller's origin; a 405 carries `Allow`. `api.hiverhq.com` and the
//!   tutorial's own port reach only the tutorial surface (its 404 for `/v1/...`).
//! - **PATCH conversation**: `assignee: null` unassigns; `status: null`, a tag both in
//!   `tags.to_apply` and `tags.to_remove`, or a body that changes nothing is the 400 (what
//!   answers 204 has been applied).
//! - **Webhooks** (`webhooks.rs`) follow the third-party tutorial (seed 001), not Hiver: its
//!   four event names and `data.conversation` / `data.assignee` / `data.status` reads; writes
//!   through the official API fire them too. Unsigned, no retries, agent `Hiver-Webhooks/1.0`.
//! - **Error bodies**: 401 and 429 answer `{"Message": …}`, every other error
//!   `{"errors": [{"message": …}]}` (both shapes are documented, without a rule). 429 carries
//!   `Retry-After` (documented by the tutorial only).
//! - **Unassigned**: the official surface shows `assignee: null`; the tutorial leaves the key
//!   out (its Python sample would crash on `null`, its Node sample treats `{}` as assigned).
//! - **Paging**: `limit` outside 10–100 (tutorial: 1–100) is a 400; `sort_by` per endpoint —
//!   inboxes `id|display_name|created_at`, users `id|email|first_name`, tags
//!   `id|name|created_at`, conversations `id`; default ascending, conversations descending (the
//!   documented token example). A token that was altered, or reused with another query or sort,
//!   is a 400. Tokens are base64 JSON with a checksum, not Hiver's format.
//! - **Searches** match email / tag name exactly, case-insensitively; no match is an empty page.
//! - **PATCH**: unknown fields, an unknown status (the tutorial's `closed` included), an
//!   assignee who is not an inbox user, or a tag of another inbox is a 400 and nothing changes;
//!   an empty body is a 400; `to_apply` wins over nothing, `to_remove` is applied after it.
//! - **Tags**: creating a duplicate name in an inbox is a 400; default colour `#64b5f6`,
//!   background `#f2f4f5`. The tutorial's `POST /tags` answers 201 with `{id, name, color}` and
//!   creates in `mailbox_id` or the first authorised mailbox; its `GET /tags` lists every
//!   mailbox's tags.
//! - **Notes**: the author is the inbox's source user; a mentioned email must be an inbox user
//!   and is rendered `@FirstName`; `notify_all` prefixes `@all`; `mentions` may be repeated
//!   fields, a JSON array or comma-separated; JSON bodies are accepted too. Attachment ids are
//!   derived from name and size (deterministic).
//! - **Tutorial**: mailboxes/users/tags lists are unpaged (the tutorial shows no cursor there);
//!   `limit` defaults to 25; notes answer 201 `{id, conversation_id, body, type, created_at}`;
//!   single conversations are bare objects; `created_at` is ISO 8601.
//! - Subjects exist only on the tutorial surface (the official API has none).
//! - **Injected faults** of an undocumented status answer `{"errors": [{"message": <reason>}]}`
//!   on both surfaces (one state document serves both).

pub mod catalogue;
pub mod consistency;
pub mod errors;
pub mod models;
pub mod routes_official;
pub mod routes_tutorial;
pub mod seed;
pub mod views;
pub mod webhooks;

use std::sync::Arc;

use crate::platform::auth::AuthScheme;
use crate::platform::clock::Clock;
use crate::platform::dialect::{
    Dialect, Framework, RateHeaders, SurfaceInfo, TrailingSlash, VendorMount,
};
use crate::platform::rate_limit::Window;
use crate::platform::store::VendorState;
use crate::platform::webhooks::Webhooks;

use models::HiverState;

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
        source: "seed 000 + reference/hiver.md §1",
        framework: Framework {
            name: "unknown",
            trailing_slash: TrailingSlash::NotFound,
            headers: &[],
        },
    },
    documented: DOCUMENTED,
    render_error: errors::render,
    openapi: include_str!("../../../../fixtures/schemas/hiver.openapi.json"),
    catalogue: catalogue::official,
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
        source: "seed 001 (third-party tutorial, not Hiver's docs) + reference/hiver.md §2",
        framework: Framework {
            name: "unknown",
            trailing_slash: TrailingSlash::NotFound,
            headers: &[],
        },
    },
    documented: DOCUMENTED,
    render_error: errors::render,
    openapi: include_str!("../../../../fixtures/schemas/hiver-tutorial.openapi.json"),
    catalogue: catalogue::tutorial,
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
            (&OFFICIAL, routes_official::router(backend.clone())),
            (&TUTORIAL, routes_tutorial::router(backend)),
        ],
        webhooks: Some(&webhooks::SPEC),
    }
}
