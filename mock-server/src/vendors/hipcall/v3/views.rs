//! Hipcall v3 response shapes: the shared records rendered with v3's field names, string enums
//! and `…Z` timestamps (reference §2A), plus the v3-only records.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::super::models::{
    Cdr, Extension, FlowStep, Greeting, HipcallState, Number, Party, Tag, Task, Team, User,
};
use super::super::time::Iso;
use super::records::{
    color_name, Attribute, Consent, Conversation, CustomFieldDef, Disposition, Inbox, Message,
    Procedure, TemplateMessage, Voicemail, TAG_TYPES,
};

fn enum_of(v: i64, names: &[&'static str]) -> Option<&'static str> {
    usize::try_from(v - 1)
        .ok()
        .and_then(|i| names.get(i))
        .copied()
}

pub const DIRECTIONS: &[&str] = &["inbound", "outbound", "internal"];
const PARTY_TYPES: &[&str] = &["contact", "user", "greeting", "team"];
const HANGUP_BY: &[&str] = &["user", "contact", "system"];
const MISSING_REASONS: &[&str] = &[
    "out_of_business_hours",
    "short_abandoned",
    "abandoned",
    "callback",
];

/// The v3 name of a legacy direction code.
pub fn direction(code: i64) -> &'static str {
    enum_of(code, DIRECTIONS).unwrap_or("internal")
}

#[derive(Serialize)]
pub struct FlowStepView<'a> {
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
pub struct Named<'a> {
    id: i64,
    name: &'a str,
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
pub struct DefaultNumber<'a> {
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
pub struct GreetingView<'a> {
    id: i64,
    name: &'a str,
    state: &'a str,
    direct_dial_extension: bool,
    input_timeout: i64,
    max_input_try_count: i64,
}

#[derive(Serialize)]
pub struct NumberView<'a> {
    id: i64,
    name: &'a str,
    number: &'a str,
    created_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Serialize)]
pub struct TeamView<'a> {
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

#[derive(Serialize)]
pub struct EmailView<'a> {
    email: &'a str,
    order: usize,
}

#[derive(Serialize)]
pub struct PhoneView<'a> {
    id: i64,
    number: &'a str,
    country: &'a str,
    order: usize,
}

#[derive(Serialize)]
pub struct ContactCompany<'a> {
    id: i64,
    name: &'a str,
    linkedin_url: &'a Option<String>,
    website_url: &'a Option<String>,
}

#[derive(Serialize)]
pub struct ContactView<'a> {
    id: i64,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    full_name: &'a str,
    job_title: &'a Option<String>,
    external_id: &'a Option<String>,
    custom_url: &'a Option<String>,
    linkedin_url: &'a Option<String>,
    emails: Vec<EmailView<'a>>,
    phones: Vec<PhoneView<'a>>,
    company: Option<ContactCompany<'a>>,
    user: Option<UserSummary<'a>>,
    life_cycle: Option<Named<'a>>,
    sector: Option<Named<'a>>,
    source: Option<Named<'a>>,
    custom_fields: &'a Map<String, Value>,
}

#[derive(Serialize)]
pub struct CompanyContact<'a> {
    id: i64,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    full_name: &'a str,
    job_title: &'a Option<String>,
}

#[derive(Serialize)]
pub struct CompanyView<'a> {
    id: i64,
    name: &'a str,
    description: &'a Option<String>,
    external_id: &'a Option<String>,
    custom_url: &'a Option<String>,
    linkedin_url: &'a Option<String>,
    website_url: &'a Option<String>,
    employee_size: &'a Option<String>,
    emails: Vec<EmailView<'a>>,
    phones: Vec<PhoneView<'a>>,
    contacts: Vec<CompanyContact<'a>>,
    user: Option<UserSummary<'a>>,
    life_cycle: Option<Named<'a>>,
    sector: Option<Named<'a>>,
    source: Option<Named<'a>>,
    custom_fields: &'a Map<String, Value>,
}

#[derive(Serialize)]
pub struct LineItem<'a> {
    id: i64,
    name: &'static str,
    quantity: f64,
    unit_price: f64,
    total: f64,
    billing_frequency: &'static str,
    billing_cycles: Option<i64>,
    code: String,
    currency: &'a Option<String>,
    position: i64,
    /// The SDK's other optional line-item fields: a line item made from the deal's amount has
    /// no value for them, and the vendor sends them as null.
    #[serde(flatten)]
    unset: LineItemUnset,
}

