//! The Hipcall v20211124 contract checks. Each check takes a [`Target`]: the test binary runs
//! them against a fresh emulator (or the API named by `CONTRACT_HIPCALL_BASE_URL`), and the
//! same checks run against a separately started `mockdesk` process.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::redact::{self, hipcall::HEADERS};
use crate::schema::Contract;
use crate::strategies::hipcall as strat;
use crate::target::{Auth, Exchange, Surface, Target};
use mock_server::vendors::hipcall;
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

pub const SURFACE: Surface = Surface::new(&hipcall::LEGACY, hipcall::DEFAULT_TOKEN);

pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| crate::schema::load("hipcall"));

/// Asserts the exchange matches the documented response for `template`.
pub fn conforms(ex: &Exchange, template: &str) {
    crate::check::conforms(&CONTRACT, ex, template);
}

fn snapshot(name: &str, ex: &Exchange, settings: insta::Settings) {
    settings.bind(|| insta::assert_json_snapshot!(name, redact::view(ex, HEADERS)));
}

/// Cases for property tests: PROPTEST_CASES, or few on a real target.
fn cases(t: &Target, mock_default: u32) -> u32 {
    crate::check::cases(t, mock_default, 3)
}

/// Every documented example response of seed 004 validates against the schema.
pub fn documented_examples_validate() {
    let dir = crate::fixtures_dir().join("examples/hipcall");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (resource, kind) = stem.rsplit_once('_').unwrap();
        let component = match (resource, kind) {
            ("cdrs", "list") => "CdrList".to_string(),
            ("cdr", "detail") => "CdrDetailData".to_string(),
            ("users", "list") => "UserListItemList".to_string(),
            ("user", "detail") => "UserDetailData".to_string(),
            (r, "list") => format!("{}{}List", r[..1].to_uppercase(), &r[1..r.len() - 1]),
            (r, "detail") => format!("{}{}Data", r[..1].to_uppercase(), &r[1..]),
            _ => panic!("unexpected example {stem}"),
        };
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let d = CONTRACT.validate_component(&component, &v);
        assert!(d.is_empty(), "{stem} vs {component}: {d:?}");
        seen += 1;
    }
    assert_eq!(seen, 14, "every documented example is checked");
}

fn snapshot_exchange(t: &Target) -> impl Fn(&str, &Exchange) + '_ {
    |name, ex| snapshot(name, ex, redact::hipcall::settings(&t.base_url))
}

/// The catalogue's reads and errors (`mock_server::vendors::hipcall::catalogue`) conform and
/// match their snapshots (reads on the emulator only: a real account holds other data).
pub fn read_operations_and_errors(t: &Target) {
    crate::check::catalogue_reads(t, &CONTRACT, snapshot_exchange(t));
}

/// Every check of this suite, for the coverage test and the external-process run.
pub const CHECKS: crate::check::Checks = &[
    ("read_operations_and_errors", read_operations_and_errors),
    ("write_operations", write_operations),
    (
        "pagination_covers_every_record_once",
        pagination_covers_every_record_once,
    ),
    ("bad_credentials_get_401", bad_credentials_get_401),
    ("created_tasks_round_trip", created_tasks_round_trip),
    (
        "invalid_task_bodies_are_rejected",
        invalid_task_bodies_are_rejected,
    ),
];

/// Every schema operation has a catalogue case, a route and a check.
pub fn every_operation_has_a_case_a_route_and_a_check() {
    crate::check::every_operation_has_a_case_a_route_and_a_check(SURFACE, &CONTRACT, CHECKS);
}

/// Write operations and their documented responses (needs writes on a real target; the tag
/// operations need a company/contact id, which only the emulator's seed guarantees).
pub fn write_operations(t: &Target) {
    if t.skip_unless_writes("createTask, createComment, updateUser, tag operations") {
        return;
    }
    let body = json!({"name": "Sent an email to client", "description": "ut", "due_date": "20220612 12:12:12",
        "auto_assign_to_user": false, "priority": "low"});
    let ex = t.call(Method::POST, "/tasks", Some(&body));
    assert_eq!(ex.status, 201, "{}", ex.raw);
    conforms(&ex, "/tasks");
    snapshot(
        "hipcall_createTask",
        &ex,
        redact::hipcall::created(&t.base_url),
    );
    let task_id = ex.body["data"]["id"].clone();

    let ex = t.call(Method::POST, "/comments", Some(&json!({"commentable_type": "task", "commentable_id": task_id, "content": "20220612 12:12:12"})));
    assert_eq!(ex.status, 201, "{}", ex.raw);
    conforms(&ex, "/comments");
    snapshot(
        "hipcall_createComment",
        &ex,
        redact::hipcall::created(&t.base_url),
    );

    let ex = t.call(Method::POST, "/tasks", Some(&json!({"description": 5})));
    assert_eq!(ex.status, 422);
    conforms(&ex, "/tasks");
    snapshot(
        "hipcall_error_invalid_task",
        &ex,
        redact::hipcall::settings(&t.base_url),
    );

    if t.skip_unless_mock("updateUser and tag operations change seeded records") {
        return;
    }
    let ex = t.call(
        Method::PUT,
        "/users/3",
        Some(&json!({"default_number_id": 1})),
    );
    assert_eq!(ex.status, 200);
    conforms(&ex, "/users/{id}");
    snapshot(
        "hipcall_updateUser",
        &ex,
        redact::hipcall::updated(&t.base_url),
    );
    for (kind, add_op, remove_op) in [
        ("companies", "addCompanyTags", "removeCompanyTag"),
        ("contacts", "addContactTags", "removeContactTag"),
    ] {
        let ex = t.call(
            Method::POST,
            &format!("/{kind}/1/tags"),
            Some(&json!({"tags": ["abc", "def"]})),
        );
        assert_eq!(ex.status, 200);
        conforms(&ex, &format!("/{kind}/{{id}}/tags"));
        snapshot(
            &format!("hipcall_{add_op}"),
            &ex,
            redact::hipcall::settings(&t.base_url),
        );
        let tag = &ex.body["data"][0]["id"];
        let ex = t.call(Method::DELETE, &format!("/{kind}/1/tags/{tag}"), None);
        assert_eq!(ex.status, 200);
        conforms(&ex, &format!("/{kind}/{{id}}/tags/{{tag_id}}"));
        snapshot(
            &format!("hipcall_{remove_op}"),
            &ex,
            redact::hipcall::settings(&t.base_url),
        );
    }
}

