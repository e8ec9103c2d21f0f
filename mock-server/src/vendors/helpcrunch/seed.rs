//! Deterministic default data for one HelpCrunch account: an organization, web and mobile
//! applications, agents of every role in departments, 300 customers with tags and customData,
//! and 150 chats in every status with messages of every type (crate `fake`, `--seed`).

use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::{IPv4, SafeEmail};
use fake::faker::lorem::en::Sentence;
use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map};

use super::state::*;

pub(crate) const CUSTOMERS: i64 = 300;
pub(crate) const CHATS: i64 = 150;
/// 2024-01-01T00:00:00Z.
const EPOCH: i64 = 1_704_067_200;

pub(crate) fn build(seed: u64) -> HelpCrunchState {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4E1C_0C4D);
    let mut s = HelpCrunchState {
        organization: Some(Organization {
            id: 542335,
            domain: "mockdesk".into(),
            team_online: true,
            chat_enabled: true,
        }),
        ..Default::default()
    };
    for (id, name, display, app_type) in [
        (1, "website", "Website widget", "web"),
        (2, "docs", "Help center widget", "web"),
        (3, "ios", "iOS app", "ios"),
        (4, "android", "Android app", "android"),
    ] {
        s.applications.insert(
            id,
            Application {
                id,
                name: name.into(),
                display_name: display.into(),
                active: id != 2,
                app_type: app_type.into(),
            },
        );
    }
    let roles = [
        "admin",
        "superviser",
        "agent",
        "agent",
        "agent",
        "agentChatOnly",
        "agentChatOnly",
        "agent",
    ];
    for (i, role) in roles.iter().enumerate() {
        let id = i as i64 + 1;
        let first: String = FirstName().fake_with_rng(&mut rng);
        let last: String = LastName().fake_with_rng(&mut rng);
        s.agents.insert(
            id,
            Agent {
                id,
                name: format!("{first} {last}"),
                email: format!(
                    "{}.{}@mockdesk.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                role: role.to_string(),
                unsubscribed: false,
            },
        );
    }
    for (id, name, agents) in [
        (1, "Support", vec![1, 3, 4, 6]),
        (2, "Sales", vec![2, 5, 7]),
        (3, "Billing", vec![1, 8]),
    ] {
        s.departments.insert(
            id,
            Department {
                id,
                name: name.into(),
                agent_ids: agents,
            },
        );
    }
    for (name, color) in [
        ("vip", "#f5a623"),
        ("lead", "#c377e0"),
        ("trial", "#4a90e2"),
        ("churned", "#9b9b9b"),
        ("enterprise", "#7ed321"),
    ] {
        s.tags.insert(name.into(), color.into());
    }
    let tag_names: Vec<String> = s.tags.keys().cloned().collect();
    let countries = [
        ("US", "CA", "San Francisco"),
        ("GB", "ENG", "London"),
        ("UA", "30", "Kyiv"),
        ("DE", "BE", "Berlin"),
        ("PL", "MZ", "Warsaw"),
    ];
    let plans = ["free", "pro", "enterprise"];
    for id in 1..=CUSTOMERS {
        let first: String = FirstName().fake_with_rng(&mut rng);
        let last: String = LastName().fake_with_rng(&mut rng);
        let anonymous = rng.random_bool(0.1);
        let first_seen = EPOCH + id * 3_000 + rng.random_range(0..3_000);
        let (cc, rc, city) = countries[rng.random_range(0..countries.len())];
        let mut custom = Map::new();
        custom.insert(
            "plan".into(),
            json!(plans[rng.random_range(0..plans.len())]),
        );
        custom.insert("seats".into(), json!(rng.random_range(1..200)));
        custom.insert("trial".into(), json!(rng.random_bool(0.3)));
        let c: Customer = CustomerRecord {
            id,
            user_id: (!anonymous && rng.random_bool(0.8)).then(|| format!("u-{}", 10_000 + id)),
            name: (!anonymous).then(|| format!("{first} {last}")),
            email: (!anonymous).then(|| SafeEmail().fake_with_rng(&mut rng)),
            phone: rng
                .random_bool(0.4)
                .then(|| format!("+1555{:07}", rng.random_range(0..10_000_000))),
            company: rng
                .random_bool(0.5)
                .then(|| CompanyName().fake_with_rng(&mut rng)),
            first_seen: Some(first_seen),
            last_seen: Some(first_seen + rng.random_range(0..5_000_000)),
            location: Location {
                region_code: Some(rc.into()),
                country_code: Some(cc.into()),
                city: Some(city.into()),
            },
            device: Some(Device {
                id: 9_000 + id,
                ip: IPv4().fake_with_rng(&mut rng),
                timezone: "Europe/Kiev".into(),
                platform: if rng.random_bool(0.7) {
                    "desktop"
                } else {
                    "mobile"
                }
                .into(),
                user_agent: "Mozilla/5.0".into(),
            }),
            unsubscribed: rng.random_bool(0.1),
            blocked: rng.random_bool(0.03),
            source: Some("https://mockdesk.example/pricing".into()),
            referer: rng
                .random_bool(0.5)
                .then(|| "https://www.google.com/".to_string()),
            last_page: Some("https://mockdesk.example/docs".into()),
            locale: Some(["en", "uk", "de", "pl"][rng.random_range(0..4)].into()),
            created_from: Some("widget".into()),
            integration_id: None,
            notes: rng
                .random_bool(0.2)
                .then(|| Sentence(3..8).fake_with_rng(&mut rng)),
            tags: tag_names
                .iter()
                .filter(|_| rng.random_bool(0.2))
                .cloned()
                .collect(),
            custom_data: custom,
            created_at: first_seen,
        }
        .into();
        s.customers.insert(id, c);
    }
    let statuses = ChatStatus::ALL;
    for id in 1..=CHATS {
        let status = statuses[(id as usize - 1) % statuses.len()];
        let customer_id = rng.random_range(1..=CUSTOMERS);
        let created = EPOCH + 1_000_000 + id * 7_200 + rng.random_range(0..3_600);
        let department = rng.random_range(1..=3i64);
        let assignee = (status != ChatStatus::New && status != ChatStatus::Empty)
            .then(|| rng.random_range(1..=8i64));
        let mut chat = Chat {
            id,
            status: ChatStatus::Empty,
            closed_by: None,
            closed_at: None,
            rating: None,
            created_at: created,
            updated_at: created,
            last_message_at: None,
            last_customer_message_at: None,
            read_by_agent: true,
            read_by_customer: true,
            created_with: [
                "customer_message",
                "agent_message",
                "broadcast_reply",
                "public_api",
            ][rng.random_range(0..4)]
            .into(),
            snoozed_until: None,
            last_message_text: None,
            last_message_id: None,
            application_id: [1, 1, 3, 4][rng.random_range(0..4)],
            last_communicated_agent_id: None,
            agent_ids: vec![],
            customer_id,
            assignee_id: assignee,
            department_id: Some(department),
        };
        s.chats.insert(id, chat.clone());
        if status != ChatStatus::Empty {
            let mut at = created * 1000;
            // One system message and the occasional email / knowledge-base link first, so
            // every documented message type appears; the conversation follows through the
            // API's own message path, which keeps the chat's last-message fields true.
            let extra = [
                ("tech", "Chat was assigned"),
                ("email", "Re: your question"),
                ("knowledgeBase", "https://mockdesk.example/kb/setup"),
            ];
            let (kind, text) = extra[(id as usize) % extra.len()];
            let mid = s.messages.next_id();
            s.messages.insert(
                mid,
                Message {
                    id: mid,
                    chat: id,
                    from: if kind == "tech" { "agent" } else { "customer" }.into(),
                    agent_id: None,
                    message_type: kind.into(),
                    text: text.into(),
                    read: true,
                    created_at: at + 500,
                    updated_at: at + 500,
                    edited: false,
                    broadcast_type: (kind == "email").then(|| "manual email".to_string()),
                },
            );
            // A new chat has only customer messages; any other has an agent answer second.
            let n = if status == ChatStatus::New {
                rng.random_range(1..4)
            } else {
                rng.random_range(2..6)
            };
            for k in 0..n {
                at += rng.random_range(10_000..600_000);
                let by_agent = k % 2 == 1 && status != ChatStatus::New;
                let agent = by_agent.then(|| assignee.unwrap_or(3));
                let private = by_agent && k > 1 && rng.random_bool(0.2);
                let body = json!({
                    "chat": id,
                    "text": Sentence(3..12).fake_with_rng::<String, _>(&mut rng),
                    "type": if private { "private" } else { "message" },
                    "agent": agent,
                });
                let _ = s.post_message(body.as_object().unwrap_or(&Map::new()), at);
            }
            chat = s.chats.get(&id).cloned().unwrap_or(chat);
        }
        chat.status = status;
        if status == ChatStatus::Closed {
            chat.closed_at = Some(chat.last_message_at.unwrap_or(created) + 600);
            chat.closed_by = Some(
                if rng.random_bool(0.7) {
                    "agent"
                } else {
                    "customer"
                }
                .into(),
            );
            if rng.random_bool(0.5) && !chat.agent_ids.is_empty() {
                chat.rating = Some(RATINGS[rng.random_range(0..RATINGS.len())].into());
            }
        }
        if status == ChatStatus::Pending && rng.random_bool(0.5) {
            chat.snoozed_until = Some(created + 86_400);
        }
        s.chats.insert(id, chat);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status, role and message type appears; the seed is deterministic.
    #[test]
    fn coverage_and_determinism() {
        let s = build(42);
        for st in ChatStatus::ALL {
            assert!(s.chats.values().any(|c| c.status == st), "{st:?}");
        }
        for r in AGENT_ROLES {
            assert!(s.agents.values().any(|a| a.role == *r), "{r}");
        }
        for t in ["message", "private", "tech", "email", "knowledgeBase"] {
            assert!(s.messages.values().any(|m| m.message_type == t), "{t}");
        }
        assert!(s.chats.values().any(|c| c.rating.is_some()));
        assert_eq!(s.customers.len() as i64, CUSTOMERS);
        // Every documented status, including one reached only through agent answers.
        assert!(s
            .chats
            .values()
            .filter(|c| c.status == ChatStatus::Opened)
            .all(|c| !c.agent_ids.is_empty()));
        assert_eq!(
            serde_json::to_string(&build(3)).unwrap(),
            serde_json::to_string(&build(3)).unwrap()
        );
    }
}
