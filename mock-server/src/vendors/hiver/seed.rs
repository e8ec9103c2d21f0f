//! Deterministic default data for one Hiver account: the documented example records (inbox
//! 101 — not authorised —, user 456, tag 56789, conversations 234232 and 538706170), the ids the
//! tutorial's code samples use (`mb_01HXYZ`, `usr_01BILLING`, `usr_01TECH`, `usr_01HABC`, tags
//! `billing` and `technical`), and a few hundred generated conversations whose subjects hit the
//! tutorial's keyword rules (crate `fake`, `--seed`).

use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::state::*;

pub(crate) const CONVERSATIONS: usize = 300;
/// Open conversations the tutorial's mailbox (`mb_01HXYZ`) holds at least (more than a page).
pub(crate) const TUTORIAL_OPEN: usize = 100;
/// 2024-02-26, when the documented tag was created.
const EPOCH: i64 = 1_708_945_347;

fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| format!("{:x}", rng.random_range(0..16u8)))
        .collect()
}

fn user(
    id: i64,
    alias: &str,
    first: &str,
    last: &str,
    email: &str,
    phone: Option<&str>,
    joined: bool,
) -> User {
    User {
        id,
        alias: alias.into(),
        first_name: first.into(),
        last_name: last.into(),
        email: email.into(),
        phone_number: phone.map(str::to_string),
        is_joined: joined,
    }
}

fn tag(id: i64, inbox_id: i64, name: &str, color: &str, created_at: i64) -> Tag {
    Tag {
        id,
        inbox_id,
        name: name.into(),
        color: color.into(),
        background: "#f2f4f5".into(),
        description: None,
        tag_type: "user".into(),
        created_at,
    }
}

const SUBJECTS: &[&str] = &[
    "Invoice #{n} looks wrong",
    "Refund request for order {n}",
    "Cannot login to my account",
    "Password reset link expired",
    "Question about pricing plans",
    "Feature request: dark mode",
    "Shipping delay on order {n}",
    "Invoice copy needed for {n}",
    "Login page shows an error",
    "Thanks for the quick help",
    "Partnership proposal",
    "Bug report: export to CSV",
];

