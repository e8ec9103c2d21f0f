//! Hipcall's shared state: the records both APIs read and write (v20211124 field names), and
//! the lookups every handler needs. The rules that change them are in `rules.rs`; v3-only
//! records in `v3/records.rs`.
//!
//! Field order and JSON types follow the seed 004 examples exactly (see `seed.rs`, which loads
//! the documented records from `fixtures/examples/hipcall/`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::platform::error::{ApiError, ApiResult};
use crate::platform::store::Collection;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FlowStep {
    pub action: String,
    pub detail: Map<String, Value>,
    pub timestamp: String,
}

/// A call detail record. `call_flow` is only shown by the detail endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Cdr {
    pub resource_type: String,
    pub uuid: String,
    pub direction: i64,
    pub user_id: Option<i64>,
    pub contact_id: i64,
    pub channel_type: i64,
    pub channel_id: i64,
    pub started_at: String,
    pub answered_at: Option<String>,
    pub bridged_at: Option<String>,
    pub ended_at: Option<String>,
    pub call_duration: i64,
    pub first_touch_duration: i64,
    pub missing_call: bool,
    pub missing_call_reason: i64,
    pub caller_id: Option<i64>,
    pub caller_type: i64,
    pub caller_number: String,
    pub callee_id: Option<i64>,
    pub callee_type: Option<i64>,
    pub callee_number: String,
    pub record_url: Option<String>,
    pub hangup_by: i64,
    pub voicemail_type: Option<i64>,
    pub voicemail_id: Option<i64>,
    pub voicemail_url: Option<String>,
    #[serde(default)]
    pub call_flow: Vec<FlowStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Extension {
    pub resource_type: String,
    pub id: i64,
    pub number: String,
    pub target_id: i64,
    pub target_type: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Greeting {
    pub resource_type: String,
    pub id: i64,
    pub name: String,
    pub direct_dial_extension: bool,
    pub timeout: i64,
    pub max_input_try_count: i64,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Number {
    pub resource_type: String,
    pub id: i64,
    pub name: String,
    pub number: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Team {
    pub resource_type: String,
    pub id: i64,
    pub name: String,
    pub user_case: String,
    pub wrap_up_time: i64,
    pub strategy: String,
    pub say_line_number: bool,
    pub say_line_number_in_second: i64,
    pub callback: bool,
    pub callback_dtmf: i64,
    pub callback_action: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Task {
    pub resource_type: String,
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub due_date: Option<String>,
    pub done: bool,
    pub done_at: Option<String>,
    pub assign_to: Option<i64>,
    pub priority: String,
    pub task_list_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// The records a task was created for (not part of the documented task shape; kept in state).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TaskLinks {
    pub contact_ids: Vec<i64>,
    pub company_ids: Vec<i64>,
    pub deal_ids: Vec<i64>,
    /// Whether the task was created with `auto_assign_to_user` (v3 shows it).
    #[serde(default)]
    pub auto_assign: bool,
}

/// A user as the list shows it; the detail view drops `full_name` and `status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct User {
    pub resource_type: String,
    pub id: i64,
    pub email: String,
    pub name: String,
    pub full_name: String,
    pub title: String,
    pub owner: bool,
    pub locale: String,
    pub status: String,
    pub default_number_id: Option<i64>,
    pub default_extension_id: Option<i64>,
    #[serde(rename = "2fa")]
    pub two_fa: bool,
    pub last_logged_in: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Tag {
    pub resource_type: String,
    pub id: i64,
    pub name: String,
    pub tag_type: i64,
    pub color: String,
    pub description: Option<String>,
}

/// A company, contact or deal: what comments, tags and task auto-assignment need, plus the
/// details the v3 API shows (the v20211124 API has no endpoint that reads them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Party {
    pub id: i64,
    /// A company's or deal's name; a contact's full name.
    pub name: String,
    /// The owning user, used by task auto-assignment.
    pub owner_id: Option<i64>,
    pub tag_ids: Vec<i64>,
    #[serde(default)]
    pub details: PartyDetails,
}

/// A phone number on a contact or company.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PhoneEntry {
    pub id: i64,
    /// E.164, e.g. `+905321234567`.
    pub number: String,
    /// ISO country code, e.g. `TR`.
    pub country: String,
}

/// A deal's money fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DealTerms {
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// `open`, `won` or `lost`.
    pub state: String,
    pub won_at: Option<String>,
    pub lost_at: Option<String>,
}

/// The v3 fields of a party.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PartyDetails {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub custom_url: Option<String>,
    pub linkedin_url: Option<String>,
    pub website_url: Option<String>,
    pub employee_size: Option<String>,
    /// A contact's company.
    pub company_id: Option<i64>,
    pub life_cycle_id: Option<i64>,
    pub sector_id: Option<i64>,
    pub source_id: Option<i64>,
    /// In order; `order` in responses is the position, counted from 1.
    pub emails: Vec<String>,
    pub phones: Vec<PhoneEntry>,
    pub custom_fields: Map<String, Value>,
    pub deal: Option<DealTerms>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Comment {
    pub resource_type: String,
    pub id: i64,
    pub content: String,
    pub commentable_type: String,
    pub created_at: String,
    pub updated_at: String,
    pub commentable_id: i64,
    /// A call's uuid when `commentable_type` is `call` (v3 only).
    pub commentable_uuid: Option<String>,
    /// The author (v3 shows it; the v20211124 shape does not).
    pub user_id: Option<i64>,
}

/// The kinds of record a comment or tag can hang on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyKind {
    Company,
    Contact,
    Deal,
}

