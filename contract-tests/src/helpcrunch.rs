//! The HelpCrunch REST API v1 contract checks, each taking a [`Target`].

use std::collections::BTreeSet;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

use crate::redact;
use crate::schema::Contract;
use crate::strategies::helpcrunch as strat;
use crate::target::{Exchange, Surface, Target};
use mock_server::vendors::helpcrunch;

pub const SURFACE: Surface = Surface::new(&helpcrunch::DIALECT, helpcrunch::DEFAULT_TOKEN);

pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| crate::schema::load("helpcrunch"));

const HEADERS: &[&str] = &["content-type", "retry-after"];

pub fn conforms(ex: &Exchange, template: &str) {
    crate::check::conforms(&CONTRACT, ex, template);
}

fn unix(c: &insta::internals::Content) -> bool {
    c.as_str()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

fn settings(created: &[&str], times: &[&str]) -> insta::Settings {
    let mut s = redact::settings();
    redact::shape(
        &mut s,
        ".headers[\"retry-after\"]",
        "[seconds]",
        redact::integer_string,
    );
    for sel in created {
        redact::shape_or_null(&mut s, sel, "[id]", redact::positive_integer);
    }
    for sel in times {
        redact::shape_or_null(&mut s, sel, "[unix time]", unix);
    }
    s
}

fn snapshot(name: &str, ex: &Exchange) {
    settings(&[], &[]).bind(|| insta::assert_json_snapshot!(name, redact::view(ex, HEADERS)));
}

fn cases(t: &Target, mock_default: u32) -> u32 {
    crate::check::cases(t, mock_default, 3)
}

/// The error examples of seed 003 validate against the schema.
pub fn documented_examples_validate() {
    let dir = crate::fixtures_dir().join("examples/helpcrunch");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let d = CONTRACT.validate_component("Error", &v);
        assert!(d.is_empty(), "{}: {d:?}", path.display());
        n += 1;
    }
    assert_eq!(n, 4);
}

/// The catalogue's reads and errors (`mock_server::vendors::helpcrunch::catalogue`) conform and
/// match their snapshots (reads on the emulator only); a customer's detail equals its list item.
pub fn read_operations_and_errors(t: &Target) {
    let seen = crate::check::catalogue_reads(t, &CONTRACT, snapshot);
    if let (Some(list), Some(one)) = (seen.get("listCustomers"), seen.get("getCustomer")) {
        assert_eq!(
            one.body, list.body["data"][0],
            "detail equals the list item"
        );
    }
}

/// Every check of this suite, for the coverage test and the external-process run.
pub const CHECKS: crate::check::Checks = &[
    ("read_operations_and_errors", read_operations_and_errors),
    ("write_operations", write_operations),
    ("search_equals_brute_force", search_equals_brute_force),
    (
        "paging_covers_every_record_once",
        paging_covers_every_record_once,
    ),
    ("put_replaces_patch_merges", put_replaces_patch_merges),
    (
        "invalid_searches_name_the_filter",
        invalid_searches_name_the_filter,
    ),
];

/// Every schema operation has a catalogue case, a route and a check.
pub fn every_operation_has_a_case_a_route_and_a_check() {
    crate::check::every_operation_has_a_case_a_route_and_a_check(SURFACE, &CONTRACT, CHECKS);
}

