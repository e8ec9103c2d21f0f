//! The Chative.IO v1.0 contract checks, each taking a [`Target`].

use std::collections::BTreeSet;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

use crate::redact;
use crate::schema::Contract;
use crate::strategies::chative as strat;
use crate::target::{Exchange, Surface, Target};
use mock_server::vendors::chative;

pub const SURFACE: Surface = Surface::new(&chative::DIALECT, chative::DEFAULT_TOKEN);

pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| crate::schema::load("chative"));

const HEADERS: &[&str] = &["content-type", "retry-after"];

pub fn conforms(ex: &Exchange, template: &str) {
    crate::check::conforms(&CONTRACT, ex, template);
}

fn settings() -> insta::Settings {
    let mut s = redact::settings();
    redact::shape(
        &mut s,
        ".headers[\"retry-after\"]",
        "[seconds]",
        redact::integer_string,
    );
    s
}

fn snapshot(name: &str, ex: &Exchange) {
    let mut s = settings();
    redact::shape(&mut s, ".body.updatedAt", "[ms timestamp]", |c| {
        c.as_i64().is_some() || c.as_u64().is_some()
    });
    s.bind(|| insta::assert_json_snapshot!(name, redact::view(ex, HEADERS)));
}

fn cases(t: &Target, mock_default: u32) -> u32 {
    crate::check::cases(t, mock_default, 3)
}

/// The catalogue's reads and errors (`mock_server::vendors::chative::catalogue`) conform and
/// match their snapshots (reads on the emulator only); a contact's detail equals its list item.
pub fn read_operations_and_errors(t: &Target) {
    let seen = crate::check::catalogue_reads(t, &CONTRACT, snapshot);
    if let (Some(list), Some(one)) = (seen.get("listContacts"), seen.get("getContact")) {
        assert_eq!(
            one.body, list.body["list"][0],
            "detail equals the list item"
        );
    }
}

/// Every check of this suite, for the coverage test and the external-process run.
pub const CHECKS: crate::check::Checks = &[
    ("read_operations_and_errors", read_operations_and_errors),
    (
        "paging_covers_every_contact_once",
        paging_covers_every_contact_once,
    ),
    ("patch_round_trips", patch_round_trips),
    (
        "invalid_patch_changes_nothing",
        invalid_patch_changes_nothing,
    ),
    ("delete_then_get_is_404", delete_then_get_is_404),
];

/// Every schema operation has a catalogue case, a route and a check.
pub fn every_operation_has_a_case_a_route_and_a_check() {
    crate::check::every_operation_has_a_case_a_route_and_a_check(SURFACE, &CONTRACT, CHECKS);
}

/// The ids of every page at `limit`, walking from page 0 until an empty list.
fn walk(t: &Target, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for page in 0..10_000 {
        let ex = t.call(
            Method::GET,
            &format!("/contacts?page={page}&limit={limit}"),
            None,
        );
        assert_eq!(ex.status, 200, "{}", ex.raw);
        conforms(&ex, "/contacts");
        let list = ex.body["list"].as_array().cloned().unwrap_or_default();
        assert!(list.len() <= limit);
        if list.is_empty() {
            break;
        }
        ids.extend(
            list.iter()
                .map(|c| c["id"].as_str().unwrap_or("").to_string()),
        );
    }
    ids
}

/// Paging at any limit 1–200 returns every contact exactly once, in one order.
pub fn paging_covers_every_contact_once(t: &Target) {
    let reference = walk(t, 200);
    assert_eq!(
        reference.iter().collect::<BTreeSet<_>>().len(),
        reference.len()
    );
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 12)));
    runner
        .run(&(1usize..=200), |limit| {
            prop_assert_eq!(walk(t, limit), reference.clone(), "limit {}", limit);
            Ok(())
        })
        .unwrap();
}

fn first_contact(t: &Target) -> Option<String> {
    t.call(Method::GET, "/contacts?limit=1", None).body["list"][0]["id"]
        .as_str()
        .map(str::to_string)
}