/// Collects the ids of every page of `resource` at `per_page`, checking each page's schema.
fn walk(t: &Target, resource: &str, key: &str, per_page: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for page in 1..=1000 {
        let ex = t.call(
            Method::GET,
            &format!("/{resource}?per_page={per_page}&page={page}"),
            None,
        );
        assert_eq!(ex.status, 200, "{}", ex.raw);
        conforms(&ex, &format!("/{resource}"));
        let data = ex.body["data"].as_array().cloned().unwrap_or_default();
        assert!(data.len() <= per_page);
        ids.extend(data.iter().map(|r| r[key].to_string()));
        if ex.body["links"]["next"].is_null() {
            break;
        }
    }
    ids
}

/// Walking all pages at any valid per_page returns every record exactly once, in the same
/// order as one big page (full and simple paginators).
pub fn pagination_covers_every_record_once(t: &Target) {
    let reference: Vec<(&str, &str, Vec<String>)> =
        [("users", "id"), ("tasks", "id"), ("cdrs", "uuid")]
            .into_iter()
            .map(|(r, k)| (r, k, walk(t, r, k, 100)))
            .collect();
    for (_, _, ids) in &reference {
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicates at per_page=100");
    }
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 24)));
    runner
        .run(&(strat::per_page(), 0usize..3), |(per_page, which)| {
            let (resource, key, expected) = &reference[which];
            let ids = walk(t, resource, key, per_page);
            prop_assert_eq!(&ids, expected, "{} at per_page={}", resource, per_page);
            Ok(())
        })
        .unwrap();
}

/// Generated invalid task bodies get 422 with the Laravel body naming the field, and
/// nothing is created.
pub fn invalid_task_bodies_are_rejected(t: &Target) {
    if t.skip_unless_writes("invalid POST /tasks bodies") {
        return;
    }
    let total = |t: &Target| t.call(Method::GET, "/tasks", None).body["meta"]["total"].clone();
    let before = total(t);
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 64)));
    runner
        .run(&strat::invalid_task(), |(body, field)| {
            let ex = t.call(Method::POST, "/tasks", Some(&body));
            prop_assert_eq!(ex.status, 422, "{} -> {}", body, ex.raw);
            conforms(&ex, "/tasks");
            prop_assert!(
                ex.body["errors"][&field].is_array(),
                "{} not reported in {}",
                field,
                ex.raw
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(total(t), before, "an invalid body created a task");
}

/// Generated valid tasks round-trip: the 201 body and a later GET agree with what was sent.
pub fn created_tasks_round_trip(t: &Target) {
    if t.skip_unless_writes("POST /tasks round trip") {
        return;
    }
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 48)));
    runner
        .run(&strat::valid_task(), |(body, expect)| {
            let created = t.call(Method::POST, "/tasks", Some(&body));
            prop_assert_eq!(created.status, 201, "{} -> {}", body, created.raw);
            conforms(&created, "/tasks");
            for (k, v) in &expect {
                prop_assert_eq!(&created.body["data"][k], v, "field {} of {}", k, body);
            }
            let got = t.call(
                Method::GET,
                &format!("/tasks/{}", created.body["data"]["id"]),
                None,
            );
            conforms(&got, "/tasks/{id}");
            prop_assert_eq!(&got.body, &created.body);
            Ok(())
        })
        .unwrap();
}

/// Any missing, malformed or unknown credential gets 401 with the error body.
pub fn bad_credentials_get_401(t: &Target) {
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 32)));
    runner
        .run(&strat::bad_authorization(), |auth| {
            let a = match &auth {
                Some(h) => Auth::Header(h),
                None => Auth::None,
            };
            let ex = t.call_as(a, Method::GET, "/tasks", None);
            prop_assert_eq!(ex.status, 401);
            conforms(&ex, "/tasks");
            Ok(())
        })
        .unwrap();
}

/// In documented mode the 31st request inside a minute gets 429 with Retry-After (emulator
/// only: exhausting a real account's budget is not a test to run against a vendor).
pub fn thirty_first_request_is_rate_limited(probe: &Target) {
    if probe.skip_unless_mock("rate-limit exhaustion") {
        return;
    }
    let t = &crate::check::rate_limited_emulator(SURFACE);
    let ex = crate::check::exhaust(t, "/teams", 30, |i, ex| {
        assert_eq!(ex.headers["x-ratelimit-remaining"], (29 - i).to_string());
    });
    conforms(&ex, "/teams");
    snapshot(
        "hipcall_error_rate_limited",
        &ex,
        redact::hipcall::settings(&t.base_url),
    );
}
