//! Hipcall webhooks (reference §1C): `{"event", "data"}` POSTed unsigned by `mint/1.9.0`, no
//! retries, 15 s timeout. Call events carry the v3 call object as it stood at each stage;
//! company, contact and task events (names not recovered, chosen here) carry the v3 record.
//! Scenarios simulate an inbound, outbound or missed call with consistent timestamps.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::state::{Cdr, FlowStep, HipcallState, Party, PartyKind, Task};
use super::time::format_ts;
use super::Hipcall;
use crate::platform::webhooks::{EnvelopeInput, SecretKind, WebhookSpec};

pub(crate) static SPEC: WebhookSpec = WebhookSpec {
    vendor: super::VENDOR,
    events: &[
        "call_init",
        "call_bridged",
        "call_hangup",
        "contact_created",
        "contact_updated",
        "company_created",
        "company_updated",
        "task_created",
        "task_updated",
    ],
    envelope,
    signature_header: None,
    user_agent: "mint/1.9.0",
    secret: SecretKind::None,
    retries: 0,
    retry_interval_ms: 0,
    deactivate_when_exhausted: false,
    delivered_status: None,
    key_per_account: false,
    broken_after: Some((4, 3_600_000)),
    timeout_ms: 15_000,
    scenarios: &["inbound_call", "outbound_call", "missed_call"],
    source: "Hipcall research notes §1C (call events, envelope, no signature, no retries, 15 s); \
             company/contact/task event names chosen",
};

fn envelope(e: &EnvelopeInput<'_>) -> Value {
    json!({"event": e.event, "data": e.data})
}