/// Valid PATCH bodies round-trip: the answer and a later read show every value sent.
pub fn patch_round_trips(t: &Target) {
    if t.skip_unless_writes("PATCH /contacts/{id}") {
        return;
    }
    let Some(id) = first_contact(t) else { return };
    // The snapshot comes first, from the seeded contact, before any random change.
    if t.is_mock() {
        let ex = t.call(
            Method::PATCH,
            &format!("/contacts/{id}"),
            Some(&json!({"firstName": "Peter", "VIP": "true", "newsletter": "true"})),
        );
        snapshot("chative_updateContact", &ex);
    }
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 48)));
    runner
        .run(&strat::valid_patch(t.is_mock()), |body| {
            let ex = t.call(
                Method::PATCH,
                &format!("/contacts/{id}"),
                Some(&Value::Object(body.clone())),
            );
            prop_assert_eq!(ex.status, 200, "{:?} -> {}", body, ex.raw);
            conforms(&ex, "/contacts/{id}");
            for (k, v) in &body {
                let got = if ex.body.get(k).is_some() {
                    &ex.body[k]
                } else {
                    &ex.body["customFields"][k]
                };
                prop_assert_eq!(got, v, "field {}", k);
            }
            let read = t.call(Method::GET, &format!("/contacts/{id}"), None);
            prop_assert_eq!(&read.body, &ex.body);
            Ok(())
        })
        .unwrap();
}

/// Invalid PATCH bodies get 400 naming the field and change nothing.
pub fn invalid_patch_changes_nothing(t: &Target) {
    if t.skip_unless_writes("invalid PATCH /contacts/{id}") {
        return;
    }
    let Some(id) = first_contact(t) else { return };
    let before = t.call(Method::GET, &format!("/contacts/{id}"), None).body;
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 48)));
    runner
        .run(&strat::invalid_patch(), |(body, field)| {
            let ex = t.call(
                Method::PATCH,
                &format!("/contacts/{id}"),
                Some(&Value::Object(body.clone())),
            );
            prop_assert_eq!(ex.status, 400, "{:?} -> {}", body, ex.raw);
            conforms(&ex, "/contacts/{id}");
            let fields: Vec<&str> = ex.body["details"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["field"].as_str())
                .collect();
            prop_assert!(
                fields.contains(&field.as_str()),
                "{} not named in {}",
                field,
                ex.raw
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(
        t.call(Method::GET, &format!("/contacts/{id}"), None).body,
        before,
        "an invalid PATCH changed the contact"
    );
}

/// Delete, then get is 404 "Contact not found" (emulator only: the API has no create to
/// restore a deleted contact).
pub fn delete_then_get_is_404(t: &Target) {
    if t.skip_unless_mock("DELETE /contacts/{id} cannot be undone on a real account") {
        return;
    }
    let Some(id) = first_contact(t) else { return };
    let ex = t.call(Method::DELETE, &format!("/contacts/{id}"), None);
    assert_eq!(ex.status, 200);
    conforms(&ex, "/contacts/{id}");
    let mut s = settings();
    redact::shape(&mut s, ".body.id", "[uuid]", |c| {
        c.as_str().is_some_and(|v| v.len() == 36)
    });
    s.bind(|| insta::assert_json_snapshot!("chative_deleteContact", redact::view(&ex, HEADERS)));
    let ex = t.call(Method::GET, &format!("/contacts/{id}"), None);
    assert_eq!(ex.status, 404);
    conforms(&ex, "/contacts/{id}");
    assert_eq!(ex.body["message"], "Contact not found");
}

/// The 61st request in a minute is refused with `rate_limited` (emulator only).
pub fn sixty_first_request_is_rate_limited(probe: &Target) {
    if probe.skip_unless_mock("rate-limit exhaustion") {
        return;
    }
    let t = &crate::check::rate_limited_emulator(SURFACE);
    let ex = crate::check::exhaust(t, "/contacts?limit=1", 60, |_, _| {});
    conforms(&ex, "/contacts");
    snapshot("chative_error_rate_limited", &ex);
}
