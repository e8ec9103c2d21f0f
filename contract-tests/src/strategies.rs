//! proptest strategies: valid and invalid requests per operation.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Hipcall v20211124.
pub mod hipcall {
    use super::*;

    fn due_date() -> impl Strategy<Value = (String, String)> {
        // (input, the +0000 form the API answers with)
        (
            2000u32..2035,
            1u32..=12,
            1u32..=28,
            0u32..24,
            0u32..60,
            0u32..60,
        )
            .prop_flat_map(|(y, mo, d, h, mi, s)| {
                let canonical = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+0000");
                prop::sample::select(vec![
                    format!("{y:04}{mo:02}{d:02} {h:02}:{mi:02}:{s:02}"),
                    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                ])
                .prop_map(move |input| (input, canonical.clone()))
            })
    }

    /// A valid `POST /tasks` body that references no other record (so it is valid on any
    /// account), with the task fields it must produce.
    pub fn valid_task() -> impl Strategy<Value = (Value, Map<String, Value>)> {
        (
            // No leading/trailing blanks: a framework may trim them.
            "[A-Za-z][A-Za-z0-9.,'-]{0,60}",
            prop::option::of("[A-Za-z0-9]([ -~]{0,100}[A-Za-z0-9])?"),
            prop::option::of(due_date()),
            prop::sample::select(vec!["", "low", "medium", "high"]),
            prop::option::of(1i64..1000),
        )
            .prop_map(|(name, description, due, priority, task_list)| {
                let mut body = Map::new();
                let mut expect = Map::new();
                body.insert("name".into(), json!(name));
                expect.insert("name".into(), json!(name));
                if let Some(d) = &description {
                    body.insert("description".into(), json!(d));
                }
                expect.insert("description".into(), json!(description));
                if let Some((input, canonical)) = &due {
                    body.insert("due_date".into(), json!(input));
                    expect.insert("due_date".into(), json!(canonical));
                } else {
                    expect.insert("due_date".into(), Value::Null);
                }
                body.insert("priority".into(), json!(priority));
                expect.insert("priority".into(), json!(priority));
                if let Some(t) = task_list {
                    body.insert("task_list".into(), json!(t));
                }
                expect.insert("task_list_id".into(), json!(task_list));
                expect.insert("done".into(), json!(false));
                expect.insert("assign_to".into(), Value::Null);
                (Value::Object(body), expect)
            })
    }

    /// A `POST /tasks` body with exactly one invalid field, and that field's name as the
    /// error must report it.
    pub fn invalid_task() -> impl Strategy<Value = (Value, String)> {
        let bad: Vec<(&str, Value, &str)> = vec![
            ("name", json!(null), "name"),
            ("name", json!(42), "name"),
            ("name", json!(["a"]), "name"),
            ("name", json!(""), "name"),
            ("name", json!("x".repeat(256)), "name"),
            ("description", json!(17), "description"),
            ("due_date", json!("not a date"), "due_date"),
            ("due_date", json!(20220612), "due_date"),
            ("priority", json!("urgent"), "priority"),
            ("priority", json!(3), "priority"),
            ("task_list", json!("four"), "task_list"),
            ("auto_assign_to_user", json!("maybe"), "auto_assign_to_user"),
            ("contact_ids", json!("1,2"), "contact_ids"),
            ("company_ids", json!(["one"]), "company_ids.0"),
            ("deal_ids", json!({"a": 1}), "deal_ids"),
            ("assign_to", json!("me"), "assign_to"),
            ("assign_to", json!(987654321), "assign_to"),
        ];
        (valid_task(), prop::sample::select(bad)).prop_map(
            |((body, _), (field, value, reported))| {
                let mut body = body.as_object().cloned().unwrap_or_default();
                if field == "name" && value.is_null() && reported == "name" {
                    body.remove("name");
                } else {
                    body.insert(field.to_string(), value);
                }
                (Value::Object(body), reported.to_string())
            },
        )
    }

