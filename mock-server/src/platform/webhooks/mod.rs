//! Outbound webhooks: the event bus, subscriptions, background delivery and the delivery log.
//!
//! A vendor declares how it pushes events as data ([`WebhookSpec`]: event names, envelope,
//! signature header, user agent, retry policy, timeout). Its handlers (or the admin API's
//! simulations) [`Webhooks::emit`] an event after a write has been committed; every matching
//! active subscription of that vendor and account gets a queued delivery. A background task
//! ([`Webhooks::start`]) sends deliveries — in order per subscription, never blocking a request —
//! signs them where the vendor does, retries on the vendor's schedule measured on the
//! injectable clock (so advancing the admin clock makes due retries go now), deactivates a
//! subscription where the vendor does, and logs every attempt.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha1::Sha1;

use super::clock::Clock;

mod deliver;
mod send;

/// What a vendor's envelope renderer gets for one attempt.
#[derive(Debug, Clone)]
pub struct EnvelopeInput<'a> {
    pub event_id: &'a str,
    pub event: &'a str,
    pub data: &'a Value,
    pub created_at_ms: i64,
    /// Attempts made before this one (0 on the first).
    pub attempt: u32,
    pub last_attempt_ms: Option<i64>,
    pub secret: Option<&'a str>,
}

/// What kind of secret a subscription holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// The vendor signs nothing and sends no token.
    None,
    /// A signing key: 40 lowercase hex characters when generated.
    SigningKey,
    /// A verify token sent in the body.
    VerifyToken,
}

/// How a vendor pushes events (data, no behaviour beyond the envelope).
#[derive(Debug)]
pub struct WebhookSpec {
    pub vendor: &'static str,
    /// Every event name the vendor sends; subscriptions may name a subset.
    pub events: &'static [&'static str],
    pub envelope: fn(&EnvelopeInput<'_>) -> Value,
    /// Header carrying the lowercase hex HMAC-SHA1 of the raw body, keyed with the secret.
    pub signature_header: Option<&'static str>,
    pub user_agent: &'static str,
    pub secret: SecretKind,
    /// Retries after a failed first attempt (0: none).
    pub retries: u32,
    pub retry_interval_ms: i64,
    /// Whether a subscription is deactivated when its retries are used up.
    pub deactivate_when_exhausted: bool,
    /// The one status that counts as delivered (`None`: any 2xx); anything else is a failure.
    pub delivered_status: Option<u16>,
    /// One signing key per account, shared by all its subscriptions (else one each).
    pub key_per_account: bool,
    /// `(failures, within_ms)`: that many failed attempts of one subscription within that
    /// time mark it broken (inactive), the vendor's rule for receivers that keep failing.
    pub broken_after: Option<(u32, i64)>,
    pub timeout_ms: u64,
    /// Vendor-side events `POST /__admin/simulate/{surface}/{scenario}` can cause.
    pub scenarios: &'static [&'static str],
    /// Where the documented facts come from, and which names were chosen.
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Subscription {
    pub id: String,
    pub surface: String,
    pub vendor: String,
    pub account: String,
    pub url: String,
    /// Empty: every event.
    pub events: Vec<String>,
    pub secret: Option<String>,
    pub active: bool,
    pub created_at_ms: i64,
    /// Events dropped undelivered because the subscription's queue was full.
    #[serde(default)]
    pub dropped: u64,
    /// Why the subscription is inactive (retries used up, broken), while it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_reason: Option<String>,
}

impl Subscription {
    /// Whether this subscription receives `vendor`'s `account`'s events now (any event: see
    /// `events` for which).
    fn hears(&self, vendor: &str, account: &str) -> bool {
        self.active && self.vendor == vendor && self.account == account
    }
}

/// One attempt, as the delivery log keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: u64,
    pub subscription: String,
    pub surface: String,
    pub vendor: String,
    pub account: String,
    pub event: String,
    pub event_id: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    /// Attempts made before this one (0 on the first).
    pub attempt: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at_ms: i64,
    pub duration_ms: u64,
    /// When the next attempt is due (admin clock), if one will be made.
    pub next_attempt_at_ms: Option<i64>,
    /// The event's payload as emitted, for redelivery (the body shows it in the vendor's
    /// envelope).
    #[serde(skip)]
    data: Value,
}

impl Delivery {
    /// A log record of `p` for `sub` at `at_ms`, with nothing sent yet (numbered when logged).
    fn of(sub: &Subscription, p: &Pending, at_ms: i64) -> Self {
        Self {
            id: 0,
            subscription: sub.id.clone(),
            surface: sub.surface.clone(),
            vendor: sub.vendor.clone(),
            account: sub.account.clone(),
            event: p.event.clone(),
            event_id: p.event_id.clone(),
            url: sub.url.clone(),
            request_headers: Vec::new(),
            request_body: String::new(),
            attempt: p.attempt,
            status: None,
            error: None,
            at_ms,
            duration_ms: 0,
            next_attempt_at_ms: None,
            data: p.data.clone(),
        }
    }
}

