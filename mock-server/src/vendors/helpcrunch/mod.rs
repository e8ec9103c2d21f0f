//! HelpCrunch REST API v1 (`https://api.helpcrunch.com/v1`), served at `/helpcrunch/v1`, on
//! `Host: api.helpcrunch.com`, or at the root of `--port helpcrunch=N`.
//!
//! # Fidelity
//! Source: seed 003 (HelpCrunch "Get started with REST API") and
//! the HelpCrunch research notes (`docs/sources.md`), following its §5 recommendations: the newer documentation
//! generation (string unix timestamps, 201 on create, two-element error arrays), integer and
//! string timestamps accepted on input, PUT replaces and PATCH merges.
//! - Customers: list (`offset`/`limit` ≤ 100, `sort=customers.firstSeen|lastSeen`,
//!   `order`), get, create (201), PUT, PATCH, `PUT /customers/batch` (1–10 items), delete,
//!   `POST /customers/search`, `PUT|DELETE /customers/{id}/tags`, `POST /events`; a duplicate
//!   `userId` is the documented 400 `invalid_userId_value`.
//! - Chats: list (four documented sorts), get, create (201, status `empty`), search, and the
//!   body-addressed actions status / assignee (null unassigns) / department / snooze
//!   (null unsnoozes) / readByAgent / readByCustomer / read / rate (only closed, unrated chats
//!   with an agent message).
//! - Messages: list per chat (newest first, `{data, total}`), post as agent or customer,
//!   `type` message|private.
//! - Agents (and the unsubscribe GET), departments, applications, organization.
//! - Envelopes per endpoint: `{data, total}` (customers, customer search, messages),
//!   `{data, meta: {total}}` (chats, chat search, agents, departments), `{data: {…}}`
//!   (organization), `{data: […]}` (applications), bare objects for single reads and writes.
//! - Errors `{"errors": [{"code": "invalid_request", …}, {…}]}`; 120 requests/minute.
//!
//! # Known deviations (choices where the docs are silent)
//! - **Edges (Symfony)**: a GET/HEAD with a trailing slash is a 301 to the path without it
//!   (other methods: the 404); CORS mirrors the caller's origin; a 405 carries `Allow`.
//! - **Webhooks** (`webhooks.rs`): retries are not documented — 3 more attempts a minute
//!   apart (`attempts` counts them); `lastAttemptAt` on a first attempt is `createdAt`; chat
//!   event times print seconds with milliseconds as the examples do; `chat.new` fires for any
//!   new chat (also `POST /chats`); events come from what a write changed.
//! - **Timestamps**: customers and chats print whole seconds (`"1603885746"`), messages
//!   seconds with milliseconds (`"1594139170.913"`), as the respective examples do.
//! - **Chat status** is printed `on hold`; `on-hold`, `onhold` and the numeric codes of the
//!   newest search example are accepted (1 new, 2 opened, 3 pending, 4 on hold, 5 closed,
//!   6 no communication, 7 empty — the mapping is not documented). `empty` cannot be set.
//! - **Closing** a chat through `PUT /chats/status` sets `closedAt` and `closedBy: "agent"`;
//!   any other status clears both.
//! - **Posting a message**: a customer message sets `lastCustomerMessageAt`, marks the chat
//!   unread by the agent and reopens an empty or closed chat as `new`; an agent message adds the
//!   agent to `agents`, sets `lastCommunicatedAgentId`, marks it unread by the customer and
//!   turns `new`/`empty` into `opened`. Both set `lastMessageAt/Text/Id`. Private notes need an
//!   agent and change none of these. `markdownText` is used as `text` when `text` is absent
//!   (no markdown rendering).
//! - **PUT /customers/{id}** resets every writable field that is omitted (strings to null,
//!   `unsubscribed`/`blocked` to false, `tags` and `customData` to empty). PATCH and batch items
//!   merge, `customData` key by key. Read-only and unknown fields are ignored, so a
//!   read-modify-write round trip works. `customData` is accepted as the documented
//!   `[{property, value}]` list or as the map responses show.
//! - **Search**: an empty or absent `filter` matches everything; `comparison` defaults to AND;
//!   string comparisons are case-insensitive (`~` is "contains"); `tagsData` supports `=`
//!   (has all the tags); `chats.agents` `=` means "an agent who wrote". The search envelopes
//!   mirror the lists (`total` for customers, `meta.total` for chats). At most 50 filters per
//!   search (and 50 tags per `tagsData` value): more is a 400 at `filter` with Symfony's
//!   "This collection should contain 50 elements or less." — no limit is documented; the cap
//!   bounds one request's work.
//! - **Bodies**: writes that take a body (create/PUT/PATCH customer, tags, events, chats, chat
//!   actions, messages) refuse an empty or non-object body with the 400 `invalid_request`
//!   pair; searches read an empty body as "match everything". On PATCH, `null` is applied as
//!   the value PUT gives an omitted field (`blocked`/`unsubscribed` false, `tags` and
//!   `customData` emptied), never ignored. Timestamps outside the years 1–9999 (or too large to
//!   be integers) are the type error, never rounded.
//! - **Chat actions** each have their own body in the OpenAPI document (`ChatActionStatus`,
//!   …): `id` plus the action's field; `snoozedUntil` before 1970 and a non-string
//!   `markdownText` are refused.
//! - **Ids** are never reused: a deleted customer's id (and so its chats) never comes back.
//! - **Limits**: `limit` above 100 or below 1, or a negative `offset`, is a 400 on that
//!   parameter (the docs only give the maximum). Default order is by id; `order` alone
//!   reverses it.
//! - **Delete customer** and **unsubscribe agent** answer the JSON string `"Ok"`.
//! - **Batch update** answers the array of updated customers; any invalid item fails the whole
//!   batch with errors at `[i].field`.
//! - **Applications** are `{id, name, displayName, active, type}` (`web`, `ios`, `android`),
//!   no official example exists. **Events** answer `{id, name, data, createdAt}`.
//! - **Rating** failures answer one entry `invalid_request` with the reason.
//! - **Unknown routes** are 404 `not_found` "Route not found"; wrong methods 405.
//! - **Rate limit**: 120 per minute per account, fixed window; `Retry-After` on 429 (no other
//!   rate-limit headers are documented).
//! - **Injected faults** of an undocumented status answer `{"errors": [{"code": <reason in
//!   snake case>, "message": <reason>}]}`. In the state document customers keep `tags` as names
//!   and the tag colours live in the account's `tags` map.

pub mod catalogue;
pub mod chats;
pub mod customers;
pub mod errors;
pub mod input;
pub mod models;
pub mod routes;
pub mod search;
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

use models::HelpCrunchState;

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
        source: "seed 003 + reference/helpcrunch.md",
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
    openapi: include_str!("../../../../fixtures/schemas/helpcrunch.openapi.json"),
    catalogue: catalogue::cases,
};

pub fn mount(seed: u64, clock: Clock, bus: Arc<Webhooks>) -> VendorMount {
    let backend = Arc::new(
        HelpCrunch::new(VENDOR, DEFAULT_TOKEN, clock, move || seed::build(seed))
            .with_bus(bus)
            .with_simulator(webhooks::simulate),
    );
    VendorMount {
        backend: backend.clone(),
        surfaces: vec![(&DIALECT, routes::router(backend))],
        webhooks: Some(&webhooks::SPEC),
    }
}
