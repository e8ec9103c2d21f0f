//! Default data only the v3 API shows, on top of the shared seed (`seed.rs`): contact and
//! company details (names, emails, phones, companies, attributes, custom fields), deal terms,
//! voicemails, dispositions, custom-field definitions, life cycles, sectors, sources, more tags,
//! inboxes with conversations and messages, procedures, and a comment or two per record. It
//! draws from its own RNG stream, so the v20211124 data stays exactly as before.

use chrono::{DateTime, Duration, Utc};
use fake::faker::company::en::CatchPhrase;
use fake::faker::job::en::Title;
use fake::faker::lorem::en::Sentence;
use fake::Fake;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::super::state::{DealTerms, HipcallState, PhoneEntry, Tag};
use super::super::time::format_ts;
use super::records::{
    Attribute, Conversation, CustomFieldDef, Disposition, Inbox, Message, Procedure, ProcedureStep,
    Voicemail,
};
use crate::platform::store::Collection;

fn epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2023-03-31T08:41:58Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn attributes(names: &[&str]) -> Collection<i64, Attribute> {
    let mut out = Collection::default();
    for (i, n) in names.iter().enumerate() {
        let id = i as i64 + 1;
        out.insert(
            id,
            Attribute {
                id,
                name: n.to_string(),
                order: id,
            },
        );
    }
    out
}

