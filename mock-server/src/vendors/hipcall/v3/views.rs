//! Hipcall v3 response shapes: the shared records rendered with v3's field names, string enums
//! and `…Z` timestamps (reference §2A), plus the v3-only records.

use serde::Serialize;
use serde_json::{Map, Value};

use super::super::state::{
    Cdr, Extension, FlowStep, Greeting, HipcallState, Number, Party, Tag, Task, Team, User,
};
use super::super::time::Iso;
use super::records::{color_name, Attribute, Disposition, Voicemail, TAG_TYPES};

fn enum_of(v: i64, names: &[&'static str]) -> Option<&'static str> {
    usize::try_from(v - 1)
        .ok()
        .and_then(|i| names.get(i))
        .copied()
}

pub(crate) const DIRECTIONS: &[&str] = &["inbound", "outbound", "internal"];
pub(crate) const PARTY_TYPES: &[&str] = &["contact", "user", "greeting", "team"];
pub(crate) const HANGUP_BY: &[&str] = &["user", "contact", "system"];
pub(crate) const MISSING_REASONS: &[&str] = &[
    "out_of_business_hours",
    "short_abandoned",
    "abandoned",
    "callback",
];

/// The v3 name of a legacy direction code.
pub(crate) fn direction(code: i64) -> &'static str {
    enum_of(code, DIRECTIONS).unwrap_or("internal")
}

#[derive(Serialize)]
pub(crate) struct FlowStepView<'a> {
    action: &'a str,
    detail: &'a Map<String, Value>,
    timestamp: Iso<'a>,
}

#[derive(Serialize)]
pub struct CallView<'a> {
    uuid: &'a str,
    direction: &'static str,
    caller_type: Option<&'static str>,
    caller_id: Option<i64>,
    user_id: Option<i64>,
    caller_number: &'a str,
    callee_type: &'static str,
    callee_id: Option<i64>,
    callee_number: &'a str,
    number_id: Option<i64>,
    channel_type: &'static str,
    channel_id: i64,
    started_at: Iso<'a>,
    answered_at: Option<Iso<'a>>,
    bridged_at: Option<Iso<'a>>,
    ended_at: Iso<'a>,
    call_duration: i64,
    first_touch_duration: i64,
    missing_call: bool,
    missing_call_reason: Option<&'static str>,
    hangup_by: Option<&'static str>,
    credited: bool,
    record_url: &'a Option<String>,
    voicemail_id: Option<i64>,
    voicemail_type: Option<&'static str>,
    voicemail_url: &'a Option<String>,
    callback_time: Option<String>,
    callback_cdr_uuid: Option<String>,
    callback_user_id: Option<i64>,
    team_touch_at: Option<String>,
    company_id: Option<i64>,
    contact_id: Option<i64>,
    related_id: Option<i64>,
    related_type: Option<String>,
    call_flow: Vec<FlowStepView<'a>>,
}

#[derive(Serialize)]
pub struct TaskView<'a> {
    id: i64,
    name: &'a str,
    description: &'a Option<String>,
    done: bool,
    done_at: Option<Iso<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Named<'a> {
    pub(super) id: i64,
    pub(super) name: &'a str,
}

#[derive(Serialize)]
pub struct TaskDetailView<'a> {
    id: i64,
    name: &'a str,
    description: &'a Option<String>,
    done: bool,
    done_at: Option<Iso<'a>>,
    assign_to_user_id: Option<i64>,
    auto_assign_to_user: bool,
    company_ids: &'a [i64],
    contact_ids: &'a [i64],
    deal_ids: &'a [i64],
    companies: Vec<Named<'a>>,
    contacts: Vec<Named<'a>>,
    due_date: Option<Iso<'a>>,
    priority: Option<&'a str>,
    task_list_id: Option<i64>,
}

#[derive(Serialize)]
pub struct UserSummary<'a> {
    id: i64,
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    full_name: &'a str,
}

#[derive(Serialize)]
pub(crate) struct DefaultNumber<'a> {
    id: i64,
    name: &'a str,
    number: &'a str,
    country: &'static str,
}

#[derive(Serialize)]
pub struct UserView<'a> {
    id: i64,
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    full_name: &'a str,
    title: &'a str,
    avatar_url: Option<String>,
    locale: &'a str,
    timezone: &'static str,
    owner: bool,
    suspended: bool,
    state: &'a str,
    state_changed_at: Option<Iso<'a>>,
    phone_prefix: &'static str,
    phone_countries: [&'static str; 1],
    default_number: Option<DefaultNumber<'a>>,
    signature: Option<String>,
    voicemail: bool,
    voicemail_action: &'static str,
    redirect: Option<String>,
    redirect_to: Option<String>,
    redirect_number: Option<String>,
}

#[derive(Serialize)]
pub struct ExtensionView<'a> {
    id: i64,
    name: String,
    number: &'a str,
    target_id: i64,
    target_type: &'a str,
}