    /// Page sizes the API accepts.
    pub fn per_page() -> impl Strategy<Value = usize> {
        1usize..=100
    }

    /// Tokens that are not the target's (random, and malformed headers).
    pub fn bad_authorization() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            "[A-Za-z0-9]{8,40}".prop_map(|t| Some(format!("Bearer zz-{t}"))),
            "[A-Za-z0-9]{1,20}".prop_map(|t| Some(format!("Basic {t}"))),
            Just(Some("Bearer".to_string())),
        ]
    }
}

/// Chative.IO v1.0.
pub mod chative {
    use super::*;

    fn standard() -> impl Strategy<Value = (String, Value)> {
        prop_oneof![
            "[A-Za-z]{1,20}".prop_map(|v| ("firstName".to_string(), json!(v))),
            "[A-Za-z]{1,20}".prop_map(|v| ("lastName".to_string(), json!(v))),
            "[a-z]{1,10}@[a-z]{1,10}\\.(com|io|org)".prop_map(|v| ("email".to_string(), json!(v))),
            prop::sample::select(vec!["male", "female", "other"])
                .prop_map(|v| ("gender".to_string(), json!(v))),
            "\\+?[0-9]{6,12}".prop_map(|v| ("phone".to_string(), json!(v))),
            (-2_000_000_000_000i64..2_000_000_000_000)
                .prop_map(|v| ("birthday".to_string(), json!(v))),
        ]
    }

    fn custom() -> impl Strategy<Value = (String, Value)> {
        prop_oneof![
            "[ -~]{0,20}".prop_map(|v| ("VIP".to_string(), json!(v))),
            (-1_000_000i64..1_000_000).prop_map(|v| ("orders".to_string(), json!(v))),
            (0i64..4_000_000_000_000).prop_map(|v| ("renewalDate".to_string(), json!(v))),
            any::<bool>().prop_map(|v| ("newsletter".to_string(), json!(v))),
        ]
    }

    /// A valid PATCH body: standard fields, plus the emulator seed's custom fields when
    /// `with_custom` (a real account's custom fields are unknown).
    pub fn valid_patch(with_custom: bool) -> impl Strategy<Value = Map<String, Value>> {
        let field = if with_custom {
            prop_oneof![standard(), custom()].boxed()
        } else {
            standard().boxed()
        };
        prop::collection::vec(field, 1..5).prop_map(|fields| fields.into_iter().collect())
    }

    /// A PATCH body with one bad field (unknown or wrongly typed) next to valid ones, and the
    /// field name the error must report.
    pub fn invalid_patch() -> impl Strategy<Value = (Map<String, Value>, String)> {
        let bad: Vec<(&str, Value)> = vec![
            ("nickname", json!("x")),
            ("id", json!("00000000-0000-0000-0000-000000000000")),
            ("createdAt", json!(0)),
            ("firstName", json!(5)),
            ("lastName", json!(["a"])),
            ("email", json!("not-an-email")),
            ("gender", json!("robot")),
            ("birthday", json!("yesterday")),
            ("birthday", json!(true)),
            ("phone", json!({"n": 1})),
        ];
        (valid_patch(false), prop::sample::select(bad)).prop_map(|(mut body, (field, value))| {
            body.insert(field.to_string(), value);
            (body, field.to_string())
        })
    }
}

/// HelpCrunch REST API v1.
pub mod helpcrunch {
    use super::*;