/// Events a write produced, with their data, to emit once it has been committed.
pub(crate) type Fired = Vec<(&'static str, Value)>;

fn value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Fields of the v3 call object the documented webhook payloads do not have (the list API's
/// capture does).
const NOT_IN_WEBHOOKS: &[&str] = &["team_touch_at", "company_id"];

/// Null until the call has ended (in `call_init` and `call_bridged`).
const KNOWN_AT_HANGUP: &[&str] = &[
    "ended_at",
    "call_duration",
    "first_touch_duration",
    "missing_call",
    "missing_call_reason",
    "hangup_by",
    "credited",
    "record_url",
    "voicemail_id",
    "voicemail_type",
    "voicemail_url",
    "callback_time",
    "callback_cdr_uuid",
    "callback_user_id",
];

/// Also null in `call_init`, as the documented "call start" shows: who the call reached and
/// who handles it are not known yet.
const KNOWN_AFTER_INIT: &[&str] = &[
    "answered_at",
    "bridged_at",
    "caller_id",
    "caller_type",
    "callee_id",
    "user_id",
    "contact_id",
    "related_id",
    "related_type",
];

/// An ISO timestamp as the webhooks' `call_flow` carries it: Unix seconds.
fn unix_seconds(v: &Value) -> Value {
    v.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or(Value::Null, |t| json!(t.timestamp()))
}

/// `call_init`, `call_bridged` (when answered) and `call_hangup` for a finished call: the v3
/// call object as it stood at each stage, in the documented webhook form (`call_flow`
/// timestamps in Unix seconds, no list-only fields, null what is not known yet).
pub(crate) fn call_events(s: &HipcallState, c: &Cdr) -> Fired {
    let mut full = value(s.v3_call(c));
    if let Some(o) = full.as_object_mut() {
        for k in NOT_IN_WEBHOOKS {
            o.shift_remove(*k);
        }
    }
    let mut flow = full["call_flow"].as_array().cloned().unwrap_or_default();
    for step in &mut flow {
        step["timestamp"] = unix_seconds(&step["timestamp"]);
    }
    full["call_flow"] = Value::Array(flow.clone());
    let upto = |action: &str| -> Value {
        // The flow is newest first: keep the steps from `action` back to the start.
        let start = flow
            .iter()
            .position(|f| f["action"] == action)
            .unwrap_or(flow.len());
        Value::Array(flow[start..].to_vec())
    };
    let mut bridged = full.clone();
    for k in KNOWN_AT_HANGUP {
        bridged[*k] = Value::Null;
    }
    bridged["call_flow"] = upto("bridge");
    let mut init = bridged.clone();
    for k in KNOWN_AFTER_INIT {
        init[*k] = Value::Null;
    }
    init["call_flow"] = upto("init");
    let mut out = vec![("call_init", init)];
    if c.bridged_at.is_some() {
        out.push(("call_bridged", bridged));
    }
    out.push(("call_hangup", full));
    out
}

pub(crate) fn task_fired(s: &HipcallState, event: &'static str, t: &Task) -> Fired {
    vec![(event, value(s.v3_task_detail(t)))]
}

pub(crate) fn party_fired(s: &HipcallState, kind: PartyKind, created: bool, p: &Party) -> Fired {
    match (kind, created) {
        (PartyKind::Contact, true) => vec![("contact_created", value(s.v3_contact(p)))],
        (PartyKind::Contact, false) => vec![("contact_updated", value(s.v3_contact(p)))],
        (PartyKind::Company, true) => vec![("company_created", value(s.v3_company(p)))],
        (PartyKind::Company, false) => vec![("company_updated", value(s.v3_company(p)))],
        (PartyKind::Deal, _) => vec![],
    }
}

impl Hipcall {
    pub fn fire(&self, account: &str, events: Fired) {
        for (name, data) in events {
            self.emit(account, name, data);
        }
    }
}

fn step(action: &str, detail: Value, at: DateTime<Utc>) -> FlowStep {
    FlowStep {
        action: action.into(),
        detail: detail.as_object().cloned().unwrap_or_default(),
        timestamp: format_ts(at),
    }
}

fn param_i64(params: &Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or(format!("{key} must be an integer")),
    }
}

/// A simulated call as a scenario's parameters describe it.
struct SimulatedCall {
    /// 1 inbound, 2 outbound.
    direction: i64,
    missed: bool,
    /// Seconds it rang, and talked (0 when missed).
    ring: i64,
    duration: i64,
    user: i64,
    /// The outside party's number, if given.
    number: Option<String>,
}

impl SimulatedCall {
    fn parse(scenario: &str, params: &Map<String, Value>) -> Result<Self, String> {
        let (direction, missed) = match scenario {
            "inbound_call" => (1, false),
            "outbound_call" => (2, false),
            "missed_call" => (1, true),
            other => {
                return Err(format!(
                    "unknown scenario {other} (known: inbound_call, outbound_call, missed_call)"
                ))
            }
        };
        let ring = param_i64(params, "ring")?.unwrap_or(6).clamp(0, 3600);
        let duration = if missed {
            0
        } else {
            param_i64(params, "duration")?
                .unwrap_or(95)
                .clamp(0, 86_400)
        };
        Ok(Self {
            direction,
            missed,
            ring,
            duration,
            user: param_i64(params, "user_id")?.unwrap_or(2),
            number: params
                .get("number")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// The call's record, ending at `ended`, between the user and the contact whose phone is
    /// the number (a seeded contact's phone when none was given).
    fn record(
        &self,
        s: &mut HipcallState,
        ended: DateTime<Utc>,
        base_url: &str,
    ) -> Result<Cdr, String> {
        let (user, missed, direction) = (self.user, self.missed, self.direction);
        if !s.users.contains(&user) {
            return Err(format!("no user {user}"));
        }
        let (number, contact, line) = self.parties(s);
        let started = ended - Duration::seconds(self.ring + self.duration);
        let bridged = (!missed).then(|| started + Duration::seconds(self.ring));
        let cdrs = &s.cdrs;
        let uuid = super::v3::records::fresh_id(
            &mut s.v3.counters,
            "call",
            1,
            |n| format!("00000000-0000-4000-9000-{n:012x}"),
            |id| cdrs.contains(&id.to_string()),
        );
        let inbound = direction == 1;
        let flow = self.flow(contact, started, bridged, ended);
        let (caller_type, caller_id, caller_number, callee_type, callee_id, callee_number) =
            if inbound {
                (
                    1,
                    contact,
                    number.clone(),
                    Some(2),
                    Some(user),
                    line.1.clone(),
                )
            } else {
                (
                    2,
                    Some(user),
                    line.1.clone(),
                    Some(1),
                    contact,
                    number.clone(),
                )
            };
        Ok(Cdr {
            resource_type: "cdr".into(),
            uuid: uuid.clone(),
            direction,
            user_id: Some(if missed { 0 } else { user }),
            contact_id: contact.unwrap_or(0),
            channel_type: 1,
            channel_id: line.0,
            started_at: format_ts(started),
            answered_at: bridged.map(format_ts),
            bridged_at: bridged.map(format_ts),
            ended_at: Some(format_ts(ended)),
            // Measured as the documented rows are: start to end, start to bridge.
            call_duration: self.ring + self.duration,
            first_touch_duration: if missed { 0 } else { self.ring },
            missing_call: missed,
            missing_call_reason: if missed { 3 } else { 0 },
            caller_id,
            caller_type,
            caller_number,
            callee_id: if missed { None } else { callee_id },
            callee_type: if missed { None } else { callee_type },
            callee_number,
            // A recording that downloads (a short generated WAV on mockdesk's own address),
            // shaped like the vendor's pre-signed link; only answered calls have one.
            record_url: (!missed).then(|| crate::platform::media::recording_url(base_url, &uuid)),
            hangup_by: if missed { 2 } else { 1 },
            voicemail_type: None,
            voicemail_id: None,
            voicemail_url: None,
            call_flow: flow,
        })
    }

    /// The outside party's number (a seeded contact's phone when none was given), the contact
    /// with that phone, and the account's line (id, number).
    fn parties(&self, s: &HipcallState) -> (String, Option<i64>, (i64, String)) {
        let number = match &self.number {
            Some(n) => n.clone(),
            None => s
                .contacts
                .values()
                .find_map(|c| c.details.phones.first().map(|p| p.number.clone()))
                .unwrap_or_else(|| "+905320000000".into()),
        };
        let digits = super::v3::query::digits;
        let contact = s
            .contacts
            .values()
            .find(|c| {
                c.details
                    .phones
                    .iter()
                    .any(|p| digits(&p.number) == digits(&number))
            })
            .map(|c| c.id);
        let line = s
            .numbers
            .values()
            .next()
            .map(|n| (n.id, n.number.clone()))
            .unwrap_or((1, "+908503902777".into()));
        (number, contact, line)
    }

    /// The call's steps, latest first, as the vendor lists them.
    fn flow(
        &self,
        contact: Option<i64>,
        started: DateTime<Utc>,
        bridged: Option<DateTime<Utc>>,
        ended: DateTime<Utc>,
    ) -> Vec<FlowStep> {
        let (user, missed) = (self.user, self.missed);
        let inbound = self.direction == 1;
        let mut flow = vec![step(
            "init",
            json!({
                "id": if inbound { contact.unwrap_or(0) } else { user },
                "type": if inbound { "contact" } else { "user" }
            }),
            started,
        )];
        if let Some(b) = bridged {
            flow.push(step("bridge", json!({"id": user, "type": "user"}), b));
        }
        flow.push(step(
            "hangup",
            json!({"hangup_by": if missed { "contact" } else { "user" }}),
            ended,
        ));
        flow.reverse();
        flow
    }
}

/// `inbound_call`, `outbound_call`, `missed_call`: a call that rang `ring` seconds (default 6)
/// and, unless missed, lasted `duration` seconds (default 95), ending now. Optional `user_id`
/// (default 2) and `number` (the outside party; default a seeded contact's phone).
pub(crate) fn simulate(
    hc: &Hipcall,
    scenario: &str,
    account: &str,
    params: &Map<String, Value>,
    base_url: &str,
) -> Result<Value, String> {
    let call = SimulatedCall::parse(scenario, params)?;
    let now = hc.clock.now();
    let (out, fired) = hc
        .tenants
        .with(account, |s| -> Result<(Value, Fired), String> {
            let cdr = call.record(s, now, base_url)?;
            debug_assert_eq!(s.cdr_problems(&cdr), Vec::<String>::new());
            s.cdrs.insert_first(cdr.uuid.clone(), cdr.clone());
            let fired = call_events(s, &cdr);
            let events: Vec<&str> = fired.iter().map(|(e, _)| *e).collect();
            Ok((json!({"call": cdr.uuid, "events": events}), fired))
        })?;
    hc.fire(account, fired);
    Ok(out)
}
