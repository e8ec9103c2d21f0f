//! Hipcall: the legacy API v20211124 (`https://api.hipcall.com/api/v20211124`), served at
//! `/hipcall/api/v20211124`, on `Host: api.hipcall.com`, or at the root of `--port hipcall=N`;
//! and the current API v3 (`https://use.hipcall.com/api/v3`, also `use.hipcall.com.tr`), served
//! at `/hipcall/api/v3`, on those hosts, or at the root of `--port hipcall-v3=N`. One state:
//! both APIs read and write the same users, calls, tasks, contacts… (`models.rs`); v3-only
//! records live in `v3.rs`.
//!
//! # v3 fidelity
//! Source: the Hipcall research notes (`docs/sources.md`) §1A/2A/3A/4 — every call of `hipcall-sdk` 0.2.1
//! (`routes_v3.rs`), the SDK models' required fields (`views_v3.rs`), the list language
//! (`query_v3.rs`), the error bodies (`errors_v3.rs`). `make sdk` drives it with the SDK.
//!
//! # v3 known deviations (choices where the reference is silent)
//! - **Webhooks** (`webhooks.rs`): company, contact and task event names were not recovered
//!   (`contact_created`, `contact_updated`, `company_created`, `company_updated`,
//!   `task_created`, `task_updated` chosen); the "4 failures an hour mark it broken" rule is
//!   not emulated; `call_init`/`call_bridged` carry the call as it stood then (no end, no
//!   duration).
//! - **Rate-limit headers** `x-ratelimit-limit`/`x-ratelimit-remaining` as v20211124 sends
//!   them (v3's names were not recorded); 60 requests/minute, fixed window.
//! - **Strict query validation**: unknown parameters are a 422 `Unexpected field` (the server
//!   validates against its OpenAPI spec); `q` is accepted on `/calls` (the SDK sends it).
//! - **`POST /tasks`** takes `{"data": {…}}` (the SDK) or the flat fields (older clients);
//!   so do the comment creates (the SDK wraps only the task comment). With the wrapper nothing
//!   may sit beside `data` (422 per field); a `data` that is not an object is the 400.
//!   The served schema documents the SDK's form only.
//! - **Enum-valued query parameters are checked** as the OpenAPI-validating server would:
//!   `direction[eq|in]` on calls, `status[eq|in]` on conversations, `direction` / `outcome`
//!   on dispositions, `type` on tags (422 with the allowed values); an empty `in` list is
//!   "can't be blank". The schema's `x-sort-fields` and filter parameters list exactly what each
//!   list accepts (a test compares the two).
//! - **JSON types on writes are strict** (no numeric strings for integers, no `false` for
//!   "nobody", unlike v20211124's Laravel casting); an optional field sent as `null` reads as
//!   absent (PATCH: cleared). Card rows' text fields must be strings; a phone's `country` too.
//! - **`date`** on `GET /calls/{uuid}` and `GET /conversations/{id}` must be a valid
//!   `YYYY-MM-DD` but need not match the record (found by id, as the legacy call detail).
//! - **Status codes** where unrecorded: creates 201, tag adds 200 with the tag, deletes 204,
//!   mobile-device delete 200 with its body, email/phone adds 201 with the full list.
//! - **The token's user** is the account owner (user 1): profile, comment authors, devices,
//!   push and SIP tokens, attribution.
//! - **`GET /users`** lists the owner too (v20211124 hides it to reproduce its documented page).
//! - **Extensions** carry `id` and a `name` from their target (user, team or greeting).
//! - **Telephony**: call-and-bridge and extension calls create a completed outbound call at the
//!   request time (bridged at once, 0 s long) and are recorded in `v3.call_requests`.
//! - **Dispositions** can be changed for 60 minutes after the call ended; the first one can
//!   always be set.
//! - **Phones and emails** are matched by digits / case-insensitively; six phones at most.
//! - **Custom fields** are checked against the account's definitions (type, select options,
//!   unknown slugs); none is required in the seed.
//!
//! # Fidelity
//! Source: seed 004 (Hipcall's Scribe docs for v20211124) and the Hipcall research notes (`docs/sources.md`)
//! §1B, §2B, §3B. Every operation of seed 004 is stateful:
//! - `GET /cdrs` (Laravel *simple* paginator: no `total`/`last_page`/`meta.links`,
//!   `per_page` as a string, `links.last` null), `GET /cdrs/{yyyy}/{mm}/{dd}/{uuid}` with
//!   `call_flow` (newest step first).
//! - `POST /comments` (201) on a company, contact, deal or task.
//! - `POST /{companies|contacts}/{id}/tags` with `{"tags": [names]}` (unknown names create
//!   tags), `DELETE /{companies|contacts}/{id}/tags/{tag_id}` -> `{}`.
//! - extensions, greetings, numbers, teams, tasks, users: list (Laravel *full* paginator:
//!   `meta.links` with « Previous / Next » labels, integer `per_page`, `total`) and get.
//! - `POST /tasks` (201) with the documented assignment rules; `PUT /users/{id}` sets the
//!   default number.
//! - Integer enums, `resource_type`, `+0000` timestamps, `x-ratelimit-limit` /
//!   `x-ratelimit-remaining` on every authenticated response, 429 + `Retry-After` after 30
//!   requests in a minute (fixed window, as Laravel's throttle).
//! - Errors: Laravel JSON bodies `{"message": …, "errors": {…}}` (reference §3B: the SDKs
//!   read `errors`).
//!
//! # Known deviations (choices where the docs are silent)
//! - **Edges (Laravel)**: trailing slashes are served; `cache-control: no-cache, private` and
//!   `vary: Origin` on every answer (as documented); preflights answered with the caller's
//!   origin; a 405 says "The X method is not supported for route api/v20211124/… Supported
//!   methods: …" with an `Allow` header. v3 (Phoenix) serves trailing slashes too.
//! - **User 1.** The documented user list starts at id 2 with `total: 28`, yet the documented
//!   calls, extension 4 and the task-create example refer to user 1. The seed keeps user 1 as
//!   the account owner (`owner: true`): `GET /users/1` and `assign_to: 1` work, `GET /users`
//!   leaves it out so the documented page and total reproduce exactly.
//! - **Call-detail date segments** must form a real calendar date (`yyyy/mm/dd`, zero-padded)
//!   or the call is not found; the call is looked up by uuid alone, because the documented
//!   example (`/cdrs/2021/11/25/caedfd1b-…`) uses a date different from its `started_at`.
//! - **Auto-assign without ids.** `auto_assign_to_user: true` with no company, contact or
//!   deal ids (or none with an owner) creates the task unassigned (`assign_to: null`) rather
//!   than failing. Referenced ids must exist (Laravel `exists` style, 422 otherwise).
//! - **Task `priority`** accepts `""`, `low`, `medium`, `high` (the docs show `low`, `medium`
//!   and `""`); omitted or null is stored as `""`. `task_list` is stored as `task_list_id`.
//! - **`PUT /users/{id}`**: the docs give no body; the number id is read from
//!   `default_number_id` (or `default_number`, the v3 name), null clears it; the response is
//!   the user detail.
//! - **Tags** created by name get `tag_type: 1` and colour `#025196` (the Ruby SDK fixture's
//!   values); the add response lists all the record's tags after the change. Removing a known
//!   tag that is not attached is a no-op `{}`; an unknown tag is 404.
//! - **Comments** answer `{resource_type, id, content, commentable_type, created_at,
//!   updated_at}` (the SDK fixture's fields); `commentable_type` is one of company, contact,
//!   deal, task.
//! - **Paging**: `per_page` 1–100 (the maximum is not documented); a non-integer or
//!   out-of-range `per_page` is a 422; a bad `page` falls back to 1 as Laravel does. Page links
//!   keep the client's other query parameters (`withQueryString`) and use the base URL the
//!   client called, so following `next` stays on the emulator.
//! - **Embed, sort, search and filter** are mentioned by the docs without a syntax; unknown
//!   query parameters are ignored.
//! - **Malformed JSON** is a 400 with the Laravel-shaped body (Laravel itself would treat it
//!   as empty input and answer 422 for the missing fields).
//! - **Rate limit** counts only authenticated requests; with `--rate-limits off` the headers
//!   still show the documented limit with the full budget remaining.
//! - **Injected faults** (`POST /__admin/faults`) of a status the docs never show answer the
//!   Laravel shape with the status's reason: `{"message": "Service Unavailable", "errors":
//!   {"detail": ["Service Unavailable"]}}` on v20211124, `{"errors": {"service_unavailable":
//!   ["Service Unavailable"]}}` on v3. The state document (`/__admin/state/hipcall`) holds both
//!   APIs: the v20211124 collections at the top, v3-only records under `v3`.

pub mod catalogue;
pub mod catalogue_v3;
pub mod consistency;
pub mod errors;
pub mod errors_v3;
pub mod models;
pub mod query_v3;
pub mod routes;
pub mod routes_v3;
pub mod seed;
pub mod seed_v3;
pub mod v3;
pub mod v3_calls;
pub mod v3_comms;
pub mod v3_crm;
pub mod views;
pub mod views_v3;
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

use models::HipcallState;

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
        source: "seed 004 + reference/hipcall.md §1B/2B/3B",
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
    openapi: include_str!("../../../../fixtures/schemas/hipcall.openapi.json"),
    catalogue: catalogue::legacy,
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
        source: "reference/hipcall.md §1A/2A/3A/4 (hipcall-sdk 0.2.1)",
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
    render_error: errors_v3::render,
    openapi: include_str!("../../../../fixtures/schemas/hipcall-v3.openapi.json"),
    catalogue: catalogue::v3,
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
            (&LEGACY, routes::router(backend.clone())),
            (&V3, routes_v3::router(backend)),
        ],
        webhooks: Some(&webhooks::SPEC),
    }
}
