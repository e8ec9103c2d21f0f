//! The Hipcall v3 contract checks, each taking a [`Target`]: the catalogue's reads and errors,
//! every write, offset walks, filters against brute force, round trips, and the 61st request.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use mock_server::client::CaseRun;
use mock_server::vendors::hipcall;
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

use crate::redact::{self, hipcall::HEADERS};
use crate::schema::Contract;
use crate::target::{Exchange, Surface, Target};

pub const SURFACE: Surface = Surface::new(&hipcall::V3, hipcall::DEFAULT_TOKEN);

pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| crate::schema::load("hipcall-v3"));

pub fn conforms(ex: &Exchange, template: &str) {
    crate::check::conforms(&CONTRACT, ex, template);
}

fn snapshot(name: &str, ex: &Exchange) {
    redact::hipcall::settings("")
        .bind(|| insta::assert_json_snapshot!(name, redact::view(ex, HEADERS)));
}

fn cases(t: &Target, mock_default: u32) -> u32 {
    crate::check::cases(t, mock_default, 2)
}

/// The catalogue's reads and errors (`mock_server::vendors::hipcall::v3::catalogue`) conform and
/// match their snapshots (reads on the emulator only); a call's detail agrees with its row.
pub fn read_operations_and_errors(t: &Target) {
    let seen = crate::check::catalogue_reads(t, &CONTRACT, snapshot);
    if let (Some(list), Some(one)) = (seen.get("getCalls"), seen.get("getCall")) {
        assert_eq!(
            one.body["data"], list.body["data"][0],
            "detail equals the list row"
        );
    }
    if let (Some(list), Some(one)) = (seen.get("getContacts"), seen.get("getContactByExternalId")) {
        assert_eq!(
            one.body["data"], list.body["data"][0],
            "lookup by external id finds the record"
        );
    }
}

/// Every write of the catalogue answers its documented status and shape (those that restore
/// what they change everywhere writes are allowed; the rest on the emulator), and the writes
/// read back.
pub fn write_operations(t: &Target) {
    if t.skip_unless_writes("v3 writes") {
        return;
    }
    let all = t.surface.dialect.catalogue();
    let runs = t.run_cases(&all, t.is_mock());
    let mut answered = std::collections::HashMap::new();
    for (case, run) in all.iter().zip(runs) {
        match run {
            CaseRun::Answered(ex) => {
                assert_eq!(ex.status, case.expect, "{}: {}", case.name, ex.raw);
                conforms(&ex, case.template);
                answered.insert(case.name, ex);
            }
            CaseRun::Skipped(why) => eprintln!("hipcall-v3: {} not run: {why}", case.name),
            CaseRun::Failed(e) => panic!("{}: {e}", case.name),
        }
    }
    if !t.is_mock() {
        return;
    }
    let id = |name: &str, p: &str| {
        answered[name]
            .body
            .pointer(p)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let task = t.call(
        Method::GET,
        &format!("/tasks/{}", id("createTask", "/data/id")),
        None,
    );
    assert_eq!(
        (
            task.body["data"]["name"].clone(),
            task.body["data"]["done"].clone()
        ),
        (json!("mockdesk verify"), json!(true))
    );
    let contact = t.call(
        Method::GET,
        &format!("/contacts/{}", id("createContact", "/data/id")),
        None,
    );
    assert_eq!(contact.body["data"]["job_title"], "Probe");
    assert_eq!(
        contact.body["data"]["phones"].as_array().map(Vec::len),
        Some(1),
        "added then deleted phone is gone"
    );
    assert_eq!(
        contact.body["data"]["emails"],
        json!([]),
        "added then deleted email is gone"
    );
    let uuid = id("callAndBridge", "/data/id");
    let calls = t.call(Method::GET, "/calls?limit=2", None);
    let newest: Vec<&Value> = calls.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["uuid"])
        .collect();
    assert!(
        newest.contains(&&uuid),
        "the bridged call is among the newest: {newest:?}"
    );
    assert_eq!(
        answered["setCallDisposition"].body["data"]["code"],
        "FOLLOWUP"
    );
    let comments = t.call(
        Method::GET,
        &format!("/calls/{}/comments?limit=100", uuid.as_str().unwrap_or("")),
        None,
    );
    assert!(comments.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["content"] == "mockdesk verify"));
    let inbox = &answered["getInbox"].body["data"];
    let after = t.call(
        Method::GET,
        &format!("/inbox/{}", inbox["id"].as_str().unwrap_or("")),
        None,
    );
    assert_eq!(
        after.body["data"]["whatsapp_calls_enabled"], inbox["whatsapp_calls_enabled"],
        "written back"
    );
}