#[derive(Serialize)]
pub(crate) struct GreetingView<'a> {
    id: i64,
    name: &'a str,
    state: &'a str,
    direct_dial_extension: bool,
    input_timeout: i64,
    max_input_try_count: i64,
}

#[derive(Serialize)]
pub(crate) struct NumberView<'a> {
    id: i64,
    name: &'a str,
    number: &'a str,
    created_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct TeamView<'a> {
    id: i64,
    name: &'a str,
    state: &'a str,
    strategy: &'a str,
    user_case: &'a str,
    callback_action: &'a str,
    callback: bool,
    callback_dtmf: i64,
    locale: &'static str,
    play_announcement: bool,
    say_line_number: bool,
    say_line_number_in_second: i64,
    wrap_up_time: i64,
}

#[derive(Serialize)]
pub struct TagView<'a> {
    id: i64,
    name: &'a str,
    color: &'a str,
    color_name: &'static str,
    description: &'a Option<String>,
    #[serde(rename = "type")]
    tag_type: &'static str,
}

#[derive(Serialize)]
pub struct CommentView<'a> {
    id: i64,
    content: &'a str,
    user: Option<UserSummary<'a>>,
    inserted_at: Iso<'a>,
}

fn split_name(full: &str) -> (&str, &str) {
    full.split_once(' ').unwrap_or((full, ""))
}

pub(super) fn opt_iso(s: &Option<String>) -> Option<Iso<'_>> {
    s.as_deref().map(Iso)
}

impl HipcallState {
    pub fn v3_call<'a>(&'a self, c: &'a Cdr) -> CallView<'a> {
        let contact = (c.contact_id != 0).then_some(c.contact_id);
        CallView {
            uuid: &c.uuid,
            direction: direction(c.direction),
            caller_type: enum_of(c.caller_type, &["contact", "user"]),
            caller_id: c.caller_id,
            user_id: c.user_id,
            caller_number: &c.caller_number,
            callee_type: c
                .callee_type
                .and_then(|t| enum_of(t, PARTY_TYPES))
                .unwrap_or("hangup"),
            callee_id: c.callee_id,
            callee_number: &c.callee_number,
            number_id: (c.channel_type == 1).then_some(c.channel_id),
            channel_type: if c.channel_type == 2 {
                "web_widget"
            } else {
                "number"
            },
            channel_id: c.channel_id,
            started_at: Iso(&c.started_at),
            answered_at: c.answered_at.as_deref().map(Iso),
            bridged_at: c.bridged_at.as_deref().map(Iso),
            ended_at: Iso(c.ended_at.as_deref().unwrap_or(&c.started_at)),
            call_duration: c.call_duration,
            first_touch_duration: c.first_touch_duration,
            missing_call: c.missing_call,
            missing_call_reason: enum_of(c.missing_call_reason, MISSING_REASONS),
            hangup_by: enum_of(c.hangup_by, HANGUP_BY),
            credited: false,
            record_url: &c.record_url,
            voicemail_id: c.voicemail_id,
            voicemail_type: c
                .voicemail_type
                .and_then(|t| enum_of(t, &["user", "account"])),
            voicemail_url: &c.voicemail_url,
            callback_time: None,
            callback_cdr_uuid: None,
            callback_user_id: None,
            team_touch_at: None,
            company_id: contact
                .and_then(|id| self.contacts.get(&id))
                .and_then(|p| p.details.company_id),
            contact_id: contact,
            related_id: None,
            related_type: None,
            call_flow: c.call_flow.iter().map(flow_step).collect(),
        }
    }

