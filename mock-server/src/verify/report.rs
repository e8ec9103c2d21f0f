//! Rendering a verify [`Report`]: the terminal table, JUnit XML and JSON.

use std::fmt::Write as _;

use super::{Outcome, Report};

fn deviation_lines(o: &Outcome, who: &str) -> Vec<String> {
    match o {
        Outcome::Fail { deviations } => deviations
            .iter()
            .map(|d| {
                let at = if d.pointer.is_empty() {
                    "/"
                } else {
                    &d.pointer
                };
                format!(
                    "    {who}{at}  {}: expected {}, found {}",
                    d.kind.label(),
                    d.expected,
                    d.found
                )
            })
            .collect(),
        Outcome::Skip { reason } => vec![format!("    {who}skipped: {reason}")],
        Outcome::Pass => vec![],
    }
}

/// The per-operation table, the deviations under each failing row, and the closing
/// `N passed, M failed` line (for the target).
pub fn table(r: &Report) -> String {
    let with_mock = r.results.iter().any(|x| x.mock.is_some());
    let spec =
        |x: &super::ProbeResult| format!("{} {} -> {}", x.method, x.template, x.expected_status);
    let width = r
        .results
        .iter()
        .map(|x| x.operation.len())
        .max()
        .unwrap_or(9)
        .max(9)
        + 2;
    let spec_width = r
        .results
        .iter()
        .map(|x| spec(x).len())
        .max()
        .unwrap_or(4)
        .max(4)
        + 2;
    let mut out = String::new();
    let _ = writeln!(out, "verify {} at {}", r.surface, r.base_url);
    if with_mock {
        let _ = writeln!(
            out,
            "{:<width$}{:<spec_width$}{:<8}{:<8}",
            "operation", "spec", "target", "mock"
        );
    } else {
        let _ = writeln!(
            out,
            "{:<width$}{:<spec_width$}{:<8}",
            "operation", "spec", "target"
        );
    }
    for x in &r.results {
        if let Some(m) = &x.mock {
            let _ = writeln!(
                out,
                "{:<width$}{:<spec_width$}{:<8}{:<8}",
                x.operation,
                spec(x),
                x.target.label(),
                m.label()
            );
        } else {
            let _ = writeln!(
                out,
                "{:<width$}{:<spec_width$}{:<8}",
                x.operation,
                spec(x),
                x.target.label()
            );
        }
        for l in deviation_lines(&x.target, if with_mock { "target " } else { "" }) {
            let _ = writeln!(out, "{l}");
        }
        if let Some(m) = &x.mock {
            for l in deviation_lines(m, "mock ") {
                let _ = writeln!(out, "{l}");
            }
        }
    }
    if let Some((p, f)) = r.mock_counts() {
        let _ = writeln!(out, "emulator: {p} passed, {f} failed");
    }
    let (p, f) = r.counts();
    let _ = writeln!(out, "{p} passed, {f} failed");
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test case per operation (and per operation on the emulator).
pub fn junit(r: &Report) -> String {
    let mut cases = String::new();
    let mut tests = 0;
    let mut failures = 0;
    let mut skipped = 0;
    let mut case = |class: &str, name: &str, o: &Outcome| {
        tests += 1;
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(class),
            xml(name)
        );
        match o {
            Outcome::Pass => cases.push_str("/>\n"),
            Outcome::Skip { reason } => {
                skipped += 1;
                let _ = writeln!(cases, "><skipped message=\"{}\"/></testcase>", xml(reason));
            }
            Outcome::Fail { deviations } => {
                failures += 1;
                let text: Vec<String> = deviations.iter().map(ToString::to_string).collect();
                let _ = writeln!(
                    cases,
                    "><failure message=\"{} deviation(s)\">{}</failure></testcase>",
                    deviations.len(),
                    xml(&text.join("\n"))
                );
            }
        }
    };
    for x in &r.results {
        case(&format!("verify.{}", r.surface), &x.operation, &x.target);
        if let Some(m) = &x.mock {
            case(&format!("verify.{}.emulator", r.surface), &x.operation, m);
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"verify-{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n</testsuites>\n",
        xml(&r.surface)
    )
}

/// The report as JSON, with the counts.
pub fn json(r: &Report) -> String {
    let (passed, failed) = r.counts();
    let v = serde_json::json!({
        "surface": r.surface,
        "base_url": r.base_url,
        "passed": passed,
        "failed": failed,
        "emulator": r.mock_counts().map(|(p, f)| serde_json::json!({"passed": p, "failed": f})),
        "results": r.results,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
