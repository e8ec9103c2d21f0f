//! Call-count expectations of an embedded emulator: [`super::MockDesk::expect`] declares "this
//! many requests like these", checked when the handle is dropped (or by
//! [`super::MockDesk::verify`]), with the requests that came close listed when one is not met.

use std::sync::Mutex;

use crate::platform::journal::{Entry, Filter};

/// The declared expectations, in the order declared.
#[derive(Debug, Default)]
pub(super) struct Expectations(Mutex<Vec<(Filter, usize)>>);

impl Expectations {
    pub(super) fn add(&self, filter: Filter, times: usize) {
        self.lock().push((filter, times));
    }

    /// Takes every expectation out (each is checked once).
    pub(super) fn take(&self) -> Vec<(Filter, usize)> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Filter, usize)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a filter asks for, as the admin API's field names.
fn describe(f: &Filter) -> String {
    let mut parts = Vec::new();
    let mut text = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    };
    text("surface", &f.surface);
    text("method", &f.method);
    text("path", &f.path);
    text("account", &f.account);
    if let Some(s) = f.status {
        parts.push(format!("status={s}"));
    }
    if let Some(t) = f.since {
        parts.push(format!("since={t}"));
    }
    if parts.is_empty() {
        "any request".into()
    } else {
        parts.join(" ")
    }
}

/// The report of every expectation `entries` does not meet; `None` when all are met.
pub(super) fn unmet(expected: &[(Filter, usize)], entries: &[Entry]) -> Option<String> {
    let mut out = Vec::new();
    for (f, times) in expected {
        let got = entries.iter().filter(|e| f.matches(e)).count();
        if got == *times {
            continue;
        }
        out.push(format!(
            "expected {times} request(s) matching {}, got {got}",
            describe(f)
        ));
        // Near misses: the same surface and method, or the same path, that did not match.
        let near: Vec<&Entry> = entries
            .iter()
            .filter(|e| !f.matches(e))
            .filter(|e| f.surface.as_deref().is_none_or(|s| e.surface == s))
            .filter(|e| {
                f.method
                    .as_deref()
                    .is_some_and(|m| e.method.eq_ignore_ascii_case(m))
                    || f.path
                        .as_deref()
                        .is_some_and(|p| crate::platform::faults::path_matches(p, &e.vendor_path))
            })
            .collect();
        for e in near.iter().rev().take(10).rev() {
            out.push(format!(
                "    near miss: {} {} -> {} (surface {}, account {})",
                e.method,
                e.vendor_path,
                e.status,
                e.surface,
                e.account.as_deref().unwrap_or("-")
            ));
        }
        if near.is_empty() {
            out.push(format!(
                "    no near miss among the {} request(s) received",
                entries.len()
            ));
        }
    }
    (!out.is_empty()).then(|| format!("mockdesk expectations not met:\n{}", out.join("\n")))
}