/// Every write operation, on records the check creates and deletes again.
pub fn write_operations(t: &Target) {
    if t.skip_unless_writes("customer, chat and message writes") {
        return;
    }
    let user_id = format!("contract-{}", std::process::id());
    let create = t.call(
        Method::POST,
        "/customers",
        Some(&json!({"name": "Contract Test", "email": "contract@example.com", "userId": user_id,
            "customData": [{"property": "plan", "value": "pro"}], "tags": [{"name": "contract-test"}]})),
    );
    assert_eq!(create.status, 201, "{}", create.raw);
    conforms(&create, "/customers");
    let created_settings = || settings(&[".body.id"], &[".body.firstSeen"]);
    let mut s = created_settings();
    s.add_redaction(".body.userId", "[userId]");
    s.bind(|| {
        insta::assert_json_snapshot!("helpcrunch_createCustomer", redact::view(&create, HEADERS))
    });
    let id = create.body["id"].as_i64().unwrap();
    let dup = t.call(
        Method::POST,
        "/customers",
        Some(&json!({"userId": user_id})),
    );
    assert_eq!(dup.status, 400);
    conforms(&dup, "/customers");
    snapshot("helpcrunch_error_duplicate_userId", &dup);

    let steps: Vec<(&str, Method, String, Value, &str)> = vec![
        (
            "patchCustomer",
            Method::PATCH,
            format!("/customers/{id}"),
            json!({"company": "Contracts Inc"}),
            "/customers/{id}",
        ),
        (
            "tagCustomer",
            Method::PUT,
            format!("/customers/{id}/tags"),
            json!({"tags": [{"name": "contract-extra", "color": "#123456"}]}),
            "/customers/{id}/tags",
        ),
        (
            "untagCustomer",
            Method::DELETE,
            format!("/customers/{id}/tags"),
            json!({"tags": [{"name": "contract-extra"}]}),
            "/customers/{id}/tags",
        ),
        (
            "replaceCustomer",
            Method::PUT,
            format!("/customers/{id}"),
            json!({"name": "Contract Test", "userId": user_id}),
            "/customers/{id}",
        ),
        (
            "batchUpdateCustomers",
            Method::PUT,
            "/customers/batch".into(),
            json!([{"customer": id, "notes": "batched"}]),
            "/customers/batch",
        ),
    ];
    for (op, method, path, body, template) in steps {
        let ex = t.call(method, &path, Some(&body));
        assert_eq!(ex.status, 200, "{op}: {}", ex.raw);
        conforms(&ex, template);
        let sel_id = if op == "batchUpdateCustomers" {
            ".body[].id"
        } else {
            ".body.id"
        };
        let sel_seen = if op == "batchUpdateCustomers" {
            ".body[].firstSeen"
        } else {
            ".body.firstSeen"
        };
        let mut s = settings(&[sel_id], &[sel_seen]);
        s.add_redaction(
            if op == "batchUpdateCustomers" {
                ".body[].userId"
            } else {
                ".body.userId"
            },
            "[userId]",
        );
        s.bind(|| {
            insta::assert_json_snapshot!(format!("helpcrunch_{op}"), redact::view(&ex, HEADERS))
        });
    }
    let ev = t.call(
        Method::POST,
        "/events",
        Some(&json!({"name": "contract", "data": {"n": 1}, "customer": id})),
    );
    assert_eq!(ev.status, 200, "{}", ev.raw);
    conforms(&ev, "/events");
    settings(&[".body.id"], &[".body.createdAt"])
        .bind(|| insta::assert_json_snapshot!("helpcrunch_addEvent", redact::view(&ev, HEADERS)));

    let app = t.call(Method::GET, "/applications", None).body["data"][0]["id"]
        .as_i64()
        .unwrap_or(1);
    let agent = t.call(Method::GET, "/agents", None).body["data"][0]["id"]
        .as_i64()
        .unwrap_or(1);
    let chat = t.call(
        Method::POST,
        "/chats",
        Some(&json!({"customer": id, "application": app})),
    );
    assert_eq!(chat.status, 201, "{}", chat.raw);
    conforms(&chat, "/chats");
    let chat_settings = || {
        let mut s = settings(
            &[
                ".body.id",
                ".body.customer.id",
                ".body.applicationId",
                ".body.lastMessageId",
                ".body.agents[].id",
                ".body.assignee.id",
                ".body.lastCommunicatedAgentId",
            ],
            &[
                ".body.createdAt",
                ".body.lastMessageAt",
                ".body.lastCustomerMessageAt",
                ".body.closedAt",
                ".body.snoozedUntil",
            ],
        );
        s.add_redaction(".body.customer.userId", "[userId]");
        for f in [
            ".body.agents[].name",
            ".body.agents[].email",
            ".body.agents[].role",
            ".body.assignee.name",
            ".body.assignee.email",
            ".body.assignee.role",
        ] {
            s.add_redaction(f, "[agent field]");
        }
        s
    };
    chat_settings().bind(|| {
        insta::assert_json_snapshot!("helpcrunch_createChat", redact::view(&chat, HEADERS))
    });
    let chat_id = chat.body["id"].as_i64().unwrap();
    let m = t.call(
        Method::POST,
        "/messages",
        Some(&json!({"chat": chat_id, "text": "Hello from the contract suite"})),
    );
    assert_eq!(m.status, 200, "{}", m.raw);
    conforms(&m, "/messages");
    let m2 = t.call(
        Method::POST,
        "/messages",
        Some(&json!({"chat": chat_id, "text": "Agent here", "agent": agent})),
    );
    conforms(&m2, "/messages");
    let mut s = settings(
        &[".body.id", ".body.chat", ".body.agent.id"],
        &[".body.createdAt", ".body.updatedAt"],
    );
    for f in [".body.agent.name", ".body.agent.email", ".body.agent.role"] {
        s.add_redaction(f, "[agent field]");
    }
    s.bind(|| insta::assert_json_snapshot!("helpcrunch_createMessage", redact::view(&m2, HEADERS)));
    let actions: Vec<(&str, Value)> = vec![
        ("chatAssignee", json!({"id": chat_id, "assignee": agent})),
        ("chatDepartment", json!({"id": chat_id, "department": null})),
        ("chatSnooze", json!({"id": chat_id, "snoozedUntil": null})),
        ("chatReadByAgent", json!({"id": chat_id, "read": true})),
        ("chatReadByCustomer", json!({"id": chat_id, "read": true})),
        ("chatRead", json!({"id": chat_id, "read": true})),
        ("chatStatus", json!({"id": chat_id, "status": "closed"})),
        ("chatRate", json!({"id": chat_id, "rating": "perfect"})),
    ];
    for (op, body) in actions {
        let action = op.trim_start_matches("chat");
        let path = format!("/chats/{}{}", action[..1].to_lowercase(), &action[1..]);
        let ex = t.call(Method::PUT, &path, Some(&body));
        assert_eq!(ex.status, 200, "{op} {path}: {}", ex.raw);
        conforms(&ex, &path);
        chat_settings().bind(|| {
            insta::assert_json_snapshot!(format!("helpcrunch_{op}"), redact::view(&ex, HEADERS))
        });
    }
    let found = t.call(
        Method::POST,
        "/chats/search",
        Some(&json!({"filter": [{"field": "chats.customer", "operator": "=", "value": id}]})),
    );
    assert_eq!(found.status, 200);
    conforms(&found, "/chats/search");
    assert_eq!(found.body["data"][0]["id"], chat_id);
    let del = t.call(Method::DELETE, &format!("/customers/{id}"), None);
    assert_eq!(del.status, 200);
    conforms(&del, "/customers/{id}");
    snapshot("helpcrunch_deleteCustomer", &del);
    if !t.skip_unless_mock("unsubscribeAgent changes a real agent") {
        let ex = t.call(Method::GET, &format!("/agents/{agent}/unsubscribe"), None);
        conforms(&ex, "/agents/{id}/unsubscribe");
        snapshot("helpcrunch_unsubscribeAgent", &ex);
    }
}