fn slugify(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Adds the v3 data to a state built by `seed::build`.
pub(crate) fn extend(s: &mut HipcallState, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0076_3333);
    s.v3.life_cycles = attributes(&[
        "Subscriber",
        "Lead",
        "Marketing qualified",
        "Sales qualified",
        "Opportunity",
        "Customer",
    ]);
    s.v3.sectors = attributes(&[
        "Software",
        "Telecommunications",
        "Retail",
        "Healthcare",
        "Finance",
        "Education",
        "Logistics",
        "Manufacturing",
        "Hospitality",
        "Energy",
        "Media",
        "Public sector",
    ]);
    s.v3.sources = attributes(&[
        "Website",
        "Referral",
        "Cold call",
        "Event",
        "Partner",
        "Advertising",
        "Social",
        "Inbound call",
    ]);
    s.v3.custom_fields = vec![
        field("contact", "Tier", "text", 1, false, None),
        field("contact", "Renewal date", "date", 2, false, None),
        field("contact", "Seats", "number", 3, false, None),
        field(
            "contact",
            "Plan",
            "select",
            4,
            false,
            Some(&["basic", "pro", "enterprise"]),
        ),
        field("contact", "Legacy code", "text", 5, false, None),
        field(
            "company",
            "Region",
            "select",
            1,
            false,
            Some(&["emea", "amer", "apac"]),
        ),
        field("company", "Vip", "boolean", 2, false, None),
    ];
    if let Some(f) =
        s.v3.custom_fields
            .iter_mut()
            .find(|f| f.slug == "legacy-code")
    {
        f.active = false;
    }
    // More tags of every v3 type (the first three are the shared seed's).
    let colors = ["#025196", "#d7263d", "#1b998b", "#f46036", "#6c5b7b"];
    for (i, (name, kind)) in [
        ("follow-up", 3),
        ("urgent", 3),
        ("billing", 2),
        ("complaint", 2),
        ("renewal", 6),
        ("upsell", 6),
        ("onboarding", 4),
        ("escalated", 4),
        ("faq", 5),
        ("newsletter", 5),
        ("callback", 1),
    ]
    .into_iter()
    .enumerate()
    {
        let id = s.tags.next_id();
        s.tags.insert(
            id,
            Tag {
                resource_type: "tag".into(),
                id,
                name: name.into(),
                tag_type: kind,
                color: colors[i % colors.len()].into(),
                description: Some(format!("{name} items")),
            },
        );
    }
    let tag_ids: Vec<i64> = s.tags.values().map(|t| t.id).collect();
    for (id, c) in s.companies.iter_mut_values() {
        let d = &mut c.details;
        let domain = slugify(&c.name).replace("--", "-");
        d.website_url = Some(format!("https://{}.example", domain.trim_matches('-')));
        d.linkedin_url = Some(format!(
            "https://www.linkedin.com/company/{}",
            domain.trim_matches('-')
        ));
        d.employee_size = Some(
            super::records::EMPLOYEE_SIZES[rng.random_range(0..6)]
                .0
                .to_string(),
        );
        d.description = Some(CatchPhrase().fake_with_rng(&mut rng));
        d.external_id = Some(format!("crm-co-{id:04}"));
        d.sector_id = Some(rng.random_range(1..=12));
        d.source_id = Some(rng.random_range(1..=8));
        d.life_cycle_id = Some(rng.random_range(1..=6));
        d.emails = vec![format!("info@{}.example", domain.trim_matches('-'))];
        d.phones = vec![PhoneEntry {
            id: 5000 + id,
            number: format!("+90212{:07}", rng.random_range(0..10_000_000)),
            country: "TR".into(),
        }];
        d.custom_fields.insert(
            "region".into(),
            json!(["emea", "amer", "apac"][rng.random_range(0..3)]),
        );
        if id >= 5 && rng.random_bool(0.4) {
            c.tag_ids.push(tag_ids[rng.random_range(0..tag_ids.len())]);
        }
    }
    let companies = s.companies.len() as i64;
    for (id, c) in s.contacts.iter_mut_values() {
        let (first, last) = c
            .name
            .split_once(' ')
            .map(|(f, l)| (f.to_string(), l.to_string()))
            .unwrap_or((c.name.clone(), String::new()));
        let d = &mut c.details;
        d.email_user(&first, &last, id);
        d.first_name = Some(first);
        d.last_name = Some(last);
        d.job_title = Some(Title().fake_with_rng(&mut rng));
        d.company_id = rng
            .random_bool(0.8)
            .then(|| rng.random_range(1..=companies));
        d.external_id = Some(format!("crm-{id:04}"));
        d.life_cycle_id = Some(rng.random_range(1..=6));
        d.source_id = rng.random_bool(0.7).then(|| rng.random_range(1..=8));
        d.sector_id = None;
        d.phones = vec![PhoneEntry {
            id: 6000 + id,
            number: format!("+90532{:07}", rng.random_range(0..10_000_000)),
            country: "TR".into(),
        }];
        if rng.random_bool(0.5) {
            d.custom_fields.insert(
                "tier".into(),
                json!(["gold", "silver", "bronze"][rng.random_range(0..3)]),
            );
        }
        if rng.random_bool(0.3) {
            d.custom_fields
                .insert("seats".into(), json!(rng.random_range(1..200)));
        }
        if id >= 5 && rng.random_bool(0.3) {
            c.tag_ids.push(tag_ids[rng.random_range(0..tag_ids.len())]);
        }
    }
    // The v3 phone counter continues after the seeded ids.
    s.v3.counters.insert("phone".into(), 9_999);
    for (id, deal) in s.deals.iter_mut_values() {
        let state = ["open", "open", "won", "lost"][rng.random_range(0..4)];
        let at = format_ts(epoch() - Duration::days(rng.random_range(1..300)));
        deal.details.deal = Some(DealTerms {
            amount: Some((rng.random_range(10..500) * 100) as f64),
            currency: Some(["TRY", "USD", "EUR"][(id % 3) as usize].to_string()),
            state: state.into(),
            won_at: (state == "won").then(|| at.clone()),
            lost_at: (state == "lost").then_some(at),
        });
    }
    for id in 1..=12 {
        s.v3.voicemails.insert(
            id,
            Voicemail {
                id,
                name: format!("Voicemail box {id}"),
            },
        );
    }
    for (i, (name, code, outcome, direction, active)) in [
        ("Sale closed", "SALE", "positive", "outbound", true),
        ("Follow up needed", "FOLLOWUP", "neutral", "both", true),
        ("Not interested", "NOINT", "negative", "outbound", true),
        ("Issue resolved", "RESOLVED", "positive", "inbound", true),
        (
            "Escalated to tier 2",
            "ESCALATED",
            "neutral",
            "inbound",
            true,
        ),
        ("Wrong number", "WRONGNUM", "negative", "both", true),
        ("Voicemail left", "VMLEFT", "neutral", "outbound", true),
        ("Old code", "OLD", "neutral", "both", false),
    ]
    .into_iter()
    .enumerate()
    {
        let id = i as i64 + 1;
        s.v3.dispositions.insert(
            id,
            Disposition {
                id,
                name: name.into(),
                code: code.into(),
                outcome: outcome.into(),
                direction: direction.into(),
                order: id,
                active,
                description: Some(format!("{name}.")),
            },
        );
    }
    seed_inbox(s, &mut rng);
    seed_procedures(s);
    seed_comments(s, &mut rng);
}