pub(crate) fn build(seed: u64) -> HiverState {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0048_17E5);
    let mut s = HiverState::default();
    for u in [
        user(
            765676,
            "usr_01HADMIN",
            "Hiver",
            "Admin",
            "info@hiver.com",
            None,
            true,
        ),
        user(
            456,
            "usr_01HABC",
            "Phoebe",
            "Buffay",
            "p.buffay@friends.com",
            Some("+19876543444"),
            false,
        ),
        user(
            1028399,
            "usr_01BILLING",
            "Monica",
            "Geller",
            "m.geller@company.com",
            Some("+19876543001"),
            true,
        ),
        user(
            1028400,
            "usr_01TECH",
            "Chandler",
            "Bing",
            "c.bing@company.com",
            Some("+19876543002"),
            true,
        ),
    ] {
        s.users.insert(u.id, u);
    }
    for i in 0..8 {
        let id = 2_000_001 + i;
        let first: String = FirstName().fake_with_rng(&mut rng);
        let last: String = LastName().fake_with_rng(&mut rng);
        let email = format!(
            "{}.{}@company.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        s.users.insert(
            id,
            user(
                id,
                &format!("usr_01G{i:03}"),
                &first,
                &last,
                &email,
                None,
                rng.random_bool(0.8),
            ),
        );
    }
    let generated: Vec<i64> = (2_000_001..=2_000_008).collect();
    let inboxes = [
        // The documented example: access lost.
        (
            101,
            "mb_01HCUST",
            "Customer Support",
            "info@hiver.com",
            false,
            176_878_888,
            vec![765676, 456, generated[0], generated[1]],
        ),
        // The mailbox the tutorial's samples use.
        (
            102,
            "mb_01HXYZ",
            "Support",
            "support@company.com",
            true,
            EPOCH - 86_400,
            vec![
                765676,
                456,
                1028399,
                1028400,
                generated[2],
                generated[3],
                generated[4],
            ],
        ),
        (
            103,
            "mb_01HBILL",
            "Billing",
            "billing@company.com",
            true,
            EPOCH - 43_200,
            vec![765676, 1028399, generated[5], generated[6], generated[7]],
        ),
    ];
    for (id, alias, name, email, authorised, created, members) in inboxes {
        s.inboxes.insert(
            id,
            Inbox {
                id,
                alias: alias.into(),
                display_name: name.into(),
                channel_type: "email".into(),
                email: email.into(),
                inbox_type: "user".into(),
                is_authorised: authorised,
                source_user_id: 765676,
                created_at: created,
                updated_at: created,
                member_ids: members,
            },
        );
    }
    for t in [
        tag(56789, 102, "Priority", "#ce93d8", EPOCH),
        tag(1234322, 102, "billing", "#64b5f6", EPOCH + 60),
        tag(343434, 102, "technical", "#81c784", EPOCH + 120),
        tag(343500, 102, "feedback", "#ffb74d", EPOCH + 180),
        tag(343501, 101, "urgent", "#e57373", EPOCH + 240),
        tag(343502, 101, "follow-up", "#4db6ac", EPOCH + 300),
        tag(343503, 103, "refunds", "#ba68c8", EPOCH + 360),
        tag(343504, 103, "invoices", "#90a4ae", EPOCH + 420),
    ] {
        s.tags.insert(t.id, t);
    }
    let mut msg_id = 910_000_001i64;
    let mut add = |s: &mut HiverState, rng: &mut ChaCha8Rng, mut c: Conversation| {
        for _ in 0..rng.random_range(1..=4) {
            c.messages.push(MessageRef {
                hiver_message_id: msg_id,
                gmail_message_id: hex(rng, 16),
            });
            msg_id += 1;
        }
        s.conversations.insert(c.id, c);
    };
    let permalinks = |rng: &mut ChaCha8Rng| {
        (
            format!("https://v2.hiverhq.com/permalinks/pvt/{}", hex(rng, 24)),
            format!("https://v2.hiverhq.com/permalinks/pub/{}", hex(rng, 40)),
        )
    };
    // The documented conversations.
    let (pvt, publ) = permalinks(&mut rng);
    add(
        &mut s,
        &mut rng,
        Conversation {
            id: 234232,
            inbox_id: 102,
            subject: "Invoice #1042 looks wrong".into(),
            status: Status::Open,
            assignee_id: Some(1028399),
            tag_ids: vec![1234322, 343434],
            gmail_thread_id: "18c2a7b4e6d1f903".into(),
            private_permalink: pvt,
            public_permalink: publ,
            messages: vec![],
            created_at: EPOCH + 1_000,
        },
    );
    let (pvt, publ) = permalinks(&mut rng);
    add(
        &mut s,
        &mut rng,
        Conversation {
            id: 538706170,
            inbox_id: 102,
            subject: "Question about pricing plans".into(),
            status: Status::Open,
            assignee_id: Some(1028399),
            tag_ids: vec![],
            gmail_thread_id: "19cfee91188070f8".into(),
            private_permalink: pvt,
            public_permalink: publ,
            messages: vec![],
            created_at: EPOCH + 2_000,
        },
    );
    let inbox_ids = [101, 102, 102, 102, 103];
    let mut i = 0usize;
    // The generated conversations, then (when the draw left too few) more open ones in the
    // tutorial's mailbox, so its pagination helper (`limit=100`) walks more than one page.
    loop {
        let open_in_tutorial = s
            .conversations
            .values()
            .filter(|c| c.inbox_id == 102 && c.status == Status::Open)
            .count();
        let topping_up = i >= CONVERSATIONS;
        if topping_up && open_in_tutorial > TUTORIAL_OPEN {
            break;
        }
        let inbox_id = if topping_up {
            102
        } else {
            inbox_ids[rng.random_range(0..inbox_ids.len())]
        };
        let inbox = s
            .inboxes
            .get(&inbox_id)
            .cloned()
            .unwrap_or_else(|| unreachable!("seeded inbox"));
        let status = match rng.random_range(0..10) {
            _ if topping_up => Status::Open,
            0..=4 => Status::Open,
            5..=6 => Status::Pending,
            _ => Status::Close,
        };
        let assignee = (status != Status::Open || rng.random_bool(0.5))
            .then(|| inbox.member_ids[rng.random_range(1..inbox.member_ids.len())]);
        let tags: Vec<i64> = s
            .inbox_tags(inbox_id)
            .iter()
            .filter(|_| rng.random_bool(0.2))
            .map(|t| t.id)
            .collect();
        let subject = SUBJECTS[rng.random_range(0..SUBJECTS.len())]
            .replace("{n}", &rng.random_range(1000..9999).to_string());
        let (pvt, publ) = permalinks(&mut rng);
        let c = Conversation {
            id: 538_706_200 + i as i64 * 7,
            inbox_id,
            subject,
            status,
            assignee_id: assignee,
            tag_ids: tags,
            gmail_thread_id: hex(&mut rng, 16),
            private_permalink: pvt,
            public_permalink: publ,
            messages: vec![],
            created_at: EPOCH + 3_000 + i as i64 * 1_800,
        };
        add(&mut s, &mut rng, c);
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented records and the tutorial's ids exist; the tutorial's auto-assign sample
    /// has open, unassigned conversations with keyword subjects in its mailbox.
    #[test]
    fn documented_and_tutorial_records() {
        let s = build(42);
        assert!(!s.inboxes.get(&101).unwrap().is_authorised);
        assert_eq!(s.inboxes.get(&102).unwrap().alias, "mb_01HXYZ");
        for alias in ["usr_01BILLING", "usr_01TECH", "usr_01HABC"] {
            assert!(s.user(alias).is_some(), "{alias}");
        }
        assert!(s.conversations.get(&234232).is_some());
        let work = s
            .conversations
            .values()
            .filter(|c| c.inbox_id == 102 && c.status == Status::Open && c.assignee_id.is_none())
            .filter(|c| {
                ["invoice", "refund", "login", "password"]
                    .iter()
                    .any(|k| c.subject.to_lowercase().contains(k))
            })
            .count();
        assert!(
            work >= 5,
            "only {work} conversations for the auto-assign sample"
        );
        for seed in 0..16 {
            let open = build(seed)
                .conversations
                .values()
                .filter(|c| c.inbox_id == 102 && c.status == Status::Open)
                .count();
            assert!(
                open > TUTORIAL_OPEN,
                "seed {seed}: {open} open in mb_01HXYZ"
            );
        }
        assert_eq!(
            serde_json::to_string(&build(9)).unwrap(),
            serde_json::to_string(&build(9)).unwrap()
        );
    }
}