/// Every customer of the account, through the list.
fn all_customers(t: &Target) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let ex = t.call(
            Method::GET,
            &format!("/customers?offset={}&limit=100", out.len()),
            None,
        );
        assert_eq!(ex.status, 200, "{}", ex.raw);
        let page = ex.body["data"].as_array().cloned().unwrap_or_default();
        let total = ex.body["total"].as_u64().unwrap_or(0) as usize;
        out.extend(page.iter().cloned());
        if page.is_empty() || out.len() >= total {
            return out;
        }
    }
}

/// The test's own reading of one filter (independent of the emulator's code).
fn brute_match(c: &Value, f: &Value) -> bool {
    let field = f["field"].as_str().unwrap_or("");
    let op = f["operator"].as_str().unwrap_or("");
    let value = &f["value"];
    let num = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    let cmp = |have: Option<i64>| {
        let want = num(value).unwrap_or(0);
        match have {
            None => op == "!=",
            Some(h) => match op {
                "=" => h == want,
                "!=" => h != want,
                ">" => h > want,
                "<" => h < want,
                ">=" => h >= want,
                _ => h <= want,
            },
        }
    };
    let text = |have: &Value| {
        let want = value.as_str().unwrap_or("").to_lowercase();
        match have.as_str().map(str::to_lowercase) {
            None => op == "!=" || op == "!~",
            Some(h) => match op {
                "=" => h == want,
                "!=" => h != want,
                "~" => h.contains(&want),
                _ => !h.contains(&want),
            },
        }
    };
    match field {
        "customers.id" => cmp(c["id"].as_i64()),
        "customers.lastSeen" => cmp(num(&c["lastSeen"])),
        "customers.name" => text(&c["name"]),
        "customers.email" => text(&c["email"]),
        "customers.city" => text(&c["location"]["city"]),
        "customers.tagsData" => value.as_array().into_iter().flatten().all(|t| {
            c["tags"].as_array().into_iter().flatten().any(|x| {
                x["name"].as_str().map(str::to_lowercase)
                    == t["name"].as_str().map(str::to_lowercase)
            })
        }),
        _ => false,
    }
}