    /// A task as a list row: the task alone.
    pub fn v3_task(t: &Task) -> TaskView<'_> {
        TaskView {
            id: t.id,
            name: &t.name,
            description: &t.description,
            done: t.done,
            done_at: opt_iso(&t.done_at),
        }
    }

    pub fn v3_task_detail<'a>(&'a self, t: &'a Task) -> TaskDetailView<'a> {
        let links = self.task_links.get(&t.id);
        let ids = |f: fn(&super::super::state::TaskLinks) -> &Vec<i64>| -> &'a [i64] {
            links.map_or(&[][..], |l| f(l).as_slice())
        };
        let (company_ids, contact_ids) = (ids(|l| &l.company_ids), ids(|l| &l.contact_ids));
        let named = |c: &'a crate::platform::store::Collection<i64, Party>, list: &'a [i64]| {
            list.iter()
                .filter_map(|id| c.get(id))
                .map(|p| Named {
                    id: p.id,
                    name: &p.name,
                })
                .collect()
        };
        TaskDetailView {
            id: t.id,
            name: &t.name,
            description: &t.description,
            done: t.done,
            done_at: opt_iso(&t.done_at),
            assign_to_user_id: t.assign_to,
            auto_assign_to_user: links.is_some_and(|l| l.auto_assign),
            company_ids,
            contact_ids,
            deal_ids: ids(|l| &l.deal_ids),
            companies: named(&self.companies, company_ids),
            contacts: named(&self.contacts, contact_ids),
            due_date: opt_iso(&t.due_date),
            priority: Some(t.priority.as_str()).filter(|p| !p.is_empty()),
            task_list_id: t.task_list_id,
        }
    }

    pub fn v3_user_summary<'a>(&'a self, id: i64) -> Option<UserSummary<'a>> {
        self.users.get(&id).map(|u| {
            let (first, last) = split_name(&u.name);
            UserSummary {
                id: u.id,
                email: &u.email,
                first_name: first,
                last_name: last,
                full_name: &u.full_name,
            }
        })
    }

    pub fn v3_user<'a>(&'a self, u: &'a User) -> UserView<'a> {
        let (first, last) = split_name(&u.name);
        let presence = self.v3.presence.get(&u.id);
        UserView {
            id: u.id,
            email: &u.email,
            first_name: first,
            last_name: last,
            full_name: &u.full_name,
            title: &u.title,
            avatar_url: None,
            locale: &u.locale,
            timezone: "Europe/Istanbul",
            owner: u.owner,
            suspended: false,
            state: presence.map_or("available", |p| p.state.as_str()),
            state_changed_at: presence.map(|p| Iso(&p.changed_at)),
            phone_prefix: "+90",
            phone_countries: ["TR"],
            default_number: u
                .default_number_id
                .and_then(|n| self.numbers.get(&n))
                .map(|n| DefaultNumber {
                    id: n.id,
                    name: &n.name,
                    number: &n.number,
                    country: "TR",
                }),
            signature: None,
            voicemail: true,
            voicemail_action: "voicemail",
            redirect: None,
            redirect_to: None,
            redirect_number: None,
        }
    }

    /// An extension's name: its target's (user, team or greeting).
    pub fn v3_extension<'a>(&'a self, e: &'a Extension) -> ExtensionView<'a> {
        let target = match e.target_type.as_str() {
            "user" => self.users.get(&e.target_id).map(|u| u.full_name.clone()),
            "team" => self.teams.get(&e.target_id).map(|t| t.name.clone()),
            "greeting" => self.greetings.get(&e.target_id).map(|g| g.name.clone()),
            _ => None,
        };
        ExtensionView {
            id: e.id,
            name: target.unwrap_or_else(|| format!("Extension {}", e.number)),
            number: &e.number,
            target_id: e.target_id,
            target_type: &e.target_type,
        }
    }

    pub fn v3_tag<'a>(t: &'a Tag) -> TagView<'a> {
        TagView {
            id: t.id,
            name: &t.name,
            color: &t.color,
            color_name: color_name(&t.color),
            description: &t.description,
            tag_type: tag_type(t),
        }
    }

    pub fn v3_comment<'a>(&'a self, c: &'a super::super::state::Comment) -> CommentView<'a> {
        CommentView {
            id: c.id,
            content: &c.content,
            user: c.user_id.and_then(|u| self.v3_user_summary(u)),
            inserted_at: Iso(&c.created_at),
        }
    }
}

/// A tag's v3 `type` (from the legacy integer `tag_type`).
pub(crate) fn tag_type(t: &Tag) -> &'static str {
    enum_of(t.tag_type, TAG_TYPES).unwrap_or("contact_centre")
}

fn flow_step(f: &FlowStep) -> FlowStepView<'_> {
    FlowStepView {
        action: &f.action,
        detail: &f.detail,
        timestamp: Iso(&f.timestamp),
    }
}

pub(crate) fn greeting(g: &Greeting) -> GreetingView<'_> {
    GreetingView {
        id: g.id,
        name: &g.name,
        state: &g.state,
        direct_dial_extension: g.direct_dial_extension,
        input_timeout: g.timeout,
        max_input_try_count: g.max_input_try_count,
    }
}

pub(crate) fn number(n: &Number) -> NumberView<'_> {
    NumberView {
        id: n.id,
        name: &n.name,
        number: &n.number,
        created_at: None,
        updated_at: None,
    }
}

pub(crate) fn team(t: &Team) -> TeamView<'_> {
    TeamView {
        id: t.id,
        name: &t.name,
        state: &t.state,
        strategy: &t.strategy,
        user_case: &t.user_case,
        callback_action: &t.callback_action,
        callback: t.callback,
        callback_dtmf: t.callback_dtmf,
        locale: "en",
        play_announcement: false,
        say_line_number: t.say_line_number,
        say_line_number_in_second: t.say_line_number_in_second,
        wrap_up_time: t.wrap_up_time,
    }
}

pub(crate) fn voicemail(v: &Voicemail) -> &Voicemail {
    v
}

pub(crate) fn disposition(d: &Disposition) -> &Disposition {
    d
}

pub(crate) fn attribute(a: &Attribute) -> &Attribute {
    a
}