/// Every check of this suite, for the coverage test and the external-process run.
pub const CHECKS: crate::check::Checks = &[
    ("read_operations_and_errors", read_operations_and_errors),
    ("write_operations", write_operations),
    (
        "offset_walks_return_every_record_once",
        offset_walks_return_every_record_once,
    ),
    (
        "call_filters_equal_brute_force",
        call_filters_equal_brute_force,
    ),
    ("created_contacts_round_trip", created_contacts_round_trip),
];

/// Every schema operation has a catalogue case, a route and a check.
pub fn every_operation_has_a_case_a_route_and_a_check() {
    crate::check::every_operation_has_a_case_a_route_and_a_check(SURFACE, &CONTRACT, CHECKS);
}

/// The records of `path` walked with `limit`, checking each page.
fn walk(t: &Target, path: &str, key: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut offset = 0;
    let sep = if path.contains('?') { '&' } else { '?' };
    let template = path.split('?').next().unwrap_or(path);
    loop {
        let ex = t.call(
            Method::GET,
            &format!("{path}{sep}limit={limit}&offset={offset}"),
            None,
        );
        assert_eq!(ex.status, 200, "{}", ex.raw);
        conforms(&ex, template);
        let data = ex.body["data"].as_array().cloned().unwrap_or_default();
        assert!(data.len() <= limit);
        assert_eq!(ex.body["meta"]["limit"], limit);
        out.extend(data.iter().map(|r| r[key].clone()).collect::<Vec<_>>());
        offset += limit;
        let count = ex.body["meta"]["count"].as_u64().unwrap_or(0) as usize;
        if offset >= count {
            assert_eq!(out.len(), count);
            return out;
        }
    }
}

/// An offset walk at any limit returns every record once, in the requested sort.
pub fn offset_walks_return_every_record_once(t: &Target) {
    let lists = [
        ("/calls?sort=started_at.desc", "uuid"),
        ("/calls?sort=started_at.asc", "uuid"),
        ("/contacts?sort=last_name.asc", "id"),
        ("/companies?sort=name.desc", "id"),
        ("/tasks?sort=id.desc", "id"),
        ("/conversations", "id"),
        ("/users", "id"),
    ];
    let reference: Vec<Vec<Value>> = lists.iter().map(|(p, k)| walk(t, p, k, 100)).collect();
    for (list, (path, _)) in reference.iter().zip(lists) {
        let unique: BTreeSet<String> = list.iter().map(Value::to_string).collect();
        assert_eq!(unique.len(), list.len(), "{path}: every record once");
    }
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 16)));
    runner
        .run(&(0..lists.len(), 1usize..=100), |(i, limit)| {
            let (path, key) = lists[i];
            prop_assert_eq!(
                &walk(t, path, key, limit),
                &reference[i],
                "{} at limit {}",
                path,
                limit
            );
            Ok(())
        })
        .unwrap();
    // The requested order holds over the whole walk.
    let starts: Vec<String> = walk(t, "/calls?sort=started_at.asc", "started_at", 100)
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "ascending start times"
    );
}