/// Generated searches return exactly the customers a brute-force filter over the list picks.
pub fn search_equals_brute_force(t: &Target) {
    let all = all_customers(t);
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 64)));
    runner
        .run(&strat::customer_search(), |body| {
            let any = body["comparison"] == "OR";
            let filters = body["filter"].as_array().cloned().unwrap_or_default();
            let expected: Vec<i64> = all
                .iter()
                .filter(|c| {
                    if any {
                        filters.iter().any(|f| brute_match(c, f))
                    } else {
                        filters.iter().all(|f| brute_match(c, f))
                    }
                })
                .filter_map(|c| c["id"].as_i64())
                .collect();
            let mut got = Vec::new();
            loop {
                let mut page_body = body.clone();
                page_body["offset"] = json!(got.len());
                let ex = t.call(Method::POST, "/customers/search", Some(&page_body));
                prop_assert_eq!(ex.status, 200, "{}", ex.raw);
                conforms(&ex, "/customers/search");
                let page = ex.body["data"].as_array().cloned().unwrap_or_default();
                prop_assert_eq!(
                    ex.body["total"].as_u64(),
                    Some(expected.len() as u64),
                    "total for {}",
                    body
                );
                got.extend(page.iter().filter_map(|c| c["id"].as_i64()));
                if page.is_empty() || got.len() >= expected.len() {
                    break;
                }
            }
            prop_assert_eq!(got, expected, "{}", body);
            Ok(())
        })
        .unwrap();
}