fn field(
    entity: &str,
    name: &str,
    kind: &str,
    position: i64,
    required: bool,
    options: Option<&[&str]>,
) -> CustomFieldDef {
    CustomFieldDef {
        entity: entity.into(),
        name: name.into(),
        slug: slugify(name),
        field_type: kind.into(),
        active: true,
        position,
        required,
        number_type: (kind == "number").then(|| "integer".to_string()),
        options: options.map(|o| o.iter().map(|x| x.to_string()).collect()),
    }
}

trait EmailUser {
    fn email_user(&mut self, first: &str, last: &str, id: i64);
}

impl EmailUser for super::super::state::PartyDetails {
    fn email_user(&mut self, first: &str, last: &str, id: i64) {
        let local = format!("{}.{}{}", first.to_lowercase(), last.to_lowercase(), id)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect::<String>();
        self.emails = vec![format!("{local}@mail.example")];
    }
}

fn seed_inbox(s: &mut HipcallState, rng: &mut ChaCha8Rng) {
    for (id, name, kind) in [
        ("inb_whatsapp", "WhatsApp Business", "whatsapp"),
        ("inb_email", "Support email", "email"),
        ("inb_webchat", "Website chat", "webchat"),
    ] {
        s.v3.inboxes.insert(
            id.to_string(),
            Inbox {
                id: id.into(),
                name: name.into(),
                description: Some(format!("{name} inbox")),
                inbox_type: kind.into(),
                user_case: "all".into(),
                whatsapp_calls_enabled: kind == "whatsapp",
            },
        );
    }
    let inboxes = ["inb_whatsapp", "inb_email", "inb_webchat"];
    let users: Vec<i64> = s.users.values().map(|u| u.id).take(8).collect();
    let contacts = s.contacts.len() as i64;
    let mut at = epoch() - Duration::days(20);
    let mut message = 0;
    for n in 1..=25 {
        at += Duration::minutes(rng.random_range(30..900));
        let id = format!("conv_{n:04}");
        let status = ["open", "pending", "closed"][rng.random_range(0..3)];
        let contact = rng.random_range(1..=contacts);
        let company = s.contacts.get(&contact).and_then(|c| c.details.company_id);
        let mut last = at;
        let mut preview = None;
        for k in 0..rng.random_range(2..7) {
            message += 1;
            last = at + Duration::minutes(k * 7);
            let inbound = k % 2 == 0;
            let text: String = Sentence(3..10).fake_with_rng(rng);
            preview = Some(text.clone());
            let mut payload = Map::new();
            payload.insert("text".into(), Value::String(text));
            let m = Message {
                id: format!("msg_{message:06}"),
                conversation_id: id.clone(),
                message_type: "text".into(),
                direction: if inbound { "inbound" } else { "outbound" }.into(),
                author: if inbound { "contact" } else { "user" }.into(),
                user_id: (!inbound).then(|| users[rng.random_range(0..users.len())]),
                state: if inbound { "received" } else { "read" }.into(),
                payload,
                inserted_at: format_ts(last),
                updated_at: format_ts(last),
            };
            s.v3.messages.insert(m.id.clone(), m);
        }
        s.v3.conversations.insert(
            id.clone(),
            Conversation {
                id,
                inbox_id: inboxes[n as usize % 3].into(),
                status: status.into(),
                last_activity_at: format_ts(last),
                contact_id: Some(contact),
                company_id: company,
                assignee_id: rng
                    .random_bool(0.7)
                    .then(|| users[rng.random_range(0..users.len())]),
                unread_count: if status == "closed" {
                    0
                } else {
                    rng.random_range(0..4)
                },
                last_message_preview: preview,
                answered_at: Some(format_ts(at + Duration::minutes(7))),
                closed_at: (status == "closed").then(|| format_ts(last)),
                inserted_at: format_ts(at),
            },
        );
    }
    s.v3.counters.insert("message".into(), message);
}