#[derive(Debug, Clone)]
struct Pending {
    event_id: String,
    event: String,
    data: Value,
    created_at_ms: i64,
    attempt: u32,
    last_attempt_ms: Option<i64>,
    due_ms: i64,
}

impl Pending {
    /// A first attempt, due now.
    fn new(event_id: String, event: String, data: Value, now: i64) -> Self {
        Self {
            event_id,
            event,
            data,
            created_at_ms: now,
            attempt: 0,
            last_attempt_ms: None,
            due_ms: now,
        }
    }
}

#[derive(Default)]
struct Inner {
    specs: HashMap<&'static str, &'static WebhookSpec>,
    subs: Vec<Subscription>,
    queues: HashMap<String, VecDeque<Pending>>,
    in_flight: HashMap<String, bool>,
    /// Recent failed attempts per subscription (for [`WebhookSpec::broken_after`]).
    failures: HashMap<String, VecDeque<i64>>,
    log: VecDeque<Delivery>,
    next_sub: u64,
    next_delivery: u64,
    next_event: u64,
}

/// Events waiting per subscription when nothing else is configured.
pub const DEFAULT_QUEUE_LIMIT: usize = 1000;

/// The header every delivery carries. mockdesk refuses to act on a request that carries it, so
/// a subscription that reaches mockdesk itself (through a name it cannot recognise at subscribe
/// time) cannot loop.
pub const DELIVERY_HEADER: &str = "x-mockdesk-delivery";

/// [`DELIVERY_HEADER`] as a header name (looked up without parsing).
pub const DELIVERY_HEADER_NAME: axum::http::HeaderName =
    axum::http::HeaderName::from_static(DELIVERY_HEADER);

/// The bus. Cheap to share (`Arc`).
pub struct Webhooks {
    clock: Clock,
    capacity: usize,
    /// Events waiting per subscription at most (the oldest undelivered goes first).
    queue_limit: AtomicUsize,
    inner: Mutex<Inner>,
    notify: tokio::sync::Notify,
    started: AtomicBool,
    stopped: AtomicBool,
    /// The roots deliveries trust besides the platform's (`--ca-cert`).
    trust: Mutex<super::outbound::Trust>,
    /// The addresses this mockdesk serves on: a subscription to one of them is refused.
    own: Mutex<Vec<std::net::SocketAddr>>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("capacity", &self.capacity)
            .finish()
    }
}

/// Why a subscription was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    #[error("{0}")]
    Invalid(String),
}