/// Line-item fields with no value here (all null).
#[derive(Serialize, Default)]
pub struct LineItemUnset {
    commissionable: Option<bool>,
    communications_tax_rate: Option<f64>,
    discount_type: Option<&'static str>,
    discount_value: Option<f64>,
    excise_duty_type: Option<&'static str>,
    excise_duty_value: Option<f64>,
    product_id: Option<i64>,
    starts_on: Option<&'static str>,
    unit: Option<&'static str>,
    unit_code: Option<&'static str>,
    vat_rate: Option<f64>,
    vat_withholding_rate: Option<f64>,
}

#[derive(Serialize)]
pub struct DealView<'a> {
    id: i64,
    name: &'a str,
    amount: Option<f64>,
    arr: Option<f64>,
    mrr: Option<f64>,
    currency: &'a Option<String>,
    state: &'a str,
    won_at: Option<Iso<'a>>,
    lost_at: Option<Iso<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_items: Option<Vec<LineItem<'a>>>,
}

#[derive(Serialize)]
pub struct ConversationView<'a> {
    id: &'a str,
    inbox_id: &'a str,
    status: &'a str,
    last_activity_at: Iso<'a>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    assignee_id: Option<i64>,
    unread_count: i64,
    last_message_preview: &'a Option<String>,
    contact_info: Value,
    answered_at: Option<Iso<'a>>,
    bridged_at: Option<String>,
    closed_at: Option<Iso<'a>>,
}

#[derive(Serialize)]
pub struct MessageView<'a> {
    id: &'a str,
    conversation_id: &'a str,
    #[serde(rename = "type")]
    message_type: &'a str,
    direction: &'a str,
    author: &'a str,
    user_id: Option<i64>,
    state: &'a str,
    payload: &'a Map<String, Value>,
    media_url: Option<String>,
    error_code: Option<i64>,
    inserted_at: Iso<'a>,
    updated_at: Iso<'a>,
}

#[derive(Serialize)]
pub struct TemplateMessageView<'a> {
    id: &'a str,
    element_name: &'a str,
    language_code: &'a str,
    to: &'a str,
    state: &'a str,
    gsm_id: Option<String>,
    category: &'a str,
    inserted_at: Iso<'a>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    conversation_id: &'a Option<String>,
    message_id: &'a Option<String>,
}

fn split_name(full: &str) -> (&str, &str) {
    full.split_once(' ').unwrap_or((full, ""))
}

