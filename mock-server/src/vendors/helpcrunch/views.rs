//! HelpCrunch response shapes, serialized straight from borrowed records: string unix
//! timestamps (`"1603885746"`, messages `"1594139170.913"`), integer ids, embedded
//! customer / agent / department references.

use serde::Serialize;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub(crate) use crate::platform::view::stamps::{MillisText as TsMs, SecondsText as Ts};

use super::state::{
    Chat, ChatStatus, Customer, Department, Device, Event, HelpCrunchState, Location, Message,
    DEFAULT_TAG_COLOR,
};

/// An agent as chats, messages, departments and `GET /agents` embed it; an agent that is gone
/// keeps its id with null fields.
#[derive(Serialize)]
pub struct AgentRef<'a> {
    id: i64,
    name: Option<&'a str>,
    email: Option<&'a str>,
    role: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct TagView<'a> {
    name: &'a str,
    color: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView<'a> {
    id: i64,
    user_id: &'a Option<String>,
    name: &'a Option<String>,
    email: &'a Option<String>,
    phone: &'a Option<String>,
    company: &'a Option<String>,
    first_seen: Ts,
    last_seen: Ts,
    location: &'a Location,
    device: &'a Option<Device>,
    unsubscribed: bool,
    blocked: bool,
    source: &'a Option<String>,
    referer: &'a Option<String>,
    last_page: &'a Option<String>,
    locale: &'a Option<String>,
    created_from: &'a Option<String>,
    integration_id: &'a Option<String>,
    notes: &'a Option<String>,
    tags: Vec<TagView<'a>>,
    custom_data: &'a Map<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerRef<'a> {
    id: i64,
    name: Option<&'a str>,
    email: Option<&'a str>,
    user_id: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct DepartmentRef<'a> {
    id: i64,
    name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatView<'a> {
    id: i64,
    status: ChatStatus,
    closed_by: &'a Option<String>,
    closed_at: Ts,
    rating: &'a Option<String>,
    created_at: Ts,
    last_message_at: Ts,
    last_customer_message_at: Ts,
    read_by_agent: bool,
    read_by_customer: bool,
    created_with: &'a str,
    snoozed_until: Ts,
    last_message_text: &'a Option<String>,
    last_message_id: Option<i64>,
    application_id: i64,
    last_communicated_agent_id: Option<i64>,
    agents: Vec<AgentRef<'a>>,
    customer: CustomerRef<'a>,
    assignee: Option<AgentRef<'a>>,
    department: Option<DepartmentRef<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView<'a> {
    id: i64,
    chat: i64,
    from: &'a str,
    agent: Option<AgentRef<'a>>,
    #[serde(rename = "type")]
    message_type: &'a str,
    text: &'a str,
    read: bool,
    created_at: TsMs,
    updated_at: TsMs,
    edited: bool,
    broadcast_type: &'a Option<String>,
}

#[derive(Serialize)]
pub struct DepartmentView<'a> {
    id: i64,
    name: &'a str,
    agents: Vec<AgentRef<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventView<'a> {
    id: i64,
    name: &'a str,
    data: &'a Value,
    created_at: Ts,
}

impl HelpCrunchState {
    pub fn agent_ref(&self, id: i64) -> AgentRef<'_> {
        let a = self.agents.get(&id);
        AgentRef {
            id,
            name: a.map(|a| a.name.as_str()),
            email: a.map(|a| a.email.as_str()),
            role: a.map(|a| a.role.as_str()),
        }
    }

    pub fn customer_view<'a>(&'a self, c: &'a Customer) -> CustomerView<'a> {
        customer_view(&self.tags, c)
    }

    pub fn chat_view<'a>(&'a self, c: &'a Chat) -> ChatView<'a> {
        let customer = self.customers.get(&c.customer_id);
        ChatView {
            id: c.id,
            status: c.status,
            closed_by: &c.closed_by,
            closed_at: Ts(c.closed_at),
            rating: &c.rating,
            created_at: Ts(Some(c.created_at)),
            last_message_at: Ts(c.last_message_at),
            last_customer_message_at: Ts(c.last_customer_message_at),
            read_by_agent: c.read_by_agent,
            read_by_customer: c.read_by_customer,
            created_with: &c.created_with,
            snoozed_until: Ts(c.snoozed_until),
            last_message_text: &c.last_message_text,
            last_message_id: c.last_message_id,
            application_id: c.application_id,
            last_communicated_agent_id: c.last_communicated_agent_id,
            agents: c.agent_ids.iter().map(|a| self.agent_ref(*a)).collect(),
            customer: CustomerRef {
                id: c.customer_id,
                name: customer.and_then(|x| x.name.as_deref()),
                email: customer.and_then(|x| x.email.as_deref()),
                user_id: customer.and_then(|x| x.user_id.as_deref()),
            },
            assignee: c.assignee_id.map(|a| self.agent_ref(a)),
            department: c.department_id.map(|d| DepartmentRef {
                id: d,
                name: self.departments.get(&d).map(|x| x.name.as_str()),
            }),
        }
    }

    pub fn message_view<'a>(&'a self, m: &'a Message) -> MessageView<'a> {
        MessageView {
            id: m.id,
            chat: m.chat,
            from: &m.from,
            agent: m.agent_id.map(|a| self.agent_ref(a)),
            message_type: &m.message_type,
            text: &m.text,
            read: m.read,
            created_at: TsMs(m.created_at),
            updated_at: TsMs(m.updated_at),
            edited: m.edited,
            broadcast_type: &m.broadcast_type,
        }
    }

    pub fn department_view<'a>(&'a self, d: &'a Department) -> DepartmentView<'a> {
        DepartmentView {
            id: d.id,
            name: &d.name,
            agents: d.agent_ids.iter().map(|a| self.agent_ref(*a)).collect(),
        }
    }
}

pub(crate) fn event_view(e: &Event) -> EventView<'_> {
    EventView {
        id: e.id,
        name: &e.name,
        data: &e.data,
        created_at: Ts(Some(e.created_at)),
    }
}

/// A customer as the API shows it: the record and the account's tag colours (`tags`).
pub(crate) fn customer_view<'a>(
    tags: &'a BTreeMap<String, String>,
    c: &'a Customer,
) -> CustomerView<'a> {
    CustomerView {
        id: c.id,
        user_id: &c.user_id,
        name: &c.name,
        email: &c.email,
        phone: &c.phone,
        company: &c.company,
        first_seen: Ts(c.first_seen),
        last_seen: Ts(c.last_seen),
        location: &c.location,
        device: &c.device,
        unsubscribed: c.unsubscribed,
        blocked: c.blocked,
        source: &c.source,
        referer: &c.referer,
        last_page: &c.last_page,
        locale: &c.locale,
        created_from: &c.created_from,
        integration_id: &c.integration_id,
        notes: &c.notes,
        tags: c
            .tags
            .iter()
            .map(|t| TagView {
                name: t,
                color: tags.get(t).map_or(DEFAULT_TAG_COLOR, String::as_str),
            })
            .collect(),
        custom_data: &c.custom_data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An agent that no longer exists keeps its id with null fields.
    #[test]
    fn missing_agent_reference() {
        let s = HelpCrunchState::default();
        assert_eq!(
            serde_json::to_value(s.agent_ref(7)).unwrap(),
            json!({"id": 7, "name": null, "email": null, "role": null})
        );
    }
}