impl PartyKind {
    pub fn resource(self) -> &'static str {
        match self {
            Self::Company => "Company",
            Self::Contact => "Contact",
            Self::Deal => "Deal",
        }
    }
}

/// Everything one Hipcall account holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HipcallState {
    /// The account owner (id 1 in the seed): retrievable and assignable, but not listed by
    /// `GET /users` (see the known deviations in `mod.rs`).
    pub owner_id: i64,
    pub users: Collection<i64, User>,
    /// Kept newest first, the order `GET /cdrs` lists them.
    pub cdrs: Collection<String, Cdr>,
    pub extensions: Collection<i64, Extension>,
    pub greetings: Collection<i64, Greeting>,
    pub numbers: Collection<i64, Number>,
    pub teams: Collection<i64, Team>,
    pub tasks: Collection<i64, Task>,
    pub task_links: BTreeMap<i64, TaskLinks>,
    pub companies: Collection<i64, Party>,
    pub contacts: Collection<i64, Party>,
    pub deals: Collection<i64, Party>,
    pub tags: Collection<i64, Tag>,
    pub comments: Collection<i64, Comment>,
    /// v3 only from here on (see `v3/records.rs`).
    pub v3: super::v3::records::V3State,
}

impl HipcallState {
    pub(super) fn parties(&self, kind: PartyKind) -> &Collection<i64, Party> {
        match kind {
            PartyKind::Company => &self.companies,
            PartyKind::Contact => &self.contacts,
            PartyKind::Deal => &self.deals,
        }
    }

    pub(super) fn parties_mut(&mut self, kind: PartyKind) -> &mut Collection<i64, Party> {
        match kind {
            PartyKind::Company => &mut self.companies,
            PartyKind::Contact => &mut self.contacts,
            PartyKind::Deal => &mut self.deals,
        }
    }

    /// Users as `GET /users` lists them: by id, without the account owner.
    pub fn listed_users(&self) -> Vec<&User> {
        self.users
            .values()
            .filter(|u| u.id != self.owner_id)
            .collect()
    }

    /// Extensions as the seed lists them: ordered by extension number as text.
    pub fn listed_extensions(&self) -> Vec<&Extension> {
        let mut v: Vec<&Extension> = self.extensions.values().collect();
        v.sort_by(|a, b| a.number.cmp(&b.number).then(a.id.cmp(&b.id)));
        v
    }

    /// `GET /cdrs/{yyyy}/{mm}/{dd}/{uuid}`: the date segments must form a real calendar date;
    /// the call is found by uuid alone (the documented example's date differs from its
    /// `started_at`).
    pub fn cdr_detail(&self, yyyy: &str, mm: &str, dd: &str, uuid: &str) -> ApiResult<&Cdr> {
        let well_formed = yyyy.len() == 4 && mm.len() == 2 && dd.len() == 2;
        let date = well_formed
            .then(|| NaiveDate::parse_from_str(&format!("{yyyy}-{mm}-{dd}"), "%Y-%m-%d").ok())
            .flatten();
        let not_found = || ApiError::not_found("Cdr", uuid);
        date.ok_or_else(not_found)?;
        self.cdrs
            .get(&uuid.to_ascii_lowercase())
            .ok_or_else(not_found)
    }
}

/// Parses a path id the way route-model binding does: anything but a positive integer is
/// simply not found.
pub fn path_id(resource: &'static str, raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(resource, raw))
}

crate::keyed!(
    User => id: i64,
    Cdr => uuid: String,
    Extension => id: i64,
    Greeting => id: i64,
    Number => id: i64,
    Team => id: i64,
    Task => id: i64,
    Party => id: i64,
    Tag => id: i64,
    Comment => id: i64,
);