/// Offset/limit paging at any limit 1-100 returns every customer and chat exactly once.
pub fn paging_covers_every_record_once(t: &Target) {
    let walk = |resource: &str, limit: usize| -> Vec<i64> {
        let mut ids: Vec<i64> = Vec::new();
        loop {
            let ex = t.call(
                Method::GET,
                &format!("/{resource}?offset={}&limit={limit}", ids.len()),
                None,
            );
            assert_eq!(ex.status, 200, "{}", ex.raw);
            conforms(&ex, &format!("/{resource}"));
            let page: Vec<i64> = ex.body["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["id"].as_i64())
                .collect();
            assert!(page.len() <= limit);
            if page.is_empty() {
                return ids;
            }
            ids.extend(page);
        }
    };
    let reference: Vec<(&str, Vec<i64>)> = ["customers", "chats"]
        .into_iter()
        .map(|r| (r, walk(r, 100)))
        .collect();
    for (r, ids) in &reference {
        assert_eq!(
            ids.iter().collect::<BTreeSet<_>>().len(),
            ids.len(),
            "{r}: duplicates"
        );
    }
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 16)));
    runner
        .run(&(1usize..=100, 0usize..2), |(limit, which)| {
            let (resource, expected) = &reference[which];
            prop_assert_eq!(
                &walk(resource, limit),
                expected,
                "{} at limit {}",
                resource,
                limit
            );
            Ok(())
        })
        .unwrap();
}

/// PATCH changes only the fields sent; PUT resets every other writable field.
pub fn put_replaces_patch_merges(t: &Target) {
    if t.skip_unless_writes("PUT/PATCH /customers/{id}") {
        return;
    }
    let created = t.call(
        Method::POST,
        "/customers",
        Some(&json!({"name": "Merge Base", "company": "Base Co", "notes": "keep"})),
    );
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_i64().unwrap();
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 32)));
    runner
        .run(
            &(strat::customer_fields(), any::<bool>()),
            |(fields, replace)| {
                let before = t.call(Method::GET, &format!("/customers/{id}"), None).body;
                let method = if replace { Method::PUT } else { Method::PATCH };
                let ex = t.call(
                    method,
                    &format!("/customers/{id}"),
                    Some(&Value::Object(fields.clone())),
                );
                prop_assert_eq!(ex.status, 200, "{}", ex.raw);
                conforms(&ex, "/customers/{id}");
                for key in [
                    "name",
                    "email",
                    "phone",
                    "company",
                    "notes",
                    "locale",
                    "unsubscribed",
                    "blocked",
                ] {
                    let expected = match fields.get(key) {
                        Some(v) => v.clone(),
                        None if replace => {
                            if key == "unsubscribed" || key == "blocked" {
                                json!(false)
                            } else {
                                Value::Null
                            }
                        }
                        None => before[key].clone(),
                    };
                    prop_assert_eq!(
                        &ex.body[key],
                        &expected,
                        "{} after {} {:?}",
                        key,
                        if replace { "PUT" } else { "PATCH" },
                        fields
                    );
                }
                Ok(())
            },
        )
        .unwrap();
    t.call(Method::DELETE, &format!("/customers/{id}"), None);
}

/// Invalid searches get 400 with `invalid_request` first and the offending filter path.
pub fn invalid_searches_name_the_filter(t: &Target) {
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 64)));
    runner
        .run(&strat::invalid_search(), |(body, code)| {
            let ex = t.call(Method::POST, "/customers/search", Some(&body));
            prop_assert_eq!(ex.status, 400, "{} -> {}", body, ex.raw);
            conforms(&ex, "/customers/search");
            prop_assert_eq!(&ex.body["errors"][0]["code"], "invalid_request");
            let codes: Vec<&str> = ex.body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["code"].as_str())
                .collect();
            prop_assert!(
                codes.contains(&code.as_str()),
                "{} not in {:?} for {}",
                code,
                codes,
                body
            );
            Ok(())
        })
        .unwrap();
}

/// The 121st request in a minute gets 429 (emulator only).
pub fn request_121_is_rate_limited(probe: &Target) {
    if probe.skip_unless_mock("rate-limit exhaustion") {
        return;
    }
    let t = &crate::check::rate_limited_emulator(SURFACE);
    let ex = crate::check::exhaust(t, "/organization", 120, |_, _| {});
    conforms(&ex, "/organization");
    snapshot("helpcrunch_error_rate_limited", &ex);
}