fn seed_procedures(s: &mut HipcallState) {
    for (i, (name, category)) in [
        ("Refund request", "Billing"),
        ("Password reset", "Account"),
        ("Number porting", "Telephony"),
    ]
    .into_iter()
    .enumerate()
    {
        let n = i as i64 + 1;
        let slug = slugify(name);
        let uuid = format!("7c0d6a{n:02}-0000-4000-8000-0000000000{n:02}");
        s.v3.procedures.insert(
            uuid.clone(),
            Procedure {
                uuid,
                name: name.into(),
                slug: slug.clone(),
                status: "published".into(),
                description: format!("How agents handle a {}.", name.to_lowercase()),
                category: (n, category.into(), slugify(category)),
                body: format!("Follow these steps for a {}.", name.to_lowercase()),
                version: n,
                published_at: format_ts(epoch() - Duration::days(30 * n)),
                steps: (1..=3)
                    .map(|k| ProcedureStep {
                        uuid: format!("7c0d6a{n:02}-0000-4000-8000-0000000{k:02}{n:03}"),
                        title: format!("Step {k}"),
                        body: format!("Do part {k} of the {slug} procedure."),
                        step_type: if k == 3 { "end" } else { "instruction" }.into(),
                        order: k,
                    })
                    .collect(),
            },
        );
    }
}

fn seed_comments(s: &mut HipcallState, rng: &mut ChaCha8Rng) {
    let owner = s.owner_id;
    let calls: Vec<String> = s.cdrs.values().take(12).map(|c| c.uuid.clone()).collect();
    let stamp = format_ts(epoch());
    let add =
        |s: &mut HipcallState, kind: &str, id: i64, uuid: Option<String>, rng: &mut ChaCha8Rng| {
            let cid = s.comments.next_id();
            s.comments.insert(
                cid,
                super::super::state::Comment {
                    resource_type: "comment".into(),
                    id: cid,
                    content: Sentence(4..12).fake_with_rng(rng),
                    commentable_type: kind.into(),
                    created_at: stamp.clone(),
                    updated_at: stamp.clone(),
                    commentable_id: id,
                    commentable_uuid: uuid,
                    user_id: Some(owner),
                },
            );
        };
    for uuid in calls {
        add(s, "call", 0, Some(uuid), rng);
    }
    for id in 3..=12 {
        add(s, "contact", id, None, rng);
        add(s, "company", id, None, rng);
        add(s, "task", id.min(11), None, rng);
    }
    for id in 1..=5 {
        add(s, "deal", id, None, rng);
    }
}

#[cfg(test)]
mod tests {
    /// The v3 data is deterministic and gives the paged lists more than one page.
    #[test]
    fn deterministic_and_paged() {
        let a = super::super::super::seed::build(7);
        let b = super::super::super::seed::build(7);
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap()
        );
        assert!(a.v3.conversations.len() > 10 && a.v3.voicemails.len() > 10 && a.tags.len() > 10);
        assert!(a
            .contacts
            .values()
            .all(|c| c.details.first_name.is_some() && !c.details.phones.is_empty()));
    }
}