/// Every generated filter on `/calls` returns exactly the calls a brute-force filter of the
/// full list keeps.
pub fn call_filters_equal_brute_force(t: &Target) {
    let all: Vec<Value> = {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let ex = t.call(
                Method::GET,
                &format!("/calls?limit=100&offset={offset}"),
                None,
            );
            let data = ex.body["data"].as_array().cloned().unwrap_or_default();
            out.extend(data);
            offset += 100;
            if offset >= ex.body["meta"]["count"].as_u64().unwrap_or(0) as usize {
                break out;
            }
        }
    };
    let pivots: Vec<String> = all
        .iter()
        .map(|c| c["started_at"].as_str().unwrap_or("").to_string())
        .collect();
    let strategy = (
        prop::option::of(prop::sample::select(vec![
            "inbound", "outbound", "internal",
        ])),
        prop::option::of(any::<bool>()),
        prop::option::of(0u32..600),
        prop::option::of(0usize..pivots.len().max(1)),
        prop::option::of(1i64..12),
    );
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 48)));
    runner
        .run(
            &strategy,
            |(direction, missing, min_duration, pivot, user)| {
                let mut query = vec!["limit=100".to_string()];
                if let Some(d) = direction {
                    query.push(format!("direction%5Beq%5D={d}"));
                }
                if let Some(m) = missing {
                    query.push(format!("missing_call%5Beq%5D={m}"));
                }
                if let Some(d) = min_duration {
                    query.push(format!("call_duration%5Bgte%5D={d}"));
                }
                let since = pivot.and_then(|p| pivots.get(p)).cloned();
                if let Some(s) = &since {
                    query.push(format!("started_at%5Bgte%5D={}", s.replace(':', "%3A")));
                }
                if let Some(u) = user {
                    query.push(format!("user_id%5Beq%5D={u}"));
                }
                let ex = t.call(Method::GET, &format!("/calls?{}", query.join("&")), None);
                prop_assert_eq!(ex.status, 200, "{}", ex.raw);
                conforms(&ex, "/calls");
                let got: BTreeSet<String> = ex.body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["uuid"].as_str().unwrap_or("").to_string())
                    .collect();
                let want: BTreeSet<String> = all
                    .iter()
                    .filter(|c| direction.is_none_or(|d| c["direction"] == d))
                    .filter(|c| missing.is_none_or(|m| c["missing_call"] == m))
                    .filter(|c| {
                        min_duration.is_none_or(|d| {
                            c["call_duration"].as_u64().unwrap_or(0) >= u64::from(d)
                        })
                    })
                    .filter(|c| {
                        since
                            .as_ref()
                            .is_none_or(|s| c["started_at"].as_str().unwrap_or("") >= s.as_str())
                    })
                    .filter(|c| user.is_none_or(|u| c["user_id"] == u))
                    .map(|c| c["uuid"].as_str().unwrap_or("").to_string())
                    .collect();
                prop_assert_eq!(got, want, "{}", query.join("&"));
                Ok(())
            },
        )
        .unwrap();
}

/// Created contacts read back with every field sent (emulator, or with writes allowed).
pub fn created_contacts_round_trip(t: &Target) {
    if t.skip_unless_writes("contact creation")
        || t.skip_unless_mock("v3 offers no way to delete contacts")
    {
        return;
    }
    let strategy = (
        "[A-Z][a-z]{1,10}",
        "[A-Z][a-z]{1,12}",
        prop::option::of("[a-z]{3,8}"),
        1u32..9_999_999,
    );
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 24)));
    let counter = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&strategy, |(first, last, tier, phone)| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let number = format!("+90533{phone:07}");
            let mut body = json!({"first_name": first, "last_name": last, "external_id": format!("prop-{n}-{phone}"),
                "phones": [{"number": number, "country": "TR"}], "emails": [{"email": format!("p{n}@prop.example")}]});
            if let Some(t) = &tier {
                body["custom_fields"] = json!({"tier": t});
            }
            let made = t.call(Method::POST, "/contacts", Some(&body));
            prop_assert_eq!(made.status, 201, "{}", made.raw);
            conforms(&made, "/contacts");
            let id = made.body["data"]["id"].clone();
            let read = t.call(Method::GET, &format!("/contacts/{id}"), None);
            prop_assert_eq!(&read.body["data"], &made.body["data"]);
            let d = &read.body["data"];
            prop_assert_eq!(&d["full_name"], &json!(format!("{first} {last}")));
            prop_assert_eq!(&d["phones"][0]["number"], &json!(number));
            prop_assert_eq!(&d["custom_fields"]["tier"], &tier.map_or(Value::Null, Value::from));
            let found = t.call(Method::GET, &format!("/lookup/by_phone?number=%2B90533{phone:07}"), None);
            prop_assert!(found.body["data"]["contacts"].as_array().unwrap().iter().any(|c| c["id"] == id));
            Ok(())
        })
        .unwrap();
}

/// The 61st request in a minute gets 429 with `Retry-After` and the documented body
/// (emulator only).
pub fn request_61_is_rate_limited(probe: &Target) {
    if probe.skip_unless_mock("exhausting the budget") {
        return;
    }
    let t = crate::check::rate_limited_emulator(SURFACE);
    let ex = crate::check::exhaust(&t, "/numbers", 60, |i, ex| {
        assert_eq!(ex.headers["x-ratelimit-remaining"], (59 - i).to_string());
    });
    conforms(&ex, "/numbers");
    assert_eq!(
        ex.body,
        json!({"errors": {"detail": "Too many requests. Please try again later."}})
    );
    snapshot("hipcall_v3_error_rate_limited", &ex);
}