/// Lowercase hex HMAC-SHA1 of `body` keyed with `key`.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Webhooks {
    pub fn new(clock: Clock, capacity: usize) -> Self {
        Self::with_queue_limit(clock, capacity, DEFAULT_QUEUE_LIMIT)
    }

    /// [`Webhooks::new`] with a per-subscription queue limit.
    pub fn with_queue_limit(clock: Clock, capacity: usize, queue_limit: usize) -> Self {
        Self {
            clock,
            capacity: capacity.max(1),
            queue_limit: AtomicUsize::new(queue_limit.max(1)),
            inner: Mutex::new(Inner::default()),
            notify: tokio::sync::Notify::new(),
            started: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            trust: Mutex::new(super::outbound::Trust::platform()),
            own: Mutex::new(Vec::new()),
        }
    }

    /// Notes an address this mockdesk serves on (each listener, as it starts).
    pub fn add_own_listener(&self, addr: std::net::SocketAddr) {
        if let Ok(mut own) = self.own.lock() {
            if !own.contains(&addr) {
                own.push(addr);
            }
        }
    }

    /// Whether `url` names one of this mockdesk's own listeners (a delivery would call it).
    fn calls_itself(&self, url: &axum::http::Uri) -> Option<std::net::SocketAddr> {
        use std::net::IpAddr;
        let port = url
            .port_u16()
            .unwrap_or(if url.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let host = url.host()?.trim_start_matches('[').trim_end_matches(']');
        let ip: Option<IpAddr> = host.parse().ok();
        let loopback_name = host.eq_ignore_ascii_case("localhost");
        let own = self.own.lock().ok()?;
        own.iter().copied().find(|a| {
            a.port() == port
                && match ip {
                    Some(ip) => {
                        ip == a.ip()
                            || (a.ip().is_unspecified()
                                && (ip.is_loopback() || ip.is_unspecified()))
                            || (a.ip().is_loopback() && ip.is_loopback())
                    }
                    None => loopback_name && (a.ip().is_loopback() || a.ip().is_unspecified()),
                }
        })
    }

    /// The roots deliveries trust (set before [`Webhooks::start`]).
    pub fn set_trust(&self, trust: super::outbound::Trust) {
        if let Ok(mut t) = self.trust.lock() {
            *t = trust;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a vendor's spec (at mount).
    pub fn register(&self, spec: &'static WebhookSpec) {
        self.lock().specs.insert(spec.vendor, spec);
    }

    pub fn spec(&self, vendor: &str) -> Option<&'static WebhookSpec> {
        self.lock().specs.get(vendor).copied()
    }

    /// Adds a subscription after checking it; a missing secret is generated where the vendor
    /// uses one.
    #[allow(clippy::too_many_arguments)]
    pub fn subscribe(
        &self,
        surface: &str,
        vendor: &str,
        account: &str,
        url: &str,
        events: Vec<String>,
        secret: Option<String>,
    ) -> Result<Subscription, SubscribeError> {
        let spec = self.spec(vendor).ok_or_else(|| {
            SubscribeError::Invalid(format!("surface {surface} sends no webhooks"))
        })?;
        let parsed = url
            .parse::<axum::http::Uri>()
            .map_err(|e| SubscribeError::Invalid(format!("url is not a URL: {e}")))?;
        if !matches!(parsed.scheme_str(), Some("http" | "https"))
            || parsed.host().is_none_or(str::is_empty)
        {
            return Err(SubscribeError::Invalid(
                "url must be an http or https URL with a host".into(),
            ));
        }
        if let Some(own) = self.calls_itself(&parsed) {
            return Err(SubscribeError::Invalid(format!(
                "url points at this mockdesk ({own}): each delivery would call mockdesk itself; \
                 use a receiver of your own"
            )));
        }
        if let Some(bad) = events.iter().find(|e| !spec.events.contains(&e.as_str())) {
            return Err(SubscribeError::Invalid(format!(
                "unknown event {bad} for {vendor} (known: {})",
                spec.events.join(", ")
            )));
        }
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        let given = secret.filter(|s| !s.is_empty());
        // Where the key is the account's, a new subscription shares it, and a key given for
        // one becomes the key of all of them.
        let account_key = spec
            .key_per_account
            .then(|| {
                inner
                    .subs
                    .iter()
                    .find(|s| s.vendor == vendor && s.account == account)
                    .and_then(|s| s.secret.clone())
            })
            .flatten();
        let secret = match (spec.secret, given, account_key) {
            (SecretKind::None, _, _) => None,
            (_, Some(s), _) => Some(s),
            (_, None, Some(k)) => Some(k),
            (kind, None, None) => Some(generate_secret(kind, now)),
        };
        if spec.key_per_account {
            for s in inner
                .subs
                .iter_mut()
                .filter(|s| s.vendor == vendor && s.account == account)
            {
                s.secret.clone_from(&secret);
            }
        }
        inner.next_sub += 1;
        let sub = Subscription {
            id: format!("wh_{}", inner.next_sub),
            surface: surface.into(),
            vendor: vendor.into(),
            account: account.into(),
            url: url.into(),
            events,
            secret,
            active: true,
            created_at_ms: now,
            dropped: 0,
            inactive_reason: None,
        };
        inner.subs.push(sub.clone());
        Ok(sub)
    }

    /// Puts back subscriptions stored by `--state-dir` (ids keep counting after them).
    pub fn restore(&self, subs: Vec<Subscription>) {
        let mut inner = self.lock();
        for s in subs {
            let n = s.id.trim_start_matches("wh_").parse::<u64>().unwrap_or(0);
            inner.next_sub = inner.next_sub.max(n);
            inner.subs.retain(|x| x.id != s.id);
            inner.subs.push(s);
        }
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.lock().subs.clone()
    }

    /// Removes a subscription and its queue; `false` when there was none.
    pub fn unsubscribe(&self, id: &str) -> bool {
        let mut inner = self.lock();
        let before = inner.subs.len();
        inner.subs.retain(|s| s.id != id);
        inner.queues.remove(id);
        inner.subs.len() != before
    }

    /// Whether any active subscription listens to `vendor`'s `account`: a write with nobody
    /// listening skips building its events' payloads.
    pub fn listening(&self, vendor: &str, account: &str) -> bool {
        self.lock().subs.iter().any(|s| s.hears(vendor, account))
    }

    /// Queues `event` for every active matching subscription of `vendor` and `account`.
    pub fn emit(&self, vendor: &str, account: &str, event: &str, data: Value) {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        inner.next_event += 1;
        let targets: Vec<String> = inner
            .subs
            .iter()
            .filter(|s| s.hears(vendor, account))
            .filter(|s| s.events.is_empty() || s.events.iter().any(|e| e == event))
            .map(|s| s.id.clone())
            .collect();
        if targets.is_empty() {
            return;
        }
        let event_id = event_uuid(inner.next_event, now);
        for id in targets {
            let p = Pending::new(event_id.clone(), event.into(), data.clone(), now);
            let limit = self.queue_limit();
            let busy = inner.in_flight.get(&id).copied().unwrap_or(false);
            let queue = inner.queues.entry(id.clone()).or_default();
            queue.push_back(p);
            // Full: the oldest event not being delivered right now goes, and the drop is
            // counted and logged.
            let mut dropped = Vec::new();
            while queue.len() > limit {
                let at = usize::from(busy).min(queue.len() - 1);
                match queue.remove(at) {
                    Some(old) => dropped.push(old),
                    None => break,
                }
            }
            for old in dropped {
                self.log_drop(&mut inner, &id, old, now);
            }
        }
        drop(inner);
        self.notify.notify_one();
    }

    /// Events waiting per subscription at most.
    pub fn queue_limit(&self) -> usize {
        self.queue_limit.load(Ordering::Relaxed)
    }

    /// Sets [`Webhooks::queue_limit`] (`--webhook-queue-limit`; at least 1).
    pub fn set_queue_limit(&self, limit: usize) {
        self.queue_limit.store(limit.max(1), Ordering::Relaxed);
    }

    /// Counts and logs an event dropped from a full queue.
    fn log_drop(&self, inner: &mut Inner, sub_id: &str, p: Pending, now: i64) {
        let Some(sub) = inner.subs.iter_mut().find(|s| s.id == sub_id) else {
            return;
        };
        sub.dropped += 1;
        let sub = sub.clone();
        let mut record = Delivery::of(&sub, &p, now);
        record.error = Some(format!(
            "dropped undelivered: the subscription's queue was full ({} events waiting; --webhook-queue-limit)",
            self.queue_limit()
        ));
        self.log(inner, record);
    }

    /// Appends to the bounded delivery log, numbering the record.
    fn log(&self, inner: &mut Inner, mut record: Delivery) {
        inner.next_delivery += 1;
        record.id = inner.next_delivery;
        inner.log.push_back(record);
        while inner.log.len() > self.capacity {
            inner.log.pop_front();
        }
    }

    /// The delivery log (oldest first), filtered.
    pub fn deliveries(
        &self,
        surface: Option<&str>,
        event: Option<&str>,
        subscription: Option<&str>,
    ) -> Vec<Delivery> {
        self.lock()
            .log
            .iter()
            .filter(|d| surface.is_none_or(|s| d.surface == s))
            .filter(|d| event.is_none_or(|e| d.event == e))
            .filter(|d| subscription.is_none_or(|s| d.subscription == s))
            .cloned()
            .collect()
    }

    /// Queues the event of a logged delivery again for its subscription (attempt counter
    /// from 0); `false` when the delivery or its subscription is gone.
    pub fn redeliver(&self, delivery: u64) -> bool {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        let Some(d) = inner.log.iter().find(|d| d.id == delivery).cloned() else {
            return false;
        };
        if !inner.subs.iter().any(|s| s.id == d.subscription) {
            return false;
        }
        if let Some(s) = inner.subs.iter_mut().find(|s| s.id == d.subscription) {
            s.active = true;
            s.inactive_reason = None;
        }
        let p = Pending::new(d.event_id, d.event, d.data, now);
        inner.queues.entry(d.subscription).or_default().push_back(p);
        drop(inner);
        self.notify.notify_one();
        true
    }

    /// Drops every subscription, queue and log entry (admin reset of everything).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.subs.clear();
        inner.queues.clear();
        inner.log.clear();
    }
}

/// A UUID-shaped event id, unique per bus.
fn event_uuid(n: u64, now_ms: i64) -> String {
    let t = now_ms as u64;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (t >> 16) as u32,
        (t & 0xffff) as u16,
        (n >> 48) & 0xfff,
        (n >> 36) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

fn generate_secret(kind: SecretKind, now_ms: i64) -> String {
    let seed = format!("{now_ms}-{:?}-{}", kind, uuid::Uuid::new_v4());
    let hex = sign("mockdesk", seed.as_bytes());
    match kind {
        SecretKind::VerifyToken => format!("vt_{}", &hex[..24]),
        _ => hex,
    }
}

#[cfg(test)]
mod tests;
