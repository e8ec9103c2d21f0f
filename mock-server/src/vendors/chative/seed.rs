//! Deterministic default data for one Chative account: four typed custom fields and 300
//! contacts. The first contact is assembled from the values the docs use as examples (Peter
//! Parker, `user@example.com`, `male`, birthday `1028221200`, phone `0123456789`, VIP) under the
//! contact id the reference catalog cites; the rest are generated (crate `fake`, `--seed`).

use fake::faker::internet::en::SafeEmail;
use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::state::*;

pub(crate) const CONTACTS: usize = 300;
pub(crate) const EXAMPLE_ID: &str = "183ccf94-3111-480f-8b12-4d19d65d3c78";
/// 2023-01-01T00:00:00Z, when the seeded account's first contact was created.
const EPOCH_MS: i64 = 1_672_531_200_000;

pub(crate) fn custom_fields() -> Vec<CustomField> {
    [
        ("VIP", "VIP", FieldType::Text),
        ("orders", "Orders", FieldType::Number),
        ("renewalDate", "Renewal date", FieldType::Date),
        ("newsletter", "Newsletter", FieldType::Boolean),
    ]
    .into_iter()
    .map(|(key, label, field_type)| CustomField {
        key: key.into(),
        label: label.into(),
        field_type,
    })
    .collect()
}

fn example() -> Contact {
    let mut custom = Map::new();
    custom.insert("VIP".into(), json!("Very important person"));
    custom.insert("orders".into(), json!(123));
    custom.insert("renewalDate".into(), json!(1_682_985_600_000i64));
    custom.insert("newsletter".into(), json!(true));
    Contact {
        id: EXAMPLE_ID.into(),
        first_name: "Peter".into(),
        last_name: "Parker".into(),
        email: Some("user@example.com".into()),
        phone: Some("0123456789".into()),
        gender: Some("male".into()),
        birthday: Some(1_028_221_200),
        contact_type: "Customer".into(),
        tags: vec!["vip".into()],
        custom_fields: custom,
        created_at: EPOCH_MS,
        updated_at: EPOCH_MS,
    }
}

pub(crate) fn build(seed: u64) -> ChativeState {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC4A7_17E0);
    let mut s = ChativeState {
        custom_fields: custom_fields(),
        ..Default::default()
    };
    let first = example();
    s.contacts.insert(first.id.clone(), first);
    let types = ["Guest", "Lead", "Customer"];
    let tags = ["vip", "newsletter", "trial", "churn-risk", "partner"];
    for i in 1..CONTACTS {
        let created = EPOCH_MS + (i as i64) * 3_600_000 + rng.random_range(0..3_600_000);
        let contact_type = types[rng.random_range(0..types.len())];
        let guest = contact_type == "Guest";
        let (first, last): (String, String) = if guest && rng.random_bool(0.5) {
            ("Guest".into(), format!("#{}", 1000 + i))
        } else {
            (
                FirstName().fake_with_rng(&mut rng),
                LastName().fake_with_rng(&mut rng),
            )
        };
        let mut custom = Map::new();
        custom.insert(
            "VIP".into(),
            if rng.random_bool(0.2) {
                json!("Gold")
            } else {
                Value::Null
            },
        );
        custom.insert("orders".into(), json!(rng.random_range(0..40)));
        custom.insert(
            "renewalDate".into(),
            if rng.random_bool(0.5) {
                json!(created + rng.random_range(1..400) * 86_400_000)
            } else {
                Value::Null
            },
        );
        custom.insert("newsletter".into(), json!(rng.random_bool(0.5)));
        let contact = Contact {
            id: uuid::Builder::from_random_bytes(rng.random())
                .into_uuid()
                .to_string(),
            first_name: first,
            last_name: last,
            email: (!guest || rng.random_bool(0.3)).then(|| SafeEmail().fake_with_rng(&mut rng)),
            phone: rng
                .random_bool(0.7)
                .then(|| format!("+84{:09}", rng.random_range(100_000_000..999_999_999u64))),
            gender: rng
                .random_bool(0.8)
                .then(|| GENDERS[rng.random_range(0..GENDERS.len())].to_string()),
            birthday: rng
                .random_bool(0.6)
                .then(|| rng.random_range(-631_152_000_000i64..1_104_537_600_000)),
            contact_type: contact_type.into(),
            tags: tags
                .iter()
                .filter(|_| rng.random_bool(0.2))
                .map(|t| t.to_string())
                .collect(),
            custom_fields: custom,
            created_at: created,
            updated_at: created,
        };
        s.contacts.insert(contact.id.clone(), contact);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 300 contacts, the example first, every type and gender present, deterministic by seed.
    #[test]
    fn seed_shape() {
        let s = build(42);
        assert_eq!(s.contacts.len(), CONTACTS);
        assert_eq!(s.contacts.values().next().unwrap().id, EXAMPLE_ID);
        for t in ["Guest", "Lead", "Customer"] {
            assert!(s.contacts.values().any(|c| c.contact_type == t));
        }
        for g in GENDERS {
            assert!(s.contacts.values().any(|c| c.gender.as_deref() == Some(*g)));
        }
        assert_eq!(
            serde_json::to_string(&build(1)).unwrap(),
            serde_json::to_string(&build(1)).unwrap()
        );
    }
}