fn opt_iso(s: &Option<String>) -> Option<Iso<'_>> {
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

    pub fn v3_task<'a>(&self, t: &'a Task) -> TaskView<'a> {
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
        let ids = |f: fn(&super::super::models::TaskLinks) -> &Vec<i64>| -> &'a [i64] {
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

    pub fn v3_comment<'a>(&'a self, c: &'a super::super::models::Comment) -> CommentView<'a> {
        CommentView {
            id: c.id,
            content: &c.content,
            user: c.user_id.and_then(|u| self.v3_user_summary(u)),
            inserted_at: Iso(&c.created_at),
        }
    }

    fn attribute<'a>(list: &'a [Attribute], id: Option<i64>) -> Option<Named<'a>> {
        id.and_then(|id| list.iter().find(|a| a.id == id))
            .map(|a| Named {
                id: a.id,
                name: &a.name,
            })
    }

    pub fn v3_contact<'a>(&'a self, p: &'a Party) -> ContactView<'a> {
        let d = &p.details;
        ContactView {
            id: p.id,
            first_name: d.first_name.as_deref(),
            last_name: d.last_name.as_deref(),
            full_name: &p.name,
            job_title: &d.job_title,
            external_id: &d.external_id,
            custom_url: &d.custom_url,
            linkedin_url: &d.linkedin_url,
            emails: emails(&d.emails),
            phones: phones(&d.phones),
            company: d
                .company_id
                .and_then(|c| self.companies.get(&c))
                .map(|c| ContactCompany {
                    id: c.id,
                    name: &c.name,
                    linkedin_url: &c.details.linkedin_url,
                    website_url: &c.details.website_url,
                }),
            user: p.owner_id.and_then(|u| self.v3_user_summary(u)),
            life_cycle: Self::attribute(&self.v3.life_cycles, d.life_cycle_id),
            sector: Self::attribute(&self.v3.sectors, d.sector_id),
            source: Self::attribute(&self.v3.sources, d.source_id),
            custom_fields: &d.custom_fields,
        }
    }

    pub fn v3_company<'a>(&'a self, p: &'a Party) -> CompanyView<'a> {
        let d = &p.details;
        CompanyView {
            id: p.id,
            name: &p.name,
            description: &d.description,
            external_id: &d.external_id,
            custom_url: &d.custom_url,
            linkedin_url: &d.linkedin_url,
            website_url: &d.website_url,
            employee_size: &d.employee_size,
            emails: emails(&d.emails),
            phones: phones(&d.phones),
            contacts: self
                .contacts
                .values()
                .filter(|c| c.details.company_id == Some(p.id))
                .map(|c| CompanyContact {
                    id: c.id,
                    first_name: c.details.first_name.as_deref(),
                    last_name: c.details.last_name.as_deref(),
                    full_name: &c.name,
                    job_title: &c.details.job_title,
                })
                .collect(),
            user: p.owner_id.and_then(|u| self.v3_user_summary(u)),
            life_cycle: Self::attribute(&self.v3.life_cycles, d.life_cycle_id),
            sector: Self::attribute(&self.v3.sectors, d.sector_id),
            source: Self::attribute(&self.v3.sources, d.source_id),
            custom_fields: &d.custom_fields,
        }
    }

    /// A deal; `detail` adds `amount_source` and one monthly line item for the amount.
    pub fn v3_deal<'a>(p: &'a Party, detail: bool) -> DealView<'a> {
        let terms = p.details.deal.as_ref();
        let amount = terms.and_then(|t| t.amount);
        static NO_CURRENCY: Option<String> = None;
        let currency = terms.map_or(&NO_CURRENCY, |t| &t.currency);
        DealView {
            id: p.id,
            name: &p.name,
            amount,
            arr: amount.map(|a| a * 12.0),
            mrr: amount,
            currency,
            state: terms.map_or("open", |t| t.state.as_str()),
            won_at: terms.and_then(|t| opt_iso(&t.won_at)),
            lost_at: terms.and_then(|t| opt_iso(&t.lost_at)),
            amount_source: detail.then_some("line_items"),
            line_items: detail.then(|| {
                amount
                    .map(|a| LineItem {
                        id: p.id * 10 + 1,
                        name: "Subscription",
                        quantity: 1.0,
                        unit_price: a,
                        total: a,
                        billing_frequency: "monthly",
                        billing_cycles: None,
                        code: format!("SUB-{}", p.id),
                        currency,
                        position: 1,
                        unset: LineItemUnset::default(),
                    })
                    .into_iter()
                    .collect()
            }),
        }
    }

    pub fn v3_conversation<'a>(&'a self, c: &'a Conversation) -> ConversationView<'a> {
        let contact = c.contact_id.and_then(|id| self.contacts.get(&id));
        ConversationView {
            id: &c.id,
            inbox_id: &c.inbox_id,
            status: &c.status,
            last_activity_at: Iso(&c.last_activity_at),
            contact_id: c.contact_id,
            company_id: c.company_id,
            assignee_id: c.assignee_id,
            unread_count: c.unread_count,
            last_message_preview: &c.last_message_preview,
            contact_info: match contact {
                Some(p) => json!({
                    "email": p.details.emails.first(),
                    "name": p.name,
                    "phone": p.details.phones.first().map(|x| x.number.as_str()),
                }),
                None => Value::Null,
            },
            answered_at: opt_iso(&c.answered_at),
            bridged_at: None,
            closed_at: opt_iso(&c.closed_at),
        }
    }
}

/// A tag's v3 `type` (from the legacy integer `tag_type`).
pub fn tag_type(t: &Tag) -> &'static str {
    enum_of(t.tag_type, TAG_TYPES).unwrap_or("contact_centre")
}

fn flow_step(f: &FlowStep) -> FlowStepView<'_> {
    FlowStepView {
        action: &f.action,
        detail: &f.detail,
        timestamp: Iso(&f.timestamp),
    }
}

fn emails(list: &[String]) -> Vec<EmailView<'_>> {
    list.iter()
        .enumerate()
        .map(|(i, e)| EmailView {
            email: e,
            order: i + 1,
        })
        .collect()
}