    /// A customer search filter over fields whose values the list shows, built so the test
    /// can evaluate it independently.
    pub fn customer_filter() -> impl Strategy<Value = Value> {
        let num_op = prop::sample::select(vec!["=", "!=", ">", "<", ">=", "<="]);
        let str_op = prop::sample::select(vec!["=", "!=", "~", "!~"]);
        prop_oneof![
            (num_op.clone(), 0i64..320).prop_map(|(op, v)| json!({"field": "customers.id", "operator": op, "value": v})),
            (num_op, 1_704_000_000i64..1_715_000_000)
                .prop_map(|(op, v)| json!({"field": "customers.lastSeen", "operator": op, "value": v.to_string()})),
            (str_op.clone(), "[a-e]{1,2}").prop_map(|(op, v)| json!({"field": "customers.name", "operator": op, "value": v})),
            (str_op.clone(), prop::sample::select(vec!["example", ".org", ".com", "net"]))
                .prop_map(|(op, v)| json!({"field": "customers.email", "operator": op, "value": v})),
            (str_op, prop::sample::select(vec!["London", "kyiv", "Berlin", "Paris", "war"]))
                .prop_map(|(op, v)| json!({"field": "customers.city", "operator": op, "value": v})),
            prop::collection::vec(prop::sample::select(vec!["vip", "lead", "trial", "churned", "enterprise"]), 1..3)
                .prop_map(|tags| {
                    let v: Vec<Value> = tags.into_iter().map(|t| json!({"name": t})).collect();
                    json!({"field": "customers.tagsData", "operator": "=", "value": v})
                }),
        ]
    }

    /// A search body: 1-3 filters combined with AND or OR.
    pub fn customer_search() -> impl Strategy<Value = Value> {
        (prop::collection::vec(customer_filter(), 1..4), any::<bool>())
            .prop_map(|(filter, or)| json!({"filter": filter, "comparison": if or { "OR" } else { "AND" }, "limit": 100}))
    }

    /// A search body with exactly one invalid filter, and the error code that must name it.
    pub fn invalid_search() -> impl Strategy<Value = (Value, String)> {
        let bad = prop::sample::select(vec![
            (
                json!({"field": "customers.shoeSize", "operator": "=", "value": 1}),
                "field",
            ),
            (json!({"field": "", "operator": "=", "value": 1}), "field"),
            (json!({"operator": "=", "value": 1}), "field"),
            (
                json!({"field": "customers.id", "operator": "~", "value": 1}),
                "operator",
            ),
            (
                json!({"field": "customers.name", "operator": ">", "value": "a"}),
                "operator",
            ),
            (
                json!({"field": "customers.name", "operator": "like", "value": "a"}),
                "operator",
            ),
            (
                json!({"field": "customers.lastSeen", "operator": ">", "value": "18 Jun 2020"}),
                "value",
            ),
            (
                json!({"field": "customers.id", "operator": "=", "value": "one"}),
                "value",
            ),
            (
                json!({"field": "customers.email", "operator": "=", "value": 5}),
                "value",
            ),
            (
                json!({"field": "customers.tagsData", "operator": "=", "value": "vip"}),
                "value",
            ),
        ]);
        (
            prop::collection::vec(customer_filter(), 0..3),
            bad,
            any::<prop::sample::Index>(),
        )
            .prop_map(|(mut good, (bad, part), at)| {
                let i = at.index(good.len() + 1);
                good.insert(i, bad);
                (json!({"filter": good}), format!("filter[{i}].{part}"))
            })
    }

    /// A set of writable customer fields with valid values.
    pub fn customer_fields() -> impl Strategy<Value = Map<String, Value>> {
        let field = prop_oneof![
            "[A-Z][a-z]{1,12}".prop_map(|v| ("name".to_string(), json!(v))),
            "[a-z]{1,8}@[a-z]{1,8}\\.com".prop_map(|v| ("email".to_string(), json!(v))),
            "\\+[0-9]{7,12}".prop_map(|v| ("phone".to_string(), json!(v))),
            "[A-Z][a-z]{1,12} (LLC|Inc)".prop_map(|v| ("company".to_string(), json!(v))),
            "[a-z ]{1,30}".prop_map(|v| ("notes".to_string(), json!(v))),
            prop::sample::select(vec!["en", "uk", "de"])
                .prop_map(|v| ("locale".to_string(), json!(v))),
            any::<bool>().prop_map(|v| ("unsubscribed".to_string(), json!(v))),
            any::<bool>().prop_map(|v| ("blocked".to_string(), json!(v))),
        ];
        prop::collection::vec(field, 1..5).prop_map(|v| v.into_iter().collect())
    }
}