fn phones(list: &[super::super::models::PhoneEntry]) -> Vec<PhoneView<'_>> {
    list.iter()
        .enumerate()
        .map(|(i, p)| PhoneView {
            id: p.id,
            number: &p.number,
            country: &p.country,
            order: i + 1,
        })
        .collect()
}

pub fn greeting(g: &Greeting) -> GreetingView<'_> {
    GreetingView {
        id: g.id,
        name: &g.name,
        state: &g.state,
        direct_dial_extension: g.direct_dial_extension,
        input_timeout: g.timeout,
        max_input_try_count: g.max_input_try_count,
    }
}

pub fn number(n: &Number) -> NumberView<'_> {
    NumberView {
        id: n.id,
        name: &n.name,
        number: &n.number,
        created_at: None,
        updated_at: None,
    }
}

pub fn team(t: &Team) -> TeamView<'_> {
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

pub fn voicemail(v: &Voicemail) -> &Voicemail {
    v
}

pub fn disposition(d: &Disposition) -> &Disposition {
    d
}

pub fn attribute(a: &Attribute) -> &Attribute {
    a
}

#[derive(Serialize)]
pub struct CustomFieldView<'a> {
    name: &'a str,
    slug: &'a str,
    field_type: &'a str,
    active: bool,
    position: i64,
    required: bool,
    number_type: &'a Option<String>,
    options: &'a Option<Vec<String>>,
}

pub fn custom_field(f: &CustomFieldDef) -> CustomFieldView<'_> {
    CustomFieldView {
        name: &f.name,
        slug: &f.slug,
        field_type: &f.field_type,
        active: f.active,
        position: f.position,
        required: f.required,
        number_type: &f.number_type,
        options: &f.options,
    }
}

#[derive(Serialize)]
pub struct ConsentView<'a> {
    id: i64,
    action: &'a str,
    purpose: &'a str,
    source: &'a str,
    performed_at: Iso<'a>,
    expires_at: Option<Iso<'a>>,
    evidence: &'a Map<String, Value>,
    text_version: &'a str,
}

pub fn consent(c: &Consent) -> ConsentView<'_> {
    ConsentView {
        id: c.id,
        action: &c.action,
        purpose: &c.purpose,
        source: &c.source,
        performed_at: Iso(&c.performed_at),
        expires_at: opt_iso(&c.expires_at),
        evidence: &c.evidence,
        text_version: &c.text_version,
    }
}

pub fn inbox(i: &Inbox) -> &Inbox {
    i
}

pub fn message(m: &Message) -> MessageView<'_> {
    MessageView {
        id: &m.id,
        conversation_id: &m.conversation_id,
        message_type: &m.message_type,
        direction: &m.direction,
        author: &m.author,
        user_id: m.user_id,
        state: &m.state,
        payload: &m.payload,
        media_url: None,
        error_code: None,
        inserted_at: Iso(&m.inserted_at),
        updated_at: Iso(&m.updated_at),
    }
}

pub fn template_message(t: &TemplateMessage) -> TemplateMessageView<'_> {
    TemplateMessageView {
        id: &t.id,
        element_name: &t.element_name,
        language_code: &t.language_code,
        to: &t.to,
        state: &t.state,
        gsm_id: None,
        category: &t.category,
        inserted_at: Iso(&t.inserted_at),
        contact_id: t.contact_id,
        company_id: None,
        conversation_id: &t.conversation_id,
        message_id: &t.message_id,
    }
}

/// A procedure as the list shows it (`detail` adds the body, version and steps).
pub fn procedure(p: &Procedure, detail: bool) -> Value {
    let mut v = json!({
        "uuid": p.uuid,
        "name": p.name,
        "slug": p.slug,
        "status": p.status,
        "description": p.description,
        "category": {"id": p.category.0, "name": p.category.1, "slug": p.category.2},
    });
    if detail {
        if let Value::Object(m) = &mut v {
            m.insert("body".into(), json!(p.body));
            m.insert(
                "version".into(),
                json!({"number": p.version, "published_at": Iso(&p.published_at)}),
            );
            m.insert(
                "steps".into(),
                Value::Array(
                    p.steps
                        .iter()
                        .map(|s| {
                            json!({"uuid": s.uuid, "title": s.title, "body": s.body,
                                "step_type": s.step_type, "decision_kind": null, "order": s.order,
                                "options": [], "conditions": [], "related_article": null})
                        })
                        .collect(),
                ),
            );
        }
    }
    v
}
